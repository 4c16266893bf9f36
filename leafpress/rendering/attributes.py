"""What WeasyPrint 70 leaves off the structure elements it makes: each run's language and
each list's numbering.

WeasyPrint 70.0 writes the document's language on the catalog only, so a screen reader
reads "简体中文" in an English leaflet, or an English fallback in a Chinese draft, in the
document's language (issue 23); and no ``L`` says how its items are labelled, which PDF/UA-2
asks wherever they have labels (ISO 14289-2, 8.2.5.25). The box each element is made from
knows both, and only WeasyPrint's ``weasyprint.pdf.tags._build_box_tree`` holds box and
element together: :func:`install` wraps it to copy them onto each element it makes, and
:func:`finish` (in the ``finisher`` hook, once the tree is repaired) keeps a ``/Lang``
only where it differs from the language the element inherits (ISO 32000-1, 14.9.2.1).
"""

from __future__ import annotations

import functools
import inspect

WRAPPED = "weasyprint.pdf.tags._build_box_tree"
# Its parameters in WeasyPrint 70.0, the version this wrapper was written for: a box, the
# parent element, then what the recursion passes along; it yields the box's elements.
PARAMETERS = ("box", "parent", "pdf", "page_number", "nums", "annotations", "tags")

# list-style-type as ListNumbering (ISO 32000-1, table 347). Another numbering counts in
# digits of its own script (arabic-indic, cjk-decimal…) and another marker is a symbol:
# Decimal and Disc are the nearest the values of PDF 1.7 can say.
NUMBERING = {"disc": "/Disc", "circle": "/Circle", "square": "/Square",
             "decimal": "/Decimal", "decimal-leading-zero": "/Decimal",
             "lower-roman": "/LowerRoman", "upper-roman": "/UpperRoman",
             "lower-alpha": "/LowerAlpha", "lower-latin": "/LowerAlpha",
             "upper-alpha": "/UpperAlpha", "upper-latin": "/UpperAlpha", "none": "/None"}


def install() -> None:
    """Wrap WeasyPrint's ``_build_box_tree`` (once a process); raise `RuntimeError` if it
    is not the function of WeasyPrint 70.0 any more."""
    import weasyprint
    from weasyprint.pdf import tags

    build = tags._build_box_tree  # noqa: SLF001
    if getattr(build, "leafpress_wrapped", False):
        return
    if (not inspect.isgeneratorfunction(build)
            or tuple(inspect.signature(build).parameters) != PARAMETERS):
        raise RuntimeError(
            f"WeasyPrint {weasyprint.__version__}: {WRAPPED} is not the generator of "
            f"({', '.join(PARAMETERS)}) that leafpress/rendering/attributes.py wraps "
            "(written for WeasyPrint 70.0): update the wrapper")

    @functools.wraps(build)
    def build_box_tree(box, *arguments):
        # Its recursion calls the module's name, so each box passes through here: the
        # elements a box yields are its own, but for html and body, which yield their
        # children's (already described).
        for element in build(box, *arguments):
            _describe(element, getattr(box, "_box", box))  # an AbsolutePlaceholder's box
            yield element

    build_box_tree.leafpress_wrapped = True
    tags._build_box_tree = build_box_tree  # noqa: SLF001


def _describe(element, box) -> None:
    """Give ``element`` the language of ``box`` and, for a list, its numbering."""
    import pydyf

    if "Lang" not in element and (lang := box.style["lang"]):
        element["Lang"] = pydyf.String(language_tag(lang))
    if element["S"] == "/L" and "A" not in element:
        element["A"] = pydyf.Dictionary({"O": "/List", "ListNumbering": _numbering(box)})


def _numbering(box) -> str:
    if box.element_tag == "dl":  # terms and descriptions have no labels
        return "/None"
    marker = box.style["list_style_type"]
    if isinstance(marker, str) and marker in NUMBERING:
        return NUMBERING[marker]
    return "/Decimal" if box.element_tag == "ol" else "/Disc"


def language_tag(lang: str) -> str:
    """Return ``lang`` as a BCP 47 tag, which /Lang holds (``zh-Hans``, not ``zh_Hans``)."""
    return lang.strip().replace("_", "-")


def finish(pdf, objects: dict) -> None:
    """Drop every ``/Lang`` that says the language its element inherits: the catalog's
    at the root, then the nearest ancestor's that has one."""
    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    catalog = pdf.catalog["Lang"].string if "Lang" in pdf.catalog else ""
    for kid in root["K"]:
        _keep_differing(objects, kid, language_tag(catalog).lower())


def _keep_differing(objects: dict, reference, inherited: str) -> None:
    element = objects.get(_number(reference)) if isinstance(reference, bytes) else None
    if element is None or element.get("Type") != "/StructElem":
        return  # marked content, a reference to it or to an annotation
    if "Lang" in element:
        own = element["Lang"].string.lower()  # BCP 47 tags ignore case
        if own == inherited:
            del element["Lang"]
        inherited = own
    for kid in element.get("K", ()):
        _keep_differing(objects, kid, inherited)


def _number(reference: bytes) -> int:
    return int(reference.split()[0])
