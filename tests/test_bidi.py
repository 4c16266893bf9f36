"""Bidirectional text (issue 23): inside Arabic and Hebrew text, phone numbers, addresses,
numbers with units, Latin drug names and English fallbacks read in their own direction,
their punctuation in place, in the PDF and on the web page alike.

What is checked is the drawn order, not the extracted text: the position of each
character as PDFium finds it on the page, and as Chromium lays it out
(``Range.getClientRects``). The Arabic and Hebrew are in tests/data/rtl/; the rest of
each draft falls back to English.
"""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from leafpress.build.pipeline import build
from leafpress.content.markup import render_inline

from helpers import (LEAFLET, Chromium, make_project, needs_verapdf, rtl_texts, run,
                     translate, verapdf_report)

LOCALES = ("ar", "he")
SCRIPT_FONTS = {"ar": "Noto-Naskh-Arabic", "he": "Noto-Sans-Hebrew"}
# The fixture leaflet and more: numbers with units, Latin drug names, a phone number,
# an e-mail address and a web address inside the translated texts; a callout whose text
# and a warning whose text and label stay English.
BLOCKS = """\
      - callout: >-
          Ketamine can make you feel sleepy. Do not drive for 24 hours after your
          infusion.
      - warning: >-
          If you feel unwell at any time during the infusion, tell the staff looking
          after you straight away.
  - heading: Your medicines
    blocks:
      - paragraph: You will have 20 mg of lidocaine through a drip over 4 hours.
      - paragraph: Do not take more than 4 g of paracetamol in 24 hours.
      - paragraph: >-
          If you have any questions, call us on [01632 960 418](tel:+441632960418) or
          email [pain.team@northgate-hospital.example](mailto:pain.team@northgate-hospital.example).
      - paragraph: >-
          There is more about pain on our website,
          [www.northgate-hospital.example/pain](https://www.northgate-hospital.example/pain).
      - callout: >-
          Ketamine is an anaesthetic (a medicine to numb pain or put you to sleep).
      - warning: >-
          Tell the staff looking after you straight away if you feel unwell or strange
          during the infusion.
"""
PHONE = "01632 960 418"
EMAIL = "pain.team@northgate-hospital.example"
WEBSITE = "www.northgate-hospital.example/pain"
LATIN_RUNS = ("20 mg", "4 g", "lidocaine", "paracetamol", "ketamine")


def texts(locale: str) -> dict[str, str]:
    """Return the texts of ``locale``'s file that the drafts are translated with: those the
    Hebrew file has. ar.json has more, for test_extraction.py's published leaflet; here the
    warning's label and the template's texts stay English."""
    found, chosen = rtl_texts(locale), rtl_texts("he")
    return {english: found[english] for english in chosen}


@pytest.fixture(scope="module")
def drafts(tmp_path_factory) -> Path:
    """The folder of the Arabic and Hebrew drafts of the fixture leaflet, built once."""
    root = tmp_path_factory.mktemp("bidi")
    project = make_project(root / "project", {"sample": LEAFLET + BLOCKS})
    for locale in LOCALES:
        assert run(project, "init", locale) == 0
        translate(project, locale, texts(locale))
    build(project, root / "dist", draft=True, variants=("standard",), log=lambda line: None,
          warn=lambda line: None)
    return root / "dist" / "drafts"


# The PDF ---------------------------------------------------------------------------------

@needs_verapdf
@pytest.mark.parametrize("flavour", ["ua1", "2a"])
def test_the_arabic_and_hebrew_pdfs_pass_pdfua_1_and_pdfa_2a(drafts, flavour):
    chosen = [drafts / locale / "sample.pdf" for locale in LOCALES]
    verdicts, report = verapdf_report(chosen, flavour)
    assert verdicts == ["PASS"] * len(chosen), report


def drawn_lines(path: Path) -> list[list[tuple[float, str, str]]]:
    """Return every line drawn in the PDF, page by page, top to bottom, as its characters
    ``(left, character, font)`` from left to right, as PDFium finds them drawn."""
    found = []
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    for page in pdfium.PdfDocument(path):
        text = page.get_textpage()
        rows: list[tuple[float, list]] = []
        for index in range(text.count_chars()):
            char = text.get_text_range(index, 1)
            if not char.strip():
                continue
            left, bottom, right, top = text.get_charbox(index, loose=True)
            pdfium_raw.FPDFText_GetFontInfo(text.raw, index, name, len(name), ctypes.byref(flags))
            middle = (bottom + top) / 2
            row = next((row for row in rows if abs(row[0] - middle) < 3), None)
            if row is None:
                rows.append(row := (middle, []))
            row[1].append((left, char, name.value.decode().split("+", 1)[-1]))
        found += [sorted(characters) for _, characters in sorted(rows, key=lambda row: -row[0])]
    return found


def latin(line) -> str:
    """Return the Latin letters, digits and punctuation of a drawn line, left to right."""
    return "".join(char for _, char, _ in line if char.isascii())


@pytest.fixture(scope="module")
def pdf_lines(drafts) -> dict[str, list[str]]:
    return {locale: drawn_lines(drafts / locale / "sample.pdf") for locale in LOCALES}


@pytest.mark.parametrize("locale", LOCALES)
def test_phone_numbers_are_drawn_left_to_right(pdf_lines, locale):
    # The owner's contact (facts table) and the questions paragraph; without isolation
    # the three groups stood in right-to-left order: "418 960 01632".
    shown = [latin(line) for line in pdf_lines[locale]]
    assert sum(PHONE.replace(" ", "") in line for line in shown) == 2
    assert not any("41896001632" in line for line in shown)


@pytest.mark.parametrize("locale", LOCALES)
def test_addresses_are_drawn_left_to_right(pdf_lines, locale):
    shown = [latin(line) for line in pdf_lines[locale]]
    assert any(EMAIL in line for line in shown)
    assert any(WEBSITE in line for line in shown)
    # The printed address of the page on the web: "https://…/ar/sample/" from its start,
    # not "/https://…".
    [address] = [line for line in shown if "leaflets.northgate-hospital.example" in line]
    assert address == f"https://leaflets.northgate-hospital.example/{locale}/sample/"


@pytest.mark.parametrize("locale", LOCALES)
def test_numbers_with_units_and_drug_names_are_drawn_left_to_right(pdf_lines, locale):
    shown = "\n".join(latin(line) for line in pdf_lines[locale])
    for run_of_latin in LATIN_RUNS:
        assert run_of_latin.replace(" ", "") in shown, run_of_latin
    assert "mg20" not in shown and "g4" not in shown


@pytest.mark.parametrize("locale", LOCALES)
def test_an_english_fallback_keeps_its_full_stop_at_its_right_end(pdf_lines, locale):
    [last] = [latin(line) for line in pdf_lines[locale] if "equivalents" in latin(line)]
    assert last == "equivalents[6]."
    [callout] = [line for line in pdf_lines[locale] if "sleep" in latin(line)]
    assert latin(callout).endswith(".")


@pytest.mark.parametrize("locale", LOCALES)
def test_an_english_label_stands_before_its_english_text(pdf_lines, locale):
    [line] = [latin(line) for line in pdf_lines[locale] if "Tellthestaff" in latin(line)]
    assert line.startswith("Warning:Tellthestaff")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_translated_label_stands_at_the_start_of_its_english_text(pdf_lines, locale):
    """The page's start is its right: the reader meets the label first, then the English."""
    [line] = [line for line in pdf_lines[locale] if "anaesthetic" in latin(line)]
    label = [left for left, char, _ in line if not char.isascii()]
    english = [left for left, char, _ in line if char.isalpha() and char.isascii()]
    assert label and english and min(label) > max(english)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_english_sentence_keeps_its_colon_after_its_words(pdf_lines, locale):
    shown = [latin(line) for line in pdf_lines[locale]]
    assert "Alsoavailablein:English" in shown
    # Brackets left out: the PDF maps each glyph to one character, and the glyph of ")"
    # was first drawn for a mirrored "(" in right-to-left text (PDFium extracts it so).
    assert any(line.replace("(", "").replace(")", "").endswith("PALS:01632960100.")
               for line in shown)


@pytest.mark.parametrize("locale", LOCALES)
def test_digits_latin_and_punctuation_come_from_the_latin_font(pdf_lines, locale):
    fonts = {}
    for line in pdf_lines[locale]:
        for _, char, font in line:
            kind = "latin" if char.isascii() else "script" if char.isalpha() else "other"
            fonts.setdefault(kind, set()).add(font.removesuffix("-Bold"))
    assert fonts["latin"] == {"Atkinson-Hyperlegible"}
    assert fonts["script"] == {SCRIPT_FONTS[locale]}


# The web page ----------------------------------------------------------------------------

# In a page: for each place ``needle`` occurs in the text of the elements ``selector``
# names, each of its characters with the left and top of its box.
POSITIONS = """(selector, needle) => [...document.querySelectorAll(selector)].flatMap(root => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const chars = [];
  for (let node; (node = walker.nextNode());)
    for (let i = 0; i < node.data.length; i++) chars.push([node, i]);
  const text = chars.map(([node, i]) => node.data[i]).join('');
  const found = [];
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1))
    found.push(chars.slice(at, at + needle.length).map(([node, i]) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getClientRects()[0];
      return [node.data[i], box ? box.left : null, box ? box.top : null];
    }));
  return found;
})"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="module", params=LOCALES)
def page(request, drafts, browser):
    """The web page of a draft, open in Chromium."""
    assert browser.open((drafts / request.param / "sample" / "index.html").as_uri(), 1200) == []
    return browser


def positions(browser, needle: str, selector: str = "main") -> list[list]:
    return browser.evaluate(f"({POSITIONS})({json.dumps(selector)}, {json.dumps(needle)})")


def left_to_right(found: list) -> bool:
    """Return whether the visible characters of one occurrence stand left to right on
    each line, and its lines top to bottom (an address may wrap after a hyphen)."""
    visible = [(top, left) for char, left, top in found if char.strip()]
    return visible == sorted(visible)


def test_the_web_page_shows_numbers_addresses_and_latin_words_left_to_right(page):
    for needle in (PHONE, EMAIL, WEBSITE, *LATIN_RUNS):
        found = positions(page, needle)
        assert found and all(left_to_right(one) for one in found), needle
    [address] = positions(page, "https://leaflets.northgate-hospital.example/", ".online")
    assert left_to_right(address)


def test_the_web_page_keeps_punctuation_and_labels_in_place(page):
    [stop] = positions(page, "equivalents [6].")
    assert stop[-1][1] > stop[-2][1]  # the full stop right of "]"
    [label] = positions(page, "Warning:Tell")
    assert label[0][1] < label[-1][1]  # "Warning:" left of "Tell"
    [colon] = positions(page, "in: ", ".languages")
    [name] = positions(page, "English", ".languages")
    assert colon[2][1] < name[0][1]  # "Also available in:" left of "English"


def test_the_web_page_has_no_accessibility_violations(page):
    assert page.accessibility_violations() == []


# What is isolated ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "html"), [
    ("اتصل على [01632 960 418](tel:+441632960418).",
     'اتصل على <a href="tel:+441632960418" dir="ltr">01632 960 418</a>.'),
    ("خلال 24 ساعة", 'خلال <span dir="ltr">24</span> ساعة'),
    ("من 4 g من الباراسيتامول (paracetamol).",
     'من <span dir="ltr">4 g</span> من الباراسيتامول (<span dir="ltr">paracetamol</span>).'),
    ("יותר מ-4 g ב-24 שעות", 'יותר מ-<span dir="ltr">4 g</span> ב-<span dir="ltr">24</span> שעות'),
    ("بنسبة 24.4% أو +441632960418",
     'بنسبة <span dir="ltr">24.4%</span> أو <span dir="ltr">+441632960418</span>'),
    ("على [موقعنا](https://example.org/pain).",
     'على <a href="https://example.org/pain">موقعنا</a> '
     '<span class="link-address">(<span dir="ltr">https://example.org/\u200bpain</span>)</span>.'),
    ("**مهم 20 mg**", '<strong>مهم <span dir="ltr">20 mg</span></strong>'),
])
def test_left_to_right_runs_in_right_to_left_text_are_isolated(text, html):
    assert render_inline(text, "print", "rtl") == html


def test_left_to_right_text_is_left_as_it_is():
    assert render_inline("Call [01632 960 418](tel:+441632960418) for 20 mg.", "print") == (
        'Call <a href="tel:+441632960418">01632 960 418</a> for 20 mg.')

