"""Text copied from, or read aloud out of, a right-to-left PDF comes out in logical order
(issue 23), as MuPDF, poppler, PDFium and pypdf extract it from a complete Arabic leaflet
whose texts hold a number, a Latin word and full stops; rendering/reading_order.py writes
each right-to-left line for them, and English PDFs read as they did.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

from leafpress.build.pipeline import build
from leafpress.rendering import reading_order

from helpers import (LEAFLET, make_project, needs_verapdf, pdftotext, rtl_texts, run,
                     translate, verapdf_report)

# The Arabic of every text, from the file test_bidi.py and test_right_to_left.py read too.
AR = rtl_texts("ar")
LATIN = "Magnesium sulfate is given through a drip in your arm."
NAMED = "The medicine is called Magnesium."
# A colon and a space end the Arabic before the Latin word: readers must not swap them.
COLON = AR[NAMED]
# The ten strings read back: two with a number or a Latin word, three ending in a full stop.
# Their Latin word is not wrapped in isolates (U+2066, U+2069), nor COLON's: content/markup.py
# isolates each left-to-right run itself, and with them the PDF's glyphs and PDFium's text
# were the same and these tests passed alike.
ARABIC = {english: AR[english] for english in (
    "Magnesium infusion for nerve pain",
    "Pain Management Service",
    "Getting ready for your appointment",
    "Your appointment will be in the morning or the afternoon.",
    "Have nothing to eat for 6 hours before your appointment.",
    LATIN,
    "Northgate Hospital",
    "Patient information",
    "About this leaflet",
    "Review date",
)}
# The rest of the leaflet and its template, so that the leaflet is published, not a draft.
REST = {english: AR[english] for english in (
    "Pain Management Service nurses: [01632 960 418](tel:+441632960418)",
    "In one meta-analysis, opioid consumption over the first 24 postoperative hours fell on "
    "average by 24.4%, equal to 7.6 mg of intravenous morphine equivalents [6].",
    "Patient Advice and Liaison Service (PALS)",
    "[01632 960 100](tel:+441632960100)",
    "Information for healthcare professionals",
    "Version %(version)s",
    "Page %(page)s of %(pages)s",
    "Draft translation — not for patient use",
    "Important:",
    "Warning:",
    "Reference",
    "Version",
    "Published",
    "Approved by",
    "Approved on",
    "Written by",
    "%(department)s, %(organisation)s",
    "Contact",
    "Version history",
    "Change",
    "Reviewed by patients",
    "If you need this information in another format or language, such as large print, please "
    "contact the %(team)s: %(contact)s.",
    "Also available in: %(languages)s",
    "large print",
    "braille",
    "an e-book (EPUB)",
    "Also available as %(formats)s.",
    "Transcribed into braille by software. Not yet checked by a qualified braille "
    "transcriber.",
    "QR code for the online version of this leaflet",
    "Read this leaflet online:",
    "Sources",
)}
ENGLISH = ("Magnesium infusion for nerve pain", "Getting ready for your appointment",
           "Have nothing to eat for 6 hours before your appointment.", LATIN)
# Direction marks a reader may add to say how it displays a line (poppler's embeddings),
# and the isolates and marks of the text (document.py isolates "English" in "Also available
# in:"), which no reader should give back.
EMBEDDINGS = re.compile("[\u202a-\u202e]")
CONTROLS = re.compile("[\u061c\u200e\u200f\u2066-\u2069]")


def _project(root: Path):
    project = make_project(root, {"sample": LEAFLET + f"      - paragraph: {LATIN}\n"
                                             f"      - paragraph: {NAMED}\n"})
    assert run(project, "init", "ar") == 0
    translate(project, "ar", ARABIC | REST | {NAMED: COLON})
    return project


def _build(project, dist: Path) -> Path:
    build(project, dist, variants=("standard",), log=lambda line: None, warn=lambda line: None)
    return dist


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The English and Arabic PDFs of a leaflet translated in full."""
    root = tmp_path_factory.mktemp("extraction")
    return _build(_project(root / "project"), root / "dist")


@pytest.fixture(scope="module")
def unchanged(dist, tmp_path_factory) -> Path:
    """The same PDFs, as WeasyPrint writes them without reading_order.py."""
    from weasyprint.draw import text

    root = tmp_path_factory.mktemp("unchanged")
    project = _project(root / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading_order, "install", lambda: None)
        patch.setattr(text, "draw_first_line", text.draw_first_line.__wrapped__)
        unchanged = _build(project, root / "dist")
    arabic = Path("ar") / "sample.pdf"
    assert (unchanged / arabic).read_bytes() != (dist / arabic).read_bytes()
    return unchanged


def _mupdf(*command: str):
    def extract(path: Path) -> str:
        output = path.with_name(f"{path.stem}.{command[0]}.txt")
        subprocess.run(["mutool", *command, "-o", str(output), str(path)], check=True,
                       capture_output=True)
        return output.read_text("utf-8")
    return extract


def _pdfium(path: Path) -> str:
    document = pdfium.PdfDocument(path)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def _pypdf(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


READERS = {"MuPDF draw": ("mutool", _mupdf("draw", "-F", "txt")),
           "MuPDF convert": ("mutool", _mupdf("convert", "-F", "text")),
           "poppler": ("pdftotext", pdftotext),
           "PDFium": (None, _pdfium),
           "pypdf": (None, _pypdf)}


def _mupdf_version() -> tuple[int, ...]:
    if not shutil.which("mutool"):
        return ()
    found = subprocess.run(["mutool", "-v"], capture_output=True, text=True)
    return tuple(int(part) for part in
                 re.search(r"(\d+)\.(\d+)", found.stdout + found.stderr).groups())


# MuPDF before 1.28 (Debian 12 has 1.21) reads glyphs in the order they are written, with no
# bidi: it reads right to left only glyphs written in logical order, which PDFium, pypdf
# and MuPDF 1.28 read backwards: they expect display order, which PDF writers use.
OLD_MUPDF = pytest.mark.xfail(_mupdf_version() < (1, 28), reason="MuPDF before 1.28 gives "
                              "right-to-left glyphs in display order (reading_order.py)")


def readers(*, old_mupdf_fails: bool) -> list:
    """Return the readers as parameters, skipped where their program is not installed."""
    found = []
    for name, (program, _) in READERS.items():
        marks = [pytest.mark.skipif(program is not None and not shutil.which(program),
                                    reason=f"{program} is not installed")]
        if old_mupdf_fails and name.startswith("MuPDF"):
            marks.append(OLD_MUPDF)
        found.append(pytest.param(name, marks=marks))
    return found


@cache
def extracted(reader: str, path: Path) -> str:
    return READERS[reader][1](path)


def reading(text: str, reader: str = "") -> str:
    """Return ``text`` as it is read: without a reader's embeddings, each space one space,
    or none for poppler (it writes the space before a number in Arabic text after it)."""
    return re.sub(r"\s+", "" if reader == "poppler" else " ", EMBEDDINGS.sub("", text))


@pytest.mark.parametrize("reader", readers(old_mupdf_fails=True))
def test_each_reader_gets_right_to_left_text_in_logical_order(dist, reader):
    read = reading(extracted(reader, dist / "ar" / "sample.pdf"), reader)
    backwards = [text for text in ARABIC.values()
                 if reading(CONTROLS.sub("", text), reader) not in read]
    assert backwards == []


@pytest.mark.parametrize("reader", [reader for reader in readers(old_mupdf_fails=True)
                                    if reader.values != ("poppler",)])
def test_the_punctuation_ending_arabic_before_a_latin_word_keeps_its_place(dist, reader):
    # poppler reads by place, and gives the colon to the Latin word beside it: "Magnesium :".
    read = reading(extracted(reader, dist / "ar" / "sample.pdf"), reader)
    assert reading(CONTROLS.sub("", COLON)) in read


@pytest.mark.parametrize("reader", readers(old_mupdf_fails=False))
def test_no_reader_gets_the_isolates_and_marks_of_the_text(dist, reader):
    assert CONTROLS.findall(extracted(reader, dist / "ar" / "sample.pdf")) == []


@pytest.mark.parametrize("reader", readers(old_mupdf_fails=False))
def test_english_reads_as_it_did(dist, unchanged, reader):
    text = extracted(reader, dist / "en" / "sample.pdf")
    assert text == extracted(reader, unchanged / "en" / "sample.pdf")
    assert all(english in " ".join(text.split()) for english in ENGLISH)


def glyphs(path: Path) -> list[tuple[int, int, str, tuple[float, ...]]]:
    """Return every drawn character of ``path`` with its box, as PDFium finds them, sorted
    by place (the order they are written in changes)."""
    found = []
    for number, page in enumerate(pdfium.PdfDocument(path)):
        text = page.get_textpage()
        for index in range(text.count_chars()):
            char, box = text.get_text_range(index, 1), text.get_charbox(index)
            if char.strip() and box[2] > box[0]:
                found.append((number, round(-box[3]), char, box))
    return sorted(found, key=lambda glyph: (*glyph[:2], round(glyph[3][0]), glyph[2]))


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_glyph_is_drawn_where_it_was(dist, unchanged, language):
    pdf = Path(language) / "sample.pdf"
    before, after = glyphs(unchanged / pdf), glyphs(dist / pdf)
    assert [glyph[:3] for glyph in after] == [glyph[:3] for glyph in before]
    assert max(abs(one - other) for (*_, box), (*_, moved) in zip(before, after)
               for one, other in zip(box, moved)) < 0.01


def test_the_pdfs_are_the_same_from_one_build_to_the_next(dist, tmp_path):
    again = _build(_project(tmp_path / "project"), tmp_path / "dist")
    for language in ("ar", "en"):
        assert (hashlib.sha256((again / language / "sample.pdf").read_bytes()).hexdigest()
                == hashlib.sha256((dist / language / "sample.pdf").read_bytes()).hexdigest())


@needs_verapdf
@pytest.mark.parametrize("flavour", ["ua1", "2a"])
def test_the_pdfs_still_pass_pdfua_1_and_pdfa_2a(dist, flavour):
    chosen = [dist / "ar" / "sample.pdf", dist / "en" / "sample.pdf"]
    verdicts, report = verapdf_report(chosen, flavour)
    assert verdicts == ["PASS"] * len(chosen), report


def test_a_weasyprint_without_the_function_it_wraps_is_named(monkeypatch):
    from weasyprint.draw import text

    monkeypatch.delattr(text, "draw_first_line")
    with pytest.raises(RuntimeError, match="draw_first_line is gone: .* WeasyPrint 70.0 draws"):
        reading_order.install()
