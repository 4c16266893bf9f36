"""Render PDFs in a small pool of worker processes, each reusing its loaded WeasyPrint.

One process per core, never one per document: a worker imports WeasyPrint and loads
its fonts once, then renders document after document. With one job everything runs
in this process.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import multiprocessing
import multiprocessing.util
import os
import shutil
import signal
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import LeafletError
from ..core.project import write_atomically
from ..rendering.fonts import Subset

if TYPE_CHECKING:
    from ..publishing.files import File


@dataclass(frozen=True)
class Task:
    """One PDF to render: its HTML and everything WeasyPrint needs besides it."""

    html: str
    font_faces: str
    allowed_dirs: tuple[Path, ...]
    identifier: str
    shown: str
    target: Path
    # The font subsets ``font_faces`` names, made here if not yet made (fonts.py).
    subsets: tuple[Subset, ...] = ()
    # Where to write the catalogue's thumbnail of page 1 (see catalogue.py), if anywhere:
    # the worker has the PDF in memory, and the main process is then spared the work.
    thumbnail: tuple[Path, str, bool] | None = None  # (dist, path in dist, force)


@dataclass(frozen=True)
class Rendered:
    """What a worker reports for a written PDF."""

    sha256: str
    bytes: int
    pages: int
    thumbnail: File | None = None
    # Each page that wastes paper, in a sentence (fill.py).
    waste: tuple[str, ...] = ()


def render(task: Task) -> Rendered | LeafletError:
    """Render ``task`` and write its PDF atomically; return a problem instead of raising it."""
    from ..rendering import fill
    from ..rendering.pdf import write_pdf

    waste: list[str] = []
    try:
        for subset in task.subsets:
            subset.make()
        pdf, pages = write_pdf(task.html, list(task.allowed_dirs), task.identifier, task.shown,
                               font_faces=task.font_faces,
                               laid_out=lambda document: waste.extend(
                                   fill.waste(fill.measure(document))))
        write_atomically(task.target, pdf)
        sha256 = hashlib.sha256(pdf).hexdigest()
        thumbnail = None
        if task.thumbnail:
            from ..publishing.catalogue import make_thumbnail

            dist, relative, force = task.thumbnail
            thumbnail = make_thumbnail(dist, relative, pdf, sha256, force)
    except LeafletError as error:
        return error
    except OSError as error:  # WeasyPrint's own temporary files: a full disk, say
        return LeafletError.at(task.shown, None, f"cannot render the PDF: "
                                                 f"{error.strerror or error}")
    return Rendered(sha256, len(pdf), pages, thumbnail, tuple(waste))


class RenderPool:
    """Where a build renders its PDFs: ``jobs`` worker processes, or this process.

    The workers start with the build, before anything is loaded, and import WeasyPrint
    and check the system while this process loads and validates the leaflets: that
    second or so is then off the critical path. A build with ``jobs`` = 1 renders here.
    """

    def __init__(self, jobs: int) -> None:
        self._executor = None
        if jobs > 1:
            _remove_orphaned_temporary_folders()
            # fork: workers start with this process's modules already imported (Linux);
            # elsewhere the platform's default start method.
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._started = context.SimpleQueue()
            self._pids: set[int] = set()
            self._executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                                 initializer=_start_worker,
                                                 initargs=(os.getpid(), self._started))
            self._system = self._executor.submit(_system_problems)

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, kind, *exception) -> None:
        if kind is not None and not issubclass(kind, Exception):  # Ctrl-C, SystemExit
            self.stop()
        elif self._executor:
            self._executor.shutdown(cancel_futures=True)

    def stop(self) -> None:
        """End the workers now, in the middle of a document if need be, and wait for them.

        Each PDF is written atomically, so a worker ended mid-document leaves the
        previous file; and once this returns, no worker writes anything more.
        """
        if not self._executor:
            return
        # The executor offers no way to end running tasks: its processes are ended here.
        # It takes a worker ended this way for a broken pool, so shutdown() then ends
        # and joins the others too, one that had not yet sent its pid included.
        workers = self._workers()
        for process in workers:
            process.terminate()
        for process in workers:
            process.join()
            # Ended this way, a worker could not delete its temporary files itself.
            shutil.rmtree(_temporary_folder(process.pid), ignore_errors=True)
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _workers(self) -> list[multiprocessing.process.BaseProcess]:
        """Return this pool's worker processes that are still running.

        Each worker sends its pid when it starts (`_start_worker`); the processes
        themselves are this process's children, which multiprocessing lists.
        """
        while not self._started.empty():
            self._pids.add(self._started.get())
        return [process for process in multiprocessing.active_children()
                if process.pid in self._pids]

    def system_problems(self) -> list[str]:
        """Return what this machine lacks for correct, fast PDFs (see pdf.py)."""
        return self._system.result() if self._executor else _system_problems()

    def render_all(self, tasks: list[Task]):
        """Yield ``(task, result)`` as each task finishes."""
        # Everything loaded so far (leaflets, catalogs, CLDR data, templates) lives until
        # the end: freezing it keeps Python's collector from walking it again after every
        # document, which otherwise cost about 10% of the rendering time.
        gc.freeze()
        if not self._executor:
            for task in tasks:
                yield task, render(task)
            return
        futures = {self._executor.submit(render, task): task for task in tasks}
        for future in as_completed(futures):
            yield futures[future], future.result()


def _start_worker(parent: int, started) -> None:
    """Tie the worker to the build's main process, tell it this worker's pid (for
    `RenderPool.stop`), then load WeasyPrint."""
    # Ctrl-C reaches every process of the terminal's group: the main process alone
    # handles it, ending the workers itself (no traceback from each of them).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_parent(parent)
    started.put(os.getpid())
    import weasyprint  # noqa: F401  (the import is the point: about 0.65 s)

    from ..rendering.pdf import drop_font_configurations

    # WeasyPrint keeps the fonts of each FontConfiguration in a temporary folder: this
    # worker's go in a folder of its own, which `RenderPool.stop` deletes when it ends
    # the worker mid-document, and the next pool when the worker was killed.
    folder = _temporary_folder(os.getpid())
    folder.mkdir(exist_ok=True)
    tempfile.tempdir = str(folder)
    # A worker ends through os._exit, without atexit: its font folders go this way.
    multiprocessing.util.Finalize(None, drop_font_configurations, exitpriority=10)
    multiprocessing.util.Finalize(None, shutil.rmtree, (folder, True), exitpriority=5)


WORKER_FOLDER = "leafpress-worker-"


def _temporary_folder(pid: int) -> Path:
    """Return the temporary folder of the render worker ``pid``."""
    return Path(tempfile.gettempdir()) / f"{WORKER_FOLDER}{pid}"


def _remove_orphaned_temporary_folders() -> None:
    """Delete the temporary folders of workers that no longer run (killed with a build)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKER_FOLDER}*"):
        pid = folder.name.removeprefix(WORKER_FOLDER)
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    """Return whether the process ``pid`` runs: a zombie, which a container's first
    process may never reap, does not."""
    if not Path("/proc/self").is_dir():  # not Linux: whether the kernel knows the process
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except OSError:
        return False


# prctl(2): PR_SET_PDEATHSIG = 1.
_PR_SET_PDEATHSIG = 1


def _end_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the main process ends, however it ends.

    Without it, a main process killed with SIGKILL leaves its workers running,
    adopted by init, holding ~90 MB each (issue 13). Linux only; elsewhere the
    executor's own pipe ends an idle worker when the main process goes.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the main process ended before the call above
        os._exit(1)


def _system_problems() -> list[str]:
    from ..rendering.pdf import system_problems

    return system_problems()


def default_jobs() -> int:
    """Return the number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
