"""Elements split across pages, joined into one structure element each.

WeasyPrint 70 builds the structure tree page by page (weasyprint/pdf/tags.py): a list
that runs on from one page to the next becomes two ``L`` elements, its section two
``Sect`` and the ``main`` two ``Part``, so a screen reader announces a new list of 4 items
after a list of 3 (issue 23). Tagged PDF (ISO 32000-1, 14.7.2) lets one element hold
content on several pages: its marked content on another page is referred to by a marked
content reference (``/MCR`` with its ``/Pg``).

At each page break, the elements that end one page and begin the next are joined, level by
level, while both are the fragments of the same HTML element: one whose boxes are on both
pages, found by walking the next page's first boxes as WeasyPrint walks them to tag them.
"""

from __future__ import annotations

from .artifacts import forget, make_artifact, page_arrays, page_stream

# What WeasyPrint tags each element as (weasyprint/pdf/tags.py, _get_pdf_tag), for the
# elements that can be split across a page: blocks that hold other blocks or lines.
BLOCK_TAGS = {"div": "Div", "main": "Part", "article": "Art", "section": "Sect",
              "blockquote": "BlockQuote", "p": "P", "ul": "L", "ol": "L", "dl": "L",
              "li": "LI", "table": "Table", "tbody": "TBody", "tr": "TR", "td": "TD",
              "th": "TH", "thead": "THead", "h1": "H1", "h2": "H2", "h3": "H3", "h4": "H4",
              "aside": "NonStruct",
              "header": "NonStruct", "footer": "NonStruct", "figure": "NonStruct",
              "nav": "NonStruct"}
UNTAGGED = ("html", "body")


def join_split_elements(document, pdf, objects: dict, structure_document) -> dict:
    """Join the fragments of every element split across pages; return, for the parent
    tree, the fragments that were joined into another (by reference)."""
    replaced: dict[bytes, bytes] = {}
    pages = pdf.page_references
    for number in range(1, len(document.pages)):
        kids = structure_document["K"]
        starts = [index for index, kid in enumerate(kids)
                  if objects[_number(kid)].get("Pg") == pages[number]]
        if not starts or starts[0] == 0:
            continue
        before = {id(box.element) for box in _boxes(document.pages[number - 1])}
        parent, last, first = structure_document, kids[starts[0] - 1], kids[starts[0]]
        for tag in _continued_tags(document.pages[number], before):
            earlier, later = objects[_number(last)], objects[_number(first)]
            if not earlier.get("S") == later.get("S") == f"/{tag}":
                break
            if tag == "Table":
                _repeated_header(pdf, objects, earlier, later)
            inner_last = _elements(objects, earlier)[-1:]
            inner_first = _elements(objects, later)[:1]
            _join(objects, earlier, later)
            parent["K"].remove(first)
            replaced[first] = last
            if not inner_last or not inner_first:
                break
            parent, last, first = earlier, inner_last[0], inner_first[0]
    return replaced


def _continued_tags(page, before: set[int]) -> list[str]:
    """Return the structure types of the page's first boxes, outermost first, as long as
    each continues an element of the page before (an element with boxes on both)."""
    from weasyprint.layout.absolute import AbsolutePlaceholder

    tags: list[str] = []
    box = page._page_box.children[0]  # noqa: SLF001 (the root box: html)
    while True:
        if isinstance(box, AbsolutePlaceholder):
            box = box._box  # noqa: SLF001
        if box.element is None or id(box.element) not in before:
            break
        if box.element_tag not in UNTAGGED:
            tag = BLOCK_TAGS.get(box.element_tag)
            if tag is None:
                break
            # Anonymous blocks, as WeasyPrint tags them (_build_box_tree).
            if tags and tag in ("TD", "TH") and tags[-1] in ("TD", "TH"):
                tag = "NonStruct"
            elif tags and tag == "LI" and tags[-1] == "LI":
                tag = "LBody"
            elif tags and tag == "LI" and tags[-1] == "LBody":
                tag = "NonStruct"
            tags.append(tag)
        if getattr(box, "is_table_wrapper", False) and box.get_wrapped_table():
            box = box.get_wrapped_table()
        children = getattr(box, "children", ())
        if tags and tags[-1] == "Table" and children and getattr(children[0], "is_header",
                                                                  False):
            children = children[1:]  # the header drawn again (an artifact, _repeated_header)
        if not children or not _is_block(children[0]):
            break
        box = children[0]
    return tags


def _repeated_header(pdf, objects: dict, earlier, later) -> None:
    """Make the header row group a table repeats on the next page an artifact.

    WeasyPrint draws a table's ``thead`` again on every page it continues on (CSS 2.1,
    17.2) and tags each copy: the tree would read the column headings again in the middle
    of the table. The copy is a pagination artifact, like a running head.
    """
    import pydyf

    heads = [kid for kid in _elements(objects, earlier) if objects[_number(kid)]["S"] == "/THead"]
    repeated = _elements(objects, later)[:1]
    if not heads or not repeated or objects[_number(repeated[0])]["S"] != "/THead":
        return
    head = objects[_number(repeated[0])]
    # The cells after it name the copy's header cells (/Headers): name the first's.
    names = {copy.string: first for copy, first in zip(
        _header_names(objects, head), _header_names(objects, objects[_number(heads[0])]))}
    for cell in _descendants(objects, later):
        if cell.get("S") == "/TD" and "Headers" in cell.get("A", {}):
            cell["A"]["Headers"] = pydyf.Array(names.get(name.string, name)
                                               for name in cell["A"]["Headers"])
    page = pdf.page_references.index(head["Pg"])
    stream = page_stream(pdf, objects, head["Pg"])
    arrays = page_arrays(_parent_tree(pdf, objects))
    later["K"].remove(repeated[0])
    for mcid in forget(objects, head):
        make_artifact(stream, mcid, None)
        arrays[page][mcid] = "null"


def _header_names(objects: dict, head) -> list:
    """Return the IDs of the header cells of ``head`` (a THead), in order."""
    return [cell["ID"] for cell in _descendants(objects, head)
            if cell.get("S") == "/TH" and "ID" in cell]


def _descendants(objects: dict, element):
    for kid in _elements(objects, element):
        child = objects[_number(kid)]
        yield child
        yield from _descendants(objects, child)


def _parent_tree(pdf, objects: dict):
    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    return objects[_number(root["ParentTree"])]


def _is_block(box) -> bool:
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.formatting_structure import boxes as box_types

    box = box._box if isinstance(box, AbsolutePlaceholder) else box  # noqa: SLF001
    return isinstance(box, box_types.ParentBox) and not isinstance(
        box, (box_types.LineBox, box_types.InlineLevelBox))


def _join(objects: dict, earlier, later) -> None:
    """Move what ``later`` holds to the end of ``earlier``; its marked content is on
    another page than ``earlier``'s, so each becomes a reference that names its page."""
    import pydyf

    for kid in later["K"]:
        if isinstance(kid, int):
            earlier["K"].append(pydyf.Dictionary({"Type": "/MCR", "Pg": later["Pg"],
                                                  "MCID": kid}))
            continue
        earlier["K"].append(kid)
        child = objects.get(_number(kid))
        if child is not None and "P" in child:
            child["P"] = earlier.reference
    later.clear()


def _elements(objects: dict, parent) -> list[bytes]:
    """Return the structure elements among ``parent``'s kids (not marked content)."""
    return [kid for kid in parent["K"] if _is_element(objects, kid)]


def _is_element(objects: dict, kid) -> bool:
    return (isinstance(kid, bytes) and (found := objects.get(_number(kid))) is not None
            and found.get("Type") == "/StructElem")


def _boxes(page):
    from weasyprint.layout.absolute import AbsolutePlaceholder

    for box in page._page_box.descendants(placeholders=True):  # noqa: SLF001
        yield box._box if isinstance(box, AbsolutePlaceholder) else box


def _number(reference: bytes) -> int:
    return int(reference.split()[0])
