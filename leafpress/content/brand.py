"""The brand: organisation, logo, colours, contact and website, from one YAML file."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..core.errors import LeafletError, Problem, in_line_order
from ..core.project import FORMATS, format_names, inside_project
from ..core.typefaces import cid_problem, installed_families
from .leaflet import SourceText
from .schema import COLOUR_PATTERN, Text, Url
from .validation import validation_problems
from .yamlfile import read_yaml

# The logo and font files are published with the web pages: never a file of elsewhere.
OUTSIDE_BRAND = ("a link to a file outside the brand file's folder; copy the file there "
                 "instead of linking to it")

Colour = Annotated[str, Field(pattern=COLOUR_PATTERN, description="A colour like #005EB8")]


def _svg_name(name: str) -> str:
    if "/" in name or "\\" in name or not name.endswith(".svg"):
        raise ValueError(f"expected the name of an SVG file beside the brand file, got {name!r}")
    return name


class Colours(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: Colour
    background: Colour
    accent: Colour = Field(description="Headings, rules and the title band")
    accent_text: Colour = Field(description="Text printed on the accent colour")
    callout: Colour = Field(description="Background of highlighted notes")
    warning: Colour = Field(description="Background of safety warnings")
    warning_border: Colour


def _font_file(name: str) -> str:
    if "/" in name or "\\" in name or not name.lower().endswith((".ttf", ".otf")):
        raise ValueError(f"expected the name of a .ttf or .otf file beside the brand file, "
                         f"got {name!r}")
    return name


FontFile = Annotated[str, AfterValidator(_font_file)]


class Font(BaseModel):
    """The typeface for Latin text: an installed family, or font files beside the brand."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: str | None = Field(None, description="An installed font family, e.g. 'DejaVu Sans'")
    regular: FontFile | None = None
    bold: FontFile | None = None


def _number(value) -> int | None:
    """Return a whole number as the YAML reader gives it (a string of digits), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def _whole_number(low: int, high: int, what: str) -> BeforeValidator:
    def check(value):
        number = _number(value)
        if number is None or not low <= number <= high:
            raise ValueError(f"expected {what} from {low} to {high}, got {value!r}")
        return number

    return BeforeValidator(check)


def _grade(value):
    if _number(value) not in (1, 2):
        raise ValueError(f"expected 2 (contracted braille) or 1 (uncontracted), got {value!r}")
    return _number(value)


class Braille(BaseModel):
    """The braille page (issue 24): the embosser's cells a line and lines a page, and the
    code's grade where a language has two (UEB: 2 contracted, 1 uncontracted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # A4 braille paper takes 40 cells by 25 lines; narrower paper takes fewer. Below 20
    # cells a title page's words no longer fit; no embosser we know of goes past 50.
    cells: Annotated[int, _whole_number(20, 50, "a whole number of cells a line")] = Field(
        40, ge=20, le=50, description="Braille cells a line")
    lines: Annotated[int, _whole_number(10, 50, "a whole number of lines a page")] = Field(
        25, ge=10, le=50, description="Lines a page, the page number's line among them")
    grade: Annotated[int, BeforeValidator(_grade)] = Field(
        2, ge=1, le=2, description="2: contracted braille (the default), 1: uncontracted")


class Brand(BaseModel):
    """One organisation's branding; ``build.py`` reads ``brand/brand.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: Text
    department: Text = Field(description="Who answers requests for other formats")
    contact: Text
    website: Url | None = None
    logo: Annotated[str, AfterValidator(_svg_name)]
    colours: Colours
    font: Font | None = Field(None, description="Default: the bundled Atkinson Hyperlegible")
    braille: Braille = Field(Braille(), description="Default: 40 cells by 25 lines, grade 2")
    # What every leaflet says it is published in, and what a build makes unless
    # --format says otherwise (issue 24).
    formats: Annotated[tuple[str, ...], BeforeValidator(format_names)] = Field(
        tuple(FORMATS), description="Formats made besides the PDFs and web pages: braille, "
                                    "epub (default: both)")


@dataclass(frozen=True)
class BrandFile:
    """A validated brand with the folder its logo lives in."""

    path: Path
    brand: Brand
    texts: tuple[SourceText, ...]

    @property
    def logo_path(self) -> Path:
        return self.path.parent / self.brand.logo


# Every pair of colours the template sets text in: (text, background), by field name.
TEXT_PAIRS = (("text", "background"), ("accent", "background"), ("accent_text", "accent"),
              ("text", "callout"), ("text", "warning"))
MINIMUM_CONTRAST = 4.5  # WCAG 2.1 AA, success criterion 1.4.3, for normal-size text


def contrast_ratio(foreground: str, background: str) -> float:
    """Return the WCAG 2.1 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[index:index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _contrast_problems(shown: str, document, colours: Colours) -> list[Problem]:
    problems = []
    for foreground, background in TEXT_PAIRS:
        front, back = getattr(colours, foreground), getattr(colours, background)
        ratio = contrast_ratio(front, back)
        if ratio < MINIMUM_CONTRAST:
            problems.append(Problem(
                shown, document.line_of(("colours", foreground)),
                f"{foreground} {front} on {background} {back} has a contrast ratio of "
                f"{math.floor(ratio * 100) / 100:.2f}:1; WCAG 2.1 AA needs at least "  # not 4.50
                f"{MINIMUM_CONTRAST}:1 for text",
                f"colours.{foreground}"))
    return problems


def _font_problems(shown: str, document, folder: Path, font: Font | None) -> list[Problem]:
    if font is None:
        return []
    if bool(font.family) == bool(font.regular or font.bold):
        return [Problem(shown, document.line_of(("font",)), "give either 'family' (an "
                        "installed font) or 'regular' and 'bold' (font files), not both", "font")]
    if font.family:
        if font.family not in installed_families():
            return [Problem(shown, document.line_of(("font", "family")),
                            f"the font family {font.family!r} is not installed", "font.family")]
        return []
    problems = []
    for key, name in (("regular", font.regular), ("bold", font.bold)):
        if not name or not (folder / name).is_file():
            problem = f"the font file {name!r} does not exist beside the brand file"
        elif not inside_project(folder / name, folder):
            problem = f"the font file {name!r} is {OUTSIDE_BRAND}"
        elif why := cid_problem(folder / name):
            problem = f"the font file {name!r} {why}"
        else:
            continue
        problems.append(Problem(shown, document.line_of(("font", key)), problem, f"font.{key}"))
    return problems


def missing_brand(shown: str) -> Problem:
    """Return the problem of a brand file that does not exist (``shown``: its path)."""
    return Problem(shown, None, "no brand file; create one like the example in the README "
                                "(section \"Branding\"), or pass --brand FILE")


def load_brand(path: Path, shown: str | None = None) -> BrandFile:
    """Load and validate the brand file; raise `LeafletError` for every problem."""
    shown = shown or str(path)
    if not path.is_file():
        raise LeafletError([missing_brand(shown)])
    document, problems = read_yaml(path, shown)  # with the schema's, in one run (issue 20)
    if document is None:
        raise LeafletError(problems)
    try:
        brand = Brand.model_validate(document.data)
    except ValidationError as error:
        problems += validation_problems(shown, document, error, Brand)
        raise LeafletError(in_line_order(problems)) from None
    problems += _contrast_problems(shown, document, brand.colours)
    problems += _font_problems(shown, document, path.parent, brand.font)
    if problems:
        raise LeafletError(in_line_order(problems))
    logo = path.parent / brand.logo
    if not logo.is_file():
        raise LeafletError.at(shown, document.line_of(("logo",)),
                              f"the logo file {brand.logo!r} does not exist beside the brand file",
                              "logo")
    if not inside_project(logo, path.parent):  # it is published with the web pages
        raise LeafletError.at(shown, document.line_of(("logo",)),
                              f"the logo file {brand.logo!r} is {OUTSIDE_BRAND}", "logo")
    texts = (
        SourceText(brand.organisation, document.line_of(("organisation",)),
                   "Name of the organisation that publishes the leaflets", "organisation"),
        SourceText(brand.department, document.line_of(("department",)),
                   "Team that provides leaflets in other formats and languages", "department"),
        SourceText(brand.contact, document.line_of(("contact",)),
                   "How to contact that team", "contact"),
    )
    return BrandFile(path, brand, texts)
