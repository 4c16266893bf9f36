"""PDF/UA structure read back from the files: headings in order, lists, figures with text,
every piece of content in the tree or an artifact."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from pypdf.generic import ContentStream

from leafpress.build.pipeline import build

from helpers import (CONTENT, approve, entry, every_edition, every_output, marked_texts,
                     pdftotext, run, small_project, structure_elements, title)

EVERY = every_output()


def structure(path) -> list[tuple[str, object]]:
    """Return the structure elements in reading order as ``(type, alternate text)``."""
    return [(str(element["/S"]), element.get("/Alt"))
            for element in structure_elements(PdfReader(path))]


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_structure_tree(dist, manifest, leaflet, locale, variant):
    path = dist / entry(manifest, leaflet, locale, variant)["path"]
    elements = structure(path)
    kinds = [kind for kind, _ in elements]
    headings = [int(kind[2]) for kind in kinds if kind in ("/H1", "/H2", "/H3")]
    assert headings[0] == 1 and headings.count(1) == 1  # one title, first
    assert all(later - earlier <= 1 for earlier, later in zip(headings, headings[1:]))
    assert kinds.count("/L") >= 3 and kinds.count("/LI") >= kinds.count("/L")
    figures = [alternate for kind, alternate in elements if kind == "/Figure"]
    assert len(figures) == 2 and all(figures)  # the logo and the QR code, both described
    reader = PdfReader(path)
    assert reader.trailer["/Root"]["/Lang"] == locale
    assert reader.metadata.title == title(leaflet, locale)


@pytest.mark.parametrize(("leaflet", "locale"), every_edition())
def test_the_online_address_is_printed_beside_the_qr_code(dist, manifest, leaflet, locale):
    website = yaml.safe_load((CONTENT / "brand" / "brand.yaml").read_text("utf-8"))["website"]
    text = "".join(pdftotext(dist / entry(manifest, leaflet, locale)["path"]).split())
    assert f"{website}/{locale}/{leaflet}/" in text


# Every piece of content in the tree, or an artifact (issue 23) ---------------------------

LONG = """\
id: long
reference: TEST-003
title: A long test leaflet
audience: patient
version: "1.0"
published: 2026-11-21
review_by: 2028-11-21
owner:
  department: Test Team
  contact: "Test Team: [01632 960 000](tel:+441632960000)"
sources:
  - citation: The leaflet builder's test suite.
sections:
  - heading: A list longer than a page
    blocks:
      - bullets: [{items}]
  - heading: A table longer than a page
    blocks:
      - table:
          header: [Day, What happens]
          rows: [{rows}]
"""
ITEMS = 48
ROWS = 40


@pytest.fixture(scope="module")
def drafts(tmp_path_factory) -> Path:
    """The small project with a leaflet long enough that its list and table cross a page,
    built with its drafts: alpha not approved ("Not approved" mark), long untranslated
    into Chinese ("Draft translation" mark), beta and long published."""
    project = small_project(tmp_path_factory.mktemp("drafts") / "small", approved=False)
    items = ", ".join(f'"Item {number} of the list."' for number in range(1, ITEMS + 1))
    rows = ", ".join(f'["Day {number}", "Test {number}."]' for number in range(1, ROWS + 1))
    (project.leaflets_dir / "long.yaml").write_text(LONG.format(items=items, rows=rows),
                                                    "utf-8")
    approve(project, "beta", "long")
    assert run(project, "extract") == 0
    dist = project.root / "dist"
    build(project, dist, draft=True, variants=("standard",), log=lambda line: None,
          warn=lambda line: None)
    return dist


def tree_order(reader: PdfReader) -> list[tuple[int, int]]:
    """Return every marked content the structure tree refers to, as ``(page, MCID)``, in
    the order a walk of the tree from its root meets them (reading order)."""
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    found: list[tuple[int, int]] = []

    def walk(node, page):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid, page)
        elif isinstance(node, int):
            found.append((page, node))
        elif node.get("/Type") == "/MCR":
            found.append((pages[node.raw_get("/Pg").idnum], int(node["/MCID"])))
        elif node.get("/Type") != "/OBJR" and "/K" in node:
            walk(node["/K"], pages[node.raw_get("/Pg").idnum] if "/Pg" in node else page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"], None)
    return found


def marked_content(reader: PdfReader) -> list[tuple[int, int]]:
    """Return the marked content of every page's content stream that is not inside an
    artifact, as ``(page, MCID)``."""
    found = []
    for number, page in enumerate(reader.pages):
        open_tags: list[str] = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator in (b"BDC", b"BMC"):
                open_tags.append(str(operands[0]))
                properties = operands[1] if operator == b"BDC" else {}
                if "/MCID" in properties and "/Artifact" not in open_tags:
                    found.append((number, int(properties["/MCID"])))
            elif operator == b"EMC":
                open_tags.pop()
    return found


def assert_every_piece_in_the_tree(path) -> None:
    """Every marked content is reached from the root once, and the tree refers to none
    that is not there; every element lists its children and they name it their parent."""
    reader = PdfReader(path)
    in_tree, in_pages = tree_order(reader), marked_content(reader)
    assert sorted(in_tree) == sorted(in_pages)
    assert len(set(in_tree)) == len(in_tree)
    for element in structure_elements(reader):
        for kid in element["/K"] if isinstance(element["/K"], list) else [element["/K"]]:
            kid = kid.get_object()
            if hasattr(kid, "keys") and "/S" in kid:
                assert kid.raw_get("/P").idnum == element.indirect_reference.idnum


def test_every_piece_of_every_built_pdf_is_in_the_tree_or_an_artifact(dist, manifest):
    for output in manifest["outputs"]:
        if output["format"] == "pdf":
            assert_every_piece_in_the_tree(dist / output["path"])


def test_every_piece_of_the_fixture_and_its_drafts_is_in_the_tree_or_an_artifact(
        fixture_dist, drafts):
    paths = sorted(fixture_dist.rglob("*.pdf")) + sorted(drafts.rglob("*.pdf"))
    assert any("drafts" in path.parts for path in paths)
    for path in paths:
        assert_every_piece_in_the_tree(path)


@pytest.mark.parametrize(("path", "mark"), [
    ("drafts/en/alpha.pdf", "Not approved — not for patient use"),
    ("drafts/zh-Hans/alpha.pdf", "Not approved — not for patient use"),
    ("drafts/zh-Hans/long.pdf", "Draft translation — not for patient use")])
def test_the_draft_mark_is_read_first_once_and_repeated_as_a_running_head(drafts, path, mark):
    reader = PdfReader(drafts / path)
    read = marked_texts(drafts / path)
    spoken = [read.get(piece, "") for piece in tree_order(reader)]
    assert mark in spoken[0]
    assert [text for text in spoken if mark in text] == [spoken[0]]
    drawn = [text for (page, mcid), text in read.items() if mark in text]
    assert len(drawn) == len(reader.pages)  # on every page, read on the first
    assert not any(mark in text for text in spoken[1:])


def test_a_list_and_a_table_across_pages_are_one_element_each(drafts):
    reader = PdfReader(drafts / "en" / "long.pdf")
    assert len(reader.pages) >= 3
    elements = structure_elements(reader)
    kinds = [str(element["/S"]) for element in elements]
    assert kinds.count("/Part") == 1 and kinds.count("/Sect") == kinds.count("/H2")
    [items] = [element for element in elements if element["/S"] == "/L"
               and len(element["/K"]) > 2]  # the sources' list has one or two items
    assert [kid.get_object()["/S"] for kid in items["/K"]] == ["/LI"] * ITEMS
    pages = {kid.get_object()["/Pg"].indirect_reference.idnum for kid in items["/K"]}
    assert len(pages) == 2
    [table] = [element for element in elements if element["/S"] == "/Table"
               and len(rows(element)) > ROWS]  # not the leaflet's facts
    parts = [str(kid.get_object()["/S"]) for kid in table["/K"]]
    assert parts == ["/THead", "/TBody"]  # the header once, though drawn on every page
    assert len(rows(table)) == ROWS + 1
    assert len({row["/Pg"].indirect_reference.idnum for row in rows(table)}) == 2
    cells = structure_elements_under(table)
    headers = {str(cell["/ID"]) for cell in cells if cell["/S"] == "/TH"}
    for cell in cells:  # each cell names header cells that are in the tree
        if cell["/S"] == "/TD":
            assert {str(name) for name in cell["/A"]["/Headers"]} <= headers


def rows(table) -> list:
    return [element for element in structure_elements_under(table) if element["/S"] == "/TR"]


def structure_elements_under(element) -> list:
    found = []
    for kid in element["/K"] if isinstance(element["/K"], list) else [element["/K"]]:
        kid = kid.get_object()
        if hasattr(kid, "keys") and "/S" in kid:
            found.append(kid)
            found.extend(structure_elements_under(kid))
    return found
