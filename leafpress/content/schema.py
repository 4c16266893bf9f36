"""The leaflet schema: what a leaflet file may hold, as frozen pydantic models.

``build.py schema`` writes it out as JSON Schema (``leaflets/leaflet.schema.json``) so
that editors validate YAML as people type; every block type is in `BLOCK_TYPES`.
"""

from __future__ import annotations

import datetime
from typing import Annotated, ClassVar, Literal, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator,
                      Field, StrictBool, Tag, ValidationInfo, field_validator)

from . import markup

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
REFERENCE_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"
VERSION_PATTERN = r"^[0-9]+(\.[0-9]+)*$"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
# One 8-digit hash per English text, in the order of the file (see history.py).
FINGERPRINT_PATTERN = r"^[0-9a-f]{8}( [0-9a-f]{8})*$"
PATTERN_MEANINGS = {
    ID_PATTERN: "lower-case letters, digits and single hyphens (like 'magnesium-infusion')",
    REFERENCE_PATTERN: "upper-case letters, digits and single hyphens (like 'PAIN-014')",
    VERSION_PATTERN: "a version number like '1.0' or '2.3.1'",
    COLOUR_PATTERN: "a colour like #005EB8",
    FINGERPRINT_PATTERN: "the fingerprint that 'build.py release' writes (8-digit hashes)",
}


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace (folded YAML lines, trailing newlines) to one space."""
    return " ".join(text.split())


def _inline(text: str) -> str:
    text = normalise_space(text)
    if not text:
        raise ValueError("expected some text, got an empty value")
    problem = markup.markup_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _url(text: str) -> str:
    text = text.strip()
    if markup.markup_problem(f"[x]({text})") or not text.startswith(("http://", "https://")):
        raise ValueError(f"expected a web address starting with https://, got {text!r}")
    return text


def _flag(value):
    """Read ``true`` or ``false`` (yamlfile.py keeps every scalar as text); nothing else,
    not YAML 1.1's ``yes`` and ``on``, which YAML 1.2 and editors read as text."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    got = "an empty value" if value is None else repr(value) if isinstance(value, str) \
        else "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) \
        else repr(value)
    raise ValueError(f"expected true or false, got {got}")


Text = Annotated[str, AfterValidator(_inline),
                 Field(description="Text; may use **emphasis** and [links](https://…)")]
Url = Annotated[str, AfterValidator(_url), Field(description="A web address (http or https)")]
Flag = Annotated[StrictBool, BeforeValidator(_flag)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Owner(_Model):
    """The department that owns the leaflet and how to contact it."""

    department: Text
    contact: Text


class Source(_Model):
    """A reference the leaflet's facts come from (not translated)."""

    citation: Text
    url: Url | None = None


class Paragraph(_Model):
    kind: ClassVar[str] = "paragraph"

    paragraph: Text


class Bullets(_Model):
    kind: ClassVar[str] = "bullets"

    bullets: list[Text] = Field(min_length=1)


class Steps(_Model):
    kind: ClassVar[str] = "steps"

    steps: list[Text] = Field(min_length=1)


class Callout(_Model):
    kind: ClassVar[str] = "callout"

    callout: Text


class Warning(_Model):  # noqa: A001 - the block type's name in the YAML
    kind: ClassVar[str] = "warning"

    warning: Text


class Question(_Model):
    kind: ClassVar[str] = "question"

    question: Text
    answer: Text


class Subheading(_Model):
    kind: ClassVar[str] = "subheading"

    subheading: Text


FIGURE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(svg|png)$"
PATTERN_MEANINGS[FIGURE_PATTERN] = ("the name of an SVG or PNG file beside the leaflet or the "
                                    "brand file, like 'drip.svg'")


class Figure(_Model):
    """A diagram or picture: an SVG or PNG file beside the leaflet or the brand file."""

    kind: ClassVar[str] = "figure"

    figure: str = Field(pattern=FIGURE_PATTERN, description=(
        "File name, e.g. drip.svg; a version for one language beside it, e.g. drip.ar.svg, "
        "is shown in that language instead"))
    alt: Text = Field(description="What the figure shows, for readers who cannot see it")
    caption: Text | None = None
    mirror: Flag = Field(False, description=(
        "Mirror it left to right on right-to-left pages (Arabic, Hebrew), where its arrows "
        "and order must run the other way; never a language's own version"))


def _row_as_long_as_header(row: list[str], info: ValidationInfo) -> list[str]:
    """Check that a table row has one cell per heading.

    Checked row by row rather than on ``rows`` as a whole, so that each wrong row is a
    problem of its own, with that row's line.
    """
    header = info.data.get("header")
    if header and len(row) != len(header):
        raise ValueError(f"expected {len(header)} cells in each row, as in the header, "
                         f"got {len(row)}")
    return row


class TableContent(_Model):
    """A simple table: one header row, then rows with as many cells."""

    header: list[Text] = Field(min_length=1, description="The column headings")
    rows: list[Annotated[list[Text], AfterValidator(_row_as_long_as_header)]] = Field(
        min_length=1)


class Table(_Model):
    kind: ClassVar[str] = "table"

    table: TableContent


BLOCK_TYPES = {model.kind: model for model in (Paragraph, Bullets, Steps, Callout, Warning,
                                                Question, Subheading, Figure, Table)}


def block_type(value) -> str | None:
    if isinstance(value, dict):
        known = [key for key in value if key in BLOCK_TYPES]
        return known[0] if known else next(iter(value), None)
    return None


Block = Annotated[
    Union[tuple(Annotated[model, Tag(name)] for name, model in BLOCK_TYPES.items())],
    Discriminator(block_type),
]


def _name_and_role(who: str, example: str):
    """Return a check that a text is someone's 'Name, Role', its message naming ``who``."""
    def check(text: str) -> str:
        name, _, role = text.partition(", ")
        if not (name.strip() and role.strip()):
            raise ValueError(f"expected the {who}'s name and role, like {example!r}, "
                             f"got {text!r}")
        return text
    return check


_approver = _name_and_role("approver", "Dr A Jones, Consultant in Pain Medicine")
_transcriber = _name_and_role("transcriber", "A Reader, Qualified Braille Transcriber")


class Release(_Model):
    """One approved version: when, what changed, who approved it, and the text approved."""

    version: str = Field(pattern=VERSION_PATTERN)
    date: datetime.date = Field(description="The day it was approved: the version's published")
    summary: Text = Field(description="One line: what changed in this version")
    approver: Annotated[Text, AfterValidator(_approver)] = Field(
        description="Who approved it: 'Name, Role'")
    patient_review: datetime.date | None = Field(
        None, description="Optional: the day a patient panel or user testing reviewed it")
    fingerprint: str = Field(pattern=FINGERPRINT_PATTERN, description=(
        "Written by 'build.py release': a hash of each English text that was approved"))
    braille_checked_by: Annotated[Text, AfterValidator(_transcriber)] | None = Field(
        None, description=("Optional: the qualified transcriber who checked this version's "
                           "braille, 'Name, Role'; until then the braille says it is unchecked"))


class Section(_Model):
    heading: Text
    blocks: list[Block] = Field(min_length=1)


class Leaflet(_Model):
    """One leaflet: governance metadata, then its sections."""

    model_config = ConfigDict(title="Leaflet", json_schema_extra={
        "$schema": "https://json-schema.org/draft/2020-12/schema"})

    id: str = Field(pattern=ID_PATTERN, description="Also the file name, without .yaml")
    reference: str = Field(pattern=REFERENCE_PATTERN, description="Printed reference code")
    title: Text
    summary: Text | None = None
    audience: Literal["patient", "clinician"]
    version: str = Field(pattern=VERSION_PATTERN)
    published: datetime.date
    review_by: datetime.date
    owner: Owner
    sources: list[Source] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)
    history: list[Release] | None = Field(None, min_length=1, description=(
        "The approved versions, newest first; the newest is 'version', approved on "
        "'published'"))

    @field_validator("review_by")
    @classmethod
    def _review_after_publication(cls, value, info):
        published = info.data.get("published")
        if published and value <= published:
            raise ValueError(f"the review date must be after the publication date "
                             f"({published.isoformat()}), got {value.isoformat()}")
        return value


def leaflet_json_schema() -> dict:
    """Return the JSON Schema that editors use to check leaflet files."""
    return Leaflet.model_json_schema()
