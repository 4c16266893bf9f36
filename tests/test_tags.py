"""Links, table headers, lists and languages in the structure tree, as PDF/UA-1 (veraPDF)
wants them, and what PDF/UA-2 adds: each list's numbering."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from leafpress.rendering import attributes
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


def render(body: str, lang: str = "en") -> PdfReader:
    html = (f'<html lang="{lang}"><head><title>Links</title><style>@page {{ size: A6 }} '
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


def test_each_list_says_how_its_items_are_labelled():
    """PDF/UA-2 (ISO 14289-2, 8.2.5.25): a list whose items have labels says which."""
    reader = render("<ol><li>One</li></ol><ul><li>Dot</li></ul>"
                    '<ul style="list-style-type: square"><li>Square</li></ul>'
                    '<ol style="list-style-type: lower-roman"><li>i</li></ol>'
                    '<ol style="list-style-type: arabic-indic"><li>One</li></ol>'
                    '<ul style="list-style-type: \'–\'"><li>Dash</li></ul>'
                    '<ul style="list-style: none"><li>Bare</li></ul><dl><dt>Term</dt>'
                    "<dd>Description</dd></dl>")
    lists = [element["/A"] for element in structure_elements(reader) if element["/S"] == "/L"]
    assert [(str(numbering["/O"]), str(numbering["/ListNumbering"])) for numbering in lists] == [
        ("/List", kind) for kind in ("/Decimal", "/Disc", "/Square", "/LowerRoman",
                                      "/Decimal", "/Disc", "/None", "/None")]


def test_every_list_of_every_built_pdf_says_its_numbering(dist, manifest):
    """Steps are numbered, bullets are discs: every list has labels, so never None."""
    for output in manifest["outputs"]:
        if output["format"] == "pdf":
            reader = PdfReader(dist / output["path"])
            lists = [element for element in structure_elements(reader) if element["/S"] == "/L"]
            assert lists
            assert {str(element["/A"]["/ListNumbering"]) for element in lists} <= {
                "/Decimal", "/Disc"}


def test_a_run_in_another_language_carries_it_and_nothing_repeats_one():
    reader = render('<p>Also in <span lang="zh_Hans">简体中文</span></p>'
                    '<div lang="fr"><p lang="fr">Bonjour <span lang="EN">again</span></p>'
                    '<p lang="en-GB">Hello</p></div><p lang="EN">Same</p>')
    languages = [(str(element["/S"]), str(element["/Lang"]))
                 for element in structure_elements(reader) if "/Lang" in element]
    # BCP 47 (zh-Hans, not gettext's zh_Hans); a tag is the same language in any case.
    assert languages == [("/Span", "zh-Hans"), ("/Div", "fr"), ("/Span", "EN"),
                         ("/P", "en-GB")]


def test_a_changed_weasyprint_is_reported_not_wrapped_blindly(monkeypatch):
    import weasyprint
    from weasyprint.pdf import tags

    def _build_box_tree(box, parent, pdf):
        yield parent

    monkeypatch.setattr(tags, "_build_box_tree", _build_box_tree)
    with pytest.raises(RuntimeError) as raised:
        attributes.install()
    assert str(raised.value) == (
        f"WeasyPrint {weasyprint.__version__}: weasyprint.pdf.tags._build_box_tree is not the "
        "generator of (box, parent, pdf, page_number, nums, annotations, tags) that leafpress/rendering/attributes.py wraps "
        "(written for WeasyPrint 70.0): update the wrapper")
