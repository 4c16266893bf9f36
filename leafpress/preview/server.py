"""``build.py serve``: a local preview that rebuilds what an edit touches and reloads the tab.

Like mkdocs' ``serve``, it only watches and calls the build again: the build itself is
the same ``build()``, narrowed to the leaflets and languages a change touches, with the
render workers kept warm between rebuilds. Two steps per change, so that the writer
sees the text first:

1. the web pages of the touched leaflets are rendered (HTML only, no WeasyPrint) into
   ``dist/.cache/preview/`` and served in place of the published ones; open tabs of
   those pages reload;
2. the selective build writes the PDFs, the pages and the catalogue into ``dist/`` as
   any build does; tabs showing a changed PDF reload, and the preview copies are
   dropped.

A mistake (anything ``check`` reports) is sent to every open tab as an overlay with the
same ``file:line: …`` lines; the last good files stay underneath, and the next good
build clears it. The server listens on 127.0.0.1 only, answers only requests that name
that address (``Host``), and serves nothing outside ``dist/`` but the editor, which it
hands every request under ``/edit/`` (leafpress/editor/). It is werkzeug's threaded WSGI
server (issue 22: a maintained framework rather than more ``http.server`` code): each
request, and each tab's event stream, in a thread of its own, as the watcher and the
builds run in theirs.

Every file is served at its own address as it is in ``dist/`` (a PDF as
``application/pdf``), for ``GET`` and ``HEAD`` alike; a web page only gains the script
that reloads it. A PDF cannot run that script, so a page of its own shows it and reloads
(``/__leafpress/view/`` and the PDF's path): the served pages' links to PDFs point there.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import signal
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin

from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ..build.manifest import read_manifest
from ..core.errors import LeafletError
from ..core.project import DRAFTS_DIR, Project
from ..editor.app import PREFIX as EDITOR_PREFIX
from ..editor.app import Editor
from ..editor.guard import Guard

EVENTS_PATH = "/__leafpress/events"
SCRIPT_PATH = "/__leafpress/live.js"
VIEW_PATH = "/__leafpress/view"  # + a PDF's path: the page that shows it and reloads
PREVIEW_DIR = Path(".cache") / "preview"
# Sent to an open tab; it reloads when a path it shows changed, and shows the problems
# in an overlay (a dialog, so that screen readers announce it) until they are gone.
LIVE_SCRIPT = """\
(() => {
  const path = decodeURIComponent(location.pathname);
  const here = path.endsWith("/") ? path + "index.html" : path;
  const shown = new Set([here, ...[...document.querySelectorAll("iframe[data-leafpress]")]
    .map((frame) => frame.dataset.leafpress)]);
  let overlay = null;
  function show(problems) {
    if (overlay) { overlay.remove(); overlay = null; }
    if (!problems.length) return;
    overlay = document.createElement("div");
    overlay.id = "leafpress-problems";
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-label", "Problems in the leaflets");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(33,43,50,.94);color:#fff;font:16px/1.5 monospace;padding:2rem;" +
      "white-space:pre-wrap";
    const title = document.createElement("h2");
    title.textContent = problems.length + (problems.length === 1 ? " problem" : " problems") +
      " found; the last good version is underneath";
    const list = document.createElement("pre");
    list.textContent = problems.join("\\n");
    overlay.append(title, list);
    document.body.append(overlay);
  }
  let version = null;
  const events = new EventSource("%s");
  events.onmessage = (message) => {
    const state = JSON.parse(message.data);
    show(state.problems);
    if (version !== null && state.version !== version &&
        state.changed.some((path) => shown.has(path))) {
      location.reload();
    }
    version = state.version;
  };
})();
""" % EVENTS_PATH
# A PDF opened from a served page is shown in this page, so that it can reload too.
PDF_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{name}</title>
<style>html, body, iframe {{ margin: 0; border: 0; width: 100%; height: 100%; }}</style>
</head><body><iframe title="{name}" src="{address}" data-leafpress="{path}"></iframe>
<script src="{script}"></script></body></html>
"""
# A link to a PDF of dist/ in a served page: relative or from the root, never to another site.
PDF_LINK = re.compile(rb'href="([^":?#]+\.pdf)"')
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass
class State:
    """What the open tabs are told: the problems, and which paths the last step changed."""

    version: int = 0
    problems: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps({"version": self.version, "problems": self.problems,
                           "changed": self.changed}, ensure_ascii=False)


class Hub:
    """The state every open tab follows; each change wakes every waiting tab.

    A tab that was busy while two changes happened is told both: the paths changed since
    the version it last saw are sent together, with the newest problems.
    """

    HISTORY = 256

    def __init__(self) -> None:
        self._state = State()
        self._history: list[tuple[int, list[str]]] = []
        self._condition = threading.Condition()
        self.closed = False

    def publish(self, *, problems: list[str], changed: list[str] = ()) -> None:
        with self._condition:
            changed = ["/" + path.lstrip("/") for path in changed]
            # A draft is shown at its published address too (`_file`).
            changed += [path.removeprefix(f"/{DRAFTS_DIR}") for path in changed
                        if path.startswith(f"/{DRAFTS_DIR}/")]
            self._state = State(self._state.version + 1, list(problems), changed)
            self._history = [*self._history[-self.HISTORY:], (self._state.version, changed)]
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self.closed = True
            self._condition.notify_all()

    def wait(self, version: int | None, timeout: float = 15) -> State:
        """Return the state once it is newer than ``version`` (or after ``timeout``), with
        every path changed since ``version``."""
        with self._condition:
            self._condition.wait_for(lambda: self.closed or self._state.version != version,
                                     timeout)
            if version is None or self._state.version == version:
                return self._state
            changed = [path for number, paths in self._history if number > version
                       for path in paths]
            return State(self._state.version, self._state.problems, list(dict.fromkeys(changed)))


class Preview:
    """The WSGI application of ``serve``: every file of ``dist`` (preview copies first), the
    event stream open tabs follow, and the editor under ``/edit/`` (editor/app.py).

    Every request must name the server's own address (``guard``), as the editor's do: a
    page of another site that DNS-rebinds its name to 127.0.0.1 reads nothing of dist/.
    """

    def __init__(self, dist: Path, hub: Hub, guard: Guard, editor=None) -> None:
        self.root = dist.resolve()
        self.preview = self.root / PREVIEW_DIR
        self.hub, self.guard, self.editor = hub, guard, editor

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if self.editor is not None and (path == EDITOR_PREFIX or
                                        path.startswith(EDITOR_PREFIX + "/")):
            return self.editor(environ, start_response)  # it checks the Host itself
        try:
            self.guard.check_host(request)
        except HTTPException as error:
            response = _response(error.code, TEXT, f"{error.code} {error.name}: "
                                 f"{error.description}\n".encode())
        else:
            if path == EVENTS_PATH:
                response = _response(200, "text/event-stream", self._events())
            else:
                response = _response(*self._answer(path))
        return response(environ, start_response)

    def _answer(self, path: str) -> tuple[int, str, bytes]:
        """Return the status, type and content of what the (decoded) ``path`` names."""
        if path == SCRIPT_PATH:
            return 200, "text/javascript", LIVE_SCRIPT.encode()
        viewed = path.removeprefix(VIEW_PATH) if path.startswith(VIEW_PATH + "/") else None
        file = _file(self.root, self.preview, viewed or path)
        if file is None or (viewed and file.suffix != ".pdf"):
            return 404, TEXT, f"not found: {path}\n".encode()
        if viewed:
            page = PDF_PAGE.format(name=html.escape(file.name), path=html.escape(viewed),
                                   address=html.escape(quote(viewed)), script=SCRIPT_PATH)
            return 200, HTML, page.encode()
        content = file.read_bytes()
        if file.suffix == ".html":
            content = _live(content, quote(path))
        return 200, _TYPES.get(file.suffix, "application/octet-stream"), content

    def _events(self):
        """Yield each new state to a tab, and a comment every 15 s of quiet, which keeps
        proxies and tabs awake; it ends when the tab is closed (the server stops writing)
        or serve stops."""
        version = None
        while not self.hub.closed:
            state = self.hub.wait(version)
            if state.version == version:
                yield b": still here\n\n"
            else:
                yield f"data: {state.as_json()}\n\n".encode()
                version = state.version


def _response(status: int, kind: str, content) -> Response:
    """Return an answer that no browser keeps: every request must see the newest build.

    A ``HEAD`` request gets the headers of the ``GET`` and no body (werkzeug drops it);
    an event stream (``content`` a generator) has no length and ends when the tab closes.
    """
    return Response(content, status=status, content_type=kind,
                    headers={"Cache-Control": "no-store"},
                    direct_passthrough=not isinstance(content, bytes))


class _Quiet(WSGIRequestHandler):
    def log_request(self, *arguments) -> None:
        pass  # one line per request would drown the build's own lines


_TYPES = {".html": HTML, ".pdf": "application/pdf", ".css": "text/css",
          ".png": "image/png", ".svg": "image/svg+xml", ".ttf": "font/ttf", ".otf": "font/otf",
          ".json": "application/json", ".txt": "text/plain; charset=utf-8",
          # Braille (North American ASCII braille, formats/braille.py) and the e-book.
          ".brf": "text/plain; charset=us-ascii", ".epub": "application/epub+zip"}


def _file(root: Path, preview: Path, path: str) -> Path | None:
    """Return the file of ``dist`` that ``path`` names (its preview copy first), or None.

    A leaflet whose text is not approved is built as a draft (docs/approvers.md:
    Approving a new version): at its published address the writer is shown the draft of the last build,
    so that a tab open on ``en/x/`` follows every edit, and the approved file again once
    the text is approved or put back.
    """
    if path.endswith("/"):
        path += "index.html"
    draft = f"{DRAFTS_DIR}/{path.lstrip('/')}"
    for folder, name in ((preview, path), (preview, draft)):
        fresh = _inside(folder, name)
        if fresh is not None and fresh.is_file():
            return fresh
    if (root / draft).is_file() and _drafted(root, path.lstrip("/")):  # the manifest only then
        path = draft
    file = _inside(root, path)
    return file if file is not None and file.is_file() else None


def _drafted(root: Path, path: str) -> bool:
    """Return whether the last build made ``path`` a draft instead of publishing it."""
    manifest = read_manifest(root)
    return (any(record.get("path") == f"{DRAFTS_DIR}/{path}"
                for record in manifest.get("drafts", []))
            and not any(record.get("path") == path for record in manifest.get("outputs", [])))


def _live(page: bytes, address: str) -> bytes:
    """Return the web page at ``address`` with the reloading script, and its links to PDFs
    pointed at the page that shows them and reloads."""
    def view(link: re.Match) -> bytes:
        target = urljoin(address, html.unescape(link[1].decode()))
        if not target.startswith("/") or target.startswith("//"):
            return link[0]
        return f'href="{html.escape(VIEW_PATH + target)}"'.encode()

    page = PDF_LINK.sub(view, page)
    return page.replace(b"</body>", f'<script src="{SCRIPT_PATH}"></script></body>'.encode(), 1)


def _inside(root: Path, path: str) -> Path | None:
    """Return ``root``/``path`` if it stays inside ``root``, else None."""
    candidate = (root / path.lstrip("/")).resolve()
    return candidate if candidate.is_relative_to(root) else None


@dataclass(frozen=True)
class Selection:
    """The leaflets and locales a change touches; ``None`` means all of them."""

    leaflets: frozenset[str] | None = None
    locales: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return self.leaflets is None and self.locales is None


def touched(project: Project, brand_dir: Path, paths: list[Path]) -> Selection | None:
    """Return what a change to ``paths`` touches, or None if it touches nothing built.

    A leaflet touches itself; a catalog its language; anything else (a template, the
    brand, the POT, a figure beside the leaflets, a language's version of one among
    them) everything: each output's key then rebuilds only those it changes.
    """
    leaflets, locales = set(), set()
    for path in paths:
        path = path.resolve()
        if path.suffix in (".tmp", ".swp") or path.name.startswith(".") or path.name.endswith("~"):
            continue  # an editor's or our own temporary file
        if path.parent == project.leaflets_dir.resolve() and path.suffix == ".yaml":
            leaflets.add(path.stem)
        elif path.is_relative_to(project.locales_dir.resolve()) and path.suffix == ".po":
            locales.add(path.relative_to(project.locales_dir.resolve()).parts[0])
        elif path.suffix == ".pot":
            continue  # written by extract; the catalogs are what is built
        elif (path.is_relative_to(project.templates_dir.resolve())
              or path.is_relative_to(brand_dir.resolve())
              or path.parent == project.leaflets_dir.resolve()
              and path.suffix in (".svg", ".png")):
            return Selection()
    if not leaflets and not locales:
        return None
    if leaflets and locales:
        return Selection()
    return Selection(frozenset(leaflets) or None, frozenset(locales) or None)


def serve_forever(dist: Path, hub: Hub, port: int, editor=None) -> BaseWSGIServer:
    """Start serving ``dist`` on 127.0.0.1:``port`` in a thread; return the server.

    ``editor``, if given, makes the editor from the server's `Guard` (its address and
    token, known once the port is): it answers every request under ``/edit/``.
    """
    server = make_server("127.0.0.1", port, None, threaded=True, request_handler=_Quiet)
    guard = Guard(server.server_port)
    server.app = Preview(dist, hub, guard, editor(guard) if editor else None)
    threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
    return server


def serve(project: Project, dist: Path, options, port: int, log=print, watch=None,
          open_editor: bool = False) -> None:
    """Build, serve ``dist`` and the editor on 127.0.0.1:``port``, and rebuild what each
    change touches until interrupted (Ctrl-C), with the render workers kept warm
    throughout; with ``open_editor``, open the editor in a browser once it listens."""
    import watchfiles

    from ..build.workers import RenderPool

    brand_dir = (options.brand or project.brand_file).resolve().parent
    folders = [project.leaflets_dir, project.locales_dir, project.templates_dir, brand_dir]
    hub = Hub()
    server = serve_forever(dist, hub, port, lambda guard: Editor(project, options, guard,
                                                                 dist=dist))
    address = f"http://127.0.0.1:{server.server_port}/"
    log(f"Serving {dist} at {address} (Ctrl-C stops)")
    log(f"The editor is at {address}edit/")
    if open_editor:
        _open(f"{address}edit/", log)
    stop = threading.Event()
    previous = _stop_on_ctrl_c(stop)
    editor = server.app.editor
    try:
        with RenderPool(options.jobs) as pool:
            editor.pool = pool  # started after the server: PDF previews wait for it
            rebuild = _Rebuild(project, dist, options, pool, hub, log)
            rebuild(Selection())
            for changes in (watch or watchfiles.watch)(*folders, stop_event=stop,
                                                       debounce=50, step=20):
                selection = touched(project, brand_dir, [Path(path) for _, path in changes])
                if selection is not None:
                    rebuild(selection)
    except KeyboardInterrupt:
        pass
    finally:
        editor.pool = None
        stop.set()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        hub.close()
        server.shutdown()
        server.server_close()
    log("Stopped.")


def _open(address: str, log) -> None:
    """Open ``address`` in the default browser, or say in one line that there is none.

    A browser of the terminal (lynx, w3m: what `webbrowser` finds without a desktop)
    counts as none: it would take serve's terminal and hold serve until it ends.
    """
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        browser = None
    if browser is None or type(browser) is webbrowser.GenericBrowser or \
            not browser.open(address):
        log(f"No web browser found here: open {address} in one")


def _stop_on_ctrl_c(stop: threading.Event):
    """Have Ctrl-C also set ``stop``, which ends the watch after the current rebuild;
    return the handler it replaces (None outside the main thread, where none can be set).

    The KeyboardInterrupt alone could be lost: raised while Python code runs inside a
    C library's callback (WeasyPrint's cffi callbacks), it is printed and dropped, and
    serve went on as if nothing had happened.
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupted(number, frame):
        stop.set()
        raise KeyboardInterrupt

    return signal.signal(signal.SIGINT, interrupted)


class _Rebuild:
    """One rebuild after a change: the touched web pages first, then the selective build."""

    def __init__(self, project: Project, dist: Path, options, pool, hub: Hub, log) -> None:
        self.project, self.dist, self.options = project, dist, options
        self.pool, self.hub, self.log = pool, hub, log

    def __call__(self, selection: Selection) -> None:
        from ..build.pipeline import build, build_pages
        from ..build.plan import narrowed

        started = time.perf_counter()
        options = narrowed(self.options, selection.leaflets, selection.locales)
        preview = self.dist / PREVIEW_DIR
        try:
            pages = build_pages(self.project, preview, options, self.dist / ".cache")
        except LeafletError as error:
            return self._problems(error, started)
        self.hub.publish(problems=[], changed=pages)
        self.log(f"{len(pages)} web page{'s' if len(pages) != 1 else ''} shown in "
                 f"{time.perf_counter() - started:.2f} s; building the PDFs")
        try:
            result = build(self.project, self.dist, options, pool=self.pool,
                           log=lambda line: None, warn=self.log)
        except LeafletError as error:
            return self._problems(error, started)
        finally:
            shutil.rmtree(preview, ignore_errors=True)
        unchanged = {output.path for output in [*result.reused, *result.untouched]}
        changed = [output for output in [*result.outputs, *result.drafts]
                   if output.path not in unchanged]
        self.hub.publish(problems=[], changed=[*(output.path for output in changed), *pages])
        built = sum(output.format == "pdf" for output in changed)
        self.log(f"{built} PDF{'s' if built != 1 else ''} built in "
                 f"{time.perf_counter() - started:.2f} s")

    def _problems(self, error: LeafletError, started: float) -> None:
        messages = [str(problem) for problem in error.problems]
        self.hub.publish(problems=messages)
        for message in messages:
            self.log(f"error: {message}")
        self.log(f"{len(messages)} problem{'s' if len(messages) != 1 else ''} found in "
                 f"{time.perf_counter() - started:.2f} s; the last good files stay")
