"""What a PDF says about itself, against literals from the small test project.

Titles, dates, the PDF identifier and what the QR code encodes, read back from the files
of tests/projects/small and compared with text written out here, not computed by leafpress.
"""

from __future__ import annotations

import hashlib

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from helpers import XHTML, flat, parse, pdftotext, text

# From tests/projects/small: the titles as written in alpha.yaml and in the Chinese catalog.
TITLES = {("alpha", "en"): "Alpha test leaflet", ("alpha", "zh-Hans"): "阿尔法测试资料",
          ("beta", "en"): "Beta test briefing", ("beta", "zh-Hans"): "贝塔测试简报"}
SITE = "https://leaflets.northgate-hospital.example"  # brand/brand.yaml: website
VARIANTS = {"standard": "", "large-print": ".large-print"}
EVERY = [(leaflet, locale, variant) for leaflet, locale in TITLES for variant in VARIANTS]


def pdf(dist, leaflet, locale, variant="standard"):
    return dist / locale / f"{leaflet}{VARIANTS[variant]}.pdf"


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_title_is_the_literal_title_in_its_language(fixture_dist, leaflet, locale, variant):
    path = pdf(fixture_dist, leaflet, locale, variant)
    reader = PdfReader(path)
    assert reader.metadata.title == TITLES[leaflet, locale]
    assert reader.outline[0].title == TITLES[leaflet, locale]
    assert TITLES[leaflet, locale] in flat(pdftotext(path))


@pytest.mark.parametrize(("leaflet", "locale"), TITLES)
def test_web_page_title_is_the_literal_title(fixture_dist, leaflet, locale):
    page = parse(fixture_dist / locale / leaflet / "index.html")
    assert text(page.find(f"{XHTML}head/{XHTML}title")) == TITLES[leaflet, locale]


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_creation_date_is_the_publication_date_not_the_build_time(fixture_dist, leaflet,
                                                                  locale, variant):
    metadata = PdfReader(pdf(fixture_dist, leaflet, locale, variant)).metadata
    # published: 2026-11-21 in both leaflets.
    assert metadata["/CreationDate"].startswith("D:20261121000000")
    assert metadata.get("/ModDate", metadata["/CreationDate"]) == metadata["/CreationDate"]


def test_each_pdf_has_its_own_identifier_from_leaflet_locale_and_variant(fixture_dist):
    identifiers = set()
    for leaflet, locale, variant in EVERY:
        permanent, changing = PdfReader(pdf(fixture_dist, leaflet, locale, variant)).trailer["/ID"]
        # The permanent part names the document: the same for every build of this output.
        expected = hashlib.sha256(f"{leaflet}/{locale}/{variant}".encode()).hexdigest()[:32]
        permanent, changing = (getattr(part, "original_bytes", part)
                               for part in (permanent, changing))
        assert permanent == expected.encode()
        assert len(changing) == 32  # this part follows the content (PDF 2.0, 14.4)
        identifiers.add(permanent)
    assert len(identifiers) == len(EVERY)


def qr_codes(path) -> list[str]:
    """What every QR code printed in the PDF encodes, read from the pages at 300 dpi."""
    found = []
    for page in pdfium.PdfDocument(path):
        image = page.render(scale=300 / 72).to_pil().convert("L")
        found += [code.text for code in zxingcpp.read_barcodes(image)
                  if code.format == zxingcpp.BarcodeFormat.QRCode]
    return found


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_the_qr_code_encodes_the_leaflets_web_address(fixture_dist, leaflet, locale, variant):
    address = f"{SITE}/{locale}/{leaflet}/"
    assert qr_codes(pdf(fixture_dist, leaflet, locale, variant)) == [address]
    assert address in "".join(pdftotext(pdf(fixture_dist, leaflet, locale, variant)).split())


def test_the_qr_check_reads_what_a_wrong_code_says(tmp_path):
    """The decoder reports the address a code holds, so a wrong address cannot pass."""
    import segno
    from PIL import Image

    segno.make(f"{SITE}/en/someone-else/", error="m").save(tmp_path / "qr.png", scale=8,
                                                            border=4)
    with Image.open(tmp_path / "qr.png") as image:
        [code] = zxingcpp.read_barcodes(image.convert("L"))
    assert code.text == f"{SITE}/en/someone-else/"
