"""The CJK subset: small Chinese PDFs that never lack a glyph."""

from __future__ import annotations

from pypdf import PdfReader

from leafpress.cli import main
from leafpress.rendering.fonts import characters

from helpers import pdftotext


def embedded_fonts(path) -> set[str]:
    reader = PdfReader(path)
    return {str(font.get_object()["/BaseFont"]).split("+")[-1]
            for page in reader.pages for font in page["/Resources"]["/Font"].values()}


def test_chinese_pdfs_are_far_smaller_than_with_the_installed_font(manifest):
    chinese = {output["path"]: output["bytes"] for output in manifest["outputs"]
               if output["locale"].startswith("zh") and output["format"] == "pdf"
               and output["variant"] == "standard"}
    assert chinese
    # The full font made 363–428 KB of the shipped ones; the subset makes 101–155 KB.
    assert {path: size for path, size in chinese.items() if size >= 170_000} == {}


def test_a_new_character_makes_a_new_subset_and_is_printed(fixture_project, tmp_path,
                                                          font_cache):
    project = fixture_project
    po = project.root / "locales/zh_Hans/LC_MESSAGES/messages.po"
    text = po.read_text("utf-8")
    # 龘 (U+9F98) appears in no leaflet: a cached subset cannot have it.
    assert 'msgstr "这是一份真实的资料吗？"' in text and "龘" not in text
    po.write_text(text.replace('msgstr "这是一份真实的资料吗？"', 'msgstr "这是一份真实的资料龘吗？"'),
                  "utf-8")
    before = set(font_cache.glob("*.otf"))
    dist = tmp_path / "dist"
    assert main(["--project", str(project.root), "build", "--variant", "standard",
                 "--output", str(dist)]) == 0
    new = set(font_cache.glob("*.otf")) - before
    assert {path.name.split("-")[1] for path in new} == {"regular", "bold"}
    pdf = dist / "zh-Hans" / "alpha.pdf"
    extracted = pdftotext(pdf)
    assert "这是一份真实的资料龘吗？" in "".join(extracted.split())
    assert embedded_fonts(pdf) == {"Leaflet-CJK", "Leaflet-CJK-Bold"}


def test_characters_include_css_escapes_from_margin_boxes():
    assert {"页", "，"} <= characters('<style>content: "\\9875 \\ff0c "</style>')
