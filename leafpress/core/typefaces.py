"""The typefaces this machine has: the families fontconfig offers, and whether a font
file can be embedded so that every PDF reader draws it.

The brand names its typefaces and ``check`` asks here whether they exist; the renderer
asks which font files to subset (fonts.py) and which writing systems it can draw
(writing.py).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from .errors import LeafletError

CJK_FAMILY = "Noto Sans CJK SC"


def installed_fonts_digest() -> str:
    """Return a digest of every font file fontconfig offers (name, size, date): a font
    installed, removed or upgraded changes what can be drawn, and with what."""
    result = fontconfig("fc-list", "--format", "%{file}\n")
    found = hashlib.sha256()
    for name in sorted(set(result.stdout.splitlines())):
        try:
            stat = os.stat(name)
        except OSError:
            continue
        found.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return found.hexdigest()


def installed_families() -> set[str]:
    """Return the font families fontconfig knows."""
    result = fontconfig("fc-list", ":", "family")
    return {family.strip() for line in result.stdout.splitlines()
            for family in line.split(",")}


def fontconfig(*arguments: str) -> subprocess.CompletedProcess:
    """Run a fontconfig tool; raise `LeafletError` if fontconfig is not installed."""
    try:
        return subprocess.run(arguments, capture_output=True, text=True)
    except FileNotFoundError:
        raise LeafletError.at("system", None, f"fontconfig's {arguments[0]} is not installed; "
                              "install the Debian package fontconfig (scripts/setup.sh does)"
                              ) from None


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
