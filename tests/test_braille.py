"""Braille (issue 24): the fixture leaflet's BRF read back with liblouis, page by page.

What the comparison forgives, and nothing else: line breaks and the blanks of layout
(a runover line, an indent, a centred line), since a line breaks only between words; and
UEB's colon before a slash (⠒, also the contraction "cc"), which liblouis reads back as
"cc" ("https://" comes back "httpscc//"); the apostrophe (⠄), which comes back as a right
single quotation mark. Case, digits, other punctuation and every word must come back as
the HTML has them. (Not in the fixture, seen by hand: an en dash comes back as an em
dash, both ⠠⠤; curly double quotes come back straight, ⠦ and ⠴.)

Chinese: zhcn-g1 is a forward-only table (its `#+direction: forward`): its cells spell
each character's syllable and tone, which many characters share, so reading back gives
other characters of the same sound. There the cells of every text are compared with what
liblouis's forward table makes of it, and the back-translation of the whole file with
that of those cells.
"""

from __future__ import annotations

import unicodedata

import pytest
import tinyhtml5

from leafpress.content.brand import Braille, load_brand
from leafpress.content.leaflet import load_leaflet
from leafpress.core.errors import LeafletError
from leafpress.formats import braille, braille_pages
from leafpress.formats.braille import (ASCII_BRAILLE, TABLES, braille_file, braille_table,
                                       missing_table, unicode_braille)
from leafpress.formats.braille_pages import BLANK, Block, Word, block_lines, paginate
from leafpress.rendering.document import render_html, template_environment
from leafpress.translation.translations import load_translations

from helpers import ROOT, XHTML, small_project

try:
    import louis
except ImportError:  # a machine without it cannot make braille: a failure, not a skip
    pytest.fail("liblouis's Python binding is not importable: run scripts/setup.sh (Debian "
                "package python3-louis)", pytrace=False)
TRANSCRIBER_CHECK = "Not yet checked by a qualified braille transcriber"


def print_html(project, locale: str) -> str:
    translations, problems = load_translations(project, locale)
    assert problems == []
    rendered = render_html(template_environment(project), project,
                           load_leaflet(project.leaflets_dir / "alpha.yaml", project.root),
                           load_brand(project.brand_file), translations, [], medium="print")
    assert rendered.missing == ()
    return rendered.html


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> dict[str, str]:
    """The fixture leaflet's print HTML in English and Chinese."""
    project = small_project(tmp_path_factory.mktemp("braille") / "small")
    return {locale: print_html(project, locale) for locale in ("en", "zh_Hans")}


def pages_of(brf: bytes) -> list[list[str]]:
    """The lines of each page of a BRF, checking its line and page ends on the way."""
    text = brf.decode("ascii")
    assert text.endswith("\r\n\f")
    pages = text.split("\f")[:-1]
    for page in pages:
        assert page.endswith("\r\n") and "\n" not in page.replace("\r\n", "")
    return [page.split("\r\n")[:-1] for page in pages]


def texts(html: str) -> list[str]:
    """The headings, paragraphs, list items and table cells of the leaflet, in order, as
    read: without the characters drawn as nothing (the addresses' break hints)."""
    root = tinyhtml5.parse(html)
    wanted = {f"{XHTML}{tag}" for tag in ("h1", "h2", "h3", "p", "li", "figcaption", "td")}
    return [" ".join("".join(character for character in "".join(element.itertext())
                             if unicodedata.category(character) != "Cf").split())
            for element in root.find(f".//{XHTML}main").iter() if element.tag in wanted]


def without_layout(text: str) -> str:
    return "".join(text.split()).replace("://", "cc//").replace("\u2019", "'")


def found_in_order(parts: list[str], whole: str) -> list[str]:
    """Return the parts not found in ``whole`` after the one before them (none: all are)."""
    missing, position = [], 0
    for part in parts:
        where = whole.find(part, position)
        if where < 0:
            missing.append(part)
        else:
            position = where + len(part)
    return missing


def body(pages: list[list[str]]) -> str:
    """Every line of every page but the page numbers', in order."""
    return " ".join(line for page in pages for line in page[1:])


@pytest.mark.parametrize("grade", [2, 1])
def test_every_text_reads_back_in_order(html, grade):
    brf = braille_file(html["en"], "en", Braille(grade=grade))
    back = louis.backTranslateString(["en-us-brf.dis", braille_table("en", grade)],
                                     body(pages_of(brf)))
    assert found_in_order([without_layout(text) for text in texts(html["en"])],
                          without_layout(back)) == []


def test_grade_1_spells_every_word_out(html):
    contracted = braille_file(html["en"], "en")
    uncontracted = braille_file(html["en"], "en", Braille(grade=1))
    assert " ! " in body(pages_of(contracted)) and "THE" not in body(pages_of(contracted))
    assert " THE " in body(pages_of(uncontracted))
    assert len(uncontracted) > len(contracted)


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
@pytest.mark.parametrize(("cells", "lines"), [(40, 25), (32, 20)])
def test_no_line_is_wider_nor_page_longer_than_the_brands(html, locale, cells, lines):
    pages = pages_of(braille_file(html[locale], locale, Braille(cells=cells, lines=lines)))
    assert len(pages) > 2
    for page in pages:
        assert len(page) <= lines
        assert all(len(line) <= cells and line == line.rstrip() for line in page), page
        assert set("".join(page)) <= set(ASCII_BRAILLE)


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_each_page_has_its_number_at_the_right_of_its_first_line(html, locale):
    pages = pages_of(braille_file(html[locale], locale))
    for number, page in enumerate(pages, start=1):
        assert len(page[0]) == 40 and page[0].lstrip() == page[0].strip()
        read = louis.backTranslateString(["en-us-brf.dis", braille_table(locale)],
                                         page[0].strip())
        assert read.translate(str.maketrans("０１２３４５６７８９", "0123456789")) == str(number)


def test_the_title_page_names_the_leaflet_and_says_no_transcriber_checked_it(html):
    pages = pages_of(braille_file(html["en"], "en"))
    title = louis.backTranslateString(["en-us-brf.dis", "en-ueb-g2.ctb"], " ".join(pages[0][1:]))
    assert " ".join(title.split()) == (
        "Alpha test leaflet Northgate Hospital Test Team Reference: TEST-001 Version: 1.10 "
        f"English Transcribed into braille by software. {TRANSCRIBER_CHECK}.")
    assert pages[0][1].strip() == ",ALPHA TE/ L1FLET"  # centred: 11 blanks on each side
    assert pages[0][1].index(",") == (40 - len(",ALPHA TE/ L1FLET")) // 2
    checked = pages_of(braille_file(html["en"], "en", unchecked=None))
    assert "TRANSCRIB" not in " ".join(checked[0]) and checked[1:] == pages[1:]


def test_chinese_cells_are_liblouis_forward_translation_of_each_text(html):
    pages = pages_of(braille_file(html["zh_Hans"], "zh_Hans"))
    forward = [louis.translateString(["en-us-brf.dis", "zhcn-g1.ctb"], text)
               for text in texts(html["zh_Hans"])]
    assert found_in_order(["".join(cells.split()) for cells in forward],
                          "".join(body(pages).split())) == []
    # Read back, the file says what the source's own cells say: the same syllables, tones.
    back = louis.backTranslateString(["en-us-brf.dis", "zhcn-g1.ctb"], body(pages))
    assert found_in_order(
        ["".join(louis.backTranslateString(["en-us-brf.dis", "zhcn-g1.ctb"], cells).split())
         for cells in forward], "".join(back.split())) == []


def test_the_same_html_gives_the_same_bytes_from_any_folder(html, tmp_path):
    again = print_html(small_project(tmp_path / "elsewhere"), "zh_Hans")
    assert again != html["zh_Hans"]  # its file: links name the other folder
    assert braille_file(again, "zh_Hans") == braille_file(html["zh_Hans"], "zh_Hans")


def test_brf_is_liblouis_north_american_ascii_braille():
    cells = "".join(chr(0x2800 + dots) for dots in range(64))
    assert louis.dotsToChar(["en-us-brf.dis"], cells) == ASCII_BRAILLE


def test_unicode_braille_shows_the_same_cells(html):
    brf = braille_file(html["en"], "en")
    shown = unicode_braille(brf)
    assert set(shown) <= {chr(0x2800 + dots) for dots in range(64)} | {"\n", "\f"}
    assert shown.split("\f")[1].split("\n")[0].endswith("⠼⠃")  # page 2's number
    assert [len(line) for line in shown.split("\n")] == [
        len(line) for line in brf.decode("ascii").replace("\r\n", "\n").split("\n")]


def test_a_language_without_a_table_gets_a_warning_and_no_file(html):
    message = ("no braille table for 'so' in liblouis 3.24: its leaflets are published "
               "without a braille file; ask a braille transcription service for one")
    assert missing_table("so") == message
    assert missing_table("en") is missing_table("en_GB") is missing_table("zh_Hans") is None
    assert missing_table("zh") == message.replace("'so'", "'zh'")  # which Chinese?
    with pytest.raises(LeafletError) as raised:
        braille_file(html["en"], "so")
    assert [str(problem) for problem in raised.value.problems] == [f"braille: {message}"]


def test_every_table_loads_and_grade_1_picks_the_uncontracted_one():
    for tables in TABLES.values():
        for table in set(tables):
            assert louis.checkTable([table]) is None, table
    assert (braille_table("en"), braille_table("en", 1)) == ("en-ueb-g2.ctb", "en-ueb-g1.ctb")
    assert braille_table("zh_Hans", 1) == braille_table("zh_Hans") == "zhcn-g1.ctb"


def test_without_the_binding_or_a_table_the_message_names_the_debian_package(monkeypatch):
    braille._louis.cache_clear()
    monkeypatch.setitem(__import__("sys").modules, "louis", None)
    with pytest.raises(LeafletError) as raised:
        braille._cells("1", "en-ueb-g2.ctb")
    assert str(raised.value) == (
        "system: braille needs liblouis and its Python binding; install the Debian package "
        "python3-louis (scripts/setup.sh does, and lets .venv import it)")
    monkeypatch.undo()
    braille._louis.cache_clear()
    with pytest.raises(LeafletError) as raised:
        braille._cells("1", "no-such-table.ctb")
    assert str(raised.value) == (
        "system: liblouis cannot load the braille table 'no-such-table.ctb'; install the "
        "Debian package liblouis-data (scripts/setup.sh does)")


def test_the_brand_sets_the_braille_page(tmp_path):
    brand = (ROOT / "brand" / "brand.yaml").read_text("utf-8")
    (tmp_path / "logo.svg").write_bytes((ROOT / "brand" / "logo.svg").read_bytes())
    (tmp_path / "brand.yaml").write_text(brand, "utf-8")
    assert load_brand(tmp_path / "brand.yaml").brand.braille == Braille(cells=40, lines=25,
                                                                       grade=2)
    (tmp_path / "brand.yaml").write_text(f"{brand}braille:\n  cells: 32\n  lines: 20\n"
                                         "  grade: 1\n", "utf-8")
    assert load_brand(tmp_path / "brand.yaml").brand.braille == Braille(cells=32, lines=20,
                                                                       grade=1)


@pytest.mark.parametrize(("cells", "lines"), [
    (20, [",SEE", "HTTPS3_/_/DOI4ORG_/", "#AJ4BHIBC_/", "ATOTW#4ECA N["]),
    (12, [",SEE", "HTTPS3_/_/", "DOI4ORG_/", "#AJ4BHIBC_/", "ATOTW#4ECA", "N["])])
def test_a_long_address_breaks_after_its_punctuation_never_inside_a_number(cells, lines):
    """Broken inside "531", the next line would read "ca" (its numeric indicator, #, is
    on the line before): seen in a shipped leaflet's DOI."""
    words = braille._words("See https://doi.org/10.28923/atotw.531 now", "en-ueb-g2.ctb")
    assert [braille._ascii(line) for line in block_lines(Block("blocked", words), cells)] == lines


# The layout alone, on made-up cells ------------------------------------------------------

def words(*lengths: int) -> tuple[Word, ...]:
    return tuple(Word("⠁" * length) for length in lengths)


def test_lines_break_between_words_with_the_styles_indents():
    lines = block_lines(Block("paragraph", words(10, 10, 10, 10)), 24)
    assert lines == [BLANK * 2 + "⠁" * 10 + BLANK + "⠁" * 10, "⠁" * 10 + BLANK + "⠁" * 10]
    lines = block_lines(Block("item", words(10, 10, 10)), 22)
    assert [len(line) - len(line.lstrip(BLANK)) for line in lines] == [0, 2]
    assert block_lines(Block("centred", words(4)), 10) == [BLANK * 3 + "⠁" * 4]


def test_a_word_longer_than_a_line_breaks_at_its_last_break_that_fits():
    long = Word("⠁" * 30, breaks=(6, 12, 18, 24))
    assert [len(line) for line in block_lines(Block("blocked", (long,)), 20)] == [18, 12]
    no_breaks = Word("⠁" * 30)
    assert [len(line) for line in block_lines(Block("blocked", (no_breaks,)), 20)] == [20, 10]


def test_a_heading_is_never_a_pages_last_line_and_no_page_starts_blank():
    blocks = [Block("blocked", words(5)) for _ in range(3)]
    blocks += [Block("heading5", words(5), blank_before=True), Block("blocked", words(5))]
    pages = paginate(blocks, 20, 5, lambda number: "⠼" + "⠁⠃"[number - 1])
    assert pages[0] == [BLANK * 18 + "⠼⠁", *["⠁" * 5] * 3]
    assert pages[1] == [BLANK * 18 + "⠼⠃", BLANK * 4 + "⠁" * 5, "⠁" * 5]


def test_the_layout_module_knows_no_liblouis():
    assert "louis" not in braille_pages.__dict__


def test_a_heading_has_two_lines_of_text_after_it_on_its_page():
    blocks = [Block("blocked", words(5)), Block("heading5", words(5), blank_before=True),
              Block("blocked", words(5, 5, 5))]
    pages = paginate(blocks, 10, 5, lambda number: "⠼" + "⠁⠃"[number - 1])  # a word a line
    assert pages[0][1:] == ["⠁" * 5]
    assert pages[1][1:] == [BLANK * 4 + "⠁" * 5, *["⠁" * 5] * 3]


def test_a_paragraph_runs_over_onto_the_next_page_rather_than_leave_lines_empty():
    blocks = [*(Block("blocked", words(5)) for _ in range(3)), Block("blocked", words(5, 5, 5))]
    pages = paginate(blocks, 8, 5, lambda number: "⠼" + "⠁⠃"[number - 1])  # a word a line
    assert [len(page) for page in pages] == [5, 3]  # the page number's line and four, then two


def test_the_cache_key_can_name_liblouis():
    assert braille.engine_version() == f"liblouis {louis.version()}"
