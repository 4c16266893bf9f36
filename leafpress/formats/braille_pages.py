"""Braille pages: blocks of braille cells laid out in lines and pages of a fixed size.

Knows nothing of languages or liblouis: `braille.py` translates the texts and gives each
block here as braille words, each word with the places inside it where a line may break
if the word is longer than a line. Cells are Unicode braille (U+2800-U+283F).

The layout follows UK practice as far as it could be established offline: UKAAF's
"Guiding Principles for the Presentation of Braille" (2016) has sections on headings,
page numbering, paragraphs, lists and basic tables, but only its contents were at hand;
RNIB's house style puts the braille page number at the right of each page's first line
(RNIB on the W3C WAI list, 1997). The rest is the common UKAAF/BANA practice as known
without the documents: the page number's line carries nothing else here; a blank line
before every heading except at the top of a page, and two lines of text after a heading
before the page ends; the title centred, cell-5 headings for sections and cell-7 headings
below them;
paragraphs indented (first line in cell 3, runovers in cell 1, no blank line between);
list items and steps in cell 1, runovers in cell 3; a table's rows as "heading: cell"
lines, each row's first in cell 1 and its others in cell 3, runovers in cell 5.
A qualified transcriber should check all of it against UKAAF's current text.
"""

from __future__ import annotations

from dataclasses import dataclass

BLANK = "\u2800"  # the braille cell with no dots: a space
# (first line's cell, runover lines' cell), counted from 1 as braille transcribers do.
STYLES = {
    "centred": (0, 0),  # centred on the line, runovers centred too
    "heading5": (5, 5),
    "heading7": (7, 7),
    "paragraph": (3, 1),
    "blocked": (1, 1),
    "item": (1, 3),
    "pair": (1, 5),  # a table row's first "heading: cell"
    "pair-more": (3, 5),  # the row's other pairs
}
HEADINGS = ("centred", "heading5", "heading7")


@dataclass(frozen=True)
class Word:
    """One braille word: its cells, and where a line may break inside it if it is longer
    than a line (cell indexes): best after a slash, dot or hyphen of an address, else at
    a ``fallback`` place (never inside a number)."""

    cells: str
    breaks: tuple[int, ...] = ()
    fallback: tuple[int, ...] = ()


@dataclass(frozen=True)
class Block:
    """A heading, paragraph, list item or table row, in one of the `STYLES`."""

    style: str
    words: tuple[Word, ...]
    blank_before: bool = False
    new_page: bool = False  # start a new page (the text after the title page)


def block_lines(block: Block, cells: int) -> list[str]:
    """Return the lines of ``block`` on a line of ``cells`` cells, broken between words.

    A word longer than a line starts a line of its own and is broken at the last of its
    ``breaks`` that fits, or of its ``fallback`` places (lacking both, at the line's end):
    the only break inside a word.
    """
    first, runover = STYLES[block.style]
    centred = block.style == "centred"
    lines: list[str] = []
    line = ""

    def room() -> int:
        return cells if centred else cells - (first if not lines else runover) + 1

    for word in block.words:
        if line and len(line) + 1 + len(word.cells) <= room():
            line += BLANK + word.cells
            continue
        if line:
            lines.append(line)
        offset = 0
        while len(word.cells) - offset > room():
            cut = max((place - offset for place in word.breaks
                       if 0 < place - offset <= room()), default=None) or \
                max((place - offset for place in word.fallback
                     if 0 < place - offset <= room()), default=room())
            lines.append(word.cells[offset:offset + cut])
            offset += cut
        line = word.cells[offset:]
    if line:
        lines.append(line)
    if centred:
        return [BLANK * ((cells - len(text)) // 2) + text for text in lines]
    return [BLANK * ((first if index == 0 else runover) - 1) + text
            for index, text in enumerate(lines)]


def paginate(blocks: list[Block], cells: int, lines: int, number) -> list[list[str]]:
    """Lay ``blocks`` out on pages of ``lines`` lines of ``cells`` cells.

    ``number(n)`` gives page ``n``'s braille page number, set at the right of its first
    line. Blank lines at the top of a page are dropped; a heading moves to the next page
    rather than end a page with fewer than two lines of text after it.
    """
    room = lines - 1  # the first line is the page number's
    pages: list[list[str]] = [[]]
    for index, block in enumerate(blocks):
        text = block_lines(block, cells)
        if block.new_page and pages[-1]:
            pages.append([])
        # A heading needs its lines and two lines of text after it on the page (BANA's
        # practice, as taught by brl.org's transcribers' course); any other block, its
        # first line: the rest may run over onto the next page.
        keep = len(text) + 2 if block.style in HEADINGS and index + 1 < len(blocks) else 1
        blank = 1 if block.blank_before and pages[-1] else 0
        if pages[-1] and len(pages[-1]) + blank + min(keep, room) > room:
            pages.append([])
            blank = 0
        if blank:
            pages[-1].append("")
        for line in text:
            if len(pages[-1]) == room:
                pages.append([])
            pages[-1].append(line)
    result = []
    for count, body in enumerate(pages, start=1):
        page_number = number(count)
        result.append([BLANK * (cells - len(page_number)) + page_number, *body])
    return result
