"""The figure, table and sub-heading blocks: extracted, rendered, tagged, kept on the page
(issue 13)."""

from __future__ import annotations

import json

import pypdfium2 as pdfium
import pytest
from babel.messages.pofile import read_po
from PIL import Image, ImageDraw
from pypdf import PdfReader

from leafpress.build.pipeline import build

from helpers import LEAFLET as SAMPLE
from helpers import approve, make_project, run, structure_elements

MM = 72 / 25.4
ALT = "Northgate Hospital's logo."
CHART_ALT = "A bar that fills from left to right as the infusion runs."
LEAFLET = SAMPLE.split("sections:\n")[0].replace("id: sample", "id: blocks") + """\
sections:
  - heading: Getting ready for your appointment
    blocks:
      - subheading: Eating and drinking
      - table:
          header: [When, What to do]
          rows:
            - [6 hours before your appointment, Have nothing to eat.]
            - - 2 hours before your appointment
              - "Stop drinking water, black tea or coffee. Pain Management Service nurses: [01632 960 418](tel:+441632960418)"
      - figure: logo.svg
        alt: Northgate Hospital's logo.
        caption: The logo on your appointment letter.
      - figure: progress.png
        alt: A bar that fills from left to right as the infusion runs.
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("blocks") / "project", {"blocks": LEAFLET})
    image = Image.new("RGB", (400, 60), "white")
    ImageDraw.Draw(image).rectangle((10, 10, 250, 50), fill="#005eb8", outline="black")
    image.save(project.leaflets_dir / "progress.png")
    approve(project)  # once its figure is there, the leaflet loads
    assert run(project, "extract") == 0
    return project


@pytest.fixture(scope="module")
def dist(project, tmp_path_factory):
    output = tmp_path_factory.mktemp("dist")
    build(project, output, strict=True, log=lambda line: None)
    return output


def test_the_texts_of_the_new_blocks_are_extracted_with_notes(project):
    catalog = read_po(project.pot_file.open("rb"))
    # Babel wraps notes at 76 columns; the last note is the text's place.
    notes = {message.id: (" ".join(message.auto_comments[:-1]), message.auto_comments[-1])
             for message in catalog if message.id and message.auto_comments}
    context = "In section “Getting ready for your appointment”"
    assert notes["Eating and drinking"] == (
        f"Sub-heading. {context}", "leaflets/blocks.yaml: sections[0].blocks[0].subheading")
    assert notes["What to do"][0] == f"Table heading of column 2 of 2. {context}"
    assert notes["Have nothing to eat."] == (
        f"Table cell: row 1, column 2 (“What to do”). {context}",
        "leaflets/blocks.yaml: sections[0].blocks[1].table.rows[0][1]")
    assert notes[ALT][0] == ("Alternative text of the figure logo.svg, read to those who "
                             f"cannot see it. {context}")
    assert notes["The logo on your appointment letter."][0] == \
        f"Caption of the figure logo.svg. {context}"


def structure(path) -> list:
    """Return the structure elements in reading order: ``(type, alternate text, attributes,
    identifier)``."""
    return [(str(element["/S"]), element.get("/Alt"),
             dict(element["/A"].get_object()) if "/A" in element else {}, element.get("/ID"))
            for element in structure_elements(PdfReader(path))]


@pytest.mark.parametrize("variant", ["standard", "large-print"])
def test_figures_and_tables_are_tagged(dist, variant):
    name = "blocks.pdf" if variant == "standard" else "blocks.large-print.pdf"
    elements = structure(dist / "en" / name)
    kinds = [kind for kind, *_ in elements]
    figures = [alternate for kind, alternate, *_ in elements if kind == "/Figure"]
    assert ALT in figures and CHART_ALT in figures
    assert kinds.count("/Table") == 2  # the "About this leaflet" facts, and the new one
    # scope="col" becomes what PDF/UA reads: an ID on each TH, and /Headers on each TD.
    headers = {str(identifier) for kind, _, _, identifier in elements if kind == "/TH"}
    cells = [attributes for kind, _, attributes, _ in elements if kind == "/TD"]
    assert len(cells) >= 4 + 6
    for attributes in cells:
        assert attributes["/Headers"] and {str(key) for key in attributes["/Headers"]} <= headers
    assert "/H3" in kinds


@pytest.mark.parametrize("variant", ["standard", "large-print"])
def test_the_table_stays_within_the_page(dist, variant):
    name = "blocks.pdf" if variant == "standard" else "blocks.large-print.pdf"
    document = pdfium.PdfDocument(dist / "en" / name)
    margin = (20 if variant == "standard" else 18) * MM
    for page in document:
        width = page.get_width()
        text = page.get_textpage()
        for index in range(text.count_chars()):
            left, _, right, _ = text.get_charbox(index)
            if right > left:  # a drawn character, not a space
                assert margin - 1 <= left and right <= width - margin + 1, (
                    text.get_text_range(index, 1), left, right)
    words = " ".join(document[0].get_textpage().get_text_range().split())
    assert "Eating and drinking" in words and "What to do" in words
    assert "The logo on your appointment letter." in words


def test_the_web_page_shows_the_figures_inline(dist):
    page = (dist / "en" / "blocks" / "index.html").read_text("utf-8")
    assert f'alt="{ALT.replace(chr(39), "&#39;")}"' in page
    assert 'src="data:image/png;base64,' in page and 'src="data:image/svg+xml;base64,' in page
    assert '<th scope="col">When</th>' in page
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    assert manifest["skipped"] == []
