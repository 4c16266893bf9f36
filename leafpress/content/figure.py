"""Figure files: read by their content, and checked before any output carries them.

A figure is put inside the PDF and inside the web page (document.py), so a file that
is not the image its name says, that is bigger than a leaflet can carry, or an SVG that
runs a script or loads anything from outside itself is refused here, with the figure's
name, rather than failing in WeasyPrint or reaching a reader (issue 20). A size a
leaflet never needs is only advice: ``check`` prints it as a warning.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
import xml.sax
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.expatreader import create_parser
from PIL import Image, UnidentifiedImageError

# The limits, each with its reason (docs/writers.md, "Editing a leaflet"). Print needs
# 300 pixels an inch; the text area of an A4 page, less the margins of
# templates/leaflet.css, is 170 × 251 mm: 2008 × 2965 pixels is all a figure can ever
# show on paper.
PRINT_DPI = 300
TEXT_AREA_MM = (170, 251)
NEEDED_PIXELS = tuple(round(mm / 25.4 * PRINT_DPI) for mm in TEXT_AREA_MM)
# WeasyPrint holds a picture decoded, 4 bytes a pixel, in each worker that renders it:
# 25 megapixels are 100 MB of memory, for a figure that prints no sharper than the 6
# megapixels of the text area.
MAX_PIXELS = 25_000_000
# The web page carries each figure inline, as base64 (a third larger), to a phone: on
# Lighthouse's mobile connection (1.6 Mbit/s), 500 KB add 3.3 s to the page, and a
# diagram the width of the column is far smaller.
PHONE_BITS_PER_SECOND = 1_638_400
ADVISED_BYTES = 500_000
# Above 3 MB the figure alone makes the page weigh 4 MB, the median of Lighthouse's
# "Avoid enormous network payloads" (a score of 0.5, the edge of failing), and 20 s
# to load on that connection.
MAX_BYTES = 3_000_000
_SCALE = f"scale it down to at most {NEEDED_PIXELS[0]} pixels wide"
_SMALLER = f"{_SCALE}, or save it with fewer colours"
KINDS = {".png": "PNG", ".svg": "SVG"}
NAMED = {"PNG": "a PNG", "SVG": "an SVG", "JPEG": "a JPEG"}
SVG = "http://www.w3.org/2000/svg"
# What a figure may point to: a part of itself (#id), or a picture inside it.
EMBEDDED = re.compile(r"data:image/(png|jpeg);base64,(.*)", re.DOTALL | re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)|@import|(?:-webkit-)?image(?:-set)?\(",
                     re.IGNORECASE | re.DOTALL)
CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.DOTALL)
# The attributes whose value is an address, in SVG and in HTML inside <foreignObject>.
ADDRESSES = frozenset({"href", "src", "srcset", "srcdoc", "data", "action", "formaction",
                       "poster", "background", "ping", "cite", "longdesc", "lowsrc",
                       "dynsrc", "manifest", "codebase", "archive", "usemap"})


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a figure file, worded to follow its name."""

    message: str
    line: int | None = None  # the line inside an SVG

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class FigureCheck:
    """What is wrong with a figure file (errors) and what it need not be (advice)."""

    errors: tuple[Finding, ...] = ()
    advice: tuple[Finding, ...] = ()
    # Whether it has text of its own (an SVG's <text>): labels in one language, which
    # read backwards when it is mirrored (issue 23).
    labels: bool = False


def describe(name: str, finding: Finding) -> str:
    """Return a finding as a sentence about the figure file ``name``."""
    if finding.line:
        return f"the figure file {name!r}, line {finding.line}: {finding.message}"
    return f"the figure file {name!r} {finding.message}"


def check_figure(path: Path) -> FigureCheck:
    """Read the figure file at ``path`` and check it (its name says what it must be)."""
    return check_content(path.read_bytes(), path.name)


def check_content(content: bytes, name: str) -> FigureCheck:
    """Check the bytes of the figure file ``name``: its kind, size and what it refers to."""
    expected = KINDS[Path(name).suffix.lower()]
    found = _kind(content)
    if found != expected:
        return FigureCheck((Finding(_wrong_kind(name, expected, found)),))
    errors, advice = [], []
    if len(content) > MAX_BYTES:
        errors.append(Finding(f"is {_size(len(content))}; a figure may be at most "
                              f"{_size(MAX_BYTES)}, as the web page carries it inline (it "
                              f"would weigh {_size(len(content) * 4 // 3)}); {_SMALLER}"))
    elif len(content) > ADVISED_BYTES:
        advice.append(Finding(f"is {_size(len(content))}, more than a leaflet's figure "
                              f"needs ({_size(ADVISED_BYTES)} add {_seconds(ADVISED_BYTES)} "
                              f"to the web page on a phone's connection); {_SMALLER}"))
    if expected == "PNG":
        raster_errors, raster_advice = _check_raster(content, "PNG")
        errors += raster_errors
        advice += raster_advice
        labels = False
    else:
        findings, labels = _check_svg(content)
        errors += findings
    return FigureCheck(tuple(errors), tuple(advice), labels)


# An SVG's own width (its width attribute), in the units WeasyPrint and browsers both read.
SVG_WIDTH = re.compile(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*(px|pt|pc|mm|cm|in|q)?\s*", re.IGNORECASE)


def natural_width(content: bytes, name: str) -> str | None:
    """Return the width the figure file ``name`` is drawn at by itself, as CSS (``240px``,
    ``50mm``; a PNG's pixels are CSS pixels), or None if it has no absolute width of its
    own (then it takes the column's). Large print enlarges it from there (leaflet.css).
    The file has passed `check_content`."""
    if Path(name).suffix.lower() == ".png":
        with Image.open(io.BytesIO(content)) as image:
            return f"{image.size[0]}px"
    from defusedxml.ElementTree import fromstring

    width = SVG_WIDTH.fullmatch(fromstring(content).get("width") or "")
    if width is None or not float(width[1]):
        return None
    return f"{width[1]}{(width[2] or 'px').lower()}"


def _kind(content: bytes) -> str:
    """Return what ``content`` is: PNG, SVG, another image format, text or data."""
    if not content.strip():
        return "empty"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    # Markup before Pillow, which, failing its usual formats, loads every other (0.1 s).
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "SVG" if re.search(rb"<svg[\s>/]", content[:65536]) else "XML"
    try:
        with Image.open(io.BytesIO(content)) as image:
            return image.format or "image"
    except Image.DecompressionBombError:
        return "image"
    except (UnidentifiedImageError, OSError, ValueError):
        pass
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return "data"
    return "text" if "\0" not in text else "data"


def _wrong_kind(name: str, expected: str, found: str) -> str:
    stem = Path(name).stem
    if found == "empty":
        return "is empty; export the figure again"
    if found in KINDS.values():
        return (f"is {NAMED[found]} image, not {NAMED[expected]} one; rename it to "
                f"'{stem}.{found.lower()}'")
    if found in ("text", "data"):
        what = "text" if found == "text" else "neither an image nor text"
        return f"is {what}, not {NAMED[expected]} image; export the figure as PNG or SVG"
    if found == "XML":
        return "is XML but not SVG (it has no <svg> element); export the figure as SVG"
    what = "an image of another kind" if found == "image" else \
        f"{NAMED.get(found, 'a ' + found)} image"
    return f"is {what}, not {NAMED[expected]} one; save it as PNG, named '{stem}.png'"


def _check_raster(content: bytes, expected: str) -> tuple[list[Finding], list[Finding]]:
    """Check a PNG (or JPEG inside an SVG) by decoding its header and checking its data.

    Its size is read before its pixels are, so that a small file that unpacks into a
    huge picture (a "decompression bomb") is refused without being unpacked.
    """
    too_many = (f"a figure may have at most {MAX_PIXELS // 1_000_000} megapixels, and a page "
                f"shows no more than {NEEDED_PIXELS[0]} × {NEEDED_PIXELS[1]}; {_SCALE}")
    try:
        with warnings.catch_warnings():
            # Pillow's own limit (89 megapixels) is far above ours, checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                found, (width, height) = image.format, image.size
                if found != expected:
                    return [Finding(f"is {NAMED.get(found, found)} picture, not "
                                    f"{NAMED[expected]} one")], []
                if width * height > MAX_PIXELS:
                    return [Finding(f"is {width} × {height} pixels ({width * height / 1e6:.0f} "
                                    f"megapixels); {too_many}")], []
                image.verify()  # every chunk and its checksum, without unpacking pixels
    except Image.DecompressionBombError:
        return [Finding(f"has more pixels than Pillow opens; {too_many}")], []
    except UnidentifiedImageError:
        return [Finding(f"is not {NAMED[expected]} image; export it again")], []
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        reason = str(error) or type(error).__name__
        return [Finding(f"is a damaged {expected} image ({reason}); export it again")], []
    if width > NEEDED_PIXELS[0] or height > NEEDED_PIXELS[1]:
        return [], [Finding(f"is {width} × {height} pixels, more than a page can show "
                            f"({NEEDED_PIXELS[0]} × {NEEDED_PIXELS[1]}, the A4 text area at "
                            f"{PRINT_DPI} dpi); {_SCALE}")]
    return [], []


class _SvgReader(xml.sax.ContentHandler):
    """Note every part of an SVG that runs a script or refers outside the file."""

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[Finding] = []
        self.depth = 0
        self.styles: list[list[str]] = []  # the text of each open <style>
        self.locator = None
        self.labels = False

    def setDocumentLocator(self, locator) -> None:
        self.locator = locator

    def line(self) -> int | None:
        return self.locator.getLineNumber() if self.locator else None

    def refuse(self, message: str) -> None:
        self.findings.append(Finding(message, self.line()))

    def startElementNS(self, name, qname, attributes) -> None:
        namespace, element = name
        if self.depth == 0 and (namespace, element) == (None, "svg"):
            self.refuse(f'the <svg> element has no xmlns="{SVG}", without which browsers '
                        "show nothing; add it")
        elif self.depth == 0 and (namespace, element) != (SVG, "svg"):
            self.refuse(f"is not SVG: its first element is <{element}>, not <svg>; export "
                        "the figure as SVG")
        self.depth += 1
        element = element.lower()
        if namespace == SVG and element == "text":
            self.labels = True
        if element == "script":
            self.refuse("a <script> element: a figure must not run scripts; remove it")
        if element in ("set", "animate") and \
                attributes.get((None, "attributeName"), "").endswith("href"):
            self.refuse(f"<{element}> changes a link; remove it")
        for (_, attribute), value in attributes.items():
            self._attribute(attribute, value)
        if element == "style":
            self.styles.append([])

    def endElementNS(self, name, qname) -> None:
        self.depth -= 1
        if name[1].lower() == "style" and self.styles:
            self._css("".join(self.styles.pop()))

    def characters(self, content: str) -> None:
        if self.styles:
            self.styles[-1].append(content)

    def processingInstruction(self, target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            self.refuse("an <?xml-stylesheet?> instruction loads a stylesheet from outside "
                        "the figure; put the styles in a <style> element")

    def _attribute(self, attribute: str, value: str) -> None:
        if attribute.lower().startswith("on"):
            self.refuse(f"the attribute {attribute}= runs a script; remove it")
        elif "javascript:" in value.lower():
            self.refuse(f"the attribute {attribute}= runs a script; remove it")
        elif attribute.lower() in ADDRESSES:
            self._reference(value)
        elif "(" in value or "@" in value:
            self._css(value)

    def _css(self, text: str) -> None:
        if "\\" in text:  # CSS reads u\72l( as url(
            text = CSS_ESCAPE.sub(lambda found: chr(int(found[1], 16)) if found[1] and
                                  int(found[1], 16) < 0x110000 else found[2] or "", text)
        for match in CSS_URL.finditer(text):
            word = match.group(0).lower()
            if word == "@import":
                self.refuse("@import loads a stylesheet from outside the figure; put the "
                            "styles in the figure")
            elif not word.startswith("url"):
                self.refuse(f"{match.group(0)}…) loads pictures by their address; use "
                            "url(#…) or a picture inside the figure")
            else:
                self._reference(match.group(2))

    def _reference(self, address: str) -> None:
        address = address.strip()
        if address.startswith("#"):
            return
        if not address:
            return  # the figure itself
        embedded = EMBEDDED.fullmatch(address)
        if embedded is None and address.lower().startswith("data:"):
            self.refuse(f"a picture inside the figure is {address[:30]!r}…; only PNG and "
                        "JPEG pictures (data:image/png;base64,…) may be inside a figure")
            return
        if embedded is None:
            shown = address if len(address) <= 60 else address[:57] + "…"
            self.refuse(f"refers to {shown!r}, outside the figure; put what it shows inside "
                        "the SVG (as a data:image/png;base64 address) or draw it")
            return
        kind = "PNG" if embedded.group(1).lower() == "png" else "JPEG"
        try:
            content = base64.b64decode(re.sub(r"\s+", "", embedded.group(2)), validate=True)
        except (binascii.Error, ValueError):
            self.refuse(f"a picture inside the figure (data:image/{kind.lower()}) is not "
                        "valid base64; export the figure again")
            return
        for finding in _check_raster(content, kind)[0]:
            self.refuse(f"a picture inside the figure {finding.message}")


def _check_svg(content: bytes) -> tuple[list[Finding], bool]:
    """Parse an SVG with defusedxml; refuse a DTD, an entity and every outside reference.
    Return what is wrong with it, and whether it has text."""
    reader = _SvgReader()
    parser = create_parser(namespaceHandling=1, forbid_dtd=True)
    parser.setContentHandler(reader)
    # defusedxml refuses an external entity; expat is told not to fetch one either.
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    try:
        parser.parse(io.BytesIO(content))
    except DTDForbidden:
        reader.refuse("a <!DOCTYPE>: a DTD can fetch files and define entities, which a "
                      "figure must not; remove the <!DOCTYPE …> lines")
    except DefusedXmlException:
        reader.refuse("an <!ENTITY> definition; remove it and write its text out")
    except xml.sax.SAXParseException as error:
        return [Finding(f"is not well-formed XML ({error.getMessage()}); export the figure "
                        "as SVG again", error.getLineNumber())], False
    return reader.findings, reader.labels


def _seconds(count: int) -> str:
    """Return how long ``count`` bytes of figure add to the web page on a phone."""
    return f"{count * 4 / 3 * 8 / PHONE_BITS_PER_SECOND:.0f} s"


def _size(count: int) -> str:
    """Return a byte count as file managers show it, in decimal units: ``500 KB``, ``5.4 MB``."""
    if count < 1_000_000:
        return f"{count / 1000:.0f} KB"
    return f"{count / 1_000_000:.1f} MB".replace(".0 MB", " MB")
