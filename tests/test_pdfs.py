"""Read the built PDFs back: text, metadata, structure, fonts, pages."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import subprocess

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from leafpress.core.project import VARIANTS

from helpers import (entry, every_edition, every_output, flat, leaflet_source, leaflets, locales,
                     pdftotext, title)

EVERY = every_output()


def test_the_manifest_lists_a_pdf_for_every_leaflet_locale_and_variant(dist, manifest):
    """The parametrised checks below cover what was built: each leaflet in English and in
    each language that wholly translates it. Every other output of a language still being
    translated is skipped (or, if the texts it needs happen to be there, built)."""
    pdfs = [o for o in manifest["outputs"] if o["format"] == "pdf"]
    built = {(o["leaflet"], o["locale"], o["variant"]) for o in pdfs}
    skipped = {(o["leaflet"], o["locale"], o["variant"]) for o in manifest["skipped"]}
    assert set(EVERY) <= built and not built & skipped
    assert built | skipped == {(leaflet, locale, variant) for leaflet in leaflets()
                               for locale in locales() for variant in VARIANTS}
    assert manifest["kept"] == []
    on_disk = sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*.pdf"))
    assert on_disk == sorted(o["path"] for o in pdfs)
    for output in pdfs:
        pdf = (dist / output["path"]).read_bytes()
        assert output["draft"] is False
        assert output["bytes"] == len(pdf)
        assert output["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert output["pages"] == len(PdfReader(dist / output["path"]).pages)


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_pdf_passes_qpdf_check(dist, manifest, leaflet, locale, variant):
    path = dist / entry(manifest, leaflet, locale, variant)["path"]
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_title_language_and_tags(dist, manifest, leaflet, locale, variant):
    reader = PdfReader(dist / entry(manifest, leaflet, locale, variant)["path"])
    root = reader.trailer["/Root"]
    assert reader.metadata.title == title(leaflet, locale)
    assert root["/Lang"] == locale
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_every_font_is_embedded(dist, manifest, leaflet, locale, variant):
    reader = PdfReader(dist / entry(manifest, leaflet, locale, variant)["path"])
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"] \
                if "/DescendantFonts" in font else font["/FontDescriptor"]
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    if locale.startswith("zh"):
        # Chinese comes from the build's subset of Noto Sans CJK SC, never the full font.
        assert {name.split("+")[1] for name in fonts} == {"Leaflet-CJK", "Leaflet-CJK-Bold"}


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_text_reads_back(dist, manifest, leaflet, locale, variant):
    text = pdftotext(dist / entry(manifest, leaflet, locale, variant)["path"])
    flat = " ".join(text.split())
    assert title(leaflet, locale) in flat
    assert "\ufffd" not in text  # no glyph without a Unicode mapping
    if locale.startswith("zh"):
        chinese = sum("\u4e00" <= char <= "\u9fff" for char in text)
        assert chinese > 500, f"only {chinese} Chinese characters extracted"
        assert "第 1 页，共" in flat


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_headings_are_bookmarks(dist, manifest, leaflet, locale, variant):
    reader = PdfReader(dist / entry(manifest, leaflet, locale, variant)["path"])
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[0] == title(leaflet, locale)
    assert len(reader.outline) >= 2


@pytest.mark.parametrize(("leaflet", "locale"), every_edition())
def test_page_count_is_sensible(manifest, leaflet, locale):
    assert 2 <= entry(manifest, leaflet, locale)["pages"] <= 12


# A figure with its unit, as a leaflet's English gives it: "110 micromoles per litre
# (µmol/L)", "24 mEq/L (12 mmol/L)", "30–50 mg/kg", "6 hours".
FIGURE = re.compile(r"\d+(?:[.,]\d+)?(?:–\d+(?:\.\d+)?)? ?(?:micromoles per litre \(µmol/L\)|"
                    r"µmol/L|mmol/L|mEq/L|mg/kg/h|mg/kg|mg|hours?|minutes?|weeks?)")


@pytest.mark.parametrize("leaflet", leaflets())
def test_every_figure_with_a_unit_is_printed_as_the_leaflet_gives_it(dist, manifest, leaflet):
    source = json.dumps(leaflet_source(leaflet), ensure_ascii=False)
    figures = set(FIGURE.findall(source))
    text = flat(pdftotext(dist / entry(manifest, leaflet, "en")["path"]))
    assert [figure for figure in sorted(figures) if figure not in text] == []


@pytest.mark.parametrize(("leaflet", "locale"), every_edition())
def test_governance_is_printed(dist, manifest, leaflet, locale):
    """Reference, version, dates, owner and sources, as the YAML gives them (dates in the
    locale's own form, from CLDR through Babel, not through leafpress)."""
    source = leaflet_source(leaflet)
    text = flat(pdftotext(dist / entry(manifest, leaflet, locale)["path"]))
    name = {"en": "en_GB"}.get(locale, locale.replace("-", "_"))
    expected = [source["reference"], source["version"],
                *(format_date(datetime.date.fromisoformat(source[key]), "long", locale=name)
                  for key in ("published", "review_by"))]
    if locale == "en":
        expected.append(source["owner"]["department"])
    assert [item for item in expected if item not in text] == []
    # An address may break after a slash at the end of a line.
    addresses = [item["url"] for item in source.get("sources", []) if "url" in item]
    assert [url for url in addresses if url not in "".join(text.split())] == []