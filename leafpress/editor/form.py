"""The leaflet form (GET /edit/leaflets/<id>): the leaflet's data laid over its fields.

The page is rendered here, field by field (fields.py), with the leaflet as
``read_yaml`` reads it; its script (static/form.js) collects the fields back into the same
data and sends it to the draft's routes (draft.py) to check, preview and save. What the
form does not know how to show (a key that is not in the schema, a value of the wrong
shape, a block of an unknown type) is kept as it is, shown read-only, and sent back
unchanged, so that opening and saving a leaflet never loses anything.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..content import schema
from ..content.yamlfile import dotted, read_yaml
from . import pages
from .fields import BlockType, Field, leaflet_fields
from .saving import digest

_ABSENT = object()
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VALUE_KINDS = frozenset({"text", "markup", "date", "choice", "figure", "flag"})


def form_page(editor, request: Request, leaflet: str) -> Response:
    """Show the form of ``leaflets/<leaflet>.yaml``."""
    path = editor.project.leaflets_dir / f"{leaflet}.yaml"
    if not re.match(schema.ID_PATTERN, leaflet) or not path.is_file():
        raise NotFound(f"there is no leaflet {leaflet!r} in {editor.project.relative(path.parent)}/")
    shown = str(editor.project.relative(path))
    base = digest(path)
    document, problems = read_yaml(path, shown)
    page = {"id": leaflet, "base": base, "file": shown}
    if document is None or not isinstance(document.data, dict):
        return pages.page("form.html.j2", editor.token, page=page, nodes=[], templates=[],
                          title=leaflet,
                          figures=[], problems=[str(problem) for problem in problems],
                          readable=False)
    page["data"] = document.data
    fields = leaflet_fields()
    title = document.data.get("title")
    return pages.page("form.html.j2", editor.token, page=page,
                      title=title if isinstance(title, str) and title else leaflet,
                      nodes=children(fields, document.data, ""),
                      templates=templates(fields),
                      figures=_figures(path.parent, Path(editor.options.brand).parent),
                      problems=[str(problem) for problem in problems], readable=True)


def children(fields: tuple[Field, ...], value: dict, where: str, schema_path: str = ""
             ) -> list[dict]:
    """Return the nodes of a mapping's fields, then one for the keys the schema lacks."""
    nodes = [node(field, value.get(field.name, _ABSENT), _join(where, field.name),
                  _join(schema_path, field.name), key=field.name) for field in fields]
    known = {field.name for field in fields}
    extra = {key: item for key, item in value.items() if key not in known}
    if extra:
        nodes.append(_node(kind="extra", json=json.dumps(extra, ensure_ascii=False),
                           where=where, keys=list(extra)))
    return nodes


def node(field: Field, value, where: str, schema_path: str, key: str | None = None,
         number: int | None = None) -> dict:
    """Return what the template needs to show ``value`` as ``field``."""
    base = _node(kind=field.kind, field=field, where=where, schema=schema_path, key=key,
                 number=number, label=field.label, hint=field.hint, required=field.required)
    if field.kind == "record" or not _fits(field, value):
        return {**base, "kind": "record" if field.kind == "record" else "raw",
                "present": value is not _ABSENT,
                "json": json.dumps(None if value is _ABSENT else value, ensure_ascii=False),
                "shown": None if value is _ABSENT else value}
    if field.kind in VALUE_KINDS:
        empty = ("absent" if value is _ABSENT else "null" if value is None else
                 "empty" if value == "" else "")
        text = value if isinstance(value, str) else ""
        return {**base, "value": text, "empty": empty,
                "date": field.kind == "date" and (not text or bool(_ISO_DATE.match(text))),
                "choices": [*field.choices, *([text] if text and text not in field.choices
                                              else [])]}
    if value is _ABSENT or value is None:  # shown empty; sent back as it was if left so
        base["empty"] = "absent" if value is _ABSENT else "null"
        value = {} if field.kind in ("model", "grid") else []
    if field.kind in ("model", "grid"):
        return {**base, "children": children(field.fields, value, where, schema_path)}
    if field.kind == "blocks":
        return {**base, "children": [block(field, item, f"{where}[{index}]",
                                           f"{schema_path}[]", index + 1)
                                     for index, item in enumerate(value)]}
    return {**base, "children": [node(field.item, item, f"{where}[{index}]",
                                      f"{schema_path}[]", number=index + 1)
                                 for index, item in enumerate(value)]}


def block(field: Field, value, where: str, schema_path: str, number: int) -> dict:
    """Return the node of one block: its type's fields, or the block kept as it is."""
    kind = schema.block_type(value)
    base = _node(kind="block", where=where, number=number, schema=schema_path,
                 types=field.types, label="Block", field=field)
    if kind not in field.types:
        return {**base, "kind": "raw", "json": json.dumps(value, ensure_ascii=False),
                "shown": value, "unknown": kind}
    found: BlockType = field.types[kind]
    return {**base, "type": kind, "hint": found.hint,
            "children": children(found.fields, value, where, f"{schema_path}:{kind}")}


def templates(fields: tuple[Field, ...]) -> list[dict]:
    """Return a new item of every list in the form, as the script adds them: one per
    block type for the blocks, and the items of the lists inside those."""
    return [found for field in fields for found in _templates(field, field.name)]


def _templates(field: Field, path: str) -> list[dict]:
    found = []
    if field.kind == "blocks":
        for kind, kind_type in field.types.items():
            item_path = f"{path}[]:{kind}"
            found.append({"schema": item_path, "role": "block", "node": block(
                field, starter_block(kind_type), "new[0]", f"{path}[]", 1)})
            found += [more for inner in kind_type.fields
                      for more in _templates(inner, f"{item_path}.{inner.name}")]
    elif field.kind == "list":
        role = "value" if field.item.kind in VALUE_KINDS else "item"
        found.append({"schema": f"{path}[]", "role": role, "noun": field.noun,
                      "label": f"{field.item.label} {{n}}", "node": node(
                          field.item, starter(field.item), "new[0]", f"{path}[]", number=1)})
        found += _templates(field.item, f"{path}[]")
    elif field.kind == "grid":
        inner = {inner.name: inner for inner in field.fields}
        header, rows = inner.pop("header"), inner.pop("rows")
        found += [{"schema": f"{path}.header[]", "role": "column", "node": node(
                      header.item, None, "new[0]", f"{path}.header[]", number=1)},
                  {"schema": f"{path}.rows[]", "role": "row", "node": node(
                      rows.item, [], "new[0]", f"{path}.rows[]", number=1)},
                  {"schema": f"{path}.rows[][]", "role": "cell", "node": node(
                      rows.item.item, None, "new[0][0]", f"{path}.rows[][]", number=1)}]
        found += [more for other in inner.values()
                  for more in _templates(other, f"{path}.{other.name}")]
    elif field.kind == "model":
        found += [more for inner in field.fields
                  for more in _templates(inner, f"{path}.{inner.name}")]
    return found


def starter(field: Field):
    """Return the value a new item of ``field`` starts with: empty, with as many items as
    its lists need (a new table: two columns and a row)."""
    if field.kind in ("model", "grid"):
        value = {inner.name: starter(inner) for inner in field.fields if inner.required}
        if field.kind == "grid":
            value = {"header": [None, None], "rows": [[None, None]]}
        return value
    if field.kind == "blocks":
        first = next(iter(field.types.values()))
        return [starter_block(first)] * max(field.at_least, 1)
    if field.kind == "list":
        return [starter(field.item) for _ in range(field.at_least)]
    return None


def starter_block(kind_type: BlockType) -> dict:
    return {inner.name: starter(inner) for inner in kind_type.fields if inner.required}


def _node(**values) -> dict:
    """Return a node with every key the templates read (they are strict)."""
    return {"key": None, "number": None, "label": "", "hint": "", "required": True,
            "empty": "", "present": True, "schema": "", "field": None,
            "id": _id(values.get("where", "")), **values}


def _fits(field: Field, value) -> bool:
    """Whether ``value`` has the shape ``field`` shows (absent and empty always fit)."""
    if value is _ABSENT or value is None:
        return True
    if field.kind in VALUE_KINDS:
        return isinstance(value, str)
    if field.kind in ("model", "grid"):
        return isinstance(value, dict)
    return isinstance(value, list)


def _figures(*folders: Path) -> list[str]:
    """The figure files beside the leaflet and the brand file (where check looks for
    them), for the figure field's suggestions."""
    return sorted({path.name for folder in folders if folder.is_dir()
                   for path in folder.iterdir()
                   if path.is_file() and re.match(schema.FIGURE_PATTERN, path.name)})


def _join(where: str, key: str) -> str:
    return dotted((key,)) if not where else f"{where}.{key}"


def _id(where: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", where).strip("-")


RULES = [Rule("/leaflets/<leaflet>", endpoint=form_page, methods=["GET"])]

