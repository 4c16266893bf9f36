"""A leaflet's web page made an EPUB content document: the same text, as XHTML.

The screen HTML (templates/leaflet.html.j2, medium "screen") is parsed as a browser
parses it (tinyhtml5) and written back as XML, with only what an EPUB needs changed:
every picture becomes a file of the container (a figure's data: URI too: epubcheck 4.2
accepts data: URLs, but older reading systems do not show them, and base64 costs a
third more), the stylesheet is the web page's without its paper rules
and fonts, each ``lang`` is repeated as ``xml:lang`` (for reading systems that read
only the XML one; HTML allows both when they agree), every h2 and h3 gets an ``id``
for the navigation, and nothing runs (no scripts, no ``on…`` attributes). The text is
the web page's, element for element: tests/test_epub.py reads both back.
"""

from __future__ import annotations

import base64
import copy
import functools
import itertools
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterator, Mapping
from urllib.parse import unquote, urlsplit

import tinycss2
import tinyhtml5

from ..core.errors import LeafletError

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STYLESHEET = "leaflet.css"
# Where the web page's stylesheet and its <style> come from, for a mistake's location.
STYLESHEET_SOURCE = "templates/leaflet.css"
TEMPLATE_SOURCE = "templates/leaflet.html.j2"
IMAGES = "images"
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg"}
_DATA_URI = re.compile(r"data:(image/(?:svg\+xml|png|jpeg));base64,(.*)", re.DOTALL)
_EXTENSIONS = {"image/svg+xml": ".svg", "image/png": ".png", "image/jpeg": ".jpg"}
# At-rules for paper or for fonts: readers paginate themselves and draw with the fonts
# their reader chose (EPUB Accessibility: displayTransformability).
_DROPPED_AT_RULES = frozenset({"page", "font-face"})


def tag(name: str) -> str:
    return f"{{{XHTML_NAMESPACE}}}{name}"


@dataclass(frozen=True)
class Resource:
    """A file of the container beside the content document (a picture, the stylesheet)."""

    name: str  # its path from the content document, e.g. "images/figure-1.svg"
    media_type: str
    data: bytes


@dataclass(frozen=True)
class Heading:
    """An h1, h2 or h3 of the content document, as the navigation lists it."""

    level: int
    id: str
    element: ElementTree.Element  # a copy, for its inline markup (a span's lang)


@dataclass(frozen=True)
class Content:
    """The content document of a leaflet's EPUB, and what its package says about it."""

    xhtml: bytes
    resources: tuple[Resource, ...]
    headings: tuple[Heading, ...]
    title: str
    lang: str
    direction: str
    author: str
    description: str
    figures: int  # pictures that carry content (not the logo): accessMode "visual"
    moving: bool  # a picture animates: whether it flashes is not known
    sources_id: str | None  # the Sources heading, for the landmarks


def references(html: str) -> list[str]:
    """Return the addresses of the files beside the page that ``html`` loads (its
    stylesheet, the logo): what the build must pass to `content_document` as ``files``."""
    root = tinyhtml5.parse(html)
    found = [element.get("href") for element in root.iter(tag("link"))
             if element.get("rel") == "stylesheet"]
    found += [element.get("src") for element in root.iter(tag("img"))]
    return sorted({address for address in found if address and _is_local(address)})


def content_document(html: str, files: Mapping[str, bytes]) -> Content:
    """Return the XHTML content document made from the screen HTML of one leaflet.

    ``files`` maps each address of `references` to the file's bytes; a missing one is a
    bug of the caller (``KeyError``).
    """
    root = tinyhtml5.parse(html)
    head, body = root.find(tag("head")), root.find(tag("body"))
    resources: dict[str, Resource] = {}
    _remove_what_runs(root)
    _unlink_beside(root)
    for meta in head.findall(tag("meta")):
        if meta.get("name") == "viewport":  # a reflowable EPUB has no viewport
            head.remove(meta)
    for link in head.findall(tag("link")):
        if link.get("rel") == "stylesheet":
            css = stylesheet(files[link.get("href")].decode("utf-8"))
            resources[STYLESHEET] = Resource(STYLESHEET, "text/css", css.encode("utf-8"))
            link.set("href", STYLESHEET)
    for style in head.iter(tag("style")):
        style.text = stylesheet(style.text or "", TEMPLATE_SOURCE)
    numbers = itertools.count(1)  # the figures', in reading order
    for image in root.iter(tag("img")):
        resource = _picture(image.get("src"), numbers, files)
        resources.setdefault(resource.name, resource)
        image.set("src", resource.name)
    for element in root.iter():
        if element.get("lang") is not None:
            element.set(XML_LANG, element.get("lang"))
    headings = _headings(body)
    sources = next((section for section in body.iter(tag("section"))
                    if "sources" in (section.get("class") or "").split()), None)
    sources_heading = sources.find(tag("h2")) if sources is not None else None
    return Content(
        xhtml=serialise(root),
        resources=tuple(resources.values()),
        headings=headings,
        title=" ".join("".join(head.find(tag("title")).itertext()).split()),
        lang=root.get("lang"),
        direction=root.get("dir") or "ltr",
        author=_meta(head, "author"),
        description=_meta(head, "description"),
        figures=sum(1 for figure in body.iter(tag("figure"))
                    if figure.find(f".//{tag('img')}") is not None),
        sources_id=sources_heading.get("id") if sources_heading is not None else None,
        moving=any(_animates(resource) for resource in resources.values()),
    )


@functools.lru_cache(maxsize=16)
def stylesheet(css: str, shown: str = STYLESHEET_SOURCE) -> str:
    """Return the web page's CSS for a reader: its screen rules kept, its paper rules
    and fonts left out. A rule that loads a file (a background picture) is a
    `LeafletError` at its line of ``shown``: the EPUB carries only the page's pictures.

    Remembered: every leaflet of a build has the same stylesheet, and parsing it costs
    ~20 ms, half the time an EPUB takes.
    """
    kept = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword in _DROPPED_AT_RULES:
            continue
        if rule.type == "at-rule" and rule.lower_at_keyword == "media":
            media = tinycss2.serialize(rule.prelude).strip().lower()
            if media == "print":
                continue
            if media == "screen":  # a reader's screen, so the web page's screen rules
                kept += _rules(rule.content, shown)
                continue
        kept += _rules([rule], shown)
    return "\n".join(kept) + "\n"


def _rules(nodes: list, shown: str) -> list[str]:
    """Return ``nodes`` (rules, or the tokens of a block) as CSS, refusing a url()."""
    for token in _tokens(nodes):
        if token.type == "url" or (token.type == "function" and token.lower_name == "url") \
                or (token.type == "at-rule" and token.lower_at_keyword == "import"):
            raise LeafletError.at(shown, token.source_line,
                                  "stylesheet: expected no url() or @import outside "
                                  "@font-face and @page (an EPUB carries only the page's own pictures), "
                                  f"got {tinycss2.serialize([token]).strip()}")
    return [tinycss2.serialize(nodes).strip()]


def _tokens(nodes):
    """Yield every token of ``nodes``, inside rules, blocks and functions too."""
    for node in nodes or ():
        yield node
        if node.type in ("qualified-rule", "at-rule"):
            yield from _tokens(node.prelude)
            yield from _tokens(node.content)
        elif node.type in ("() block", "[] block", "{} block"):
            yield from _tokens(node.content)
        elif node.type == "function":
            yield from _tokens(node.arguments)


def serialise(root: ElementTree.Element) -> bytes:
    """Return an XHTML document as UTF-8 XML, with its doctype."""
    # ElementTree's default_namespace refuses attributes without a namespace: the
    # elements are written unqualified, under one xmlns on the root, instead.
    root = copy.deepcopy(root)
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.removeprefix(f"{{{XHTML_NAMESPACE}}}")
    root.set("xmlns", XHTML_NAMESPACE)
    markup = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n{markup}\n'.encode()


def _is_local(address: str) -> bool:
    parts = urlsplit(address)
    return not parts.scheme and not parts.netloc


def _remove_what_runs(root: ElementTree.Element) -> None:
    """Leave out scripts and event handlers: an EPUB of a leaflet is only its text."""
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (tag("script"), tag("noscript")):
                parent.remove(child)
        for name in [name for name in parent.attrib if name.lower().startswith("on")]:
            del parent.attrib[name]


def _unlink_beside(root: ElementTree.Element) -> None:
    """Make a link to a file beside the web page (its braille and EPUB) plain text: the
    container does not hold the file (epubcheck RSC-007)."""
    for element in root.iter(tag("a")):
        address = element.get("href") or ""
        if _is_local(address) and not address.startswith("#"):
            element.tag = tag("span")
            del element.attrib["href"]


def _picture(source: str, numbers: Iterator[int], files: Mapping[str, bytes]) -> Resource:
    """Return the container's file for an ``img`` source: a figure's data: URI (named
    by the next of ``numbers``), or a file beside the page (the logo)."""
    found = _DATA_URI.fullmatch(source)
    if found:
        kind = found.group(1)
        return Resource(f"{IMAGES}/figure-{next(numbers)}{_EXTENSIONS[kind]}", kind,
                        base64.b64decode(found.group(2)))
    name = PurePosixPath(unquote(urlsplit(source).path)).name
    return Resource(f"{IMAGES}/{name}", MEDIA_TYPES[PurePosixPath(name).suffix.lower()],
                    files[source])


def _animates(resource: Resource) -> bool:
    """Return whether a picture moves: SVG animation or CSS animation, or an animated
    PNG (its acTL chunk). figure.py allows them; the hazard metadata must know."""
    if resource.media_type == "image/svg+xml":
        return bool(_SVG_ANIMATION.search(resource.data))
    if resource.media_type == "image/png":
        return b"acTL" in resource.data.split(b"IDAT", 1)[0]
    return False


_SVG_ANIMATION = re.compile(rb"<(?:\w+:)?(?:animate\w*|set)\b|@keyframes|animation(?:-name)?\s*:",
                            re.IGNORECASE)


def _headings(body: ElementTree.Element) -> tuple[Heading, ...]:
    """Give every h1, h2 and h3 an id, and return them in reading order."""
    found, taken = [], {element.get("id") for element in body.iter() if element.get("id")}
    levels = {tag("h1"): 1, tag("h2"): 2, tag("h3"): 3}
    for number, element in enumerate(
            (element for element in body.iter() if element.tag in levels), start=1):
        if element.get("id") is None:
            name = f"heading-{number}"
            while name in taken:
                name += "-"
            element.set("id", name)
            taken.add(name)
        found.append(Heading(levels[element.tag], element.get("id"), copy.deepcopy(element)))
    return tuple(found)


def _meta(head: ElementTree.Element, name: str) -> str:
    return next((meta.get("content") for meta in head.iter(tag("meta"))
                 if meta.get("name") == name), "")
