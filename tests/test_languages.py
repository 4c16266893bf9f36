"""Every run of text in another language than the page's carries its language (issue 23):
the language names of "Also available in", the English fallbacks of a draft, the records
kept in English. A screen reader reads a run in the language it is marked with.

In the PDF, WeasyPrint 70 writes the document's language only (the catalog's /Lang):
leafpress/rendering/attributes.py gives each structure element made from a run in another
language its /Lang, read back here from the structure tree (pypdf) and the text of its
marked content (PDFium).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tinyhtml5
from pypdf import PdfReader

from leafpress.build.pipeline import build
from leafpress.content.brand import load_brand
from leafpress.content.leaflet import load_leaflet
from leafpress.rendering.document import render_html, template_environment
from leafpress.translation.translations import Translations, locale_name

from helpers import (FUZZY_AFTER, UNTRANSLATED, XHTML, editions, entry, every_edition,
                     leaflet_source, leave_work_for_a_translator, marked_texts, parse,
                     small_project, text)

OUTPUTS = every_edition()
LATIN = re.compile(r"[A-Za-z]{2,}")
ARABIC = re.compile(r"[\u0600-\u06ff]")
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
BIDI_CONTROLS = "\u200e\u2068\u2069"
# A few of the fixture leaflet's texts, and of the template's, in Arabic; the rest of an
# Arabic draft falls back to English.
TRANSLATED = {
    "Alpha test leaflet": "نشرة اختبار ألفا",
    "What this leaflet is": "ما هذه النشرة",
    "The first item.": "العنصر الأول.",
    "Important:": "مهم:",
    "Sources": "المصادر",
}


def shown(element) -> str:
    """Return an element's text without the invisible bidi controls (LRM, isolates)."""
    return text(element).strip(BIDI_CONTROLS)


def runs(element, lang: str = "", direction: str = "") -> list[tuple[str, str, str]]:
    """Return every piece of text below ``element`` as ``(text, lang, dir)``: the language
    and direction it inherits from the nearest element that sets them."""
    lang, direction = element.get("lang", lang), element.get("dir", direction)
    found = [(element.text, lang, direction)] if element.text and element.text.strip() else []
    for child in element:
        found += runs(child, lang, direction)
        if child.tail and child.tail.strip():
            found.append((child.tail, lang, direction))
    return found


def body_runs(html: str) -> list[tuple[str, str, str]]:
    root = tinyhtml5.parse(html)
    body = root.find(f"{XHTML}body")
    return runs(body, root.get("lang"), root.get("dir"))


@pytest.fixture(scope="module")
def arabic_draft(tmp_path_factory) -> dict[str, str]:
    """The fixture leaflet's print and screen HTML in a partly translated Arabic draft."""
    project = small_project(tmp_path_factory.mktemp("languages") / "small")
    leaflet = load_leaflet(project.leaflets_dir / "alpha.yaml", project.root)
    brand = load_brand(project.brand_file)
    return {medium: render_html(template_environment(project), project, leaflet, brand,
                                Translations("ar", TRANSLATED), ["en", "zh_Hans"], draft=True,
                                medium=medium).html
            for medium in ("print", "screen")}


@pytest.mark.parametrize("medium", ["print", "screen"])
def test_english_in_an_arabic_draft_is_marked_english_and_left_to_right(arabic_draft, medium):
    found = body_runs(arabic_draft[medium])
    english = [(piece, lang, direction) for piece, lang, direction in found
               if LATIN.search(piece) and not ARABIC.search(piece)]
    # Codes and addresses are in no language: the reference, links' addresses (in pieces
    # between <wbr>s); every other Latin word is English, marked so, set left to right.
    unmarked = [piece for piece, lang, direction in english
                if (lang, direction) != ("en", "ltr")
                and not re.fullmatch(r"\s*(TEST-001|\S*/\S*)\s*", piece)]
    assert unmarked == []
    assert len(english) > 20
    for piece, lang, direction in found:
        if ARABIC.search(piece):
            assert (lang, direction) == ("ar", "rtl"), piece


@pytest.mark.parametrize("medium", ["print", "screen"])
def test_a_translated_template_text_around_placeholders_keeps_their_language(arabic_draft,
                                                                             medium):
    """"Also available in: %(languages)s" fell back: it is English, one left-to-right run
    (its colon after its words, test_bidi.py), its value in the page's language and
    direction, each language name in its own."""
    root = tinyhtml5.parse(arabic_draft[medium])
    [paragraph] = [p for p in root.iter(f"{XHTML}p") if p.get("class") == "languages"]
    [sentence] = list(paragraph)
    assert (sentence.text.strip(BIDI_CONTROLS), sentence.get("lang"), sentence.get("dir")) == (
        "Also available in: ", "en", "ltr")
    [value] = list(sentence)
    assert (value.get("lang"), value.get("dir")) == ("ar", "rtl")
    assert [(shown(name), name.get("lang"), name.get("dir"))
            for name in value] == [("English", "en", "ltr"), ("简体中文", "zh-Hans", "ltr")]


def test_the_draft_mark_in_english_is_said_once_and_as_text_in_css(arabic_draft):
    """Margin boxes hold CSS strings: the marks of an English fallback are stripped there,
    and an untranslated mark is not repeated beside itself."""
    style = arabic_draft["print"].split("<style>", 1)[1].split("</style>", 1)[0]
    assert "span" not in style
    # Read in English in the PDF too (the PDF test of the unapproved mark shows WeasyPrint
    # writes the margin box's -weasy-lang as its /Lang).
    assert style.count('content: "\\200e Draft translation — not for patient use\\200e "; '
                       '-weasy-lang: "en";') == 2
    root = tinyhtml5.parse(arabic_draft["screen"])
    [mark] = [p for p in root.iter(f"{XHTML}p") if p.get("class") == "draft-mark"]
    assert [(shown(span), span.get("lang"), span.get("dir")) for span in mark] == [
        ("Draft translation — not for patient use", "en", "ltr")]


@pytest.mark.parametrize(("leaflet", "locale"), OUTPUTS)
def test_each_language_name_is_marked_with_its_language(dist, manifest, leaflet, locale):
    """"Also available in" names every other edition of the leaflet in its own language."""
    root = parse(dist / entry(manifest, leaflet, locale, format="html")["path"])
    paragraphs = [p for p in root.iter(f"{XHTML}p") if p.get("class") == "languages"]
    names = [name for paragraph in paragraphs for name in paragraph.iter(f"{XHTML}span")]
    assert sorted(name.get("lang") for name in names) == sorted(
        other for other in editions(leaflet) if other != locale)
    for name in names:
        gettext_name = name.get("lang").replace("-", "_")
        assert shown(name) == locale_name(gettext_name, gettext_name)


@pytest.mark.parametrize(("leaflet", "locale"), OUTPUTS)
def test_english_records_on_a_web_page_are_marked_english(dist, manifest, leaflet, locale):
    """The sources, approvers and change summaries are kept in English in every language."""
    root = parse(dist / entry(manifest, leaflet, locale, format="html")["path"])
    sources = [section for section in root.iter(f"{XHTML}section")
               if section.get("class") == "sources"]
    items = [item for section in sources for item in section.iter(f"{XHTML}li")]
    assert items and {item.get("lang") for item in items} == {"en"}
    history = [cell for table in root.iter(f"{XHTML}table") if table.get("class") == "history"
               for cell in table.iter(f"{XHTML}td")]
    assert {cell.get("lang") for cell in history[2::5] + history[3::5]} <= {"en"}


# The PDF ---------------------------------------------------------------------------------


class Run:
    """A structure element: its text (its own marked content's, then its children's), how
    much of it is its own, its /Lang, and the language it is read in: its own, or the
    nearest ancestor's that has one, or the catalog's."""

    def __init__(self, element, own_text: str, own: str | None, inherited: str) -> None:
        self.kind, self.own_text, self.text = str(element["/S"]), own_text, own_text
        self.own, self.inherited, self.read_in = own, inherited, own or inherited

    @property
    def shown(self) -> str:
        """The text without its bidi controls, and without the space PDFium adds after a
        text object that a space follows (the "简体中文 " of "简体中文 and 繁體中文")."""
        return self.text.strip(BIDI_CONTROLS).strip().strip(BIDI_CONTROLS)

    def __repr__(self) -> str:
        return f"{self.kind} {self.text!r} in {self.read_in} (own {self.own})"


def pdf_runs(path: Path) -> list[Run]:
    """Return every structure element of the PDF at ``path`` as a `Run`, in reading order."""
    reader, drawn = PdfReader(path), marked_texts(path)
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    found: list[Run] = []

    def walk(element, inherited: str, page) -> Run:
        element = element.get_object()
        page = pages[element.raw_get("/Pg").idnum] if "/Pg" in element else page
        kids = [kid.get_object() for kid in (
            element["/K"] if isinstance(element["/K"], list) else [element["/K"]])]
        held = [drawn.get((page, kid), "") if isinstance(kid, int) else
                drawn.get((pages[kid.raw_get("/Pg").idnum], int(kid["/MCID"])), "")
                for kid in kids if isinstance(kid, int) or kid.get("/Type") == "/MCR"]
        run = Run(element, "".join(held), str(element["/Lang"]) if "/Lang" in element else None,
                  inherited)
        found.append(run)
        for kid in kids:
            if hasattr(kid, "keys") and "/S" in kid:
                run.text += walk(kid, run.read_in, page).text
        return run

    [document] = reader.trailer["/Root"]["/StructTreeRoot"]["/K"]
    walk(document, str(reader.trailer["/Root"]["/Lang"]), None)
    return found


def marked(runs: list[Run], shown: str) -> Run:
    """Return the element that carries the /Lang of the text ``shown``."""
    [run] = [run for run in runs if run.shown == shown and run.own is not None]
    return run


def assert_no_needless_language(runs: list[Run]) -> None:
    """A /Lang is written only where the language changes."""
    assert [run for run in runs if run.own is not None and run.own == run.inherited] == []


def assert_read_in_their_scripts_language(runs: list[Run], page_language: str) -> None:
    """Each piece of text is read in its language: Chinese in Chinese; in an English PDF,
    everything else in English; in a Chinese one, Latin words too, but for codes and
    addresses (TEST-001, links), which are in no language."""
    for run in runs:
        if CHINESE.search(run.own_text):  # in Simplified or Traditional Chinese, as written
            assert run.read_in.split("-")[0] == "zh", run
        elif page_language == "en" and run.own_text.strip():
            assert run.read_in == "en", run
        elif LATIN.search(run.own_text) and not re.fullmatch(r"\s*(TEST-\d+|\S*[/.]\S*)\s*",
                                                             run.own_text):
            assert run.read_in == "en", run


@pytest.mark.parametrize(("leaflet", "locale"), OUTPUTS)
def test_a_pdf_marks_each_language_name_and_no_needless_language(dist, manifest, leaflet,
                                                                 locale):
    """"Also available in" names every other edition in its own language, marked so on its
    element, and the sources are read in English; nothing else repeats the language it
    inherits (the catalog's: the page's)."""
    path = dist / entry(manifest, leaflet, locale)["path"]
    assert PdfReader(path).trailer["/Root"]["/Lang"] == locale
    runs = pdf_runs(path)
    assert_no_needless_language(runs)
    for other in editions(leaflet):
        if other != locale:
            gettext_name = other.replace("-", "_")
            assert marked(runs, locale_name(gettext_name, gettext_name)).own == other
    for source in leaflet_source(leaflet)["sources"]:
        items = [run for run in runs if run.kind == "/LI" and source["citation"][:12] in run.text]
        assert items and {item.read_in for item in items} == {"en"}, source
    if locale == "en":
        assert_read_in_their_scripts_language(runs, locale)


@pytest.fixture(scope="module")
def chinese_draft(tmp_path_factory) -> Path:
    """The small project built with a Chinese draft: two texts untranslated and one
    fuzzy (helpers.leave_work_for_a_translator), so English in their place."""
    project = small_project(tmp_path_factory.mktemp("languages-pdf") / "small")
    leave_work_for_a_translator(project)
    dist = project.root / "dist"
    build(project, dist, draft=True, variants=("standard",), log=lambda line: None,
          warn=lambda line: None)
    return dist


def test_each_english_fallback_in_a_chinese_draft_pdf_is_marked_english(chinese_draft):
    runs = pdf_runs(chinese_draft / "drafts" / "zh-Hans" / "alpha.pdf")
    for english in (*UNTRANSLATED, FUZZY_AFTER):
        assert marked(runs, english).own == "en"
    assert_no_needless_language(runs)
    assert_read_in_their_scripts_language(runs, "zh-Hans")


@pytest.mark.parametrize("path", ["en/beta.pdf", "zh-Hans/beta.pdf", "drafts/en/alpha.pdf"])
def test_every_text_of_a_fixture_pdf_is_read_in_its_language(chinese_draft, path):
    runs = pdf_runs(chinese_draft / path)
    assert_no_needless_language(runs)
    assert_read_in_their_scripts_language(runs, path.split("/")[-2])
    assert [run for run in runs if run.own is not None]


def test_the_english_draft_mark_of_a_chinese_draft_is_read_in_english(chinese_draft):
    [_, mark, *_] = pdf_runs(chinese_draft / "drafts" / "zh-Hans" / "alpha.pdf")
    assert mark.shown == "Not approved — not for patient use"
    assert mark.read_in == "en"
