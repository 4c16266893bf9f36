"""Right-to-left lines written so that text copied or read aloud comes out in logical order.

WeasyPrint 70 draws a line as one text object, its glyphs in display order, left to right
(weasyprint/draw/text.py ``draw_first_line``), as PDF allows ("reverse-order show strings",
ISO 32000-1, 14.8.2.3.3). Readers turn such a run round, but pypdf 7.1 and MuPDF 1.28 turn
each run round where it stands: "لا تأكل أي شيء لمدة 6 ساعات قبل موعدك." came out with the
Arabic on either side of the 6 swapped, and a sentence's full stop, drawn at its left end,
came out first (issue 23). So a line with a right-to-left run is written again here, each
glyph where it was: its runs in logical order, each a text object of its own, the glyphs of
each still in display order, and each space or full stop that ends a right-to-left run (drawn
at its left end) after it, as an object of its own.

Measured on the ten Arabic strings of tests/test_extraction.py, in logical order before and
after: PDFium 10 and 10, pypdf 8 and 10, poppler 22.12 10 and 10, MuPDF 1.28 (PyMuPDF 2.0,
not in the tests) 7 and 10. MuPDF 1.28 starts a line where the next run is written to the
left of the last, so "لمدة 6 ساعات" is copied as three lines in logical order. MuPDF 1.21
(Debian 12) gives glyphs in the order they are written, with no bidi: it reads right to left
only glyphs written in logical order, which PDFium, pypdf and MuPDF 1.28 read backwards.
``/ActualText`` (ISO 32000-1, 14.9.4) was measured and left out: poppler, PDFium and MuPDF
1.28 read its text backwards too, and MuPDF 1.21 and pypdf ignore it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

WEASYPRINT = "70.0"  # the version whose draw_first_line this was written against
# The bidi classes of the characters that take the direction of the run they are in.
NEUTRAL = {"WS", "ON", "CS", "ES", "ET", "B", "S"}
_TOKEN = re.compile(rb"<([0-9a-f]*)>|(-?[0-9.]+(?:e-?[0-9]+)?)")


@dataclass(frozen=True)
class _Glyph:
    id: int
    font: object  # weasyprint.pdf.fonts.Font
    size: float
    x: float  # from the line's start, in text space
    rise: bytes  # the text rise it was drawn with (``b"0"`` for none)


def install() -> None:
    """Make WeasyPrint write right-to-left lines in logical order (once a process)."""
    from weasyprint.draw import text

    drawn = getattr(text, "draw_first_line", None)
    if drawn is None:
        raise _unexpected("weasyprint.draw.text.draw_first_line is gone")
    if getattr(drawn, "in_logical_order", False):
        return

    @functools.wraps(drawn)
    def draw_first_line(stream, textbox, *arguments):
        start = len(stream.stream)
        emojis = drawn(stream, textbox, *arguments)
        stream.stream[start:] = in_logical_order(stream, textbox, stream.stream[start:])
        return emojis

    draw_first_line.in_logical_order = True
    text.draw_first_line = draw_first_line


def in_logical_order(stream, textbox, drawn: list) -> list:
    """Return the operators ``drawn`` for ``textbox``'s first line, runs in logical order."""
    if not drawn:
        return drawn
    runs = _runs(textbox)
    if not any(level % 2 for _, level, _ in runs):
        return drawn  # no right-to-left run: nothing to change
    fonts = {font.hash: font for font in stream._fonts.values()}  # noqa: SLF001
    matrix, glyphs = _glyphs(drawn, fonts)
    if glyphs is None:
        return drawn  # an emoji font: one-byte codes, and images drawn beside the text
    if len(glyphs) != sum(count for _, _, count in runs):
        raise _unexpected(f"{len(glyphs)} glyphs drawn for the "
                          f"{sum(count for _, _, count in runs)} of Pango's line")
    pieces, first = [], 0
    for offset, level, count in runs:
        pieces.append((offset, level, glyphs[first:first + count]))
        first += count
    written, font = [], None
    for _, level, run in sorted(pieces, key=lambda piece: piece[0]):
        ending = []  # the spaces and punctuation ending a right-to-left run, in logical order
        while level % 2 and run and _neutral(run[0]):  # drawn at its left end
            ending.insert(0, run[0])
            run = run[1:]
        for part in [run] * bool(run) + [[glyph] for glyph in ending]:
            font = _write(written, matrix, part, font)
    return written


def _runs(textbox) -> list[tuple[int, int, int]]:
    """Return the runs of ``textbox``'s first line in display order: where each starts in
    the text, its bidi level, and how many glyphs WeasyPrint draws of it."""
    from weasyprint.text.ffi import ffi, pango

    line, _ = textbox.pango_layout.get_first_line()
    runs, run = [], line.runs[0]
    while run != ffi.NULL:
        item, run = run.data, run.next
        glyphs = item.glyphs
        drawn = sum(glyphs.glyphs[index].glyph != pango.PANGO_GLYPH_EMPTY
                    for index in range(glyphs.num_glyphs))
        runs.append((item.item.offset, item.item.analysis.level, drawn))
    return runs


def _glyphs(drawn: list, fonts: dict) -> tuple[list[float], list[_Glyph] | None]:
    """Return the line's text matrix and every glyph ``drawn`` with its place on the line
    (``None`` if a font of the line is a bitmap font)."""
    if not all(isinstance(operator, bytes) for operator in drawn) or not drawn[0].endswith(
            b" Tm"):
        raise _unexpected(f"a line drawn as {drawn[:2]!r}…")
    matrix = [float(value) for value in drawn[0].split()[:6]]
    glyphs, pen, font, size, rise = [], 0.0, None, 1.0, b"0"
    for operator in drawn[1:]:
        if operator.endswith(b" Tf"):
            name, size_text, _ = operator.split()
            font, size = fonts[name[1:].decode()], float(size_text)
            if font.bitmap:
                return matrix, None
        elif operator.endswith(b" Ts"):
            rise = operator.split()[0]
        elif operator.startswith(b"[") and operator.endswith(b"] TJ"):
            for codes, number in _TOKEN.findall(operator[1:-3]):
                if number:
                    pen -= float(number) * size / 1000
                for index in range(0, len(codes), 4):
                    glyph = int(codes[index:index + 4], 16)
                    glyphs.append(_Glyph(glyph, font, size, pen, rise))
                    pen += font.widths[glyph] * size / 1000
        else:
            raise _unexpected(f"{operator!r} in a line")
    return matrix, glyphs


def _unexpected(what: str) -> RuntimeError:
    return RuntimeError(f"{what}: leafpress/rendering/reading_order.py was written for the "
                        f"text WeasyPrint {WEASYPRINT} draws")


def _neutral(glyph: _Glyph) -> bool:
    """Say whether ``glyph`` stands for punctuation or space only (as readers see it)."""
    text = glyph.font.to_unicode.get(glyph.id, "")
    return bool(text) and all(unicodedata.bidirectional(char) in NEUTRAL for char in text)


def _write(written: list, matrix: list[float], glyphs: list[_Glyph], font):
    """Append a text object drawing ``glyphs`` where they were; return the font it left set.

    Each piece is a text object of its own: MuPDF 1.28 keeps the pieces of one text object
    in the order their glyphs stand on the line, whatever order they are written in.
    """
    if written:
        written += [b"ET", b"BT"]
    a, b, c, d, e, f = matrix
    start = glyphs[0].x
    written.append(b" ".join(_number(value) for value in (a, b, c, d, e + a * start,
                                                          f + b * start)) + b" Tm")
    shown, pen, rise = [], start, b"0"
    for glyph in glyphs:
        if (glyph.font, glyph.size) != font or glyph.rise != rise:
            _show(written, shown)
            if (glyph.font, glyph.size) != font:
                font = (glyph.font, glyph.size)
                written.append(b"/" + glyph.font.hash.encode() + b" " + _number(glyph.size)
                               + b" Tf")
            if glyph.rise != rise:
                rise = glyph.rise
                written.append(rise + b" Ts")
        shift = (pen - glyph.x) * 1000 / glyph.size
        if abs(shift) >= 0.0005:
            shown.append(_number(round(shift, 3)))
        shown.append(b"<%04x>" % glyph.id)
        pen = glyph.x + glyph.font.widths[glyph.id] * glyph.size / 1000
    _show(written, shown)
    if rise != b"0":
        written.append(b"0 Ts")
    return font


def _show(written: list, shown: list) -> None:
    if shown:
        written.append(b"[" + b"".join(shown) + b"] TJ")
        shown.clear()


def _number(value: float) -> bytes:
    """Write ``value`` as PDF does: no exponent, no trailing zeros."""
    if float(value).is_integer():
        return b"%d" % int(value)
    return (b"%f" % value).rstrip(b"0").rstrip(b".")
