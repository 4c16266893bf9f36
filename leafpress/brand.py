"""The brand: organisation, logo, colours, contact and website, from one YAML file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .errors import LeafletError
from .leaflet import COLOUR_PATTERN, SourceText, Text, Url, problem_from_validation
from .yamlfile import load_yaml

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


class Brand(BaseModel):
    """One organisation's branding; ``build.py`` reads ``brand/brand.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: Text
    department: Text = Field(description="Who answers requests for other formats")
    contact: Text
    website: Url | None = None
    logo: Annotated[str, AfterValidator(_svg_name)]
    colours: Colours


@dataclass(frozen=True)
class BrandFile:
    """A validated brand with the folder its logo lives in."""

    path: Path
    brand: Brand
    texts: tuple[SourceText, ...]

    @property
    def logo_path(self) -> Path:
        return self.path.parent / self.brand.logo


def load_brand(path: Path, shown: str | None = None) -> BrandFile:
    """Load and validate the brand file; raise `LeafletError` for every problem."""
    shown = shown or str(path)
    document = load_yaml(path, shown)
    try:
        brand = Brand.model_validate(document.data)
    except ValidationError as error:
        raise LeafletError([problem_from_validation(shown, document, item, Brand)
                            for item in error.errors(include_url=False)]) from None
    logo = path.parent / brand.logo
    if not logo.is_file():
        raise LeafletError.at(shown, document.line_of(("logo",)),
                              f"the logo file {brand.logo!r} does not exist beside the brand file",
                              "logo")
    texts = (
        SourceText(brand.organisation, document.line_of(("organisation",)),
                   "Name of the organisation that publishes the leaflets"),
        SourceText(brand.department, document.line_of(("department",)),
                   "Team that provides leaflets in other formats and languages"),
        SourceText(brand.contact, document.line_of(("contact",)),
                   "How to contact that team"),
    )
    return BrandFile(path, brand, texts)
