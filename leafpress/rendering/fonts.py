"""A small copy of the CJK font for each leaflet: only the characters it uses.

WeasyPrint subsets every font it embeds, but it keeps the glyph IDs of the original
(HarfBuzz's RETAIN_GIDS), and Noto Sans CJK's 65,000 glyphs leave each Chinese PDF
several hundred kilobytes of empty offsets. Subsetting the font first with HarfBuzz,
to the characters of the leaflet, renumbers the glyphs and makes those PDFs about four
times smaller. One subset per leaflet, not per build: a new character in one leaflet
changes the glyph numbers of its own PDFs only, so no other PDF is rendered again.
Text stays extractable: the glyphs keep their Unicode mapping.

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
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from ..core.errors import LeafletError
from ..core.project import write_atomically
from ..core.typefaces import CJK_FAMILY, fontconfig

SUBSET_FAMILY = "Leaflet CJK"
WEIGHTS = {400: "regular", 700: "bold"}
# Always in the subset: digits and punctuation that generated content (page counters,
# list markers, dates) may add without appearing in the HTML text.
BASE_CHARACTERS = "".join(chr(code) for code in range(0x20, 0x7F)) + "•◦▪·—–…“”‘’，。：；（）、"
# Part of every subset's cache key: a change in how subsets are made must not reuse old ones.
SUBSET_FORMAT = "harfbuzz-cids-renumbered"
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?")


def characters(html: str) -> set[str]:
    """Return the characters ``html`` can show, CSS-escaped ones in ``<style>`` included."""
    found = set(html)
    found.update(chr(int(code, 16)) for code in _CSS_ESCAPE.findall(html))
    return found


@dataclass(frozen=True)
class Subset:
    """One weight of the CJK font cut down to ``text``, cached at ``path``.

    The path is the digest of the characters and the source font, so a build names each
    PDF's fonts (and so its cache key) without making them; the worker that renders the
    PDF makes the subset if it is not there yet.
    """

    path: Path
    source: Path
    index: int
    text: str
    weight: int

    def make(self) -> None:
        """Write the subset unless it is already there (two workers write the same bytes)."""
        if not self.path.is_file():
            write_atomically(self.path, _subset(self.source, self.index, self.text))

    @property
    def rule(self) -> str:
        return (f'@font-face {{ font-family: "{SUBSET_FAMILY}"; src: url("{self.path.as_uri()}");'
                f" font-weight: {self.weight}; font-style: normal; }}")


def subsets(used: set[str], cache_dir: Path) -> tuple[Subset, ...]:
    """Return the subsets of the CJK font, one per weight, that cover ``used``."""
    text = "".join(sorted((used | set(BASE_CHARACTERS)) - {"\n", "\r", "\t"}))
    found = []
    for weight, style in WEIGHTS.items():
        source, index, size, modified = _installed_font(weight)
        key = hashlib.sha256(f"{_subset_format()}:{source}:{index}:{size}:{modified}:{text}"
                             .encode()).hexdigest()[:24]
        found.append(Subset(cache_dir / f"cjk-{style}-{key}.otf", source, index, text, weight))
    return tuple(found)


def font_faces(made: tuple[Subset, ...]) -> str:
    """Return the ``@font-face`` rules of the subsets ``made``."""
    return "\n".join(subset.rule for subset in made)


def subset_font_faces(used: set[str], cache_dir: Path) -> str:
    """Make the subsets of the CJK font covering ``used``; return their ``@font-face`` rules."""
    made = subsets(used, cache_dir)
    for subset in made:
        subset.make()
    return font_faces(made)


@lru_cache(maxsize=1)
def _subset_format() -> str:
    """How subsets are made, for their names: a new HarfBuzz must not reuse old ones
    (read once a process: a package's version costs 0.6 ms, twice a leaflet)."""
    return f"{SUBSET_FORMAT}:{version('uharfbuzz')}"


@lru_cache(maxsize=None)
def _installed_font(weight: int) -> tuple[Path, int, int, int]:
    """Return the file, face index, size and modification time (ns) of the font fontconfig
    picks for the CJK family at ``weight`` (asked once a process)."""
    style = "bold" if weight >= 700 else "regular"
    result = fontconfig("fc-match", "--format", "%{file}\n%{index}\n%{family}",
                         f"{CJK_FAMILY}:{style}")
    lines = result.stdout.split("\n")
    if result.returncode != 0 or len(lines) < 3 or CJK_FAMILY not in lines[2]:
        raise LeafletError.at("system", None, f"the font {CJK_FAMILY!r} is not installed; "
                                              "install the Debian package fonts-noto-cjk")
    stat = os.stat(lines[0])
    return Path(lines[0]), int(lines[1] or 0), stat.st_size, stat.st_mtime_ns


def _subset(source: Path, index: int, text: str) -> bytes:
    """Return the font at ``source`` cut down to ``text``, its layout features and names
    kept (WeasyPrint shapes text with them before embedding), with HarfBuzz.

    HarfBuzz subsets Noto Sans CJK in about 0.03 s where fontTools took 6 s: cheap
    enough for a subset per leaflet. uharfbuzz brings its own HarfBuzz, pinned in
    requirements.lock, so the bytes do not depend on the machine's library.
    """
    import uharfbuzz as harfbuzz

    face = harfbuzz.Face(harfbuzz.Blob.from_file_path(str(source)), index)
    plan = harfbuzz.SubsetInput()
    plan.unicode_set.update(ord(character) for character in text)
    for kept in (plan.layout_feature_tag_set, plan.name_id_set, plan.name_lang_id_set):
        kept.clear()
        kept.invert()  # all of them
    plan.flags = (harfbuzz.SubsetFlags.DESUBROUTINIZE | harfbuzz.SubsetFlags.NO_HINTING
                  | harfbuzz.SubsetFlags.NOTDEF_OUTLINE)
    subset = harfbuzz.subset(face, plan)
    if subset is None:
        raise LeafletError.at("system", None, f"HarfBuzz could not subset the font {source}")
    return _renumber_cids(subset.blob.data)


def _renumber_cids(data: bytes) -> bytes:
    """Return the CID-keyed font ``data`` with each glyph's CID equal to its index.

    HarfBuzz (like fontTools) renumbers the glyphs of a subset but keeps their CIDs in
    the CFF charset (glyph 1418 stays ``cid38519``). The PDF names glyphs by CID (WeasyPrint writes the
    glyph index with ``Identity-H``), and readers that follow the specification, MuPDF
    and Ghostscript among them, look each CID up in the charset: they found no glyph, or
    the wrong one. Poppler and PDFium use the index and hid it. Only the CFF table is
    rewritten; the other tables refer to glyphs by index and are copied as they are
    (``recalcBBoxes=False``: recomputing bounds drew every glyph, 1 s of 1.05).
    """
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
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


def cache_dir(dist: Path) -> Path:
    """Return the font cache: ``LEAFPRESS_CACHE_DIR`` if set, else ``dist/.cache``."""
    return Path(os.environ.get("LEAFPRESS_CACHE_DIR") or dist / ".cache") / "fonts"


def source_files() -> list[Path]:
    """Return the installed font files the subsets are made from."""
    return sorted({_installed_font(weight)[0] for weight in WEIGHTS})
