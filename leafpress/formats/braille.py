"""Braille: a leaflet in one language as a BRF file for an embosser, with liblouis (issue 24).

For the build::

    braille_file(html, locale, settings=Braille(), unchecked=UNCHECKED) -> bytes

``html`` is the leaflet's print HTML in ``locale`` (`render_html(..., medium="print")` of
a published rendering, not a draft); ``locale`` the catalog's name (``en``, ``zh_Hans``);
``settings`` the brand's ``braille`` (cells, lines, grade); ``unchecked`` the title
page's note that software made the file and no qualified transcriber has checked it yet,
in the leaflet's language, or ``None`` once an approver has recorded that check. The
result depends on nothing else (no clock, no folder, no network) and nothing is written.
`unicode_braille` shows the same cells as Unicode braille, for the web page and the
catalogue; `missing_table` is the warning ``check`` gives for a language without a table
(`braille_file` raises it as a `LeafletError`). An output's cache key needs the HTML, the
settings, ``unchecked`` and `engine_version` (liblouis's tables make the cells).

BRF is North American ASCII braille (the 64 cells as ASCII, liblouis's ``en-us-brf.dis``),
one line per braille line ending CR LF, a form feed after each page: the formatted
braille file embossers and braille editors (Duxbury, BrailleBlaster) commonly take. An
embosser does not read the page size from the file: set it to the brand's cells and lines.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import NamedTuple

import tinyhtml5
from babel import Locale

from ..content.brand import Braille
from ..core.errors import LeafletError
from ..translation.translations import locale_name
from .braille_pages import BLANK, Block, Word, paginate

# North American ASCII braille: the ASCII character of each 6-dot cell, by its dots as a
# number (dot 1 = 1 … dot 6 = 32), as liblouis's en-us-brf.dis and every embosser have it.
ASCII_BRAILLE = " A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)="
CELLS = {character: chr(0x2800 + dots) for dots, character in enumerate(ASCII_BRAILLE)}
ASCII = {cell: character for character, cell in CELLS.items()}

UNCHECKED = ("Transcribed into braille by software. Not yet checked by a qualified braille "
             "transcriber.")
SYSTEM_PACKAGE, TABLES_PACKAGE = "python3-louis", "liblouis-data"

# Each language's table: (contracted, uncontracted); a brand's grade 1 picks the second.
# English: Unified English Braille, the UK's code since 2011 (UKAAF). Chinese: current
# Mandarin braille (现行盲文) with every tone marked: the system taught and embossed in
# mainland China; zhcn-g2 is the double-phonic system few readers learnt, zh-chn marks
# few tones, and the 2018 common braille system (zhcn-cbs) does not compile in 3.24.
# The others: liblouis 3.24's literary tables for languages UK patient information comes
# in, 6-dot only (BRF holds 64 cells): Romanian's ro.ctb and Lithuanian's lt.ctb mark
# capitals with dot 7, Punjabi's pa.tbl spells Gurmukhi out as \xNNNN/.
TABLES = {
    "en": ("en-ueb-g2.ctb", "en-ueb-g1.ctb"),
    "zh_Hans": ("zhcn-g1.ctb", "zhcn-g1.ctb"),
    "zh_Hant": ("zh-tw.ctb", "zh-tw.ctb"),
    "ar": ("ar-ar-g2.ctb", "ar-ar-g1.utb"),
    "bn": ("bn.tbl", "bn.tbl"),
    "cy": ("cy-cy-g2.ctb", "cy-cy-g1.utb"),
    "de": ("de-g2.ctb", "de-g1.ctb"),
    "el": ("el.ctb", "el.ctb"),
    "es": ("es-g2.ctb", "es-g1.ctb"),
    "fa": ("fa-ir-g1.utb", "fa-ir-g1.utb"),
    "fr": ("fr-bfu-g2.ctb", "fr-bfu-comp6.utb"),
    "gu": ("gu-in-g1.utb", "gu-in-g1.utb"),
    "he": ("he-IL.utb", "he-IL.utb"),
    "hi": ("hi-in-g1.utb", "hi-in-g1.utb"),
    "it": ("it-it-comp6.utb", "it-it-comp6.utb"),
    "lt": ("lt-6dot.utb", "lt-6dot.utb"),
    "pl": ("Pl-Pl-g1.utb", "Pl-Pl-g1.utb"),
    "pt": ("pt-pt-g2.ctb", "pt-pt-g1.utb"),
    "ru": ("ru-litbrl.ctb", "ru-litbrl.ctb"),
    "ta": ("ta-ta-g1.ctb", "ta-ta-g1.ctb"),
    "tr": ("tr-g2.ctb", "tr-g1.ctb"),
    "uk": ("uk.utb", "uk.utb"),
    "ur": ("ur-pk-g2.ctb", "ur-pk-g1.utb"),
    "vi": ("vi-vn-g2.ctb", "vi-vn-g1.ctb"),
}
# Drawn as nothing in print; liblouis would spell them out as \xNNNN/.
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
XHTML = "{http://www.w3.org/1999/xhtml}"
ADDRESS_BREAKS = "/.-_?&=#@"  # a long web or e-mail address breaks after one of these
NUMERIC = "\u283c"  # the numeric indicator (UEB, Chinese): a number starts in its cell
# Chinese characters and the full-width punctuation around them, and everything else.
_HAN_CHARACTERS = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_HAN = re.compile(f"[{_HAN_CHARACTERS}]")
_RUNS = re.compile(f"[{_HAN_CHARACTERS}]+|[^{_HAN_CHARACTERS}]+")
_LAST_CELL = "\u283f"  # the last 6-dot cell: dots 7 and 8 come after it
_CHINESE = {tables[0] for locale, tables in TABLES.items() if locale.startswith("zh")}


def braille_table(locale: str, grade: int = 2) -> str | None:
    """Return liblouis's table for ``locale`` at ``grade`` (1 or 2), or ``None``."""
    tables = TABLES.get(locale) or (TABLES.get(locale.split("_")[0])
                                    if not locale.startswith("zh") else None)
    return None if tables is None else tables[grade == 1]


def missing_table(locale: str) -> str | None:
    """Return ``check``'s warning for a locale liblouis has no braille table for."""
    if braille_table(locale):
        return None
    return (f"no braille table for {locale!r} in liblouis 3.24: its leaflets are published "
            "without a braille file; ask a braille transcription service for one")


def braille_file(html: str, locale: str, settings: Braille = Braille(),
                 unchecked: str | None = UNCHECKED) -> bytes:
    """Return the BRF of a leaflet's print HTML in ``locale`` (see the module's docstring)."""
    table = braille_table(locale, settings.grade)
    if table is None:
        raise LeafletError.at("braille", None, missing_table(locale))
    root = tinyhtml5.parse(html)
    blocks = [Block(text.style, _words(text.text, table), text.blank_before, text.new_page)
              for text in [*_title_page(root, locale, unchecked), *_body(root)]]
    pages = paginate(blocks, settings.cells, settings.lines,
                     lambda number: _cells(str(number), table))
    return "".join("".join(f"{_ascii(line)}\r\n" for line in page) + "\f"
                   for page in pages).encode("ascii")


def engine_version() -> str:
    """Return the version of liblouis, whose tables decide every cell."""
    return f"liblouis {_louis().version()}"


def unicode_braille(brf: bytes | str) -> str:
    """Return a BRF's cells as Unicode braille (U+2800-U+283F): lines end in a line feed,
    pages in a form feed, as in the file."""
    text = brf.decode("ascii") if isinstance(brf, bytes) else brf
    return "".join(CELLS.get(character.upper(), character)
                   for character in text.replace("\r\n", "\n"))


# Reading the HTML ------------------------------------------------------------------------

class _Text(NamedTuple):
    """A text of the leaflet and how it is set: a `Block` before its translation."""

    style: str
    text: str
    blank_before: bool = False
    new_page: bool = False


def _title_page(root, locale: str, unchecked: str | None) -> list[_Text]:
    """The title, the organisation and service, reference, version, language and note."""
    organisation = root.find(f".//{XHTML}header//{XHTML}p[@class='organisation']")
    facts = root.findall(f".//{XHTML}table[@class='facts']//{XHTML}tr")
    texts = [_Text("centred", _text(root.find(f".//{XHTML}h1"))),
             _Text("centred", _text(organisation.text or ""), blank_before=True),
             _Text("centred", _text(organisation.find(f"{XHTML}span")))]
    for number, row in enumerate(facts[:2]):  # the reference and the version, in this order
        texts.append(_Text("centred", _pair(row), blank_before=number == 0))
    texts.append(_Text("centred", locale_name(locale, locale)))
    if unchecked:
        texts.append(_Text("blocked", unchecked, blank_before=True))
    return texts


def _body(root) -> list[_Text]:
    """Everything in ``<main>`` but the title (on the title page), from a new page."""
    texts = [text for element in root.find(f".//{XHTML}main") if element.tag != f"{XHTML}h1"
             for text in _element_texts(element, root.get("lang"))]
    return [texts[0]._replace(new_page=True), *texts[1:]] if texts else []


def _language_names(paragraph, language: str):
    """Return "Also available in: 简体中文" with each language named in ``language``
    ("Chinese (Simplified)"): one braille code cannot hold another script's characters
    (UEB has no cells for Chinese; liblouis would spell them out as \\xNNNN/)."""
    paragraph = copy.deepcopy(paragraph)
    where = Locale.parse(language, sep="-")
    for span in paragraph.iter(f"{XHTML}span"):
        if span.get("lang") and span.get("lang") != language:
            span.text = Locale.parse(span.get("lang"), sep="-").get_display_name(where)
            span[:] = []
    return paragraph


def _element_texts(element, language: str):
    """Yield the `_Text` of ``element`` and of what it holds, in reading order."""
    tag = element.tag.removeprefix(XHTML)
    if tag in ("h2", "h3", "h4"):
        yield _Text("heading5" if tag == "h2" else "heading7", _text(element), True)
    elif tag == "p" and element.get("class") == "languages":
        yield _Text("paragraph", _text(_language_names(element, language)))
    elif tag == "p":
        yield _Text("paragraph", _text(element))
    elif tag in ("ul", "ol"):
        items = [item for item in element if item.tag == f"{XHTML}li"]
        for number, item in enumerate(items, start=1):
            yield _Text("item", f"{chr(0x2022) if tag == 'ul' else f'{number}.'} {_text(item)}")
    elif tag == "figure":
        image = element.find(f"{XHTML}img")
        if image is not None and image.get("alt"):
            yield _Text("paragraph", _text(image.get("alt")))
        caption = element.find(f"{XHTML}figcaption")
        if caption is not None:
            yield _Text("paragraph", _text(caption))
    elif tag == "table":
        yield from _table_texts(element)
    elif tag != "img":  # an image outside a figure is the QR code: its address is beside it
        for child in element:
            yield from _element_texts(child, language)


def _table_texts(table):
    """A table in reading order: each row's cells as "column heading: cell"; a table of
    row headings (the leaflet's facts) as "row heading: cell"."""
    caption = table.find(f"{XHTML}caption")
    if caption is not None:
        yield _Text("heading7", _text(caption), True)
    headings = [_text(cell) for cell in table.iterfind(f"{XHTML}thead/{XHTML}tr/{XHTML}th")]
    for row in table.iter(f"{XHTML}tr"):
        if row.find(f"{XHTML}td") is None:
            continue  # the column headings' row
        if headings:
            cells = [cell for cell in row if cell.tag in (f"{XHTML}td", f"{XHTML}th")]
            pairs = [f"{heading}: {_text(cell)}" for heading, cell in zip(headings, cells)]
        else:
            pairs = [_pair(row)]
        for number, pair in enumerate(pairs):
            yield _Text("pair" if number == 0 else "pair-more", pair)


def _pair(row) -> str:
    heading, *cells = [_text(cell) for cell in row]
    return f"{heading}: {' '.join(cells)}"


def _text(element) -> str:
    """An element's text as read: a line break and a label's end are spaces."""
    if isinstance(element, str):
        return " ".join(INVISIBLE.sub("", element).split())
    parts = []

    def walk(node):
        parts.append(node.text or "")
        for child in node:
            if child.tag == f"{XHTML}br":
                parts.append(" ")
            elif child.tag != f"{XHTML}img":
                walk(child)
                if child.get("class") == "label":
                    parts.append(" ")
            parts.append(child.tail or "")

    walk(element)
    return " ".join(INVISIBLE.sub("", "".join(parts)).replace("\u00a0", " ").split())


# liblouis --------------------------------------------------------------------------------

def _words(text: str, table: str) -> tuple[Word, ...]:
    """Translate ``text`` whole (contractions and indicators depend on their neighbours),
    then cut it at its blank cells. A word may break where its source character changes:
    best after an address's punctuation, and never inside a number (its numeric
    indicator would not carry over to the next line)."""
    cells, positions = _translate_runs(text, table)
    words, start = [], 0
    for end in [*(index for index, cell in enumerate(cells) if cell == BLANK), len(cells)]:
        if end > start:
            places = [index for index in range(start + 1, end)
                      if positions[index] != positions[index - 1]
                      and (cells[index] == NUMERIC or not text[positions[index]].isdigit())]
            words.append(Word(cells[start:end],
                              tuple(index - start for index in places
                                    if text[positions[index] - 1] in ADDRESS_BREAKS),
                              tuple(index - start for index in places)))
        start = end + 1
    return tuple(words)


def _cells(text: str, table: str) -> str:
    return _translate(text, table)[0]


def _translate_runs(text: str, table: str) -> tuple[str, list[int]]:
    """Translate ``text`` with ``table``, but a run of Chinese characters in a leaflet of
    another language (a name, a word in an English leaflet) with the Chinese table: the
    other tables have no cells for them. Return the cells and, for each cell, the index
    of the character it comes from.

    A character no table has a cell for (an emoji, a script without a table) is written
    as liblouis writes it, ``\\xNNNN/``, in 6-dot cells: liblouis uses 8-dot computer
    braille for it, which BRF cannot hold. A transcriber should check both cases.
    """
    if table in _CHINESE or not _HAN.search(text):
        runs = [(0, text, False)]
    else:
        runs = [(match.start(), match.group(), bool(_HAN.match(match.group())))
                for match in _RUNS.finditer(text)]
    cells, positions = "", []
    for start, run, chinese in runs:
        translated, places, _, _ = _translate(run, TABLES["zh_Hans"][0] if chinese else table)
        if translated and max(translated) > _LAST_CELL:  # rare: look only then
            translated = "".join(chr(0x2800 + ((ord(cell) - 0x2800) & 0x3F))
                                 for cell in translated)
        cells += translated
        positions += [start + place for place in places]
    return cells, positions


def _translate(text: str, table: str):
    louis = _louis()
    try:
        return louis.translate([table], text, mode=louis.dotsIO | louis.ucBrl)
    except RuntimeError:  # liblouis says no more than that it could not
        raise LeafletError.at("system", None, f"liblouis cannot load the braille table "
                              f"{table!r}; install the Debian package {TABLES_PACKAGE} "
                              "(scripts/setup.sh does)") from None


def _ascii(line: str) -> str:
    try:
        return "".join(" " if cell == BLANK else ASCII[cell] for cell in line)
    except KeyError as error:  # 8-dot cells: a table that is not for 6-dot paper
        raise ValueError(f"a cell BRF cannot hold: {error}") from None


@functools.lru_cache(maxsize=None)
def _louis():
    """Return liblouis's Python binding, or say which Debian package is missing."""
    try:
        import louis
    except (ImportError, OSError):  # no binding, or no liblouis.so.20 beneath it
        raise LeafletError.at("system", None, f"braille needs liblouis and its Python binding; "
                              f"install the Debian package {SYSTEM_PACKAGE} (scripts/setup.sh "
                              "does, and lets .venv import it)") from None
    return louis
