"""PDF/UA structure read back from the files: headings in order, lists, figures with text."""

from __future__ import annotations

import pytest
import yaml
from pypdf import PdfReader

from helpers import (CONTENT, entry, every_edition, every_output, pdftotext, structure_elements,
                     title)

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
