"""A small copy of the CJK font for each build: only the characters its leaflets use.

WeasyPrint subsets every font it embeds, but it keeps the glyph IDs of the original
(HarfBuzz's RETAIN_GIDS), and Noto Sans CJK's 65,000 glyphs leave each Chinese PDF
several hundred kilobytes of empty offsets. Subsetting the font first with fontTools,
to the characters of the build, renumbers the glyphs and makes those PDFs about four
times smaller. Text stays extractable: the glyphs keep their Unicode mapping.

Each glyph of the subset gets its index as its CID (see `_renumber_cids`): PDF readers
that follow the specification (MuPDF, Ghostscript, veraPDF) find glyphs by CID, and a
subset that kept the original CIDs printed blanks or boxes there.

The subset is cached by the exact character set and the source font file, so a new
character always makes a new subset; a subset is written atomically, so a half-written
one is never used. Should a character still be missing, the stylesheet falls back to
the installed font, never to an empty box.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from .errors import LeafletError
from .project import write_atomically

CJK_FAMILY = "Noto Sans CJK SC"
SUBSET_FAMILY = "Leaflet CJK"
WEIGHTS = {400: "regular", 700: "bold"}
# Always in the subset: digits and punctuation that generated content (page counters,
# list markers, dates) may add without appearing in the HTML text.
BASE_CHARACTERS = "".join(chr(code) for code in range(0x20, 0x7F)) + "•◦▪·—–…“”‘’，。：；（）、"
# Part of every subset's cache key: a change in how subsets are made must not reuse old ones.
SUBSET_FORMAT = "cids-renumbered"
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?")


def characters(html: str) -> set[str]:
    """Return the characters ``html`` can show, CSS-escaped ones in ``<style>`` included."""
    found = set(html)
    found.update(chr(int(code, 16)) for code in _CSS_ESCAPE.findall(html))
    return found


def subset_font_faces(used: set[str], cache_dir: Path) -> str:
    """Return ``@font-face`` rules for subsets of the CJK font covering ``used``."""
    text = "".join(sorted((used | set(BASE_CHARACTERS)) - {"\n", "\r", "\t"}))
    rules = []
    for weight, style in WEIGHTS.items():
        source, index = _installed_font(weight)
        stat = source.stat()
        key = hashlib.sha256(f"{SUBSET_FORMAT}:{source}:{index}:{stat.st_size}:{stat.st_mtime_ns}:"
                             f"{text}"
                             .encode()).hexdigest()[:24]
        path = cache_dir / f"cjk-{style}-{key}.otf"
        if not path.is_file():
            write_atomically(path, _subset(source, index, text))
        rules.append(f'@font-face {{ font-family: "{SUBSET_FAMILY}"; src: url("{path.as_uri()}");'
                     f" font-weight: {weight}; font-style: normal; }}")
    return "\n".join(rules)


def installed_families() -> set[str]:
    """Return the font families fontconfig knows."""
    result = _fontconfig("fc-list", ":", "family")
    return {family.strip() for line in result.stdout.splitlines()
            for family in line.split(",")}


def _installed_font(weight: int) -> tuple[Path, int]:
    """Return the file and face index fontconfig picks for the CJK family at ``weight``."""
    style = "bold" if weight >= 700 else "regular"
    result = _fontconfig("fc-match", "--format", "%{file}\n%{index}\n%{family}",
                         f"{CJK_FAMILY}:{style}")
    lines = result.stdout.split("\n")
    if result.returncode != 0 or len(lines) < 3 or CJK_FAMILY not in lines[2]:
        raise LeafletError.at("system", None, f"the font {CJK_FAMILY!r} is not installed; "
                                              "install the Debian package fonts-noto-cjk")
    return Path(lines[0]), int(lines[1] or 0)


def _fontconfig(*arguments: str) -> subprocess.CompletedProcess:
    """Run a fontconfig tool; raise `LeafletError` if fontconfig is not installed."""
    try:
        return subprocess.run(arguments, capture_output=True, text=True)
    except FileNotFoundError:
        raise LeafletError.at("system", None, f"fontconfig's {arguments[0]} is not installed; "
                              "install the Debian package fontconfig (scripts/setup.sh does)"
                              ) from None


def _subset(source: Path, index: int, text: str) -> bytes:
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.desubroutinize = True
    options.hinting = False
    options.layout_features = ["*"]  # WeasyPrint shapes text with them before embedding
    options.name_IDs = ["*"]
    options.notdef_outline = True
    # recalcTimestamp=False: the subset keeps the source's date, not the time of the build,
    # so that two builds, anywhere, give the same bytes.
    font = TTFont(source, fontNumber=index, lazy=False, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return _renumber_cids(buffer.getvalue())


def _renumber_cids(data: bytes) -> bytes:
    """Return the CID-keyed font ``data`` with each glyph's CID equal to its index.

    fontTools renumbers the glyphs of a subset but keeps their CIDs in the CFF charset
    (glyph 1418 stays ``cid38519``). The PDF names glyphs by CID (WeasyPrint writes the
    glyph index with ``Identity-H``), and readers that follow the specification, MuPDF
    and Ghostscript among them, look each CID up in the charset: they found no glyph, or
    the wrong one. Poppler and PDFium use the index and hid it. Only the CFF table is
    rewritten; the other tables refer to glyphs by index and are copied as they are.
    """
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):  # a name-keyed CFF: glyphs are found by index already
        return data
    order = font.getGlyphOrder()
    names = [".notdef", *(f"cid{index:05d}" for index in range(1, len(order)))]
    charstrings = top.CharStrings.charStrings
    top.CharStrings.charStrings = {new: charstrings[old] for new, old in zip(names, order)}
    top.charset = names
    font.setGlyphOrder(names)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def cid_problem(path: Path, index: int = 0) -> str | None:
    """Say why the font file at ``path`` would print wrong glyphs in a PDF, if it would.

    WeasyPrint names each glyph by its index and keeps the font's own CIDs, so a CID-keyed
    font whose CIDs are not its glyph indices prints blanks or other glyphs in MuPDF and
    Ghostscript (see `_renumber_cids`). TrueType and name-keyed fonts are always safe.
    """
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        if "CFF " not in font or not hasattr(font["CFF "].cff.topDictIndex[0], "ROS"):
            return None
        order = font.getGlyphOrder()
    except (OSError, TTLibError, AssertionError) as error:
        return f"cannot be read as a font: {error}"
    wrong = next((name for glyph, name in enumerate(order[1:], 1)
                  if name != f"cid{glyph:05d}"), None)
    if wrong:
        return (f"is a CID-keyed font whose CIDs are not its glyph numbers (glyph "
                f"{order.index(wrong)} is {wrong}); MuPDF and Ghostscript would print other "
                "glyphs or none; use an OpenType font with TrueType outlines, or one whose "
                "CIDs are in glyph order")
    return None


def cache_dir(dist: Path) -> Path:
    """Return the font cache: ``LEAFPRESS_CACHE_DIR`` if set, else ``dist/.cache``."""
    return Path(os.environ.get("LEAFPRESS_CACHE_DIR") or dist / ".cache") / "fonts"


def source_files() -> list[Path]:
    """Return the installed font files the subsets are made from."""
    return sorted({_installed_font(weight)[0] for weight in WEIGHTS})
