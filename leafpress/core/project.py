"""Where a project's files are, and which locales it has."""

from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import LeafletError, Problem

SOURCE_LOCALE = "en"
# English text is written in British English; dates and numbers follow en_GB.
SOURCE_FORMAT_LOCALE = "en_GB"
DOMAIN = "messages"
# Every leaflet is also built in large print: re-flowed at 18 pt, not enlarged (the
# Accessible Information Standard asks for alternative formats on request).
VARIANTS = ("standard", "large-print")
# The other formats made with each leaflet's standard PDF and web page (issue 24), and
# their files' extensions: braille for an embosser, an EPUB 3 e-book.
FORMATS = {"braille": "brf", "epub": "epub"}
TEMPORARY_SUFFIX = ".tmp"
# The folder in dist/ with the stylesheet, fonts and logo that the web pages use.
ASSETS_DIR = "assets"
# The folder in dist/ for draft translations: never published, cleared by a normal build.
DRAFTS_DIR = "drafts"
# A date typed on the command line or in the editor's forms that is not one.
DATE_EXPECTED = "expected a date as YYYY-MM-DD, got {!r}"
# A web page is the index of its own folder, so that the address printed on paper and
# encoded in the QR code, {website}/{locale}/{id}/, is served by any web server that
# dist/ is copied to (each serves index.html for a folder's address).
PAGE_FILE = "index.html"


@dataclass(frozen=True)
class Project:
    """The fixed layout of a leaflet project (docs/running.md, "What the build writes")."""

    root: Path

    @classmethod
    def at(cls, root: Path | str) -> Project:
        return cls(Path(root).resolve())

    @property
    def leaflets_dir(self) -> Path:
        return self.root / "leaflets"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def brand_file(self) -> Path:
        return self.root / "brand" / "brand.yaml"

    @property
    def pot_file(self) -> Path:
        return self.locales_dir / f"{DOMAIN}.pot"

    def brand_files(self, extra: tuple[Path, ...] = ()) -> list[Path]:
        """Return every brand file the project uses: brand/brand.yaml, every other YAML
        file in brand/ and its folders, and ``extra`` (``--brand``), each once."""
        found = [self.brand_file, *sorted(self.brand_file.parent.rglob("*.yaml")),
                 *(path.resolve() for path in extra)]
        return list(dict.fromkeys(path for path in found if path.is_file()))

    def leaflet_files(self) -> list[Path]:
        return sorted(self.leaflets_dir.glob("*.yaml"))

    def template_files(self) -> list[Path]:
        return sorted(path for path in self.templates_dir.rglob("*.j2"))

    def po_file(self, locale: str) -> Path:
        return self.locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"

    def translated_locales(self) -> list[str]:
        """Return the locales with a catalog, as folder names (``zh_Hans``)."""
        return sorted(path.parent.parent.name
                      for path in self.locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))

    def locales(self) -> list[str]:
        """Return every locale a leaflet is built in, the source language first."""
        return [SOURCE_LOCALE, *self.translated_locales()]

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the project, for messages."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


OUTSIDE = ("a link to a file outside the project; copy the file into the project instead of "
           "linking to it")


def project_file(path: Path, root: Path, shown: str | Path | None = None) -> Path:
    """Return ``path`` if it is in ``root`` once every link is followed; else refuse it.

    Every reader of a leaflet, figure or catalog asks this before it opens the file: a
    link that leads out of the project would print lines of a file that is not the
    project's in its messages, and publish them (issue 20). A link inside stays allowed.
    """
    if not inside_project(path, root):
        raise LeafletError.at(shown or path, None, OUTSIDE)
    if path.is_symlink() and not path.exists():
        raise LeafletError.at(shown or path, None, "a link to a file that does not exist; "
                              "remove the link or restore its file")
    return path


def links_out(folder: Path, root: Path) -> list[Path]:
    """Return the files under ``folder`` that lead outside ``root`` once links are followed."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*")
                  if path.is_symlink() and not inside_project(path, root))


def inside_project(path: Path, root: Path) -> bool:
    """Return whether ``path``, once every link is followed, is in the folder ``root``."""
    return path.resolve().is_relative_to(root.resolve())


def unknown_locales(project: Project, names) -> list[Problem]:
    """Return a problem for each locale named on the command line that the project lacks.

    ``names`` are gettext names (``zh_Hans``); the message gives BCP 47 tags.
    """
    locales = set(project.locales())
    return [Problem("command line", None, f"no locale {bcp47(name)!r}: the project has "
                    f"{', '.join(bcp47(locale) for locale in sorted(locales))}")
            for name in sorted(names or ()) if name not in locales]


def gettext_name(name: str) -> str:
    """Return the gettext name of a locale given either way: ``zh-Hans`` → ``zh_Hans``."""
    return name.replace("-", "_")


def bcp47(locale: str) -> str:
    """Return the BCP 47 tag for a gettext locale name: ``zh_Hans`` → ``zh-Hans``."""
    return locale.replace("_", "-")


def output_path(leaflet_id: str, tag: str, variant: str, medium: str,
                draft: bool = False) -> str:
    """Return where an output goes in dist: ``{tag}/{id}[.{variant}].pdf`` for print,
    ``{tag}/{id}/index.html`` for screen, under ``drafts/`` when it is a draft."""
    if medium == "screen":
        relative = f"{page_address(tag, leaflet_id)}{PAGE_FILE}"
    else:
        relative = f"{tag}/{leaflet_id}{'' if variant == VARIANTS[0] else f'.{variant}'}.pdf"
    return f"{DRAFTS_DIR}/{relative}" if draft else relative


def format_path(leaflet_id: str, tag: str, format: str) -> str:
    """Return where a leaflet's braille or EPUB goes in dist: ``{tag}/{id}.brf``, ``.epub``."""
    return f"{tag}/{leaflet_id}.{FORMATS[format]}"


def format_names(value) -> tuple[str, ...]:
    """Return the formats a brand file or ``--format`` names: braille, epub (pdf and html
    are always made, so they may be named too); refuse any other name."""
    names = value if isinstance(value, (list, tuple)) else [value]
    for name in names:
        if name not in (*FORMATS, "pdf", "html"):
            raise ValueError(f"expected formats among {', '.join(FORMATS)} (pdf and html are "
                             f"always made), got {name!r}")
    return tuple(name for name in FORMATS if name in names)


def page_address(tag: str, leaflet_id: str) -> str:
    """Return the address of a leaflet's web page relative to the site: ``{tag}/{id}/``."""
    return f"{tag}/{leaflet_id}/"


def relative_link(source: str, target: str) -> str:
    """Return the link from the file at ``source`` to ``target`` (both relative to dist)."""
    return "../" * source.count("/") + target


def format_locale(locale: str) -> str:
    """Return the Babel locale used for dates and numbers in ``locale``."""
    return SOURCE_FORMAT_LOCALE if locale == SOURCE_LOCALE else locale


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never half.

    The content goes to a temporary file in the same folder, is flushed to disk, and
    then renamed over ``path``. A full disk or a write error leaves the old file as it
    was and is reported as a problem with ``path``.
    """
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=TEMPORARY_SUFFIX)
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            # mkstemp creates the file readable by its owner only; published files are
            # read by web servers and colleagues, so give them the usual umask mode.
            os.fchmod(file.fileno(), 0o666 & ~_umask())
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise LeafletError.at(path, None, f"cannot write the file: "
                                              f"{error.strerror or error}") from None
        raise


def remove_leftovers(directory: Path) -> list[Path]:
    """Delete the temporary files that an interrupted write left in ``directory``."""
    leftovers = [path for path in directory.rglob(f".*{TEMPORARY_SUFFIX}") if path.is_file()]
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


@contextmanager
def exclusive(dist: Path):
    """Hold the build lock of ``dist``; a second build into it stops with a clear message.

    The lock is a POSIX record lock: the system releases it when the process ends, even
    after ``kill -9``, and processes forked from the build do not inherit it.
    """
    lock_file = dist / ".cache" / "lock"
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_file, "a+", encoding="utf-8")
    except OSError as error:
        raise LeafletError.at(dist, None, f"cannot use the output folder: "
                                          f"{error.strerror or error}") from None
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise LeafletError.at(dist, None, f"another build (process {holder}) is writing "
                                              "to this folder; wait for it to finish, or "
                                              "build into another folder with --output") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def publish(path: Path, content: bytes, force: bool = False) -> bool:
    """Write ``content`` atomically unless ``path`` already holds it; return whether written.

    An unchanged file keeps its modification time, so a copy to a web server stays small.
    """
    if not force:
        try:
            if path.read_bytes() == content:
                return False
        except OSError:
            pass
    write_atomically(path, content)
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
