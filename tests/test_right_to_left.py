"""Right-to-left languages: an Arabic leaflet is set right-aligned, mirrored, in the Arabic
font the project names, with English (in a draft) kept in its own direction (issue 13)."""

from __future__ import annotations

import subprocess

import pypdfium2 as pdfium
import pytest

from leafpress.build.pipeline import build
from leafpress.rendering.writing import font_warning

from helpers import LEAFLET, make_project, rtl_texts, run, translate

MM = 72 / 25.4
MARGIN = 20 * MM  # the page's side margins (templates/leaflet.css)
LIST_INDENT = 7 * MM
WARN = ("If you feel unwell at any time during the infusion, tell the staff looking after you "
        "straight away.")
# A handful of the fixture's texts in Arabic (tests/data/rtl/ar.json has more).
AR = rtl_texts("ar")
ARABIC = {english: AR[english] for english in (
    "Magnesium infusion for nerve pain",
    "Pain Management Service",
    "Getting ready for your appointment",
    "Your appointment will be in the morning or the afternoon.",
    "Have nothing to eat for 6 hours before your appointment.",
    WARN,
    "Warning:",
)}


@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    """The Arabic draft PDF of a leaflet whose Arabic catalog is partly translated."""
    project = make_project(tmp_path_factory.mktemp("rtl") / "project",
                           {"sample": LEAFLET + f"      - warning: {WARN}\n"})
    assert run(project, "init", "ar") == 0
    translate(project, "ar", ARABIC)
    dist = project.root / "dist"
    build(project, dist, draft=True, variants=("standard",), log=lambda line: None,
          warn=lambda line: None)
    return dist / "drafts" / "ar" / "sample.pdf"


def lines(path) -> list[tuple[float, float, str]]:
    """Return the first page's text runs as ``(left, right, text)``, as PDFium finds them."""
    text = pdfium.PdfDocument(path)[0].get_textpage()
    found = []
    for index in range(text.count_rects()):
        left, bottom, right, top = text.get_rect(index)
        found.append((left, right, text.get_text_bounded(left, bottom, right, top)))
    return found


def run_of(path, text: str) -> tuple[float, float]:
    """Return the left and right end of the run that starts with ``text`` (a number in
    Arabic text is a run of its own: it is isolated, test_bidi.py)."""
    [(left, right)] = [(left, right) for left, right, found in lines(path)
                       if found.startswith(text)]
    return left, right


def page_width(path) -> float:
    return pdfium.PdfDocument(path)[0].get_width()


def test_headings_end_at_the_right_margin(draft):
    column_end = page_width(draft) - MARGIN
    for heading in ("تسريب المغنيسيوم لعلاج ألم الأعصاب", "الاستعداد لموعدك"):
        _, right = run_of(draft, heading)
        assert column_end - 1.5 <= right <= column_end + 0.5, heading


def test_lists_are_mirrored(draft):
    text_end = page_width(draft) - MARGIN - LIST_INDENT
    markers = [left for left, _, text in lines(draft) if text.strip() == "•"]
    assert len(markers) == 2
    for item in ("سيكون موعدك في الصباح أو بعد الظهر", "لا تأكل أي شيء لمدة"):
        _, right = run_of(draft, item)
        assert text_end - 1.5 <= right <= text_end + 0.5, item
        assert all(marker >= right - 0.5 for marker in markers)  # the bullet at the right


def test_english_in_a_draft_keeps_its_full_stop_at_its_end(draft):
    # Without isolation the stop of "…equivalents [6]." is drawn at the line's left end.
    # (test_bidi.py reads the stop's own position.)
    column_end = page_width(draft) - MARGIN
    [(_, right)] = [(left, right) for left, right, text in lines(draft)
                    if text == "equivalents [6]."]
    assert column_end - 1.5 <= right <= column_end + 0.5


def test_the_arabic_is_set_in_the_projects_arabic_font(draft):
    fonts = subprocess.run(["pdffonts", str(draft)], capture_output=True, text=True,
                           check=True).stdout
    names = [line.split()[0].split("+", 1)[1] for line in fonts.splitlines()[2:]]
    assert "Noto-Naskh-Arabic" in names and "Noto-Naskh-Arabic-Bold" in names
    assert all(name.startswith(("Noto-Naskh-Arabic", "Noto-Sans-Arabic",
                                "Atkinson-Hyperlegible")) for name in names), names


def test_the_html_carries_the_direction(draft):
    page = (draft.parent / "sample" / "index.html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in page


def test_init_warns_when_no_font_covers_the_script(tmp_path, capsys):
    project = make_project(tmp_path / "project")
    assert run(project, "init", "hi") == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: no font of the project covers the Devanagari script of Hindi: its PDFs "
        "would use whatever font this machine has; add a font for it to "
        "templates/leaflet.css, and its Debian package to scripts/setup.sh"]
    assert run(project, "init", "ar") == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("locale", "message"), [
    ("ar", "the font 'Noto Naskh Arabic' for Arabic is not installed, so its text would be "
           "drawn with another font; install the Debian package fonts-noto-core "
           "(scripts/setup.sh does)"),
    ("he", "the font 'Noto Sans Hebrew' for Hebrew is not installed, so its text would be "
           "drawn with another font; install the Debian package fonts-noto-core "
           "(scripts/setup.sh does)"),
    ("ur", "the font 'Noto Nastaliq Urdu' for Urdu is not installed, so its text would be "
           "drawn with another font; install the Debian package fonts-noto-core "
           "(scripts/setup.sh does)"),
    ("fr", None),
])
def test_a_missing_font_is_named_with_its_package(locale, message):
    assert font_warning(locale, installed=set()) == message


def test_the_footer_is_mirrored(draft):
    width = page_width(draft)
    # The runs in the bottom margin (24 mm): page 1 prints the reference in its facts too.
    textpage = pdfium.PdfDocument(draft)[0].get_textpage()
    runs = [(left, right, textpage.get_text_bounded(left, bottom, right, top))
            for left, bottom, right, top in map(textpage.get_rect, range(textpage.count_rects()))
            if top < 24 / 25.4 * 72]
    [page] = [(left, right) for left, right, text in runs if text.startswith("Page ")]
    [reference] = [(left, right) for left, right, text in runs if text.startswith("TEST")]
    assert page[0] < width / 2 < reference[0]  # page number at the left, reference at the right
