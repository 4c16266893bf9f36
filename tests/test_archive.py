"""Every PDF is PDF/A-2a (ISO 19005-2, level A) as well as PDF/UA-1, read back from the
small project's build: what the file says it is, its colour profile, its links, and
veraPDF's verdict on both standards when veraPDF is at hand.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest
from pypdf import PdfReader

from leafpress.rendering.pdf import write_pdf

from helpers import ROOT, needs_verapdf, verapdf_report

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}"
SCHEMA = "{http://www.aiim.org/pdfa/ns/schema#}"
PRINT, HIDDEN_OR_NOT_VIEWED = 4, 1 | 2 | 32 | 256  # ISO 32000-1, table 165


def pdfs(dist: Path) -> list[Path]:
    found = sorted(dist.rglob("*.pdf"))
    assert found
    return found


def xmp_properties(path: Path) -> dict[str, str]:
    """Every attribute of the XMP's rdf:Description elements, by qualified name."""
    packet = PdfReader(path).trailer["/Root"]["/Metadata"].get_object().get_data()
    rdf = fromstring(packet).find(f"{RDF}RDF")
    return {name: value for description in rdf.iter(f"{RDF}Description")
            for name, value in description.attrib.items()}


def test_every_pdf_says_it_is_pdfa_2a_and_pdfua_1(fixture_dist):
    for path in pdfs(fixture_dist):
        properties = xmp_properties(path)
        assert properties[f"{PDFAID}part"] == "2", path
        assert properties[f"{PDFAID}conformance"] == "A", path
        assert properties[f"{PDFUAID}part"] == "1", path
        assert PdfReader(path).pdf_header == "%PDF-1.7"  # PDF/A-2 is based on PDF 1.7


def test_the_pdfua_namespace_is_declared_as_pdfa_2_asks_of_other_schemas(fixture_dist):
    # ISO 19005-2, 6.6.2.3: an XMP property outside the predefined schemas needs an
    # extension schema in the same packet; pdfuaid is not predefined.
    packet = PdfReader(pdfs(fixture_dist)[0]).trailer["/Root"]["/Metadata"].get_object()
    root = fromstring(packet.get_data())
    declared = {(entry.findtext(f"{SCHEMA}namespaceURI"), entry.findtext(f"{SCHEMA}prefix"))
                for entry in root.iter(f"{RDF}li")}
    assert ("http://www.aiim.org/pdfua/ns/id/", "pdfuaid") in declared


def test_every_pdf_has_one_srgb_output_intent_with_the_profile_embedded(fixture_dist):
    for path in pdfs(fixture_dist):
        intents = PdfReader(path).trailer["/Root"]["/OutputIntents"]
        assert len(intents) == 1, path
        intent = intents[0].get_object()
        assert intent["/S"] == "/GTS_PDFA1"
        profile = intent["/DestOutputProfile"].get_object()
        data = profile.get_data()
        assert profile["/N"] == 3
        # An ICC display profile (ICC.1, 7.2) of RGB colours, and sRGB, as the pages' are.
        assert (data[12:16], data[16:20], data[36:40]) == (b"mntr", b"RGB ", b"acsp")
        assert b"sRGB" in data
        assert len(data) == int.from_bytes(data[:4], "big")


def test_every_link_annotation_is_printed_and_shown(fixture_dist):
    links = 0
    for path in pdfs(fixture_dist):
        for number, page in enumerate(PdfReader(path).pages, 1):
            for annotation in page.get("/Annots", []):
                annotation = annotation.get_object()
                links += annotation["/Subtype"] == "/Link"
                flags = annotation.get("/F", 0)
                assert flags & PRINT and not flags & HIDDEN_OR_NOT_VIEWED, (path, number)
    assert links  # alpha has links (its web address, a telephone number)


def test_the_archive_parts_are_the_same_bytes_every_time(tmp_path):
    html = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Same</title>'
            '<meta name="dcterms.created" content="2026-11-21"></head><body><h1>Same</h1>'
            '<p><a href="https://example.org/">A link</a></p></body></html>')
    first, _ = write_pdf(html, [ROOT / "templates"], "same", "test")
    second, _ = write_pdf(html, [ROOT / "templates"], "same", "test")
    assert first == second
    (tmp_path / "same.pdf").write_bytes(first)
    assert xmp_properties(tmp_path / "same.pdf")[f"{PDFAID}part"] == "2"


@needs_verapdf
@pytest.mark.parametrize("flavour", ["ua1", "2a"])
def test_verapdf_passes_a_few_pdfs_against_pdfua_1_and_pdfa_2a(fixture_dist, flavour):
    chosen = [fixture_dist / name for name in ("en/alpha.pdf", "zh-Hans/alpha.large-print.pdf",
                                               "en/beta.pdf")]
    verdicts, report = verapdf_report(chosen, flavour)
    assert verdicts == ["PASS"] * len(chosen), report
