"""Nothing runs off the page: every character of every page lies inside the text column.

A small project of its own holds the hostile cases (tests/data/overflow: a 100-letter
word, a 78-character code, a 150-character address and a 60-digit number in every block
type), in English and in a Chinese catalog; the real build's PDFs are checked the same way.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pypdfium2
import pytest

from leafpress.cli import main
from leafpress.core.project import Project

from helpers import ROOT, Chromium, approve

OVERFLOW = Path(__file__).parent / "data" / "overflow"
MM = 72 / 25.4
# Glyph boxes are measured on the outlines; anti-aliasing and rounding stay below this.
TOLERANCE = 0.5  # pt


def run(project: Project, *arguments: str) -> int:
    return main(["--project", str(project.root), *arguments])


def side_margins(templates: Path, variant: str) -> tuple[float, float]:
    """Return the page's left and right margins in pt, as the stylesheet sets them.

    Standard pages take the first ``@page`` rule of leaflet.css; large print the one the
    template adds for that variant.
    """
    if variant == "standard":
        text = (templates / "leaflet.css").read_text("utf-8")
        found = re.search(r"@page \{\s*size: A4;\s*margin: ([^;]+);", text)
    else:
        text = (templates / "leaflet.html.j2").read_text("utf-8")
        found = re.search(r'variant == "large-print" %}\s*@page \{\s*margin: ([^;]+);', text)
    _, right, _, left = (float(value.removesuffix("mm")) * MM for value in found[1].split())
    return left, right


def characters_outside(path: Path, margins: tuple[float, float]) -> list[str]:
    """Return every character of ``path`` whose box crosses the left or right margin."""
    left_margin, right_margin = margins
    outside = []
    document = pypdfium2.PdfDocument(path)
    try:
        for number in range(len(document)):
            page = document[number]
            width = page.get_width()
            text = page.get_textpage()
            for index in range(text.count_chars()):
                char = text.get_text_range(index, 1)
                if not char.strip():
                    continue
                left, _, right, _ = text.get_charbox(index)
                if left < left_margin - TOLERANCE or right > width - right_margin + TOLERANCE:
                    outside.append(f"page {number + 1}: {char!r} from {left:.1f} to "
                                   f"{right:.1f} pt (column {left_margin:.1f}–"
                                   f"{width - right_margin:.1f})")
    finally:
        document.close()
    return outside


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Project, Path]:
    """The hostile project, in English and Chinese, built in both variants."""
    root = tmp_path_factory.mktemp("overflow") / "project"
    shutil.copytree(OVERFLOW / "leaflets", root / "leaflets")
    for part in ("templates", "brand"):
        shutil.copytree(ROOT / part, root / part)
    (root / "locales").mkdir()
    project = Project.at(root)
    approve(project)
    assert run(project, "extract") == 0
    assert run(project, "init", "zh_Hans") == 0
    _translate(project.po_file("zh_Hans"))
    dist = root / "dist"
    assert run(project, "build", "--strict", "--jobs", "1", "--output", str(dist)) == 0
    return project, dist


def _translate(path: Path) -> None:
    """Give every text a "translation": the English behind a Chinese mark."""
    lines = path.read_text("utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.startswith('msgid "') and line != 'msgid ""' and lines[index + 1] == 'msgstr ""':
            lines[index + 1] = 'msgstr "中文 ' + line[len('msgid "'):]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _pdfs(dist: Path) -> list[dict]:
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    return [output for output in manifest["outputs"] if output["format"] == "pdf"]


def test_the_hostile_project_has_every_locale_and_variant(hostile):
    _, dist = hostile
    assert {(output["locale"], output["variant"]) for output in _pdfs(dist)} == {
        ("en", "standard"), ("en", "large-print"),
        ("zh-Hans", "standard"), ("zh-Hans", "large-print")}


def test_hostile_text_stays_inside_the_column(hostile):
    project, dist = hostile
    for output in _pdfs(dist):
        margins = side_margins(project.templates_dir, output["variant"])
        assert characters_outside(dist / output["path"], margins) == [], output["path"]


def test_the_check_finds_a_character_off_the_page(hostile, tmp_path):
    """The measure itself: with wrapping switched off, the hostile PDF fails it."""
    project, _ = hostile
    css = project.templates_dir / "leaflet.css"
    copy = Project.at(tmp_path / "project")
    shutil.copytree(project.root, copy.root, ignore=shutil.ignore_patterns("dist"))
    stylesheet = copy.templates_dir / "leaflet.css"
    stylesheet.write_text(css.read_text("utf-8").replace("overflow-wrap: anywhere;",
                                                         "overflow-wrap: normal;"), "utf-8")
    dist = tmp_path / "dist"
    assert run(copy, "build", "--variant", "standard", "--jobs", "1", "--output",
               str(dist)) == 0
    english = dist / "en" / "hostile.pdf"
    outside = characters_outside(english, side_margins(copy.templates_dir, "standard"))
    assert len(outside) > 100


def test_the_real_build_stays_inside_the_column(dist, manifest):
    templates = ROOT / "templates"
    for output in manifest["outputs"]:
        if output["format"] == "pdf":
            margins = side_margins(templates, output["variant"])
            assert characters_outside(dist / output["path"], margins) == [], output["path"]


def pages_wider_than(width: int, pages: list[Path], profile: Path) -> list[str]:
    """Return the web pages among ``pages`` that scroll sideways in a ``width`` px window."""
    chromium = Chromium(profile)
    wide = []
    try:
        for page in pages:
            assert chromium.open(page.as_uri(), width=width) == [], page
            if chromium.evaluate("document.documentElement.scrollWidth") > width:
                wide.append(page.name)
    finally:
        chromium.close()
    return wide


def test_hostile_web_pages_need_no_sideways_scrolling_at_320_px(hostile, tmp_path):
    _, dist = hostile
    pages = [dist / locale / "hostile" / "index.html" for locale in ("en", "zh-Hans")]
    assert pages_wider_than(320, pages, tmp_path / "profile") == []


def test_the_real_web_pages_need_no_sideways_scrolling_at_320_px(dist, manifest, tmp_path):
    pages = [dist / output["path"] for output in manifest["outputs"]
             if output["format"] == "html"]
    assert pages and pages_wider_than(320, pages, tmp_path / "profile") == []


def test_links_print_their_address_on_paper_and_not_on_screen(hostile):
    _, dist = hostile
    leaflet = (OVERFLOW / "leaflets" / "hostile.yaml").read_text("utf-8")
    address = re.search(r"\[our website\]\((\S+?)\)", leaflet)[1]
    document = pypdfium2.PdfDocument(dist / "en" / "hostile.pdf")
    try:
        text = "".join("".join(document[number].get_textpage().get_text_range().split())
                       for number in range(len(document)))
    finally:
        document.close()
    text = text.replace("\ufffe", "-")  # PDFium's mark for a hyphen that ends a line
    assert text.count(f"ourwebsite({address})") == 8  # every block type with the link
    assert "theward(+441632960999)" in text
    page = (dist / "en" / "hostile" / "index.html").read_text("utf-8")
    assert f'<a href="{address}">our website</a>' in page and "link-address" not in page
