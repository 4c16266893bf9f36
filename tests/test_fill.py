"""Pages without waste (issue 23): each page's fill read from the layout, the pages that
waste paper named with what they hold, a warning in a build and an error in a strict one."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from leafpress.build.pipeline import build
from leafpress.core.errors import LeafletError
from leafpress.rendering import fill
from leafpress.rendering.fill import Line, Page
from leafpress.rendering.pdf import write_pdf

from helpers import LEAFLET, ROOT, approve, entry, every_output, make_project, write_pot

EVERY = every_output()

# An A4 page with a 720 pt text area and 20 pt lines: a heading and the painted box fill
# it but for three lines, so that a paragraph of four lines (two lines at least on each
# side of a break) leaves its last two on a page of their own.
PAGE = ("<style>@page { size: A4; margin: 60.945pt 0 } body { margin: 0; "
        "font: 14pt/20pt sans-serif; orphans: 2; widows: 2 } h2 { margin: 0; font: inherit }"
        "</style>")
BOX = '<div style="height: 640pt; background: #ccc"></div>'


def laid_out(body: str) -> list[Page]:
    """Lay ``body`` out with WeasyPrint; return its pages as fill.py measures them."""
    html = f'<html lang="en"><head><title>Fill</title>{PAGE}</head><body>{body}</body></html>'
    pages: list[Page] = []
    write_pdf(html, [ROOT / "templates"], "fill-test", "test",
              laid_out=lambda document: pages.extend(fill.measure(document)))
    return pages


def test_the_last_two_lines_of_a_paragraph_alone_on_the_last_page_are_named():
    pages = laid_out(f"<section><h2>Side effects</h2>{BOX}"
                     "<p>One<br>two<br>three<br>four</p></section>")
    assert [len(page.lines) for page in pages] == [3, 2]  # the heading and two lines, two
    assert pages[0].fill > 0.95
    assert fill.waste(pages) == [
        "page 2 of 2, the last, is 6% full: it holds only the last 2 lines of a paragraph of "
        "'Side effects'"]


def test_a_full_page_and_a_last_page_of_three_lines_are_not_waste():
    pages = laid_out(f"<section><h2>Side effects</h2>{BOX}"
                     "<p>One<br>two<br>three<br>four<br>five</p></section>")
    assert [len(page.lines) for page in pages] == [3, 3]  # the heading and two lines, three
    assert fill.waste(pages) == []


def test_a_callout_alone_on_a_page_is_measured_to_its_box():
    pages = laid_out(f'<section><h2>Research</h2>{BOX}<div class="callout" style="'
                     'break-inside: avoid; padding: 10pt; background: #eee"><p>Important: '
                     'one<br>small<br>study</p></div></section>')
    assert [len(page.lines) for page in pages] == [1, 3]
    # Three lines, the paragraph's margins (1 em) and the callout's padding.
    assert pages[1].fill == pytest.approx((60 + 28 + 20) / 720, abs=0.005)
    assert fill.waste(pages) == ["page 2 of 2, the last, is 15% full: it holds only a callout "
                                 "of 'Research'"]


def test_a_page_under_the_threshold_that_is_not_the_last_says_what_it_holds():
    full = Page(1, 0.9, (Line(1, "paragraph", "Before"),) * 30)
    pages = [full, Page(2, 0.18, (Line(2, "callout", "Research"),) * 4),
             Page(3, 0.5, (Line(1, "paragraph", "Before"), Line(3, "paragraph", "After")) * 9)]
    assert fill.waste(pages) == ["page 2 of 3 is 18% full (under 30%): it holds only a "
                                 "callout of 'Research'"]
    pages[1] = Page(2, 0.29, (Line(1, "paragraph", "Before"), Line(4, "list", "After")))
    assert fill.waste(pages) == ["page 2 of 3 is 29% full (under 30%): it holds only 2 lines, "
                                 "of 'Before' and 'After'"]
    pages[1] = Page(2, fill.MIN_FILL, pages[1].lines)
    assert fill.waste(pages) == []


def test_a_one_page_leaflet_is_never_waste():
    assert fill.waste([Page(1, 0.05, (Line(1, "paragraph", ""),))]) == []


# A leaflet whose picture is too tall for what is left of its first page: kept whole,
# it moves to the next page and leaves the first one mostly empty.
TALL = LEAFLET.replace("sections:\n", """sections:
  - heading: A tall picture
    blocks:
      - paragraph: Have nothing to eat for 6 hours before your appointment.
      - figure: tall.svg
        alt: A tall blue box.
""", 1)
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 125">'
       '<rect width="100" height="125" fill="#1d70b8"/></svg>')
WASTE = ('leaflets/sample.yaml [en]: standard PDF, page 1 of 3 is 27% full (under 30%): it '
         "holds 5 lines, of 'the title' and 'A tall picture'; see \"Pages without waste\" in "
         "docs/writers.md")


@pytest.fixture(scope="module")
def wasteful(tmp_path_factory):
    """A project whose standard PDF wastes its first page, built once (not strict)."""
    root = tmp_path_factory.mktemp("wasteful")
    project = make_project(root / "project", {"sample": TALL}, approved=False)
    (project.leaflets_dir / "tall.svg").write_text(SVG, "utf-8")
    approve(project)
    write_pot(project)
    warnings: list[str] = []
    build(project, root / "dist", variants=("standard",), log=lambda line: None,
          warn=warnings.append)
    return project, root / "dist", warnings


def test_a_build_warns_of_a_wasted_page_and_a_strict_build_fails(wasteful):
    project, dist, warnings = wasteful
    assert warnings == [f"warning: {WASTE}"]
    assert (dist / "en" / "sample.pdf").is_file()  # the writer sees the page
    # Reused from the cache, the PDF is reported as when it was rendered.
    with pytest.raises(LeafletError) as raised:
        build(project, dist, variants=("standard",), strict=True, log=lambda line: None,
              warn=lambda line: None)
    assert [str(problem) for problem in raised.value.problems] == [WASTE]


# Read back with another reader (PDFium): the rows of text drawn on each page -------------

def text_rows(page) -> list[tuple[float, float]]:
    """The (top, bottom) of each row of text on a PDFium ``page``, from the top down."""
    textpage = page.get_textpage()
    boxes = sorted((box for index in range(textpage.count_chars())
                    if not textpage.get_text_range(index, 1).isspace()
                    and (box := textpage.get_charbox(index))[3] > box[1]),
                   key=lambda box: -box[3])
    rows: list[list[float]] = []
    for _, bottom, _, top in boxes:
        if rows and top > rows[-1][1] + 1:  # overlaps the row above: the same row
            rows[-1] = [max(rows[-1][0], top), min(rows[-1][1], bottom)]
        else:
            rows.append([top, bottom])
    return [(top, bottom) for top, bottom in rows]


def read_back_waste(path) -> list[str]:
    """The pages of the PDF at ``path`` that PDFium finds wasteful, as fill.py defines it:
    the footer is the lowest row, the running header the highest (not on page 1)."""
    document = pdfium.PdfDocument(path)
    found = []
    for number, page in enumerate(document, 1):
        rows = text_rows(page)
        body, footer = rows[int(number > 1):-1], rows[-1]
        top = rows[0][1] if number > 1 else rows[0][0]
        if number < len(document):
            share = (top - body[-1][1]) / (top - footer[0]) if body else 0
            if share < fill.MIN_FILL - 0.05:  # the margin boxes' padding is not known here
                found.append(f"page {number}: {share:.0%}")
        elif number > 1 and len(body) <= fill.LAST_PAGE_LINES:
            found.append(f"page {number}: {len(body)} rows")
    return found


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_no_page_of_the_project_wastes_paper(dist, manifest, leaflet, locale, variant):
    assert read_back_waste(dist / entry(manifest, leaflet, locale, variant)["path"]) == []


def test_no_page_of_the_fixture_project_wastes_paper(fixture_dist):
    paths = sorted(fixture_dist.rglob("*.pdf"))
    assert paths
    assert {path.name: read_back_waste(path) for path in paths} == {
        path.name: [] for path in paths}


def test_the_reader_finds_a_wasted_page(wasteful):
    assert read_back_waste(wasteful[1] / "en" / "sample.pdf") == ["page 1: 25%"]


def test_the_message_names_a_section_of_the_writers_guide_that_exists():
    from leafpress.build.pipeline import WASTE_HELP

    assert f"\n## {WASTE_HELP}\n" in (ROOT / "docs" / "writers.md").read_text("utf-8")
