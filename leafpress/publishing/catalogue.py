"""The catalogue of a build: ``dist/index.html``, the thumbnails it shows, the pages' assets.

The catalogue lists exactly what the manifest lists under ``"outputs"``, from the same
build result (and, after Ctrl-C, the files the build did not get to, which stay
published: see `BuildResult.standing`): each leaflet, its title in each language, and a
link to every PDF and web page with its size. A web page is there only with its standard
PDF (pipeline.py); drafts never are, nor a leaflet whose text is not approved. The
files it and the web pages need (the stylesheet, fonts and logo copied to
``dist/assets/``, one thumbnail per leaflet and language, ``index.html`` itself) are
listed under ``"files"`` in the manifest, so that the no-op check sees a damaged one.
Everything is relative to ``dist/`` and nothing comes from the network: the folder
can be opened from a ``file:`` URL, or copied to a web server as it is.
"""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path
from urllib.parse import quote

from babel import Locale
from babel.dates import format_date

from ..content.history import braille_checked
from ..core.digests import versions
from ..core.project import ASSETS_DIR, SOURCE_FORMAT_LOCALE, SOURCE_LOCALE, VARIANTS, bcp47, publish
from ..rendering.document import TEMPLATE_ERRORS, Lookup, template_environment, template_problem
from ..translation.translations import is_locale_name, locale_name, text_direction
from .files import File, cached_output, store_output

INDEX = "index.html"
INDEX_TEMPLATE = "index.html.j2"
# Pixels; the page shows it at this width. 200 px shows the masthead and the title.
THUMBNAIL_WIDTH = 200
AUDIENCES = {"patient": "Patients", "clinician": "Healthcare professionals"}
LABELS = {("pdf", "standard"): "PDF, standard print", ("pdf", "large-print"): "PDF, large print",
          ("html", "standard"): "Web page (HTML)",
          ("braille", "standard"): "Braille (BRF, for an embosser)",
          ("epub", "standard"): "E-book (EPUB 3)"}
# BRF has no registered media type: it is ASCII text, which a browser shows as it is.
TYPES = {"pdf": "application/pdf", "html": "text/html", "braille": "text/plain",
         "epub": "application/epub+zip"}
ORDER = ("pdf", "html", "braille", "epub")  # each edition's files, in this order
# Beside each braille file until a qualified transcriber's check of the version is
# recorded (history: braille_checked_by).
UNCHECKED_NOTE = "made by software, not yet checked by a qualified braille transcriber"
# The braille's language tags: the language's, in braille script (BCP 47 "Brai").
BRAILLE_SCRIPT = "Brai"


def publish_catalogue(site, dist: Path, result, force: bool = False) -> list[File]:
    """Copy the pages' assets, make the thumbnails and write ``index.html``; return them."""
    files = [_copy(dist, relative, source, force) for relative, source in _assets(site)]
    thumbnails = _thumbnails(dist, result.published, result.thumbnails, force)
    files += thumbnails.values()
    files.append(_write(dist, INDEX, _index_html(site, result, thumbnails, dist), force))
    return sorted(files, key=lambda file: file.path)


def asset_sources(site) -> dict[str, Path]:
    """Return the source of each file in ``dist/assets/``, by its path in dist (for the
    EPUB, which carries the web page's stylesheet and logo)."""
    return dict(_assets(site))


def _assets(site) -> list[tuple[str, Path]]:
    """Return ``(path in dist, source)`` for each file the web pages link."""
    templates, brand = site.project.templates_dir, site.brand
    assets = [(f"{ASSETS_DIR}/leaflet.css", templates / "leaflet.css")]
    # The font licence (OFL) travels with the fonts, as it requires.
    assets += [(f"{ASSETS_DIR}/fonts/{path.name}", path)
               for path in sorted((templates / "fonts").iterdir()) if path.is_file()]
    names = [brand.brand.logo]
    if brand.brand.font and brand.brand.font.regular:
        names += [brand.brand.font.regular, brand.brand.font.bold]
    assets += [(f"{ASSETS_DIR}/brand/{name}", brand.path.parent / name) for name in names]
    return assets


def _copy(dist: Path, relative: str, source: Path, force: bool) -> File:
    return _write(dist, relative, source.read_bytes(), force)


def _write(dist: Path, relative: str, content: bytes, force: bool) -> File:
    publish(dist / relative, content, force)
    return File(relative, hashlib.sha256(content).hexdigest(), len(content))


def _thumbnails(dist: Path, outputs, made: list[File], force: bool
                ) -> dict[tuple[str, str], File]:
    """Return a PNG of the first page of each leaflet in each locale, by (leaflet, locale).

    It shows the standard PDF, or the large-print one when only that was built. The
    render workers ``made`` the thumbnails of the PDFs they wrote in this build (with
    ``force`` too); any other is keyed by its PDF's SHA-256 and reused while that PDF
    is unchanged: a PDF that this build did not write (one it did not select, or did
    not reach before Ctrl-C) keeps its thumbnail even with ``force``.
    """
    cache = dist / ".cache"
    made_here = {thumbnail.path: thumbnail for thumbnail in made}
    thumbnails = {}
    pdfs = sorted((output for output in outputs if output.format == "pdf"),
                  key=lambda output: VARIANTS.index(output.variant))
    for output in pdfs:
        if (output.leaflet, output.locale) in thumbnails:
            continue
        relative = thumbnail_path(output.path)
        if relative in made_here:
            thumbnails[output.leaflet, output.locale] = made_here[relative]
            continue
        record = cached_output(cache, _thumbnail_key(output.sha256), dist)
        if record and record["path"] == relative:
            thumbnail = File(**record)
        else:
            thumbnail = make_thumbnail(dist, relative, (dist / output.path).read_bytes(),
                                       output.sha256, force)
        thumbnails[output.leaflet, output.locale] = thumbnail
    return thumbnails


def thumbnail_path(pdf_path: str) -> str:
    """Return where the thumbnail of the PDF at ``pdf_path`` goes (both relative to dist)."""
    return pdf_path.removesuffix(".pdf") + ".png"


def make_thumbnail(dist: Path, relative: str, pdf: bytes, sha256: str,
                   force: bool = False) -> File:
    """Write the thumbnail of ``pdf`` (whose SHA-256 is ``sha256``) and its cache entry.

    Render workers call this for each standard PDF they write; the catalogue then
    finds the thumbnail in the cache.
    """
    thumbnail = _write(dist, relative, _thumbnail(pdf), force)
    store_output(dist / ".cache", _thumbnail_key(sha256), {
        "path": thumbnail.path, "sha256": thumbnail.sha256, "bytes": thumbnail.bytes})
    return thumbnail


def _thumbnail_key(sha256: str) -> str:
    return hashlib.sha256(f"thumbnail;{THUMBNAIL_WIDTH};{sha256};"
                          f"{versions()}".encode()).hexdigest()


def _thumbnail(pdf: bytes) -> bytes:
    """Return page 1 of ``pdf`` as a PNG ``THUMBNAIL_WIDTH`` pixels wide.

    pypdfium2 and Pillow are pinned in requirements.lock, so the same PDF always gives
    the same bytes (pdftoppm would follow the machine's poppler), and they run in this
    process instead of one program per page. A 64-colour palette keeps text legible
    at a third of the size of full colour.
    """
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=THUMBNAIL_WIDTH / page.get_width()).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    # Not optimize=True: it costs as much again as drawing the page, for 1% smaller files.
    image.quantize(colors=64).save(buffer, "PNG")
    return buffer.getvalue()


def _png_size(path: Path) -> tuple[int, int]:
    """Return the width and height recorded in a PNG's header (IHDR)."""
    with path.open("rb") as file:
        return struct.unpack(">II", file.read(24)[16:24])


def _index_html(site, result, thumbnails: dict, dist: Path) -> bytes:
    """Return the catalogue page: every leaflet, every language, every output of ``result``."""
    brand = site.brand.brand
    english = Lookup(site.translations[SOURCE_LOCALE])
    environment = template_environment(site.project)
    # A leaflet with nothing published (its text not approved) is not listed at all.
    leaflets = [entry for leaflet_file in site.leaflets
                if (entry := _leaflet_entry(site, english, leaflet_file, result, thumbnails,
                                            dist))["editions"]]
    try:  # a mistake in the template is the user's, reported at its line (issue 20)
        html = environment.get_template(INDEX_TEMPLATE).render(
            organisation=english.plain(brand.organisation),
            logo=f"{ASSETS_DIR}/brand/{quote(brand.logo)}",
            colours=brand.colours,
            leaflets=leaflets,
            outputs=result.published,
            skipped=result.skipped,
            languages=sorted({output.locale for output in result.published}),
            date=lambda value: format_date(value, "long", locale=SOURCE_FORMAT_LOCALE),
            iso=lambda value: value.isoformat(),
        )
    except TEMPLATE_ERRORS as error:
        raise template_problem(error, site.project, INDEX_TEMPLATE) from None
    return html.encode("utf-8")


def check_catalogue(site, result) -> None:
    """Render the catalogue page of ``result`` without writing it, for `check`: raise
    `LeafletError` for a mistake in its template. ``result`` need have no files: the
    page is rendered without thumbnails."""
    _index_html(site, result, {}, Path())


def _leaflet_entry(site, english: Lookup, leaflet_file, result, thumbnails: dict,
                   dist: Path) -> dict:
    leaflet = leaflet_file.leaflet
    editions = []
    for locale in site.project.locales():
        if not is_locale_name(locale):
            continue  # an error of gather's; 'zh-Hans' would take zh_Hans's outputs as its own
        tag = bcp47(locale)
        outputs = sorted((output for output in result.published
                          if (output.leaflet, output.locale) == (leaflet.id, tag)),
                         key=lambda output: (ORDER.index(output.format),
                                             VARIANTS.index(output.variant)))
        skipped = [item for item in result.skipped
                   if (item.leaflet, item.locale) == (leaflet.id, tag)]
        if not outputs and not skipped:
            continue
        thumbnail = thumbnails.get((leaflet.id, tag))
        editions.append({
            "tag": tag,
            "dir": text_direction(locale),
            "language": locale_name(locale, locale),
            "language_en": Locale.parse(locale).get_display_name(SOURCE_FORMAT_LOCALE),
            # An incomplete translation's title may be English: shown only when published,
            # and only when the catalog could be read this time.
            "title": Lookup(site.translations[locale]).plain(leaflet.title)
            if outputs and locale in site.translations else None,
            "files": [_file_entry(output, braille_checked(leaflet)) for output in outputs],
            "braille": [_braille_cells(dist, output, tag) for output in outputs
                        if output.format == "braille"],
            "skipped": sorted({item.reason for item in skipped}),
            "thumbnail": thumbnail and {"path": thumbnail.path,
                                        "size": _png_size(dist / thumbnail.path)},
        })
    return {
        "id": leaflet.id,
        "title": english.plain(leaflet.title),
        "reference": leaflet.reference,
        "audience": AUDIENCES[leaflet.audience],
        "version": leaflet.version,
        "department": english.plain(leaflet.owner.department),
        "published": leaflet.published,
        "review_by": leaflet.review_by,
        "editions": editions,
    }


def _file_entry(output, checked: bool) -> dict:
    return {"label": LABELS[output.format, output.variant], "href": quote(output.path),
            "type": TYPES[output.format], "size": human_size(output.bytes),
            "pages": output.pages, "braille": output.format == "braille",
            "note": UNCHECKED_NOTE if output.format == "braille" and not checked else None}


def _braille_cells(dist: Path, output, tag: str) -> dict:
    """Return a braille file's cells as Unicode braille, for sighted colleagues to see;
    empty for a file `check` names without writing it."""
    from ..formats.braille import unicode_braille

    path = dist / output.path
    cells = unicode_braille(path.read_bytes()) if output.bytes and path.is_file() else ""
    return {"lang": f"{tag.split('-')[0]}-{BRAILLE_SCRIPT}",
            "pages": [page for page in cells.split("\f") if page.strip("\n")]}


def human_size(size: int) -> str:
    """Return a file size as people read it: ``980 bytes``, ``46 KB``, ``1.2 MB`` (1024s)."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
