"""Measure the printed pages: type sizes, margins, the logo, blank pages, line starts."""

from __future__ import annotations

from collections import Counter

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from leafpress.core.project import VARIANTS

from helpers import entry, every_edition, every_output, leaflet_source, leaflets, translated

ALL = every_output()
MM = 72 / 25.4  # PDF points per millimetre
# Chinese punctuation that must never begin a line (GB/T 15834 and common practice).
NO_LINE_START = set("，。、；：？！）》」』】〕…—·")


def output_path(dist, manifest, leaflet, locale, variant):
    found = entry(manifest, leaflet, locale, variant)
    return dist / found["path"], found


def text_sizes(path) -> Counter:
    """Count the printed characters by their effective size in points."""
    sizes = Counter()
    matrix = raw.FS_MATRIX()
    for page in pdfium.PdfDocument(path):
        text = page.get_textpage()
        for index in range(text.count_chars()):
            if chr(raw.FPDFText_GetUnicode(text.raw, index)).isspace():
                continue
            raw.FPDFText_GetMatrix(text.raw, index, matrix)
            scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            sizes[round(raw.FPDFText_GetFontSize(text.raw, index) * scale, 1)] += 1
    return sizes


def test_every_leaflet_has_both_variants_in_every_locale(manifest):
    assert {(o["leaflet"], o["locale"], o["variant"]) for o in manifest["outputs"]} == set(ALL)
    assert {leaflet for leaflet, _, _ in ALL} == set(leaflets()) and len(leaflets()) >= 1


@pytest.mark.parametrize(("leaflet", "locale"), every_edition())
def test_standard_body_text_is_at_least_12_pt(dist, manifest, leaflet, locale):
    sizes = text_sizes(output_path(dist, manifest, leaflet, locale, "standard")[0])
    body = sizes.most_common(1)[0][0]
    # NHS clear print: 14 pt for patients, 12 pt in briefings for clinicians.
    audience = leaflet_source(leaflet)["audience"]
    assert body >= {"patient": 14, "clinician": 12}[audience]
    assert min(sizes) >= 11  # only the running header is below 12 pt


@pytest.mark.parametrize(("leaflet", "locale"), every_edition())
def test_large_print_is_18_pt_and_nothing_under_16(dist, manifest, leaflet, locale):
    path, entry = output_path(dist, manifest, leaflet, locale, "large-print")
    sizes = text_sizes(path)
    assert sizes.most_common(1)[0][0] >= 18
    assert min(sizes) >= 16
    # Re-flowed, not enlarged: still A4, and more pages than the standard print.
    page = pdfium.PdfDocument(path)[0]
    assert (round(page.get_width()), round(page.get_height())) == (595, 842)
    standard = output_path(dist, manifest, leaflet, locale, "standard")[1]
    assert entry["pages"] > standard["pages"]


def render(path, dpi=36):
    return [page.render(scale=dpi / 72).to_pil().convert("RGB")
            for page in pdfium.PdfDocument(path)]


@pytest.mark.parametrize(("leaflet", "locale", "variant"), ALL)
def test_nothing_is_drawn_near_the_paper_edge_and_no_page_is_blank(dist, manifest, leaflet,
                                                                 locale, variant):
    path, entry = output_path(dist, manifest, leaflet, locale, variant)
    pages = render(path)
    assert len(pages) == entry["pages"]
    for number, image in enumerate(pages, start=1):
        width, height = image.size
        edge = round(8 * MM * 36 / 72)  # an 8 mm band that printers may not reach
        for box in ((0, 0, width, edge), (0, height - edge, width, height),
                    (0, 0, edge, height), (width - edge, 0, width, height)):
            assert image.crop(box).getextrema() == ((255, 255),) * 3, (number, box)
        inner = image.crop((edge, round(25 * MM / 2), width - edge, height - round(25 * MM / 2)))
        assert inner.getextrema() != ((255, 255),) * 3, f"page {number} is blank"


@pytest.mark.parametrize(("leaflet", "locale"), every_edition())
def test_the_logo_is_drawn_in_its_place_on_the_first_page(dist, manifest, leaflet, locale):
    image = render(output_path(dist, manifest, leaflet, locale, "standard")[0], dpi=72)[0]
    # 20 mm from the left, 16 mm from the top, 16 mm square (templates/leaflet.css).
    logo = image.crop((round(20 * MM), round(16 * MM), round(36 * MM), round(32 * MM)))
    colours = logo.getcolors(maxcolors=100_000)
    accent = sum(count for count, (r, g, b) in colours if b > 150 and r < 60)
    assert accent > 0.5 * logo.size[0] * logo.size[1]  # mostly the brand blue


CHINESE = [(leaflet, locale) for leaflet, locale in every_edition() if locale.startswith("zh")]


@pytest.mark.parametrize(("leaflet", "locale"), CHINESE)
def test_chinese_punctuation_never_starts_a_line(dist, manifest, leaflet, locale):
    for variant in VARIANTS:
        for page in pdfium.PdfDocument(output_path(dist, manifest, leaflet, locale,
                                                   variant)[0]):
            text = page.get_textpage().get_text_bounded()
            starts = [line.strip()[:1] for line in text.splitlines() if line.strip()]
            assert not NO_LINE_START & set(starts), (variant, [
                line for line in text.splitlines() if line.strip()[:1] in NO_LINE_START])


def _headings(leaflet: str, locale: str) -> list[str]:
    """The leaflet's headings and questions in ``locale``, from its YAML and catalog files."""
    sections = leaflet_source(leaflet)["sections"]
    texts = [section["heading"] for section in sections] + [
        block["question"] for section in sections for block in section["blocks"]
        if "question" in block]
    return [translated(text, locale) for text in texts]


@pytest.mark.parametrize(("leaflet", "locale", "variant"), ALL)
def test_a_heading_is_never_the_last_line_of_a_page(dist, manifest, leaflet, locale, variant):
    path, _ = output_path(dist, manifest, leaflet, locale, variant)
    headings = ["".join(heading.split()) for heading in _headings(leaflet, locale)]
    for number, page in enumerate(pdfium.PdfDocument(path), start=1):
        height = page.get_height()
        # Only the body: lines whose foot is over 20 mm from the top and the bottom edge.
        # The running header and footer end nearer the edge, inside the page margins
        # (20 to 26 mm: leaflet.css, and leaflet.html.j2 for large print).
        text = page.get_textpage()
        pieces = [(round(text.get_rect(index)[1]), text.get_rect(index)[0],
                   "".join(text.get_text_bounded(*text.get_rect(index)).split()))
                  for index in range(text.count_rects())]
        pieces = [piece for piece in pieces if 20 * MM < piece[0] < height - 20 * MM
                  and piece[2]]
        assert pieces, f"page {number} has no body text"
        # The lowest line on the page, read left to right (PDFium gives list markers last).
        bottom = min(piece[0] for piece in pieces)
        last = "".join(piece[2] for piece in sorted(pieces, key=lambda piece: piece[1])
                       if piece[0] <= bottom + 2)
        # A heading that wraps ends the page with its own last words.
        assert not any(heading.endswith(last) for heading in headings), (
            f"page {number} ends with a heading: {last!r}")
