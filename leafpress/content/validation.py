"""Pydantic's validation errors, as messages a writer can act on: the file and line, the
key path, what was expected and what was found (with a suggestion for a misspelt key or
block type).
"""

from __future__ import annotations

import difflib
import re
from typing import get_args

from pydantic import BaseModel, ValidationError

from ..core.errors import Problem, in_line_order
from .schema import BLOCK_TYPES, PATTERN_MEANINGS, block_type
from .yamlfile import YamlDocument, dotted


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
        tag = context.get("tag") or block_type(value)
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
            model = BLOCK_TYPES.get(block_type(data)) if isinstance(data, dict) else model
        if isinstance(part, str):
            model = _models_in(model.model_fields[part].annotation)
        if model is None:
            return []
    if isinstance(model, list):
        model = BLOCK_TYPES.get(block_type(data))
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
