"""The other formats of a build (issue 24): each published leaflet's braille (BRF) and EPUB,
made with its standard PDF and web page, keyed, cached and written like them.

A leaflet's files always come from one build: pipeline.py calls `Formats` for a leaflet
in a language once its standard PDF and web page are written or reused. A draft gets
none. The BRF is made from the PDF's print HTML, the EPUB from the web page's HTML and
the files it loads (the stylesheet, the logo); each is reused while its key (what it
is made from, and the code and libraries that make it) is cached and its file intact.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import asdict
from pathlib import Path

from ..content.history import braille_checked
from ..content.schema import Leaflet
from ..core.digests import code_digest, versions
from ..core.errors import LeafletError, Problem, ProblemCollector
from ..core.project import format_path, publish
from ..formats import braille, epub
from ..formats.braille import missing_table
from ..formats.xhtml import references, stylesheet
from ..publishing.catalogue import asset_sources
from ..publishing.files import cached_output, store_output
from .plan import Output, Planned, Site, published_formats

LABELS = {"braille": "braille file", "epub": "EPUB"}


def braille_note(leaflet: Leaflet, translations) -> str | None:
    """Return the braille title page's note in the leaflet's language, or ``None`` once a
    transcriber's check of this version is recorded. The template asks for the same
    msgid (templates/leaflet.html.j2), so a published language has it translated; a
    template without it (an old revision's, in a review pack) gives the English note,
    never none: only a recorded check takes it away."""
    if braille_checked(leaflet):
        return None
    return translations.lookup(braille.UNCHECKED) or braille.UNCHECKED


def system_problems(formats: tuple[str, ...]) -> list[str]:
    """Return what the system lacks to make ``formats``: liblouis, for braille."""
    if "braille" not in formats:
        return []
    try:
        braille.engine_version()
    except LeafletError as error:
        return [problem.message for problem in error.problems]
    return []


def check_formats(site: Site, problems: ProblemCollector, warn) -> None:
    """Warn for each language liblouis has no braille table for; report a stylesheet the
    EPUBs cannot carry, once (not once for each leaflet and language)."""
    formats = site.brand.brand.formats
    for locale in site.translations if "braille" in formats and warn else ():
        message = missing_table(locale)
        if message:
            warn(f"warning: {site.project.relative(site.project.po_file(locale))}: {message}")
    css = site.project.templates_dir / "leaflet.css"
    if "epub" in formats and css.is_file():
        problems.run(stylesheet, css.read_text("utf-8"))


class Formats:
    """Make, or reuse, the braille and EPUB of each published leaflet in each language."""

    def __init__(self, site: Site, dist: Path, formats: tuple[str, ...], portable,
                 force: bool, problems: ProblemCollector) -> None:
        self.site, self.dist, self.formats, self.force = site, dist, formats, force
        self.portable = portable  # the HTML without the project's folder (pipeline._Keys)
        self.problems = problems
        self.cache = dist / ".cache"
        self.code = code_digest("formats") + versions()
        self.assets = asset_sources(site)
        self._read: dict[Path, bytes] = {}

    def wanted(self, item: Planned) -> tuple[str, ...]:
        """Return the formats this build makes of ``item``: none for a draft."""
        if item.page is None or item.rendered.draft:
            return ()
        made = published_formats(self.site.brand, item.translations.locale)
        return tuple(name for name in self.formats if name in made)

    def __call__(self, item: Planned, result, report) -> None:
        """Publish each wanted format of ``item``, or record its failure."""
        for name in self.wanted(item):
            path = format_path(item.leaflet.id, item.tag, name)
            try:
                key, make = getattr(self, f"_{name}")(item)
                record = None if self.force else cached_output(self.cache, key, self.dist)
                if record and record.get("path") == path:
                    output, verb = Output(**record), "reused"
                else:
                    output, verb = self._write(item, name, path, make()), "built"
                    store_output(self.cache, key, asdict(output))
            except LeafletError as error:
                shown = f"{self.site.project.relative(item.leaflet.path)} [{item.tag}]"
                self.problems.extend(Problem(shown, None, f"cannot make the {LABELS[name]}: "
                                                          f"{problem}")
                                     for problem in error.problems)
                result.failed.append(path)
                report.failed(1)
                continue
            result.outputs.append(output)
            if verb == "reused":
                result.reused.append(output)
            report(output, verb)

    def _write(self, item: Planned, name: str, path: str, content: bytes) -> Output:
        publish(self.dist / path, content, self.force)
        pages = content.count(b"\f") if name == "braille" else None
        return Output(leaflet=item.leaflet.id, locale=item.tag, variant=item.rendered.variant,
                      format=name, path=path, sha256=hashlib.sha256(content).hexdigest(),
                      bytes=len(content), pages=pages)

    def _braille(self, item: Planned):
        settings = self.site.brand.brand.braille
        note = braille_note(item.leaflet.leaflet, item.translations)
        html, locale = item.rendered.html, item.translations.locale
        key = _key("braille", self.portable(html), settings.model_dump_json(), note or "",
                   braille.engine_version(), self.code)
        return key, lambda: braille.braille_file(html, locale, settings, note)

    def _epub(self, item: Planned):
        html = item.page.html
        files = {address: self._asset(item, address) for address in references(html)}
        key = _key("epub", html, *(part for address, data in sorted(files.items())
                                   for part in (address, data)), self.code)
        return key, lambda: epub.epub_bytes(html, item.leaflet.leaflet, files)

    def _asset(self, item: Planned, address: str) -> bytes:
        """Return the bytes of a file the web page loads, read from its source once a
        build (every page loads the same stylesheet and logo)."""
        relative = posixpath.normpath(posixpath.join(posixpath.dirname(item.page_path),
                                                     address))
        source = self.assets.get(relative)
        if source is None:
            raise LeafletError.at(f"{self.site.project.relative(item.leaflet.path)} "
                                  f"[{item.tag}]", None, f"the web page loads {address!r}, "
                                  "which is not one of the files published with it")
        if source not in self._read:
            self._read[source] = source.read_bytes()
        return self._read[source]


def _key(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        part = part if isinstance(part, bytes) else part.encode()
        digest.update(len(part).to_bytes(8, "big") + part)  # no two lists of parts alike
    return digest.hexdigest()

