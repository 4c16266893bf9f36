"""A leaflet in one language as an accessible EPUB 3 file, made from its web page.

API, for the build (not yet wired in)::

    epub_bytes(html, leaflet, files, certified_by=None) -> bytes

``html`` is the leaflet's screen HTML in one language (`render_html(..., medium="screen")`,
the web page's own ``Rendered.html``); ``leaflet`` its `Leaflet` (id, version and
published date name and date the edition); ``files`` maps each address of
``xhtml.references(html)`` (the stylesheet and the logo, ``../../assets/…``) to that
file's bytes, which the build reads from templates/ and the brand's folder, as the
catalogue copies them to dist/assets/. ``certified_by`` names whoever evaluated the
EPUB's accessibility, if anyone did. Pure: no clock, no network, no writes, the same
bytes for the same input in any folder on any day (the build writes them atomically).

The container (EPUB 3.3): ``mimetype`` first and stored; META-INF/container.xml;
EPUB/package.opf; EPUB/nav.xhtml (the table of contents from the h2 and h3 headings,
and the landmarks); EPUB/content.xhtml (one reflowable document, xhtml.py);
EPUB/leaflet.css; EPUB/images/…. No fonts are embedded: a reading system draws the
text in its own fonts or those its reader chose (large, dyslexia-friendly…), which an
embedded font would override. What Chinese needs is its language tag: ``zh-Hans`` on
the document and in ``dc:language`` makes the reading system pick a Simplified
Chinese face (not the Japanese or Traditional forms of the same code points) and break
lines between characters; the stylesheet keeps it left-aligned. Embedding Noto Sans
CJK SC would cost 100–400 KB a leaflet (FACTS.md) for what the system's font does.

Media overlays (the audio, read along) are for later: `_items` is where an overlay
joins, as a SMIL item (``application/smil+xml``) with its audio items, named by the
content item's ``media-overlay`` attribute, with ``media:duration`` in the metadata;
its ``<par>`` elements point at the ids the headings already carry.
"""

from __future__ import annotations

import copy
import datetime
import io
import uuid
import zipfile
from dataclasses import dataclass
from typing import Mapping
from xml.etree.ElementTree import Element, SubElement, register_namespace
from xml.sax.saxutils import escape, quoteattr

from ..content.schema import Leaflet
from .xhtml import XML_LANG, Content, Heading, content_document, serialise, tag

MEDIA_TYPE = "application/epub+zip"
PACKAGE = "EPUB/package.opf"
CONTENT = "content.xhtml"
NAV = "nav.xhtml"
# A fixed time for every entry: the zip format's earliest (1980-01-01), as
# reproducible-builds.org advises; the edition's own date is in the package.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Identifiers are UUIDs named by the organisation, leaflet, language and version.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:leafpress:epub")
OPS = "http://www.idpf.org/2007/ops"
EPUB_TYPE = f"{{{OPS}}}type"
register_namespace("epub", OPS)  # ElementTree's prefix for it (epub:type), not "ns0"
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
_CONTAINER = """<?xml version="1.0" encoding="utf-8"?>
<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


@dataclass(frozen=True)
class _Item:
    """One manifest item of the package."""

    id: str
    href: str
    media_type: str
    data: bytes
    properties: str = ""


def epub_bytes(html: str, leaflet: Leaflet, files: Mapping[str, bytes],
               certified_by: str | None = None) -> bytes:
    """Return the EPUB of a leaflet's web page ``html`` in one language (see the module)."""
    content = content_document(html, files)
    items = _items(content)
    package = _package(content, leaflet, items, certified_by)
    return _zip([("META-INF/container.xml", _CONTAINER.encode()), (PACKAGE, package)]
                + [(f"EPUB/{item.href}", item.data) for item in items])


def identifier(content: Content, leaflet: Leaflet) -> str:
    """Return the edition's ``urn:uuid:``: the same for the same organisation, leaflet,
    language and version, another for a new version."""
    name = "\n".join((content.author, leaflet.id, content.lang, leaflet.version))
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}"


def _items(content: Content) -> list[_Item]:
    """Return the package's items: the content, the navigation and their files."""
    items = [_Item("content", CONTENT, "application/xhtml+xml", content.xhtml),
             _Item("nav", NAV, "application/xhtml+xml", _navigation(content), "nav")]
    pictures = 0
    for resource in content.resources:
        if resource.media_type == "text/css":
            name = "style"
        else:
            pictures += 1
            name = f"image-{pictures}"
        items.append(_Item(name, resource.name, resource.media_type, resource.data))
    return items


def _package(content: Content, leaflet: Leaflet, items: list[_Item],
             certified_by: str | None) -> bytes:
    """Return package.opf: the edition's metadata, its accessibility, its files."""
    modified = datetime.datetime.combine(leaflet.published, datetime.time()).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    metadata = [
        f'<dc:identifier id="edition">{identifier(content, leaflet)}</dc:identifier>',
        f"<dc:title>{escape(content.title)}</dc:title>",
        f"<dc:language>{escape(content.lang)}</dc:language>",
        f"<dc:creator>{escape(content.author)}</dc:creator>",
        f"<dc:publisher>{escape(content.author)}</dc:publisher>",
        f"<dc:date>{leaflet.published.isoformat()}</dc:date>",
    ]
    if content.description:
        metadata.append(f"<dc:description>{escape(content.description)}</dc:description>")
    metadata.append(f'<meta property="dcterms:modified">{modified}</meta>')
    # The summary is in English, whatever the leaflet's language: marked as such.
    metadata += [f'<meta property="{name}"'
                 + (' xml:lang="en"' if name == "schema:accessibilitySummary" else "")
                 + f">{escape(value)}</meta>"
                 for name, value in accessibility(content, certified_by)]
    manifest = [f"<item id={quoteattr(item.id)} href={quoteattr(item.href)} "
                f"media-type={quoteattr(item.media_type)}"
                + (f" properties={quoteattr(item.properties)}" if item.properties else "")
                + "/>" for item in items]
    progression = ' page-progression-direction="rtl"' if content.direction == "rtl" else ""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
        f'unique-identifier="edition" xml:lang={quoteattr(content.lang)} '
        f'dir={quoteattr(content.direction)} '
        # Declared although reserved: epubcheck 4 does not know a11y: yet.
        f'prefix="a11y: http://www.idpf.org/epub/vocab/package/a11y/#">',
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">',
        *(f"  {line}" for line in metadata),
        "</metadata>",
        "<manifest>",
        *(f"  {line}" for line in manifest),
        "</manifest>",
        f"<spine{progression}>",
        '  <itemref idref="content"/>',
        "</spine>",
        "</package>",
    ]
    return ("\n".join(lines) + "\n").encode()


def accessibility(content: Content, certified_by: str | None) -> list[tuple[str, str]]:
    """Return the EPUB Accessibility 1.1 metadata as ``(property, value)`` pairs.

    Only what the build makes sure of: text throughout, headings and a table of
    contents made from them, one document in reading order, no fixed layout (the
    reader's fonts, sizes and colours apply), every picture with its alternative text
    (the template always writes one; tests/test_epub.py checks it), nothing that
    flashes, moves or sounds (unless a picture animates: then the hazard is unknown).
    The WCAG claim rests on the template, whose web pages axe-core and the Nu checker
    pass in the tests; ``a11y:certifiedBy`` is written only when someone evaluated it.
    """
    visual = content.figures > 0
    pairs = [("schema:accessMode", "textual")]
    if visual:
        pairs.append(("schema:accessMode", "visual"))
    pairs.append(("schema:accessModeSufficient", "textual"))
    if visual:
        pairs.append(("schema:accessModeSufficient", "textual,visual"))
    features = ["structuralNavigation", "tableOfContents", "readingOrder",
                "displayTransformability"]
    if visual:
        features.append("alternativeText")
    pairs += [("schema:accessibilityFeature", feature) for feature in features]
    # No sound, no motion simulation; a picture that animates might flash.
    pairs.append(("schema:accessibilityHazard", "unknown" if content.moving else "none"))
    summary = ("The leaflet's text as published on its web page, in one reflowable "
               "document, with its headings as the table of contents.")
    if visual:
        summary += " Every picture has a text alternative."
    summary += (" Made by leafpress, whose tests check its web pages with axe-core and the "
                "Nu HTML checker, and its EPUBs with EPUBCheck; "
                + (f"evaluated by {certified_by}." if certified_by
                   else "not evaluated by a person."))
    pairs.append(("schema:accessibilitySummary", summary))
    pairs.append(("dcterms:conformsTo", CONFORMANCE))
    if certified_by:
        pairs.append(("a11y:certifiedBy", certified_by))
    return pairs


def _navigation(content: Content) -> bytes:
    """Return nav.xhtml: the table of contents (every h2 and h3, nested, in order) and
    the landmarks (the start of the leaflet, its sources)."""
    html = _element("html", lang=content.lang, dir=content.direction)
    html.set(XML_LANG, content.lang)
    head = _element("head", parent=html)
    _element("meta", parent=head, charset="utf-8")
    _element("title", parent=head).text = content.title
    body = _element("body", parent=html)
    toc = _element("nav", parent=body, id="toc")
    toc.set(EPUB_TYPE, "toc")
    title = next(heading for heading in content.headings if heading.level == 1)
    _copy_inline(title, _element("h1", parent=toc))
    top = _element("ol", parent=toc)
    below = None
    for heading in content.headings:
        if heading.level == 2 or (heading.level == 3 and below is None):
            entry = _element("li", parent=top)
            _copy_inline(heading, _element("a", parent=entry, href=f"{CONTENT}#{heading.id}"))
            below = _element("ol", parent=entry) if heading.level == 2 else None
        elif heading.level == 3:
            entry = _element("li", parent=below)
            _copy_inline(heading, _element("a", parent=entry, href=f"{CONTENT}#{heading.id}"))
    for entry in list(top):  # an h2 without h3 has no sub-list: an empty ol is invalid
        if len(entry) > 1 and not len(entry[1]):
            entry.remove(entry[1])
    landmarks = _element("nav", parent=body, id="landmarks", hidden="hidden")
    landmarks.set(EPUB_TYPE, "landmarks")
    marks = _element("ol", parent=landmarks)
    entry = _element("li", parent=marks)
    link = _element("a", parent=entry, href=f"{CONTENT}#{title.id}")
    link.set(EPUB_TYPE, "bodymatter")
    _copy_inline(title, link)
    sources = next((heading for heading in content.headings
                    if heading.id == content.sources_id), None)
    if sources:
        entry = _element("li", parent=marks)
        link = _element("a", parent=entry, href=f"{CONTENT}#{sources.id}")
        link.set(EPUB_TYPE, "bibliography")
        _copy_inline(sources, link)
    return serialise(html)


def _element(name: str, parent: Element | None = None, **attributes: str) -> Element:
    if parent is None:
        return Element(tag(name), attributes)
    return SubElement(parent, tag(name), attributes)


def _copy_inline(heading: Heading, target) -> None:
    """Copy a heading's text and inline markup (a span's lang) into ``target``; a link
    inside it becomes a span, since a link may not hold another."""
    target.text = heading.element.text
    for child in heading.element:
        child = copy.deepcopy(child)
        for element in child.iter():
            if element.tag == tag("a"):
                element.tag = tag("span")
                element.attrib.pop("href", None)
            element.attrib.pop("id", None)
        target.append(child)


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    """Return the container: ``mimetype`` first, stored, without extra fields (as the
    EPUB container format requires), then every entry deflated, in the given order,
    with fixed times and permissions. Deflate's bytes are zlib's: the same on any
    machine with the same zlib (another implementation, zlib-ng, may differ)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, method in [("mimetype", MEDIA_TYPE.encode(), zipfile.ZIP_STORED),
                                   *((name, data, zipfile.ZIP_DEFLATED)
                                     for name, data in entries)]:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = method
            info.create_system = 3  # Unix, on any machine
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9 if method else None)
    return buffer.getvalue()
