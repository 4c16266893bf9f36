"""Read the built PDFs back: text, metadata, structure, fonts, pages."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from leafpress.leaflet import load_leaflet
from leafpress.project import Project
from leafpress.translation import load_translations

ROOT = Path(__file__).resolve().parent.parent
LEAFLETS = ("ketamine-infusion", "magnesium-and-pain", "magnesium-infusion")
LOCALES = ("en", "zh-Hans")
OUTPUTS = [(leaflet, locale) for leaflet in LEAFLETS for locale in LOCALES]
EVERY = [(leaflet, locale, variant) for leaflet in LEAFLETS for locale in LOCALES
         for variant in ("standard", "large-print")]


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def entry(manifest, leaflet, locale, variant="standard", format="pdf") -> dict:
    [found] = [output for output in manifest["outputs"] if (
        output["leaflet"], output["locale"], output["variant"], output["format"]) == (
        leaflet, locale, variant, format)]
    return found


def expected_title(leaflet: str, locale: str) -> str:
    """The leaflet's title as the catalog translates it."""
    project = Project.at(ROOT)
    title = load_leaflet(project.leaflets_dir / f"{leaflet}.yaml").leaflet.title
    translations, _ = load_translations(project, locale.replace("-", "_"))
    return translations.lookup(title)


def test_manifest_lists_six_standard_pdfs(dist, manifest):
    pdfs = [o for o in manifest["outputs"] if o["format"] == "pdf"]
    standard = [o for o in pdfs if o["variant"] == "standard"]
    assert sorted((o["leaflet"], o["locale"]) for o in standard) == sorted(OUTPUTS)
    assert manifest["skipped"] == []
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
    assert reader.metadata.title == expected_title(leaflet, locale)
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
    if locale == "zh-Hans":
        # Chinese comes from the build's subset of Noto Sans CJK SC, never the full font.
        assert {name.split("+")[1] for name in fonts} == {"Leaflet-CJK", "Leaflet-CJK-Bold"}


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_text_reads_back(dist, manifest, leaflet, locale, variant):
    text = pdftotext(dist / entry(manifest, leaflet, locale, variant)["path"])
    flat = " ".join(text.split())
    assert expected_title(leaflet, locale) in flat
    assert "\ufffd" not in text  # no glyph without a Unicode mapping
    if locale == "zh-Hans":
        chinese = sum("\u4e00" <= char <= "\u9fff" for char in text)
        assert chinese > 500, f"only {chinese} Chinese characters extracted"
        assert "第 1 页，共" in flat


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_headings_are_bookmarks(dist, manifest, leaflet, locale, variant):
    reader = PdfReader(dist / entry(manifest, leaflet, locale, variant)["path"])
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[0] == expected_title(leaflet, locale)
    assert len(reader.outline) >= 2


@pytest.mark.parametrize(("leaflet", "locale"), OUTPUTS)
def test_page_count_is_sensible(manifest, leaflet, locale):
    assert 2 <= entry(manifest, leaflet, locale)["pages"] <= 12


def test_creatinine_limit_printed_in_micromoles(dist, manifest):
    text = " ".join(pdftotext(dist / entry(manifest, "magnesium-infusion", "en")["path"]).split())
    assert "110 micromoles per litre (µmol/L)" in text
    assert "mmol/L" not in text


def test_governance_is_printed(dist, manifest):
    english = " ".join(pdftotext(dist / entry(manifest, "magnesium-infusion", "en")["path"]).split())
    for expected in ("PAIN-014", "Version 1.0", "21 November 2026", "21 November 2028",
                     "Pain Management Service", "Page 1 of", "Also available in: 简体中文",
                     "https://doi.org/10.1111/anae.12107"):
        assert expected in english
    chinese = " ".join(pdftotext(dist / entry(manifest, "magnesium-infusion", "zh-Hans")["path"])
                       .split())
    for expected in ("2026年11月21日", "2028年11月21日", "English"):
        assert expected in chinese
