"""The web page of each leaflet in each language: the PDF's content, for the screen."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from leafpress.cli import main

from leafpress.content.brand import load_brand
from leafpress.content.leaflet import load_leaflet
from leafpress.rendering.document import render_html, template_environment
from leafpress.translation.translations import Translations

from helpers import (XHTML, Chromium, direction, entry, every_edition, links, loads,
                     local_references, parse, remote, small_project, text, title)

OUTPUTS = every_edition()


def outline_titles(items) -> list[str]:
    """Every bookmark title of a PDF, in reading order."""
    return [title for item in items
            for title in (outline_titles(item) if isinstance(item, list) else [item.title])]


def test_one_web_page_per_leaflet_and_locale(dist, manifest):
    pages = [output for output in manifest["outputs"] if output["format"] == "html"]
    assert sorted((page["leaflet"], page["locale"]) for page in pages) == sorted(OUTPUTS)
    for page in pages:
        content = (dist / page["path"]).read_bytes()
        assert page["path"] == f"{page['locale']}/{page['leaflet']}/index.html"
        assert (page["variant"], page["pages"], page["draft"]) == ("standard", None, False)
        assert (page["bytes"], page["sha256"]) == (len(content),
                                                   hashlib.sha256(content).hexdigest())


@pytest.mark.parametrize(("leaflet", "locale"), OUTPUTS)
def test_web_page_has_the_pdfs_headings_language_and_title(dist, manifest, leaflet, locale):
    root = parse(dist / entry(manifest, leaflet, locale, format="html")["path"])
    assert (root.get("lang"), root.get("dir")) == (locale, direction(locale))
    assert text(root.find(f"{XHTML}head/{XHTML}title")) == title(leaflet, locale)
    headings = [text(element) for element in root.iter()
                if element.tag in (f"{XHTML}h1", f"{XHTML}h2", f"{XHTML}h3")]
    pdf = PdfReader(dist / entry(manifest, leaflet, locale)["path"])
    assert headings == [" ".join(title.split()) for title in outline_titles(pdf.outline)]
    for image in root.iter(f"{XHTML}img"):
        assert image.get("alt"), image.get("src")


@pytest.mark.parametrize(("leaflet", "locale"), OUTPUTS)
def test_web_page_is_for_the_screen_and_works_offline(dist, manifest, leaflet, locale):
    path = dist / entry(manifest, leaflet, locale, format="html")["path"]
    root = parse(path)
    html = path.read_text("utf-8")
    assert "@page" not in html  # running headers and page numbers are for paper
    assert not list(root.iter(f"{XHTML}script"))
    assert 'class="qr"' not in html  # no QR code on screen, but the address is linked
    assert f"https://leaflets.northgate-hospital.example/{locale}/{leaflet}/" in links(root)
    # Only links go to the web: everything the page itself loads is a file beside it.
    assert loads(root) and remote(loads(root)) == []
    references = local_references(root)
    assert "../../assets/leaflet.css" in references and "../../assets/brand/logo.svg" in references
    for reference in references:
        target = (path.parent / unquote(reference)).resolve()
        assert target.is_relative_to(dist.resolve()) and target.is_file(), reference


def test_the_screen_styles_are_in_the_one_stylesheet(dist):
    copied = (dist / "assets" / "leaflet.css").read_text("utf-8")
    assert "@media screen" in copied
    for font in ("AtkinsonHyperlegible-Regular.ttf", "AtkinsonHyperlegible-Bold.ttf"):
        assert f'url("fonts/{font}")' in copied
        assert (dist / "assets" / "fonts" / font).is_file()
    assert (dist / "assets" / "fonts" / "OFL.txt").is_file()  # the fonts' licence goes along


def test_a_brands_logo_and_font_files_go_with_the_web_pages(fixture_project, tmp_path):
    project = fixture_project
    brand = tmp_path / "brand"
    shutil.copytree(Path(__file__).parent / "data" / "brands" / "riverside", brand)
    for style in ("Regular", "Bold"):
        shutil.copy(project.templates_dir / "fonts" / f"AtkinsonHyperlegible-{style}.ttf",
                    brand / f"Brand-{style}.ttf")
    settings = brand / "brand.yaml"
    settings.write_text(settings.read_text("utf-8").replace(
        "  family: DejaVu Sans", "  regular: Brand-Regular.ttf\n  bold: Brand-Bold.ttf"), "utf-8")
    dist = tmp_path / "dist"
    assert main(["--project", str(project.root), "build", "--variant", "standard",
                 "--brand", str(settings), "--output", str(dist)]) == 0
    page = (dist / "en" / "alpha" / "index.html").read_text("utf-8")
    assert "src: url(../../assets/brand/Brand-Regular.ttf)" in page
    assert "src: url(../../assets/brand/Brand-Bold.ttf)" in page
    for name in ("Brand-Regular.ttf", "Brand-Bold.ttf", "logo.svg"):
        assert (dist / "assets" / "brand" / name).read_bytes() == (brand / name).read_bytes()
    assert "Riverside Community Health" in (dist / "index.html").read_text("utf-8")


def test_the_offline_check_finds_what_a_page_would_load_from_the_web(tmp_path):
    """The check above fires: a remote image, stylesheet or CSS url() is found; links are not."""
    page = tmp_path / "page.html"
    page.write_text(
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.example/x.css">'
        '<style>body { background: url("http://example.org/b.png") }</style></head><body>'
        '<img src="//example.org/x.png" alt=""><img src="../assets/logo.svg" alt="">'
        '<a href="https://example.org/">a link</a></body></html>', "utf-8")
    root = parse(page)
    assert remote(loads(root)) == ["//example.org/x.png", "https://cdn.example/x.css",
                                   "http://example.org/b.png"]
    assert links(root) == ["https://example.org/"]


# In a real browser: tables break between words (issue 23) ----------------------------------

WIDTHS = (1280, 768, 375, 320)
# Every word of every table cell and caption whose client rects lie on more than one line:
# a word broken inside. Words of CJK characters are left out: a Chinese line may break
# between any two of them (UAX #14). And whether the page scrolls sideways.
BROKEN_WORDS = r"""(() => {
  const cjk = /[\u3000-\u9fff\uff00-\uffef]/;
  const words = new Intl.Segmenter(document.documentElement.lang, {granularity: 'word'});
  const broken = [];
  let seen = 0;
  for (const cell of document.querySelectorAll('table th, table td, table caption')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of words.segment(node.data)) {
        if (!word.isWordLike || cjk.test(word.segment)) continue;
        seen++;
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word.segment.length);
        const lines = new Set([...range.getClientRects()].filter(rect => rect.width > 0)
                                                         .map(rect => Math.round(rect.top)));
        if (lines.size > 1) broken.push(word.segment);
      }
    }
  }
  return {seen, broken, sideways: document.documentElement.scrollWidth > innerWidth};
})()"""
# Where each caption's and header cell's text starts and ends, and where its box does.
EDGES = r"""[...document.querySelectorAll('table.history caption, table.history th')].map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const text = range.getBoundingClientRect(), box = cell.getBoundingClientRect();
  const style = getComputedStyle(cell);
  return {left: text.left - box.left - parseFloat(style.paddingLeft),
          right: box.right - parseFloat(style.paddingRight) - text.right};
})"""
# A few of the fixture leaflet's texts in Arabic, for a right-to-left web page.
ARABIC = {"Alpha test leaflet": "نشرة اختبار ألفا", "Version history": "سجل الإصدارات",
          "Version": "الإصدار", "Change": "التغيير", "Approved by": "وافق عليه"}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def fixture_pages(fixture_dist, tmp_path_factory) -> Path:
    """The fixture project's web pages, and its leaflet's page in (partly translated) Arabic."""
    dist = tmp_path_factory.mktemp("pages") / "dist"
    shutil.copytree(fixture_dist, dist)
    project = small_project(tmp_path_factory.mktemp("arabic") / "small")
    page = render_html(template_environment(project), project,
                       load_leaflet(project.leaflets_dir / "alpha.yaml", project.root),
                       load_brand(project.brand_file), Translations("ar", ARABIC), ["en"],
                       medium="screen")
    (dist / "ar" / "alpha").mkdir(parents=True)
    (dist / "ar" / "alpha" / "index.html").write_text(page.html, "utf-8")
    return dist


def web_pages(dist: Path) -> list[Path]:
    return sorted(dist.glob("*/*/index.html"))


@pytest.mark.parametrize("width", WIDTHS)
def test_table_cells_break_between_words_at_every_width(dist, fixture_pages, browser, width):
    pages = web_pages(dist) + web_pages(fixture_pages)
    assert any(page.parts[-3] == "ar" for page in pages)
    for page in pages:
        assert browser.open(page.as_uri(), width) == [], page
        measured = browser.evaluate(BROKEN_WORDS)
        assert measured["seen"] > 10, page
        assert (measured["broken"], measured["sideways"]) == ([], False), page


def test_a_table_wider_than_a_phone_scrolls_in_its_own_region(fixture_pages, browser):
    """At 320 px the version history is wider than the page: it scrolls, the page does not,
    and the keyboard reaches it (axe's scrollable-region-focusable)."""
    browser.open((fixture_pages / "en" / "alpha" / "index.html").as_uri(), 320)
    assert browser.evaluate("""[...document.querySelectorAll('.table-scroll')].map(region =>
        [region.querySelector('table').className, region.tabIndex,
         region.scrollWidth > region.clientWidth])""") == [
        ["data", 0, False], ["history", 0, True]]
    assert browser.accessibility_violations() == []


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_history_caption_and_headers_start_at_the_pages_start(fixture_pages, browser, locale):
    browser.open((fixture_pages / locale / "alpha" / "index.html").as_uri(), 1280)
    edges = browser.evaluate(EDGES)
    assert len(edges) == 6  # the caption and five column headers
    start = "left" if locale == "en" else "right"
    assert all(abs(edge[start]) < 1 for edge in edges), edges
    assert all(edge["left" if start == "right" else "right"] > 1 for edge in edges), edges


@pytest.mark.parametrize("width", [1280, 320])
def test_web_pages_have_no_accessibility_violations(dist, fixture_pages, browser, width):
    for page in web_pages(dist) + web_pages(fixture_pages):
        browser.open(page.as_uri(), width)
        assert browser.accessibility_violations() == [], page
