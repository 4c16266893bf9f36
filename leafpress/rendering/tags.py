"""Repairs to the structure tree WeasyPrint 70 writes, made before the PDF is serialised.

WeasyPrint tags every fragment of an ``<a>`` (one per line it spans) as a Link
structure element of its own, and writes table header cells without ``/Scope``. PDF/UA-1
(ISO 14289-1, 7.18.5 and 7.5; Tagged PDF 14.8.4.4) wants one Link element per link,
holding its annotations, and header cells that say what they head. :func:`finish` is
WeasyPrint's ``finisher`` hook: it runs on the document's objects after tagging and
before they are written, so the output stays deterministic.
"""

from __future__ import annotations

from . import attributes
from .artifacts import mark_running_content
from .fragments import join_split_elements

SCOPES = {"row": "/Row", "col": "/Column", "column": "/Column", "rowgroup": "/Row",
          "colgroup": "/Column"}


def prepare() -> None:
    """Before WeasyPrint tags a document: have it describe each element by its box, its
    language and list numbering (attributes.py)."""
    attributes.install()


def finish(document, pdf) -> None:
    """Give header cells their scope, join the fragments of each link, take the running
    headers and footers out of the tree (artifacts.py), join the elements split across
    pages (fragments.py) and keep only the languages that differ (attributes.py)."""
    _scope_header_cells(document)
    _join_link_fragments(pdf)
    objects = _objects(pdf)
    mark_running_content(document, pdf, objects)
    root = _object(objects, pdf.catalog["StructTreeRoot"])
    replaced = join_split_elements(document, pdf, objects, _object(objects, root["K"][0]))
    if replaced:
        _update_parent_tree(_object(objects, root["ParentTree"]), replaced)
    attributes.finish(pdf, objects)


def _objects(pdf) -> dict:
    return {obj.number: obj for obj in pdf.objects if isinstance(obj, dict)}


def _scope_header_cells(document) -> None:
    """Copy each ``<th scope>`` to its TH element's attributes (``/Column`` by default)."""
    for page in document.pages:
        for box in page._page_box.descendants():
            mark = getattr(box, "mark", None)
            if mark is not None and box.element_tag == "th":
                scope = box.element.attrib.get("scope", "col").lower()
                mark["A"]["Scope"] = SCOPES.get(scope, "/Column")


def _join_link_fragments(pdf) -> None:
    """Merge consecutive Link elements of one parent, page and target into the first."""
    objects = _objects(pdf)
    parent_tree = _parent_tree(pdf, objects)
    replaced: dict[bytes, bytes] = {}
    for element in list(objects.values()):
        if element.get("Type") != "/StructElem" or not isinstance(element.get("K"), list):
            continue
        kids, kept = element["K"], []
        for kid in kids:
            previous = kept[-1] if kept else None
            if previous is not None and _same_link(objects, previous, kid):
                first, other = _object(objects, previous), _object(objects, kid)
                first["K"].extend(other["K"])
                _reparent(objects, other, first)
                replaced[kid] = previous
            else:
                kept.append(kid)
        kids[:] = kept
    if replaced and parent_tree is not None:
        _update_parent_tree(parent_tree, replaced)


def _same_link(objects: dict, first, second) -> bool:
    one, other = _object(objects, first), _object(objects, second)
    if one is None or other is None or one.get("S") != "/Link" or other.get("S") != "/Link":
        return False
    return one.get("Pg") == other.get("Pg") and _target(objects, one) == _target(objects, other)


def _target(objects: dict, link) -> str | None:
    """Return the address of the annotation a Link element holds."""
    for kid in link["K"]:
        holder = _object(objects, kid)
        if holder is not None and holder.get("Type") == "/OBJR":
            annotation = _object(objects, holder["Obj"])
            action = annotation.get("A") if annotation is not None else None
            if action is not None and "URI" in action:
                return str(action["URI"].string)
    return None


def _reparent(objects: dict, old, new) -> None:
    """Point what ``old`` held (marked content refers to its element by page) at ``new``."""
    for kid in old["K"]:
        child = _object(objects, kid)
        if child is not None and "P" in child:
            child["P"] = new.reference


def _parent_tree(pdf, objects: dict):
    root = _object(objects, pdf.catalog.get("StructTreeRoot"))
    return _object(objects, root.get("ParentTree")) if root is not None else None


def _update_parent_tree(parent_tree, replaced: dict[bytes, bytes]) -> None:
    """Map the marked content and annotations of merged elements to the kept element."""
    numbers = parent_tree["Nums"]
    for index in range(1, len(numbers), 2):
        value = numbers[index]
        if isinstance(value, list):
            value[:] = [replaced.get(reference, reference) for reference in value]
        else:
            numbers[index] = replaced.get(value, value)


def _object(objects: dict, reference):
    """Return the object ``reference`` (``b"12 0 R"``) names, or ``None`` for anything else."""
    if not isinstance(reference, bytes) or not reference.endswith(b" R"):
        return None
    return objects.get(int(reference.split()[0]))
