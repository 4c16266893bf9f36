"""Turn leaflet HTML into a tagged PDF/UA-1 and PDF/A-2a document with WeasyPrint.

WeasyPrint is imported here only, and only when something is rendered: importing it
costs about 0.65 s (Pango through cffi), which ``check`` and ``extract`` never pay.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..core.errors import LeafletError, Problem
from ..core.typefaces import CJK_FAMILY, installed_families
from .document import QR_SCHEME, qr_code
from . import archive, reading_order, tags

PDF_VARIANT = "pdf/ua-1"  # and PDF/A-2a on top, by archive.finish


def write_pdf(html: str, allowed_dirs: list[Path], identifier: str, shown: str,
              font_faces: str = "", laid_out=None) -> tuple[bytes, int]:
    """Return the PDF for ``html`` and its page count; assets only from ``allowed_dirs``.

    ``laid_out``, if given, is called with the laid-out WeasyPrint document before it is
    written (the build measures each page's fill there: fill.py).

    Any WeasyPrint warning (a missing font, an ignored CSS rule, a refused
    resource) fails the document: nothing is published with a silent defect.
    """
    import weasyprint

    tags.prepare()
    reading_order.install()  # right-to-left lines copied and read aloud in logical order
    fetcher = _project_fetcher(weasyprint, tuple(allowed_dirs))
    with _captured_warnings() as warnings:
        try:
            font_config, stylesheets, font_warnings = _fonts(font_faces, tuple(allowed_dirs))
            warnings.extend(font_warnings)
            document = weasyprint.HTML(string=html, base_url=allowed_dirs[0].as_uri() + "/",
                                       url_fetcher=fetcher).render(
                pdf_variant=PDF_VARIANT, output_intent=archive.OUTPUT_INTENT,
                stylesheets=stylesheets, font_config=font_config)
            if laid_out:
                laid_out(document)
            pdf = document.write_pdf(
                pdf_variant=PDF_VARIANT, output_intent=archive.OUTPUT_INTENT,
                pdf_identifier=hashlib.sha256(identifier.encode()).hexdigest()[:32].encode(),
                uncompressed_pdf=False,
                finisher=_finish,
            )
        except weasyprint.urls.FatalURLFetchingError as error:
            cause = error.__cause__ or error
            raise LeafletError.at(shown, None, f"cannot load a resource: {cause}") from None
    if warnings:
        raise LeafletError([Problem(shown, None, f"WeasyPrint: {message}")
                            for message in dict.fromkeys(warnings)])
    return pdf, len(document.pages)


def _finish(document, pdf) -> None:
    """Repair the structure tree for PDF/UA-1 (tags.py), then add what PDF/A-2a needs."""
    tags.finish(document, pdf)
    archive.finish(document, pdf)


# The libraries WeasyPrint loads (weasyprint/text/ffi.py), by the first name it tries,
# and the Debian package of each.
SYSTEM_LIBRARIES = {"libgobject-2.0-0": "libglib2.0-0", "libpango-1.0-0": "libpango-1.0-0",
                    "libharfbuzz-0": "libharfbuzz0b", "libfontconfig-1": "libfontconfig1",
                    "libpangoft2-1.0-0": "libpangoft2-1.0-0"}


def system_problems() -> list[str]:
    """Return what is missing on this machine for correct, fast PDFs (checked once a build)."""
    try:
        ffi = _weasyprint_libraries()
    except OSError as error:
        return [_library_problem(error)]
    problems = []
    if ffi.harfbuzz_subset is None:
        problems.append("HarfBuzz's subset library is missing, so fonts are subset with "
                        "fontTools (about 34 times slower for Chinese); install the Debian "
                        "package libharfbuzz-subset0 (scripts/setup.sh does)")
    try:
        families = installed_families()
    except LeafletError as error:
        return problems + [problem.message for problem in error.problems]
    if CJK_FAMILY not in families:
        problems.append(f"the font {CJK_FAMILY!r} is not installed, so Chinese text would be "
                        "drawn with another font or as empty boxes; install the Debian package "
                        "fonts-noto-cjk (scripts/setup.sh does)")
    return problems


# Font configurations by (process, @font-face rules, folders). A worker forked from a
# process that rendered inherits that process's configurations: it keeps them, unused,
# because dropping one deletes its font folder, which the other process still uses.
_FONT_CONFIGURATIONS: dict[tuple, tuple] = {}
KEPT_CONFIGURATIONS = 4
FONT_FILES = (".ttf", ".otf", ".ttc", ".woff", ".woff2")


def _fonts(font_faces: str, allowed_dirs: tuple[Path, ...]):
    """Return a FontConfiguration with the @font-face rules ``font_faces`` loaded, those
    rules, and the warnings that loading them gave (repeated for every document).

    One per leaflet's fonts (the CJK subset is the leaflet's own) and process, the last
    few kept: a worker loads the fonts once for a leaflet's documents and Pango keeps its
    font caches warm from one to the next. A document rendered this way is
    byte-identical to one rendered from scratch.
    """
    key = (os.getpid(), font_faces, allowed_dirs, _font_files(allowed_dirs, font_faces))
    if key not in _FONT_CONFIGURATIONS:
        mine = [other for other in _FONT_CONFIGURATIONS if other[0] == key[0]]
        for oldest in mine[:max(0, len(mine) - KEPT_CONFIGURATIONS + 1)]:
            _drop(oldest)
        _FONT_CONFIGURATIONS[key] = _font_configuration(font_faces, allowed_dirs)
    return _FONT_CONFIGURATIONS[key]


def _font_files(folders: tuple[Path, ...], font_faces: str) -> tuple:
    """Return the path, size and time of every font file in ``folders`` but the subsets'.

    A FontConfiguration keeps each font by its @font-face rule, not by the file's
    content: a font edited under the same name (the brand's, while ``serve`` runs) needs
    a configuration of its own, or the PDFs rendered again keep the old one. The folder
    of the subsets ``font_faces`` names is left out: a subset is named by its content
    (fonts.py), and other leaflets' subsets are made there while documents render.
    """
    subsets = {Path(unquote(urlsplit(url).path)).parent.resolve()
               for url in re.findall(r'url\("([^"]+)"\)', font_faces)}
    return tuple((str(path), found.st_size, found.st_mtime_ns) for folder in folders
                 if folder.resolve() not in subsets for path in sorted(folder.rglob("*"))
                 if path.suffix.lower() in FONT_FILES and (found := path.stat()))


@atexit.register
def drop_font_configurations() -> None:
    """Delete this process's font folders at exit, while the interpreter still can (a
    render worker calls it itself: multiprocessing ends it without atexit)."""
    for key in [key for key in _FONT_CONFIGURATIONS if key[0] == os.getpid()]:
        _drop(key)


def _drop(key: tuple) -> None:
    """Forget a FontConfiguration, and delete the folder of fonts it made.

    Its own ``__del__`` would delete the folder (weasyprint/text/fonts.py), but it and
    its stylesheets refer to each other, so only the collector frees them: never in a
    worker ended through ``os._exit``, and never once the build has frozen them with
    ``gc.freeze`` (workers.py), so that a long-lived process (serve, the tests) left a
    folder in the temporary folder for every configuration it let go (issue 20).
    """
    font_config = _FONT_CONFIGURATIONS.pop(key)[0]
    if font_config._folder:  # noqa: SLF001 (WeasyPrint keeps its folder there)
        shutil.rmtree(font_config._folder, ignore_errors=True)  # noqa: SLF001
        font_config._folder = None  # noqa: SLF001 (its __del__ has nothing left to do)


def _font_configuration(font_faces: str, allowed_dirs: tuple[Path, ...]):
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    # @font-face rules outside the document need the document's FontConfiguration.
    font_config = FontConfiguration()
    fetcher = _project_fetcher(weasyprint, allowed_dirs)
    with _captured_warnings() as warnings:
        stylesheets = [weasyprint.CSS(string=font_faces, url_fetcher=fetcher,
                                      font_config=font_config)] if font_faces else []
    return font_config, stylesheets, tuple(warnings)


def _weasyprint_libraries():
    """Return WeasyPrint's loaded system libraries; raise `OSError` if one is missing."""
    import weasyprint.text.ffi

    return weasyprint.text.ffi


def _library_problem(error: OSError) -> str:
    for library, package in SYSTEM_LIBRARIES.items():
        if f"'{library}'" in str(error):
            return (f"WeasyPrint cannot load the system library {library}; install the Debian "
                    f"package {package} (scripts/setup.sh does)")
    return (f"WeasyPrint cannot load a system library ({str(error).splitlines()[0]}); install "
            "the Debian packages libpango-1.0-0 and libpangoft2-1.0-0 (scripts/setup.sh does)")


def _project_fetcher(weasyprint, allowed_dirs: tuple[Path, ...]):
    """Return a URL fetcher that reads local files below ``allowed_dirs`` and nothing else."""
    roots = [directory.resolve() for directory in allowed_dirs]

    class ProjectFetcher(weasyprint.urls.URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == QR_SCHEME:  # the QR code of an address (document.py)
                return super().fetch(qr_code(unquote(parts.path)), headers)
            if parts.scheme == "data":  # self-contained (the QR code): nothing is fetched
                return super().fetch(url, headers)
            if parts.scheme != "file":
                raise PermissionError(f"refused {url}: nothing is fetched from the network")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise PermissionError(f"refused {url}: only files in the template, brand and "
                                      "font folders may be used")
            return super().fetch(url, headers)

    return ProjectFetcher(fail_on_errors=True, allowed_protocols=("file", "data"))


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured_warnings():
    logger = logging.getLogger("weasyprint")
    handler = _ListHandler()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
