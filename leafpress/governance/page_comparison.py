"""Two builds of a PDF, page by page: which pages changed, and where on the page.

PDFium (pypdfium2) draws each page and Pillow compares the two drawings: the same
libraries, pinned, that draw the thumbnails. A page whose pixels differ is a changed
page; its changed regions are the bands of rows that differ (rows closer than
``GAP`` pixels join one region), each boxed on both drawings.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

# 1 pixel per point: an A4 page is 595 × 842 pixels, enough to read beside its twin.
SCALE = 1.0
# A pixel differs when its grey level moves by more than this (anti-aliasing noise).
THRESHOLD = 32
GAP = 12
MARGIN = 4
# The running header and footer (templates/leaflet.css: 22 mm and 24 mm page margins)
# carry the version on every page; a page whose only change is there is listed as such
# instead of shown. The bands stop short of the first page's 16 mm top margin.
HEADER_BAND_MM, FOOTER_BAND_MM = 15, 22
HIGHLIGHT = (255, 196, 0, 70)
OUTLINE = (214, 0, 28, 255)


@dataclass(frozen=True)
class PageChange:
    """One page of the old or new PDF (or both), as PNG data: URIs with boxes drawn."""

    number: int
    old: str | None
    new: str | None
    regions: int


@dataclass(frozen=True)
class Comparison:
    """The pages that changed, and the numbers of those that did not."""

    changed: tuple[PageChange, ...]
    unchanged: tuple[int, ...]
    furniture_only: tuple[int, ...] = ()


def compare_pdfs(old: Path | None, new: Path | None) -> Comparison:
    """Compare two PDFs page by page (either may be missing: every page is then new)."""
    old_pages, new_pages = _draw(old), _draw(new)
    changed, unchanged, furniture_only = [], [], []
    for index in range(max(len(old_pages), len(new_pages))):
        before = old_pages[index] if index < len(old_pages) else None
        after = new_pages[index] if index < len(new_pages) else None
        boxes = changed_regions(before, after)
        if boxes == []:
            unchanged.append(index + 1)
        elif boxes and all(_in_furniture(box, before.height) for box in boxes):
            furniture_only.append(index + 1)
        else:
            changed.append(PageChange(index + 1, _png(before, boxes), _png(after, boxes),
                                      len(boxes or ())))
    return Comparison(tuple(changed), tuple(unchanged), tuple(furniture_only))


def _in_furniture(box, height: int) -> bool:
    """Return whether ``box`` lies within the running header's or footer's band."""
    pixels_per_mm = 72 / 25.4 * SCALE
    return box[3] <= HEADER_BAND_MM * pixels_per_mm \
        or box[1] >= height - FOOTER_BAND_MM * pixels_per_mm


def _draw(path: Path | None) -> list:
    if path is None:
        return []
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        return [page.render(scale=SCALE).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def changed_regions(before, after) -> list[tuple[int, int, int, int]] | None:
    """Return the boxes that differ between two drawings; ``None`` if one is missing."""
    from PIL import Image, ImageChops

    if before is None or after is None:
        return None
    size = (max(before.width, after.width), max(before.height, after.height))
    grey = [_padded(image.convert("L"), size, Image) for image in (before, after)]
    mask = ImageChops.difference(*grey).point(lambda value: 255 if value > THRESHOLD else 0)
    rows = [row for row in range(size[1])
            if mask.crop((0, row, size[0], row + 1)).getbbox()]
    boxes, band = [], []
    for row in rows:
        if band and row - band[-1] > GAP:
            boxes.append(_box(mask, band, size))
            band = []
        band.append(row)
    if band:
        boxes.append(_box(mask, band, size))
    return boxes


def _padded(image, size, Image):
    if image.size == size:
        return image
    canvas = Image.new("L", size, 255)
    canvas.paste(image, (0, 0))
    return canvas


def _box(mask, band: list[int], size) -> tuple[int, int, int, int]:
    left, top, right, bottom = mask.crop((0, band[0], size[0], band[-1] + 1)).getbbox()
    return (max(left - MARGIN, 0), max(band[0] - MARGIN, 0),
            min(right + MARGIN, size[0]), min(band[-1] + 1 + MARGIN, size[1]))


def _png(image, boxes) -> str | None:
    """Return ``image`` with ``boxes`` highlighted, as a PNG data: URI."""
    if image is None:
        return None
    from PIL import Image, ImageDraw

    canvas = image.convert("RGBA")
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for box in boxes or ():
        draw.rectangle(box, fill=HIGHLIGHT, outline=OUTLINE, width=3)
    result = Image.alpha_composite(canvas, overlay).convert("RGB").quantize(64)
    buffer = io.BytesIO()
    result.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
