"""Leaflet files: the schema, loading with validation, and the texts to translate.

The schema is a set of frozen pydantic models; ``build.py schema`` writes it out as JSON
Schema (``leaflets/leaflet.schema.json``) so that editors validate YAML as people type.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, ClassVar, Literal, Union, get_args

from pydantic import (AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag,
                      TypeAdapter, ValidationError, ValidationInfo, field_validator)

from . import markup
from .errors import LeafletError, Problem, in_line_order
from .figure import check_figure, describe
from .history import history_problems
from .project import OUTSIDE, inside_project, project_file
from .yamlfile import YamlDocument, dotted, read_yaml

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


Text = Annotated[str, AfterValidator(_inline),
                 Field(description="Text; may use **emphasis** and [links](https://…)")]
Url = Annotated[str, AfterValidator(_url), Field(description="A web address (http or https)")]


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

    figure: str = Field(pattern=FIGURE_PATTERN, description="File name, e.g. drip.svg")
    alt: Text = Field(description="What the figure shows, for readers who cannot see it")
    caption: Text | None = None


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


def _block_type(value) -> str | None:
    if isinstance(value, dict):
        known = [key for key in value if key in BLOCK_TYPES]
        return known[0] if known else next(iter(value), None)
    return None


Block = Annotated[
    Union[tuple(Annotated[model, Tag(name)] for name, model in BLOCK_TYPES.items())],
    Discriminator(_block_type),
]


def _approver(text: str) -> str:
    name, _, role = text.partition(", ")
    if not (name.strip() and role.strip()):
        raise ValueError(f"expected the approver's name and role, like 'Dr A Jones, "
                         f"Consultant in Pain Medicine', got {text!r}")
    return text


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


@dataclass(frozen=True)
class SourceText:
    """One translatable text of a leaflet, where it is, and a note for translators."""

    text: str
    line: int
    comment: str
    # Where the text is in its file (``sections[2].blocks[0].paragraph``): with the file,
    # it tells `update` which earlier text a changed one replaced (see lineage.py).
    key: str = ""


@dataclass(frozen=True)
class LeafletFile:
    """A validated leaflet with the file it came from."""

    path: Path
    leaflet: Leaflet
    texts: tuple[SourceText, ...]
    key_lines: dict[str, int]
    figures: dict[str, Path] = field(default_factory=dict)  # file name -> the file found
    # What figure.py advises (a figure bigger than a leaflet needs): check warns of it.
    figure_advice: tuple[Problem, ...] = ()

    @property
    def id(self) -> str:
        return self.leaflet.id


def load_leaflet(path: Path, root: Path | None = None, figures: bool = True) -> LeafletFile:
    """Load and validate one leaflet file; raise `LeafletError` listing every problem.

    Every check runs, whatever the ones before it found (issue 20): the YAML's, the
    schema's, the id against the file name, the history, the figure files. Those after
    the schema see the parts of the leaflet that are valid on their own (`_salvaged`).
    Without ``figures``, its figure files are neither looked for nor checked: for an
    earlier version's text, or the text `release` is about to write.
    """
    shown = str(path.relative_to(root)) if root else str(path)
    project_file(path, root or path.parent.parent, shown)
    document, problems = read_yaml(path, shown)
    if document is None:
        raise LeafletError(problems)
    try:
        leaflet = Leaflet.model_validate(document.data)
    except ValidationError as error:
        problems += validation_problems(shown, document, error, Leaflet)
        leaflet = _salvaged(document.data)
    if leaflet.id is not None and leaflet.id != path.stem:
        problems.append(Problem(shown, document.line_of(("id",)), f"the id must match the file "
                                f"name '{path.stem}', got '{leaflet.id}'", "id"))
    problems += history_problems(leaflet, document, shown)
    found, advice = {}, ()
    if figures:
        found, wrong, advice = _figure_files(path, root, leaflet, document, shown)
        problems += wrong
    if problems:
        raise LeafletError(in_line_order(problems))
    key_lines = {key: document.key_line_of((key,)) for key in Leaflet.model_fields}
    return LeafletFile(path, leaflet, tuple(_source_texts(leaflet, document)), key_lines, found,
                       advice)


def _salvaged(data: dict) -> Leaflet:
    """Return a leaflet of the parts of ``data`` that are valid on their own, unvalidated
    (``model_construct``), for the checks after the schema: each top-level value and each
    block that validates is kept, any other is ``None`` or an empty paragraph in its
    place, so that every kept block has its own index."""
    fields = {}
    for name in set(Leaflet.model_fields) - {"sections"}:
        try:
            fields[name] = _field_adapter(name).validate_python(data[name])
        except (KeyError, ValidationError):
            fields[name] = None
    fields["sections"] = [
        Section.model_construct(heading=None, blocks=[_valid_block(block)
                                                      for block in _items(section, "blocks")])
        for section in _items(data, "sections")]
    return Leaflet.model_construct(**fields)


def _items(mapping, key: str) -> list:
    """Return the list at ``mapping[key]``, or an empty one if there is none."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, list) else []


@functools.cache
def _field_adapter(name: str) -> TypeAdapter:
    info = Leaflet.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, info])


@functools.cache
def _block_adapter() -> TypeAdapter:
    return TypeAdapter(Block)


def _valid_block(block):
    try:
        return _block_adapter().validate_python(block)
    except ValidationError:
        return Paragraph.model_construct(paragraph=None)


def figure_folders(path: Path, root: Path | None) -> list[Path]:
    """Return where a leaflet's figure files may be: beside it, then beside the brand."""
    return [path.parent, (root or path.parent.parent) / "brand"]


def _figure_files(path: Path, root: Path | None, leaflet: Leaflet, document: YamlDocument,
                  shown: str) -> tuple[dict[str, Path], list[Problem], tuple[Problem, ...]]:
    """Find each figure's file and check it (figure.py); return them, the problems and
    the advice."""
    found, problems, advice, checked = {}, [], [], {}
    for s, section in enumerate(leaflet.sections):
        for b, block in enumerate(section.blocks):
            if block.kind != "figure":
                continue
            location = ("sections", s, "blocks", b, "figure")
            line, where = document.line_of(location), dotted(location)
            files = [folder / block.figure for folder in figure_folders(path, root)
                     if (folder / block.figure).is_file()]
            if not files:
                problems.append(Problem(shown, line, (
                    f"the figure file {block.figure!r} does not exist beside the leaflet or "
                    "the brand file"), where))
                continue
            if not inside_project(files[0], root or path.parent.parent):
                problems.append(Problem(shown, line, f"the figure file {block.figure!r} is "
                                        f"{OUTSIDE}", where))
                continue
            if files[0] not in checked:
                checked[files[0]] = check_figure(files[0])
            result = checked[files[0]]
            problems += [Problem(shown, line, describe(block.figure, finding), where)
                         for finding in result.errors]
            advice += [Problem(shown, line, describe(block.figure, finding), where)
                       for finding in result.advice]
            found[block.figure] = files[0]
    return found, problems, tuple(advice)


def _source_texts(leaflet: Leaflet, document: YamlDocument):
    def text(location, value, comment):
        return SourceText(value, document.line_of(location), comment, dotted(location))

    kind = "patient leaflet: plain, everyday words" if leaflet.audience == "patient" \
        else "briefing for clinicians: use standard medical terms"
    yield text(("title",), leaflet.title, f"Title of the {kind}")
    if leaflet.summary:
        yield text(("summary",), leaflet.summary, "Summary under the title")
    yield text(("owner", "department"), leaflet.owner.department, "Department that owns the leaflet")
    yield text(("owner", "contact"), leaflet.owner.contact, "How to contact the department")
    for s, section in enumerate(leaflet.sections):
        where = ("sections", s)
        yield text((*where, "heading"), section.heading, "Section heading")
        context = f"In section “{markup.plain_text(section.heading)}”"
        for b, block in enumerate(section.blocks):
            at = (*where, "blocks", b)
            name = block.kind
            if name in ("bullets", "steps"):
                items = getattr(block, name)
                label = "List item" if name == "bullets" else "Step"
                for i, item in enumerate(items):
                    yield text((*at, name, i), item, f"{label} {i + 1} of {len(items)}. {context}")
            elif name == "question":
                yield text((*at, "question"), block.question, f"Question. {context}")
                yield text((*at, "answer"), block.answer, f"Answer to the question before. {context}")
            elif name == "figure":
                yield text((*at, "alt"), block.alt, f"Alternative text of the figure "
                           f"{block.figure}, read to those who cannot see it. {context}")
                if block.caption:
                    yield text((*at, "caption"), block.caption, f"Caption of the figure "
                               f"{block.figure}. {context}")
            elif name == "table":
                yield from _table_texts(block.table, (*at, "table"), text, context)
            else:
                label = {"paragraph": "Paragraph", "callout": "Highlighted note",
                         "warning": "Safety warning", "subheading": "Sub-heading"}[name]
                yield text((*at, name), getattr(block, name), f"{label}. {context}")


def _table_texts(table: TableContent, at: tuple, text, context: str):
    columns = len(table.header)
    for column, heading in enumerate(table.header):
        yield text((*at, "header", column), heading,
                   f"Table heading of column {column + 1} of {columns}. {context}")
    for row, cells in enumerate(table.rows):
        for column, cell in enumerate(cells):
            yield text((*at, "rows", row, column), cell,
                       f"Table cell: row {row + 1}, column {column + 1} "
                       f"(“{markup.plain_text(table.header[column])}”). {context}")


def validation_problems(shown: str, document: YamlDocument, error: ValidationError,
                        model) -> list[Problem]:
    """Turn pydantic's errors into problems in the order of the file's lines."""
    errors = _without_misspelt_keys(error.errors(include_url=False), _all_keys(model))
    problems = [problem_from_validation(shown, document, item, model) for item in errors
                if not document.is_refused(_data_location(document.data, item["loc"]))]
    return in_line_order(problems)


def _all_keys(model) -> list[str]:
    """Return every key allowed anywhere in ``model`` and the models inside it."""
    keys, models, seen = set(), [model], set()
    while models:
        current = models.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            keys.add(name)
            inner = _models_in(info.annotation)
            models += inner if isinstance(inner, list) else [inner] if inner else []
    return sorted(keys)


def _without_misspelt_keys(errors: list[dict], keys: list[str]) -> list[dict]:
    """Drop "'title' is missing" when the same mapping has a misspelt 'titel'."""
    misspelt = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            *parent, key = error["loc"]
            for known in difflib.get_close_matches(str(key), keys, n=3):
                misspelt.add((*parent, known))
    return [error for error in errors
            if not (error["type"] == "missing" and tuple(error["loc"]) in misspelt)]


def problem_from_validation(shown: str, document: YamlDocument, error, model) -> Problem:
    """Turn one pydantic error into ``path:line: key.path: expected …, got …``."""
    location = _data_location(document.data, error["loc"])
    kind, context, value = error["type"], error.get("ctx", {}), error.get("input")
    where = dotted(location)
    line = document.line_of(location)
    if kind == "missing":
        parent = location[:-1]
        line = document.key_line_of(parent) if parent else 1
        return Problem(shown, line, f"required key '{location[-1]}' is missing", dotted(parent))
    if kind == "extra_forbidden":
        key = error["loc"][-1]
        line = document.key_line_of((*location, key) if location[-1:] != (key,) else location)
        known = _known_keys(model, document.data,
                            location[:-1] if location[-1:] == (key,) else location)
        hint = difflib.get_close_matches(str(key), known, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else \
            f"; expected one of: {', '.join(known)}"
        parent = dotted(location[:-1] if location[-1:] == (key,) else location)
        return Problem(shown, line, f"unknown key '{key}'{suggestion}", parent)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        if value == {}:
            return Problem(shown, line, "expected a block such as 'paragraph: …', got an empty "
                           "mapping", where)
        if not isinstance(value, dict):
            return Problem(shown, line, f"expected a block such as 'paragraph: …', got "
                           f"{_got(value)}; is the ':' after the block type missing?", where)
        tag = context.get("tag") or _block_type(value)
        hint = difflib.get_close_matches(str(tag).lower(), BLOCK_TYPES, n=1)
        suggestion = f"did you mean '{hint[0]}'? " if hint else ""
        return Problem(shown, line, f"unknown block type '{tag}'; {suggestion}the block types "
                       f"are: {', '.join(BLOCK_TYPES)}", where)
    if kind == "string_pattern_mismatch":
        meaning = PATTERN_MEANINGS.get(context.get("pattern"), context.get("pattern"))
        return Problem(shown, line, f"expected {meaning}, got {value!r}", where)
    if kind == "literal_error":
        return Problem(shown, line, f"expected one of {context['expected']}, got {_got(value)}",
                       where)
    if kind.startswith("date") or kind.startswith("datetime"):
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return Problem(shown, line, f"{value} is not a date that exists", where)
        return Problem(shown, line, f"expected a date written as YYYY-MM-DD, got {_got(value)}",
                       where)
    if kind == "too_short":
        return Problem(shown, line, f"expected at least one item, got {_got(value)}", where)
    if kind in ("string_type", "list_type", "model_type", "dict_type", "model_attributes_type"):
        wanted = {"string_type": "text", "list_type": "a list"}.get(kind, "a mapping of keys")
        hint = ""
        if kind == "string_type" and isinstance(value, dict):
            hint = "; if the text contains ': ' (colon and space), put it in double quotes"
        elif kind == "string_type" and value is None:
            hint = "; a value that starts with # must be put in quotes, or YAML reads a comment"
        return Problem(shown, line, f"expected {wanted}, got {_got(value)}{hint}", where)
    if kind == "value_error":
        return Problem(shown, line, str(context.get("error", error["msg"])), where)
    return Problem(shown, line, f"{error['msg']}, got {_got(value)}", where)


def _data_location(data, loc) -> tuple:
    """Map pydantic's error location onto the YAML data, dropping union tag names."""
    location: list = []
    parts = list(loc)
    previous: tuple = ()
    while parts:
        part = parts.pop(0)
        after, previous = previous, (*previous[-1:], part)
        if after[-2:-1] == ("blocks",) and isinstance(after[-1:][0], int) \
                and part in BLOCK_TYPES and parts:
            continue  # the discriminated union's tag, not a key of the data
        location.append(part)
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            break  # a missing or unknown key: keep it to name it
    return tuple(location)


def _known_keys(model, data, location) -> list[str]:
    """Return the keys allowed in the mapping at ``location`` below ``model``."""
    for part in location:
        data = data[part]
        if isinstance(model, list):  # a union of models: the data's key picks one
            model = BLOCK_TYPES.get(_block_type(data)) if isinstance(data, dict) else model
        if isinstance(part, str):
            model = _models_in(model.model_fields[part].annotation)
        if model is None:
            return []
    if isinstance(model, list):
        model = BLOCK_TYPES.get(_block_type(data))
    return list(model.model_fields) if model else []


def _models_in(annotation):
    """Return the model class inside ``list[Model]``/``Model | None``, or a list for a union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    found = [model for arg in get_args(annotation) if (model := _models_in(arg))]
    flat = [item for model in found for item in (model if isinstance(model, list) else [model])]
    return flat[0] if len(flat) == 1 else (flat or None)


def _got(value) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return repr(value)


def leaflet_json_schema() -> dict:
    """Return the JSON Schema that editors use to check leaflet files."""
    return Leaflet.model_json_schema()
