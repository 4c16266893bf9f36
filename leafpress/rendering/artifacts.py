"""Running headers and footers as pagination artifacts; the draft mark read first.

WeasyPrint 70 tags the text of the page's margin boxes like any other text, then leaves
the elements it made for them out of the structure tree (weasyprint/pdf/tags.py: "It
could be included in tree as Artifact, but that's only allowed in PDF 2.0"): their
marked content belongs to elements no parent lists, so a screen reader walking the tree
never meets them, and the draft mark in the top centre box was never heard (issue 23).

The title, organisation, reference and "Page 2 of 4" repeated on every page are what
ISO 32000-1 (14.8.2.2.2) calls pagination artifacts, "running heads and folios": they
become ``/Artifact <</Type /Pagination /Subtype /Header>>`` sequences, outside the tree,
as PDF/UA-1 (7.8) asks. The draft mark is different: it says the document must not be
given to a patient. It is read once, as the document's first paragraph (its first page's
box, turned into a ``P`` at the head of the tree); its repetition on the later pages is
a running head like the others. Repeated in the tree, it would be read in the middle of
every sentence, list and table that crosses a page, and tree order is reading order.
"""

from __future__ import annotations

DRAFT_MARK_BOX = "@top-center"  # templates/leaflet.html.j2 puts the draft mark there


def mark_running_content(document, pdf, objects: dict) -> None:
    """Make the margin boxes' text artifacts, but for the first page's draft mark."""
    from weasyprint.formatting_structure.boxes import MarginBox  # as pdf.py: only to render

    root = _object(objects, pdf.catalog["StructTreeRoot"])
    structure_document = _object(objects, root["K"][0])
    pages = page_arrays(_object(objects, root["ParentTree"]))
    listed = set(structure_document["K"])
    unlisted = [element for element in objects.values()
                if element.get("Type") == "/StructElem"
                and element.get("P") == structure_document.reference
                and element.reference not in listed]
    for number, (page, reference) in enumerate(zip(document.pages, pdf.page_references)):
        boxes = [box.at_keyword for box in page._page_box.children  # noqa: SLF001
                 if isinstance(box, MarginBox) for _ in box.children]
        elements = [element for element in unlisted if element.get("Pg") == reference]
        if len(boxes) != len(elements):  # WeasyPrint makes one element a margin box child
            raise RuntimeError(f"page {number + 1}: {len(elements)} untagged elements for "
                               f"{len(boxes)} margin box children")
        stream = page_stream(pdf, objects, reference)
        for keyword, element in zip(boxes, elements):
            if number == 0 and keyword == DRAFT_MARK_BOX:
                element["S"] = "/P"
                structure_document["K"].insert(0, element.reference)
                continue
            subtype = "/Header" if keyword.startswith("@top") else "/Footer"
            for mcid in forget(objects, element):
                make_artifact(stream, mcid, subtype)
                pages[number][mcid] = "null"  # no element: the sequence is not content


def page_stream(pdf, objects: dict, reference: bytes):
    """Return the content stream of the page ``reference`` names."""
    return pdf.objects[int(objects[int(reference.split()[0])]["Contents"].split()[0])]


def make_artifact(stream, mcid: int, subtype: str | None) -> None:
    """Turn the sequence ``/Span <</MCID mcid>> BDC`` of ``stream`` into a pagination one."""
    import pydyf

    for index, item in enumerate(stream.stream):
        if isinstance(item, pydyf.Dictionary) and item.get("MCID") == mcid:
            stream.stream[index - 1] = "/Artifact"
            stream.stream[index] = pydyf.Dictionary(
                {"Type": "/Pagination", **({"Subtype": subtype} if subtype else {})})
            return
    raise RuntimeError(f"marked content {mcid} of a margin box is not in its page's stream")


def forget(objects: dict, element) -> list[int]:
    """Empty ``element`` and the elements under it; return the marked content they held.

    pydyf cannot free an object of a compressed file (its cross-reference stream would
    point into the object stream at an object that is not there): an element no longer
    wanted is left as an empty dictionary, which nothing refers to.
    """
    found = []
    for kid in element.get("K", ()):
        if isinstance(kid, int):
            found.append(kid)
        elif (child := _object(objects, kid)) is not None and child.get("Type") == "/StructElem":
            found.extend(forget(objects, child))
    element.clear()
    return found


def page_arrays(parent_tree) -> dict[int, list]:
    """Return the parent tree's array of each page (its key is the page's index)."""
    numbers = parent_tree["Nums"]
    return {numbers[index]: numbers[index + 1] for index in range(0, len(numbers), 2)
            if isinstance(numbers[index + 1], list)}


def _object(objects: dict, reference):
    """Return the object ``reference`` (``b"12 0 R"``) names, or ``None`` for anything else."""
    if not isinstance(reference, bytes) or not reference.endswith(b" R"):
        return None
    return objects.get(int(reference.split()[0]))
