"""The leaflet form's fields, made from the leaflet schema (content/schema.py).

The form is not written field by field: it is a tree walked out of the pydantic models, so
that a new field or block type in schema.py appears in the form with no editor change
(issue 22). Each `Field` says how to show one key: its label (the schema's title, or the
key's name made readable), its hint (the schema's description and the meaning of its
pattern), its kind and whether it is required.

Kinds: ``text`` (one line: an id, a version, a web address), ``markup`` (a text that may
hold **emphasis** and [links](https://…)), ``date``, ``choice`` (from a ``Literal``),
``figure`` (the name of a figure file, which may be uploaded), ``flag`` (true or false, a
checkbox), ``list`` (of any kind of
item), ``model`` (a mapping of fields), ``blocks`` (a list whose items are one of
`BLOCK_TYPES`), ``grid`` (a table: column headings and rows of cells) and ``record``
(shown, never typed: the approvals, which ``build.py release`` writes).
"""

from __future__ import annotations

import datetime
import types
import typing
from dataclasses import dataclass, field

from pydantic import BaseModel, Discriminator
from pydantic.fields import FieldInfo

from ..content import schema

# The validator every `schema.Text` carries: the mark of a text that may hold markup.
_MARKUP = typing.get_args(schema.Text)[1]
# Written by approval (governance/release.py), not typed: shown read-only.
RECORDS = frozenset({"history"})


@dataclass(frozen=True)
class Field:
    """How the form shows one key of the leaflet."""

    name: str
    label: str
    kind: str
    required: bool = True
    hint: str = ""
    choices: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()  # of a model or a grid
    item: Field | None = None  # of a list
    types: dict[str, BlockType] = field(default_factory=dict)  # of blocks
    at_least: int = 0  # items a list needs (a new one starts with as many)
    input: str = "text"  # the <input> type of a text

    @property
    def noun(self) -> str:
        """One item of this list, in a button's name: 'block' for 'blocks'."""
        return readable(self.name.removesuffix("s")).lower()


@dataclass(frozen=True)
class BlockType:
    """One type of block: its name (the key it is written under) and its fields."""

    name: str
    label: str
    hint: str
    fields: tuple[Field, ...]


def leaflet_fields() -> tuple[Field, ...]:
    """Return the fields of a leaflet, in the schema's order (read afresh each time, so a
    block type added to `schema.BLOCK_TYPES` is in the next form)."""
    return model_fields(schema.Leaflet)


def model_fields(model: type[BaseModel]) -> tuple[Field, ...]:
    return tuple(_field(name, info) for name, info in model.model_fields.items())


def block_types() -> dict[str, BlockType]:
    return {name: BlockType(name, readable(name), _doc(model), model_fields(model))
            for name, model in schema.BLOCK_TYPES.items()}


def readable(name: str) -> str:
    """Return 'Review by' for 'review_by'."""
    return name.replace("_", " ").capitalize()


def _field(name: str, info: FieldInfo) -> Field:
    annotation, optional = _without_none(info.annotation)
    label = info.title or readable(name)
    hint = _hint(info.description, info.metadata)
    required = info.is_required() and not optional
    if name in RECORDS:
        return Field(name, label, "record", required, hint)
    return _of(annotation, name, label, required, hint, info.metadata)


def _of(annotation, name: str, label: str, required: bool, hint: str,
        metadata: list) -> Field:
    """Return the field for a value of type ``annotation``."""
    annotation, more = _unannotated(annotation)
    metadata = [*metadata, *more]
    if not hint:
        hint = _hint(None, more)
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        at_least = next((m.min_length for m in metadata if hasattr(m, "min_length")), 0)
        if _is_block_union(item):
            return Field(name, label, "blocks", required, hint, types=block_types(),
                         at_least=at_least)
        noun = readable(name.removesuffix("s"))
        return Field(name, label, "list", required, hint, at_least=at_least,
                     item=_of(item, name, noun, True, "", []))
    if origin is typing.Literal:
        return Field(name, label, "choice", required, hint,
                     choices=tuple(str(choice) for choice in typing.get_args(annotation)))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = model_fields(annotation)
        kind = "grid" if _is_grid(fields) else "model"
        return Field(name, label, kind, required, hint or _doc(annotation), fields=fields)
    if annotation is bool:
        return Field(name, label, "flag", required, hint)
    if annotation is datetime.date:
        # The browser shows a date in its own format; the file keeps YYYY-MM-DD.
        return Field(name, label, "date", required,
                     hint or "A day, from the calendar; the file keeps it as 2026-11-21")
    if any(m is _MARKUP for m in metadata):
        return Field(name, label, "markup", required, hint)
    pattern = _pattern(metadata)
    if pattern == schema.FIGURE_PATTERN:
        return Field(name, label, "figure", required, hint)
    url = any(getattr(m, "func", None) is schema._url for m in metadata)  # noqa: SLF001
    return Field(name, label, "text", required, hint, input="url" if url else "text")


def _is_grid(fields: tuple[Field, ...]) -> bool:
    """A table: column headings (texts) and rows (lists of texts), shown as a grid."""
    kinds = {field.name: field for field in fields}
    header, rows = kinds.get("header"), kinds.get("rows")
    return (header is not None and header.kind == "list" and rows is not None and
            rows.kind == "list" and rows.item.kind == "list")


def _without_none(annotation) -> tuple[object, bool]:
    """Return ``X`` and True for ``X | None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        others = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(others) == 1 and len(others) < len(typing.get_args(annotation)):
            return others[0], True
    return annotation, False


def _unannotated(annotation) -> tuple[object, list]:
    metadata = []
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *more = typing.get_args(annotation)
        metadata += more
    return annotation, metadata


def _is_block_union(item) -> bool:
    return typing.get_origin(item) is typing.Annotated and any(
        isinstance(m, Discriminator) for m in typing.get_args(item)[1:])


def _pattern(metadata: list) -> str | None:
    return next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)


def _hint(description: str | None, metadata: list) -> str:
    """Return the description, and what the pattern means (PATTERN_MEANINGS)."""
    text = "" if description == _TEXT_DESCRIPTION else (description or "")
    if not text:
        text = next((m.description for m in metadata if isinstance(m, FieldInfo) and
                     m.description and m.description != _TEXT_DESCRIPTION), "")
    meaning = schema.PATTERN_MEANINGS.get(_pattern(metadata))
    if meaning and meaning not in text:
        text = f"{text}; {meaning}" if text else meaning.capitalize()
    return text


def _doc(model) -> str:
    return " ".join((model.__doc__ or "").split())


# Every text may hold markup: the Bold and Link buttons say so, a hint on each would not.
_TEXT_DESCRIPTION = typing.get_args(schema.Text)[2].description
