"""A leaflet file's text with the editor's form applied to it, written as a person would.

The form sends the leaflet as plain data, in the shape `read_yaml` reads (every scalar a
string, an empty value None). It is merged onto the file loaded with ruamel.yaml's
round-trip loader, which keeps the comments, key order, quoting and folded paragraphs
of every node, so that what the form did not change is written back byte for byte:

- a scalar whose text did not change is the original object, with its style; a changed
  one keeps the original's style (a folded ``>-`` paragraph stays folded, re-wrapped);
- a list item equal to an unused original item is that item (a moved block keeps its
  comments), else the original at its place is merged onto, else it is new;
- the comment lines above a list item or a key go with it (ruamel keeps them as the end
  of the node before: `_leads` takes them off, `_attach` puts them back);
- new keys go where the schema orders them, new texts as the shipped files write them:
  dates plain, versions in double quotes, a long text folded (``>-``).

Why not release.py's textual edits: those replace a few scalars at known places; a form
can add, remove, move and re-type any block, which as text edits means re-implementing
a YAML emitter's indentation and quoting rules. ruamel.yaml is that emitter, and keeps
what it did not emit from the file (issue 22).
"""

from __future__ import annotations

import copy
import functools
import io
import re
import textwrap
import typing
from collections import Counter

import yaml
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, FoldedScalarString,
                                      LiteralScalarString, SingleQuotedScalarString)
from ruamel.yaml.tokens import CommentToken

from ..content.schema import BLOCK_TYPES, Leaflet, block_type

# The layout of the shipped leaflets: keys indented by 2, list dashes by 2 more.
MAPPING_INDENT, SEQUENCE_INDENT, SEQUENCE_DASH_OFFSET = 2, 4, 2
# Lines are never re-wrapped by the emitter (a long plain line stays one line); a new or
# changed folded text is wrapped at this column, as the shipped files are.
WRAP_COLUMN = 90
DATE_KEYS = frozenset({"published", "review_by", "date", "patient_review"})
VERSION_KEYS = frozenset({"version"})
FLAG_KEYS = frozenset({"mirror"})
# What PyYAML (read_yaml) reads as an empty value; every other plain scalar is text.
NULL = re.compile(r"^(?:~|null|Null|NULL|)$")


class _TextResolver(VersionedResolver):
    """Resolve every plain scalar as text, except the empty value, as read_yaml does.

    So ``version: 1.10`` loads as the text "1.10" and is written back unquoted, and a
    text that would read as empty ("null") is quoted when written.
    """

    @property
    def versioned_resolver(self):
        return {first: [("tag:yaml.org,2002:null", NULL)] for first in ("~", "n", "N", "")}


def _yaml() -> YAML:
    handler = YAML(typ="rt")
    handler.Resolver = _TextResolver
    handler.indent(mapping=MAPPING_INDENT, sequence=SEQUENCE_INDENT,
                   offset=SEQUENCE_DASH_OFFSET)
    handler.width = 4096
    handler.preserve_quotes = True
    return handler


def load(text: str):
    """Return the round-trip tree of a leaflet file's text (None for an empty text)."""
    return copy.deepcopy(_parsed(text))


@functools.lru_cache(maxsize=16)
def _parsed(text: str):
    # The form's every check applies its data to the same file: copying its tree costs a
    # fifth of parsing it again.
    return _yaml().load(text) if text.strip() else None


def dump(tree) -> str:
    buffer = io.StringIO()
    _yaml().dump(tree, buffer)
    return buffer.getvalue()


def applied(text: str, data: dict) -> str:
    """Return the leaflet file's ``text`` with the form's ``data`` in it ("" for a new file)."""
    tree = load(text)
    merged = _merge(tree, data, (), Leaflet)
    return dump(merged)


def plain(node):
    """Return a round-trip node as read_yaml's plain data."""
    if isinstance(node, dict):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    return None if node is None else str(node)


# Merging ---------------------------------------------------------------------------------

def _merge(old, new, location: tuple, model):
    """Return ``new`` as a node, reusing what of ``old`` is the same."""
    if isinstance(new, dict):
        if not isinstance(old, CommentedMap):
            old = None
        return _merge_mapping(old, new, location, model)
    if isinstance(new, list):
        if not isinstance(old, CommentedSeq):
            old = None
        return _merge_list(old, new, location, model)
    return _scalar(old, new, location)


def _merge_mapping(old: CommentedMap | None, new: dict, location, model) -> CommentedMap:
    if model is BLOCK_TYPES:  # a block: its key names its model
        model = BLOCK_TYPES.get(block_type(new))
    order = list(model.model_fields) if model else []
    if old is None:
        result = CommentedMap()
        keys = sorted(new, key=lambda key: order.index(key) if key in order else len(order))
        for key in keys:
            result[key] = _merge(None, new[key], (*location, key), _inner(model, key))
        return result
    leads = _leads(old, list(old))
    for key in [key for key in old if key not in new]:
        del old[key]
    for key, value in new.items():
        inner = _inner(model, key)
        if key in old:
            old[key] = _merge(old[key], value, (*location, key), inner)
            _share_first_comment(old, key)
            continue
        before = [index for index, existing in enumerate(old)
                  if key in order and existing in order and order.index(existing) < order.index(key)]
        position = before[-1] + 1 if before else (len(old) if key not in order else 0)
        old.insert(position, key, _merge(None, value, (*location, key), inner))
    _attach(old, list(old), leads)
    return old


def _share_first_comment(mapping: CommentedMap, key) -> None:
    """ruamel writes the comment above a list's first item from the mapping that holds the
    list, when it has an entry for its key: it must be the list's own."""
    value, entry = mapping[key], mapping.ca.items.get(key)
    if isinstance(value, CommentedSeq) and entry is not None:
        while len(entry) < 4:
            entry.append(None)
        entry[3] = value.ca.comment[1] if value.ca.comment else None


def _merge_list(old: CommentedSeq | None, new: list, location, model) -> CommentedSeq:
    result = CommentedSeq()
    if old is None:
        for index, item in enumerate(new):
            result.append(_merge(None, item, (*location, index), model))
        if new and all(isinstance(item, str) for row in new for item in
                       (row if isinstance(row, list) else [row])) and _is_table_part(location):
            _flow_if_short(result, location)
        return result
    originals = list(old)
    leads = _leads(old, list(range(len(originals))))
    used: set[int] = set()
    chosen: list[int | None] = []
    plains = [plain(item) for item in originals]
    for index, item in enumerate(new):  # the same item: itself, preferably where it was
        same = [at for at, value in enumerate(plains) if value == item and at not in used]
        pick = index if index in same else (same[0] if same else None)
        if pick is not None:
            used.add(pick)
        chosen.append(pick)
    # A changed item: the unused original it shares most texts with (a section moved
    # and edited), else the original at its place (a paragraph rewritten).
    shared = [_leaves(value) for value in plains]
    for index, item in enumerate(new):
        if chosen[index] is not None:
            continue
        texts = _leaves(item)
        scores = [(sum((texts & shared[at]).values()), -abs(at - index), at)
                  for at in range(len(originals))
                  if at not in used and _same_shape(originals[at], item)]
        best = max(scores, default=None)
        if best and best[0] > 0:
            chosen[index] = best[2]
        elif index < len(originals) and index not in used and \
                _same_shape(originals[index], item):
            chosen[index] = index
        if chosen[index] is not None:
            used.add(chosen[index])
    item_leads = []
    for index, item in enumerate(new):
        at = chosen[index]
        node = _merge(originals[at] if at is not None else None, item, (*location, index),
                      model)
        result.append(node)
        if at is not None and at in old.ca.items:  # a scalar item's own comment
            result.ca.items[index] = old.ca.items[at]
        item_leads.append(leads.get(at))
    _copy_layout(old, result)
    _attach(result, list(range(len(result))), dict(enumerate(item_leads)),
            tail=leads.get("tail"))
    return result


def _leaves(value) -> Counter:
    """Return the texts in ``value``, at any depth, with how often each is there."""
    if isinstance(value, dict):
        return sum((_leaves(item) for item in value.values()), Counter())
    if isinstance(value, list):
        return sum((_leaves(item) for item in value), Counter())
    return Counter() if value is None else Counter([value])


def _same_shape(old, new) -> bool:
    if isinstance(old, dict) and isinstance(new, dict):
        return block_type(old) == block_type(new)
    return isinstance(old, list) == isinstance(new, list) and \
        isinstance(old, dict) == isinstance(new, dict)


def _copy_layout(old: CommentedSeq, new: CommentedSeq) -> None:
    """Give the new list the old one's flow style and its end comments."""
    if old.fa.flow_style():
        new.fa.set_flow_style()
    else:
        new.fa.set_block_style()
    if old.ca.end:
        new.ca.end = old.ca.end


def _is_table_part(location: tuple) -> bool:
    return "table" in location


def _flow_if_short(node: CommentedSeq, location: tuple) -> None:
    """Write a new table row or header ``[a, b]`` as the shipped files do, if it fits."""
    rows = node if location[-1:] == ("rows",) else [node]
    for row in rows:
        if isinstance(row, CommentedSeq) and len(", ".join(row)) + 2 + _column(location) + 4 \
                <= WRAP_COLUMN:
            row.fa.set_flow_style()


def _inner(model, key):
    """Return the model of the value at ``key`` of ``model`` (BLOCK_TYPES for blocks)."""
    if model is None or model is BLOCK_TYPES or key not in model.model_fields:
        return None
    if key == "blocks":
        return BLOCK_TYPES
    return _model_in(model.model_fields[key].annotation)


def _model_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found:
            return found
    return None


# Scalars ----------------------------------------------------------------------------------

def _scalar(old, new: str | None, location: tuple):
    if new is None:
        return None  # written as an empty value
    if old is not None and not isinstance(old, (dict, list)) and str(old) == new:
        return old
    key = next((part for part in reversed(location) if isinstance(part, str)), "")
    if isinstance(old, FoldedScalarString):
        return _folded(new, location)
    if isinstance(old, LiteralScalarString):
        return LiteralScalarString(new)
    if isinstance(old, SingleQuotedScalarString) and "\n" not in new:
        return SingleQuotedScalarString(new)
    if isinstance(old, DoubleQuotedScalarString) or key in VERSION_KEYS:
        return DoubleQuotedScalarString(new)
    if key in DATE_KEYS and re.fullmatch(r"\d{4}-\d{2}-\d{2}", new):
        return new
    if key in FLAG_KEYS and new in ("true", "false"):  # as YAML and the JSON Schema read it
        return new
    if not _plain_reads_back(new):
        return DoubleQuotedScalarString(new)
    if old is None and isinstance(location[-1], str) and \
            _column(location) + len(key) + 2 + len(new) > WRAP_COLUMN and _foldable(new):
        return _folded(new, location)
    return new


def _plain_reads_back(text: str) -> bool:
    """Return whether ``text`` written plain reads back as that text, in YAML 1.1 and 1.2
    alike (so ``yes``, ``1.5`` and ``2026-01-01`` are quoted, for other YAML tools too)."""
    if text != text.strip() or "\n" in text or not text:
        return False
    try:
        return yaml.safe_load(f"key: {text}") == {"key": text}
    except yaml.YAMLError:
        return False


def _foldable(text: str) -> bool:
    """A folded text must not have a line that starts like a list item (yamlfile.py)."""
    return _plain_reads_back(text) and " - " not in f" {text} " and "  " not in text \
        and " #" not in text


def _folded(text: str, location: tuple):
    if not _foldable(text):  # its spaces kept exactly, in the style that can hold them
        return DoubleQuotedScalarString(text)
    indent = _column(location) + MAPPING_INDENT
    folded = FoldedScalarString(text)
    lines = textwrap.wrap(text, WRAP_COLUMN - indent, break_long_words=False,
                          break_on_hyphens=False)
    positions, at = [], 0
    for line in lines[:-1]:
        at += len(line)
        positions.append(at)
        at += 1
    folded.fold_pos = positions
    return folded


def _column(location: tuple) -> int:
    """Return the column of the key (or list item) at ``location`` in the written file."""
    column = 0
    for part in location[:-1]:
        column += SEQUENCE_INDENT if isinstance(part, int) else 0
    mappings = sum(1 for index, part in enumerate(location[:-1])
                   if isinstance(part, str) and not isinstance(
                       location[index + 1] if index + 1 < len(location) else None, int))
    return column + MAPPING_INDENT * mappings


# Comments ---------------------------------------------------------------------------------

def _last_slot(node):
    """Return (collection, key, index in its comment list) of the node that ruamel gives
    the comments after ``node``: its last scalar or flow list, at any depth, or None."""
    found = None
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node) and \
            not node.fa.flow_style():
        if isinstance(node, CommentedMap):
            key = list(node)[-1]
            found = (node, key, 2)
        else:
            key = len(node) - 1
            found = (node, key, 0)
        node = node[key]
    return found


def _tokens_at(slot):
    collection, key, index = slot
    entry = collection.ca.items.get(key)
    return entry[index] if entry and len(entry) > index else None


def _set_token(slot, token) -> None:
    collection, key, index = slot
    entry = collection.ca.items.setdefault(key, [None, None, None, None])
    while len(entry) <= index:
        entry.append(None)
    entry[index] = token


def _is_block_scalar(slot) -> bool:
    collection, key, _ = slot
    return isinstance(collection[key], (FoldedScalarString, LiteralScalarString))


def _split(token, after_block_scalar: bool) -> tuple[str, str]:
    """Split a trailing comment into the end of its own line and the lines after it (a
    block scalar's own lines end before its comment)."""
    if after_block_scalar:
        return "", _as_lines(token)
    value = token.value
    first, newline, rest = value.partition("\n")
    return first + newline, rest


def _as_lines(token) -> str:
    """Return a comment ruamel keeps before a node as the lines of the file."""
    value = token.value
    if not value.strip() or value.startswith("\n"):
        return value
    return " " * token.start_mark.column + value


def _leads(collection, keys: list) -> dict:
    """Take off the comment lines that stand above each child of ``collection``; return
    them by the child's key, those after the last child as "tail".

    ruamel keeps such lines in one of four places: before a list's first item, before an
    item (in the list's entry for it), after the last scalar of the child before (the
    lines after that scalar's own line), or at the end of a flow list ending that child.
    """
    found: dict = {}

    def add(key, text: str) -> None:
        found[key] = found.get(key, "") + text

    if isinstance(collection, CommentedSeq) and collection.ca.comment and \
            collection.ca.comment[1] and keys:
        add(keys[0], "".join(_as_lines(token) for token in collection.ca.comment[1]))
        collection.ca.comment[1] = None
    for position, key in enumerate(keys):
        child = collection[key]
        entry = collection.ca.items.get(key)
        if isinstance(collection, CommentedSeq) and entry and len(entry) > 1 and entry[1]:
            add(key, "".join(_as_lines(token) for token in entry[1]))
            entry[1] = None
        target = keys[position + 1] if position + 1 < len(keys) else "tail"
        slot = _last_slot(child) if isinstance(child, (CommentedMap, CommentedSeq)) else None
        if slot is None:
            slot = (collection, key, 2 if isinstance(collection, CommentedMap) else 0)
        token = _tokens_at(slot)
        if isinstance(token, CommentToken):
            own, after = _split(token, _is_block_scalar(slot))
            if after:
                if own.strip():
                    token.value = own  # the comment at the end of the child's own line stays
                else:
                    _set_token(slot, None)
                add(target, after)
        for node in _last_path(child):
            if node.ca.end:
                add(target, "".join(_as_lines(token) for token in node.ca.end))
                node.ca.end = None
    return found


def _last_path(node):
    """Yield ``node`` and the last child of each collection down from it."""
    while isinstance(node, (CommentedMap, CommentedSeq)):
        yield node
        if not len(node):
            return
        node = node[list(node)[-1]] if isinstance(node, CommentedMap) else node[-1]


def _attach(collection, keys: list, leads: dict, tail: str | None = None) -> None:
    """Put each child's comment lines back at the end of the child before it."""
    if tail is None and "tail" in leads:
        tail = leads["tail"]
    if isinstance(collection, CommentedSeq) and keys and leads.get(keys[0]):
        before = collection.ca.comment[0] if collection.ca.comment else None
        collection.ca.comment = [before, [CommentToken(leads[keys[0]], CommentMark(0))]]
    for position, key in enumerate(keys):
        after = leads.get(keys[position + 1]) if position + 1 < len(keys) else tail
        if not after:
            continue
        child = collection[key]
        slot = _last_slot(child) if isinstance(child, (CommentedMap, CommentedSeq)) else None
        if slot is None:
            slot = (collection, key, 2 if isinstance(collection, CommentedMap) else 0)
        token = _tokens_at(slot)
        if isinstance(token, CommentToken):
            token.value += after
        else:
            start = "" if _is_block_scalar(slot) else "\n"
            _set_token(slot, CommentToken(start + after, CommentMark(0)))

