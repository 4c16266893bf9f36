"""Every PDF as readers nobody here wrote see it: poppler, MuPDF and Ghostscript draw the
same pages, and every glyph the text uses is in its embedded font.

Poppler and PDFium find a glyph by its index and forgave a CJK subset whose CIDs were
wrong; MuPDF drew nothing and Ghostscript drew boxes (issue 11). These checks fail on
exactly that PDF: see the last test.
"""

from __future__ import annotations

import io
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageFilter, ImageStat
from pypdf import PdfReader

from leafpress.rendering.pdf import write_pdf

DATA = Path(__file__).parent / "data"
DPI = 30  # enough to tell a glyph from a blank or a box; a 10-page PDF draws in ~1 s
# Largest mean difference, in grey levels, of any 12 px cell of a page between an engine
# and poppler after a 2 px blur. Measured: correct PDFs 19-25 (anti-aliasing of small
# text); the subset with wrong CIDs 39 (Ghostscript's boxes) and 60 (MuPDF's blanks).
MAX_CELL_DIFFERENCE = 32
CELL = 12
MUPDF_GLYPH_WARNING = re.compile(r"FT_Load_Glyph|cannot render glyph|cannot load glyph")
_HEX = re.compile(rb"<([0-9a-fA-F]+)>")


def _draw(engine: str, pdf: Path, folder: Path) -> tuple[str, list[Image.Image]]:
    """Return what ``engine`` printed on standard error while drawing every page, and the pages."""
    folder.mkdir(parents=True)
    command = {
        "poppler": ["pdftoppm", "-gray", "-r", str(DPI), "-png", str(pdf), str(folder / "p")],
        "mupdf": ["mutool", "draw", "-q", "-r", str(DPI), "-c", "gray",
                  "-o", str(folder / "p-%d.png"), str(pdf)],
        "ghostscript": ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pnggray",
                        "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4", f"-r{DPI}",
                        f"-sOutputFile={folder}/p-%d.png", str(pdf)],
    }[engine]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"{engine} failed on {pdf}: {result.stderr}"
    pages = sorted(folder.glob("*.png"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
    return result.stderr, [Image.open(path).convert("L") for path in pages]


def _drawings(pdfs: list[Path], folder: Path) -> dict[Path, dict[str, tuple]]:
    """Draw every page of every PDF with the three engines, two programs at a time."""
    jobs = [(pdf, engine) for pdf in pdfs for engine in ("poppler", "mupdf", "ghostscript")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        drawn = pool.map(lambda number: _draw(jobs[number][1], jobs[number][0],
                                              folder / str(number)), range(len(jobs)))
        results = dict(zip(jobs, drawn))
    return {pdf: {engine: results[pdf, engine] for engine in ("poppler", "mupdf", "ghostscript")}
            for pdf in pdfs}


def _worst_cell(page: Image.Image, reference: Image.Image) -> float:
    """Return the largest mean difference of any cell between two drawings of a page."""
    difference = ImageChops.difference(page.filter(ImageFilter.BoxBlur(2)),
                                       reference.filter(ImageFilter.BoxBlur(2)))
    width, height = difference.size
    return max(ImageStat.Stat(difference.crop((x, y, min(x + CELL, width),
                                               min(y + CELL, height)))).mean[0]
               for y in range(0, height, CELL) for x in range(0, width, CELL))


# A path of more segments than this is a QR code's modules, finer than a pixel at DPI:
# MuPDF draws them grey, poppler black and white, by 35 grey levels in a cell where the
# grid falls badly (issue 23: a QR code that moved up a page). Text is what is compared.
FINE_PATTERN_SEGMENTS = 200


def _fine_patterns(pdf: Path) -> list[list[tuple[float, float, float, float]]]:
    """Return, for each page, the boxes (in points from the top left) of its QR codes."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    boxes = []
    for page in pdfium.PdfDocument(pdf):
        found = []
        for item in page.get_objects(max_depth=10):
            if item.type == raw.FPDF_PAGEOBJ_PATH and \
                    raw.FPDFPath_CountSegments(item.raw) > FINE_PATTERN_SEGMENTS:
                left, bottom, right, top = (ctypes.c_float() for _ in range(4))
                raw.FPDFPageObj_GetBounds(item.raw, left, bottom, right, top)
                height = page.get_height()
                found.append((left.value, height - top.value, right.value,
                              height - bottom.value))
        boxes.append(found)
    return boxes


def _without(page: Image.Image, boxes) -> Image.Image:
    """Return ``page`` with the given boxes (in points) painted white."""
    if not boxes:
        return page
    page = page.copy()
    for box in boxes:
        page.paste(255, tuple(round(value * DPI / 72) for value in box))
    return page


def engine_problems(pdf: Path, drawn: dict[str, tuple]) -> list[str]:
    """Say where MuPDF or Ghostscript do not draw ``pdf`` as poppler does."""
    problems = [f"{pdf.name}: MuPDF: {line}" for line in drawn["mupdf"][0].splitlines()
                if MUPDF_GLYPH_WARNING.search(line)]
    reference = drawn["poppler"][1]
    patterns = _fine_patterns(pdf)
    for engine in ("mupdf", "ghostscript"):
        pages = drawn[engine][1]
        if len(pages) != len(reference):
            problems.append(f"{pdf.name}: {engine} drew {len(pages)} pages, poppler "
                            f"{len(reference)}")
            continue
        for number, (page, expected) in enumerate(zip(pages, reference), 1):
            worst = _worst_cell(_without(page, patterns[number - 1]),
                                _without(expected, patterns[number - 1]))
            if worst > MAX_CELL_DIFFERENCE:
                problems.append(f"{pdf.name}: page {number}: {engine} differs from poppler "
                                f"by {worst:.0f} grey levels in one place")
    return problems


def _to_unicode(data: bytes) -> dict[int, str]:
    """Return the CID → text mapping of a ToUnicode CMap (bfchar and bfrange entries)."""
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for line in block.strip().splitlines():
            codes = _HEX.findall(line)
            if len(codes) == 2:
                mapping[int(codes[0], 16)] = bytes.fromhex(codes[1].decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in block.strip().splitlines():
            codes = _HEX.findall(line)
            if len(codes) == 3:
                first, last = int(codes[0], 16), int(codes[1], 16)
                start = bytes.fromhex(codes[2].decode()).decode("utf-16-be")
                for offset in range(last - first + 1):
                    mapping[first + offset] = start[:-1] + chr(ord(start[-1]) + offset)
    return mapping


def glyph_problems(pdf: Path) -> list[str]:
    """Say which glyphs of ``pdf``'s text its embedded fonts lack or draw as other letters.

    Each CID the ToUnicode map names is looked up as the PDF specification says: in a
    CID-keyed CFF font through its charset, otherwise as the glyph index. It must find a
    glyph; in a font that is not CID-keyed, the one the font's own cmap gives for that
    character.
    """
    problems = []
    fonts = {}
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts[font.idnum] = font.get_object()
    for font in fonts.values():
        if font["/Subtype"] != "/Type0":
            continue
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
        embedded = TTFont(io.BytesIO(program.get_object().get_data()))
        order = embedded.getGlyphOrder()
        names = set(order)
        cmap = embedded.getBestCmap() or {}
        by_cid = ("CFF " in embedded and hasattr(embedded["CFF "].cff.topDictIndex[0], "ROS"))
        for cid, text in sorted(_to_unicode(font["/ToUnicode"].get_object().get_data()).items()):
            if by_cid:
                glyph = f"cid{cid:05d}" if f"cid{cid:05d}" in names else None
            else:
                glyph = order[cid] if cid < len(order) else None
            where = f"{pdf.name}: {font['/BaseFont']}: CID {cid} ({text!r})"
            if glyph in (None, ".notdef"):
                problems.append(f"{where} has no glyph in the embedded font")
            elif not by_cid and len(text) == 1 and ord(text) in cmap and cmap[ord(text)] != glyph:
                # A CID-keyed CJK font may draw a character with another glyph on purpose:
                # its "locl" forms (Traditional Chinese "。" is centred), chosen by shaping.
                problems.append(f"{where} draws {glyph}, not {cmap[ord(text)]}")
    return problems


@pytest.fixture(scope="module")
def drawings(dist, manifest, tmp_path_factory) -> dict[Path, dict[str, tuple]]:
    pdfs = [dist / output["path"] for output in manifest["outputs"] if output["format"] == "pdf"]
    return _drawings(pdfs, tmp_path_factory.mktemp("engines"))


def test_three_engines_draw_every_page_of_every_pdf_alike(drawings):
    assert drawings
    problems = [problem for pdf, drawn in drawings.items()
                for problem in engine_problems(pdf, drawn)]
    assert problems == []


def test_ghostscript_reads_every_pdf_without_complaint(drawings):
    assert {pdf.name: drawn["ghostscript"][0] for pdf, drawn in drawings.items()
            if drawn["ghostscript"][0].strip()} == {}


def test_every_glyph_of_every_pdf_is_in_its_embedded_font(dist, manifest):
    pdfs = [dist / output["path"] for output in manifest["outputs"] if output["format"] == "pdf"]
    assert pdfs
    assert [problem for pdf in pdfs for problem in glyph_problems(pdf)] == []


def test_the_checks_fail_on_a_font_whose_cids_are_not_its_glyph_numbers(tmp_path):
    # The subset fontTools makes, before leafpress renumbers it: glyph 1 is CID 42775 (镁).
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    font_file = fonts / "cid-keyed.otf"
    font_file.write_bytes((DATA / "bad-brand" / "cid-keyed.otf").read_bytes())
    face = f'@font-face {{ font-family: "Wrong CIDs"; src: url("{font_file.as_uri()}"); }}'

    html = ('<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>镁</title>'
            '<style>body { font: 40pt "Wrong CIDs" }</style></head><body><h1>镁镁镁</h1></body>'
            '</html>')
    data, _ = write_pdf(html, [fonts], "engines-test", "test", font_faces=face)
    pdf = tmp_path / "wrong.pdf"
    pdf.write_bytes(data)
    font = next(iter(PdfReader(pdf).pages[0]["/Resources"]["/Font"].values())).get_object()
    assert glyph_problems(pdf) == [
        f"wrong.pdf: {font['/BaseFont']}: CID 1 ('镁') has no glyph in the embedded font"]
    problems = engine_problems(pdf, _drawings([pdf], tmp_path / "drawn")[pdf])
    assert any("MuPDF: " in problem for problem in problems)
    assert any("ghostscript differs from poppler" in problem for problem in problems)
