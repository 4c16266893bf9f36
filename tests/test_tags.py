"""Links and table headers in the structure tree, as PDF/UA-1 (veraPDF) wants them."""

from __future__ import annotations

import io

from pypdf import PdfReader

from leafpress.rendering.pdf import write_pdf

from helpers import ROOT, structure_elements

LONG = "https://leaflets.northgate-hospital.example/" + "a-long-address/" * 12


def holders(reader: PdfReader) -> dict[int, list]:
    """Return, for each link annotation's object number, the elements that hold it."""
    held: dict[int, list] = {}
    for element in structure_elements(reader):
        kids = element["/K"] if isinstance(element["/K"], list) else [element["/K"]]
        for kid in kids:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if hasattr(kid, "keys") and kid.get("/Type") == "/OBJR":
                held.setdefault(kid.raw_get("/Obj").idnum, []).append(element)
    return held


def link_annotations(reader: PdfReader) -> list:
    return [annotation for page in reader.pages for annotation in page.get("/Annots", [])
            if annotation.get_object()["/Subtype"] == "/Link"]


def assert_links_are_tagged(reader: PdfReader) -> None:
    """Each link annotation: in one Link element, its target as its alternate text."""
    held = holders(reader)
    annotations = link_annotations(reader)
    assert annotations
    for reference in annotations:
        annotation = reference.get_object()
        assert [element["/S"] for element in held[reference.idnum]] == ["/Link"]
        assert annotation["/Contents"] == annotation["/A"]["/URI"]
    for element in structure_elements(reader):
        if element["/S"] == "/Link":  # text and annotations only, no nested elements
            assert all(isinstance(kid, int) or kid.get_object().get("/Type") == "/OBJR"
                       for kid in element["/K"])


def render(body: str) -> PdfReader:
    html = (f'<html lang="en"><head><title>Links</title><style>@page {{ size: A6 }} '
            f"body {{ overflow-wrap: anywhere }}</style></head><body>{body}</body></html>")
    pdf, _ = write_pdf(html, [ROOT / "templates"], "tags-test", "test")
    return PdfReader(io.BytesIO(pdf))


def test_a_link_over_several_lines_is_one_link_element_with_every_annotation():
    reader = render(f'<p>Read it at <a href="{LONG}">{LONG}</a> today.</p>')
    annotations = link_annotations(reader)
    assert len(annotations) > 2  # one a line
    links = [element for element in structure_elements(reader) if element["/S"] == "/Link"]
    assert len(links) == 1
    assert_links_are_tagged(reader)


def test_table_header_cells_have_their_scope():
    reader = render('<table><tr><th scope="col">Name</th><th>Dose</th></tr>'
                    '<tr><th scope="row">Magnesium</th><td>2 g</td></tr></table>')
    scopes = [element["/A"].get("/Scope") for element in structure_elements(reader)
              if element["/S"] == "/TH"]
    assert scopes == ["/Column", "/Column", "/Row"]


def test_every_built_pdf_has_tagged_links_and_scoped_headers(dist, manifest):
    for output in manifest["outputs"]:
        if output["format"] != "pdf":
            continue
        reader = PdfReader(dist / output["path"])
        assert_links_are_tagged(reader)
        headers = [element for element in structure_elements(reader) if element["/S"] == "/TH"]
        assert headers and all(element["/A"]["/Scope"] == "/Row" for element in headers)
