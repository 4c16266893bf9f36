"""Writing systems: which font of the project covers a language's script, and whether
this machine has it.

The stylesheet names one font per script (templates/leaflet.css), and each comes from
the project (Atkinson Hyperlegible, bundled) or from a Debian package by name
(scripts/setup.sh), never from whatever the machine happens to have: DejaVu Sans in an
Arabic leaflet is the machine's fallback, not a choice (issue 13).
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from babel.core import get_global

from ..core.project import SOURCE_LOCALE
from ..core.typefaces import CJK_FAMILY, installed_families


@dataclass(frozen=True)
class ScriptFont:
    """The font the stylesheet uses for a script, and where it comes from."""

    family: str
    package: str | None  # the Debian package; None when the project bundles the font


# ISO 15924 script codes, as CLDR gives them for each language.
SCRIPT_FONTS = {
    "Latn": ScriptFont("Atkinson Hyperlegible", None),
    "Hans": ScriptFont("Noto Sans CJK SC", "fonts-noto-cjk"),
    "Arab": ScriptFont("Noto Naskh Arabic", "fonts-noto-core"),
    "Hebr": ScriptFont("Noto Sans Hebrew", "fonts-noto-core"),
}
# Urdu is written in Nastaliq, the style its readers expect, rather than Naskh.
LANGUAGE_FONTS = {"ur": ScriptFont("Noto Nastaliq Urdu", "fonts-noto-core")}


def script_of(locale: str) -> str | None:
    """Return the ISO 15924 code of the script ``locale`` is written in (``Arab``)."""
    parsed = Locale.parse(locale.replace("-", "_"))
    if parsed.script:
        return parsed.script
    likely = get_global("likely_subtags").get(parsed.language, "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 2 else None


def font_for(locale: str) -> ScriptFont | None:
    """Return the font the stylesheet uses for ``locale``'s script, or ``None``."""
    language = Locale.parse(locale.replace("-", "_")).language
    return LANGUAGE_FONTS.get(language) or SCRIPT_FONTS.get(script_of(locale) or "")


def font_warning(locale: str, installed: set[str]) -> str | None:
    """Return why ``locale``'s PDFs would not be set in a font of the project, or ``None``."""
    font = font_for(locale)
    parsed = Locale.parse(locale.replace("-", "_"))
    if font is None:
        script = script_of(locale)
        name = Locale.parse(SOURCE_LOCALE).scripts.get(script, script) if script else "unknown"
        return (f"no font of the project covers the {name} script of "
                f"{parsed.english_name}: its PDFs would use whatever font this machine has; "
                f"add a font for it to templates/leaflet.css, and its Debian package to "
                f"scripts/setup.sh")
    if font.package and font.family not in installed:
        return missing_font(font, parsed.english_name)
    return None


def language_name(locale: str) -> str:
    """Return the English name of ``locale``'s language (``Arabic``)."""
    return Locale.parse(locale.replace("-", "_")).english_name


def missing_font(font: ScriptFont, language: str) -> str:
    return (f"the font {font.family!r} for {language} is not installed, so its text would "
            f"be drawn with another font; install the Debian package {font.package} "
            "(scripts/setup.sh does)")


def missing_fonts(locales: list[str]) -> list[str]:
    """Return the fonts of the project's languages that this machine lacks."""
    # The CJK font is checked with the rest of the system (pdf.py), once, whatever the locales.
    fonts = {font for locale in locales if (font := font_for(locale)) and font.package
             and font.family != CJK_FAMILY}
    if not fonts:
        return []
    installed = installed_families()
    return [missing_font(font, language_name(locale)) for locale in locales
            if (font := font_for(locale)) in fonts and font.family not in installed]
