"""The catalogue, dist/index.html: its content, and the page in a real browser (Chromium)."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from leafpress.cli import main
from leafpress.publishing.catalogue import THUMBNAIL_WIDTH, human_size

from helpers import (BROKEN_IMAGES, XHTML, Chromium, direction, editions, leaflet_source, leaflets,
                     local_references, locales, parse, summary, text, title)

# How the catalogue names a language: in its own language, then in English (Babel's CLDR
# names; these two are written out so that a change in the names shows).
LANGUAGES = {"en": "English", "zh-Hans": "简体中文 · Chinese (Simplified)"}
AUDIENCES = {"patient": "Patients", "clinician": "Healthcare professionals"}


def heading_is_right(heading: str, locale: str) -> bool:
    """Whether an edition's heading names ``locale``: literally for the languages above,
    else its own name (any) and then its English name from CLDR."""
    if locale in LANGUAGES:
        return heading == LANGUAGES[locale]
    from babel import Locale
    own, english = heading.split(" · ")
    return bool(own) and english == Locale.parse(locale, sep="-").get_display_name("en")


@pytest.fixture(scope="module")
def index(dist):
    return parse(dist / "index.html")


def test_every_output_in_the_manifest_is_linked_once_with_its_size(index, manifest):
    anchors = [element for element in index.iter(f"{XHTML}a") if element.get("type")]
    counted = Counter(element.get("href") for element in anchors)
    assert [path for path, count in counted.items() if count > 1] == []  # no duplicate
    assert sorted(counted) == sorted(output["path"] for output in manifest["outputs"])
    links = {element.get("href"): element for element in anchors}
    # Each link is followed by its size, and a PDF's by its page count.
    sizes = {element.get("href"): text(item.find(f"{XHTML}span"))
             for item in index.iter(f"{XHTML}li") for element in item.findall(f"{XHTML}a")}
    for output in manifest["outputs"]:
        kind = "braille " if output["format"] == "braille" else ""
        pages = f", {output['pages']} {kind}pages" if output["pages"] else ""
        assert sizes[output["path"]] == f"({human_size(output['bytes'])}{pages})"
        expected = {"pdf": "application/pdf", "html": "text/html", "braille": "text/plain",
                    "epub": "application/epub+zip"}[output["format"]]
        assert links[output["path"]].get("type") == expected
        assert links[output["path"]].get("hreflang") == output["locale"]


def test_sizes_read_as_people_write_them():
    assert [human_size(size) for size in (0, 1023, 1024, 33_793, 1024 * 1024 - 1, 1_258_291)] \
        == ["0 bytes", "1023 bytes", "1 KB", "33 KB", "1024 KB", "1.2 MB"]


def test_every_leaflet_has_its_title_in_each_language_with_its_language_tag(index):
    articles = list(index.iter(f"{XHTML}article"))
    assert [article.get("aria-labelledby") for article in articles] == leaflets()
    for leaflet, article in zip(leaflets(), articles):
        assert text(article.find(f"{XHTML}h2")) == title(leaflet, "en")
        editions_shown = article.findall(f".//{XHTML}li[@class='edition']")
        headings = [text(edition.find(f".//{XHTML}h3")) for edition in editions_shown]
        assert len(headings) == len(locales())
        assert all(heading_is_right(heading, locale)
                   for heading, locale in zip(headings, locales())), headings
        for locale, edition in zip(locales(), editions_shown):
            shown = edition.find(f".//{XHTML}p[@class='title']")
            if locale not in editions(leaflet):  # a language still being translated
                skipped = text(edition.find(f".//{XHTML}p[@class='skipped']"))
                assert skipped.startswith("Not published: the translation is incomplete (")
                continue
            assert (shown.get("lang"), shown.get("dir")) == (locale, direction(locale))
            assert text(shown) == title(leaflet, locale)
            assert edition.find(f".//{XHTML}h3/{XHTML}span").get("lang") == locale


def test_each_leaflet_shows_audience_version_and_review_date(index):
    facts = {article.get("aria-labelledby"): {
        text(pair.find(f"{XHTML}dt")): text(pair.find(f"{XHTML}dd"))
        for pair in article.find(f"{XHTML}dl")} for article in index.iter(f"{XHTML}article")}
    assert sorted(facts) == sorted(leaflets())
    for leaflet, shown in facts.items():
        source = leaflet_source(leaflet)
        assert shown == {
            "Reference": source["reference"], "For": AUDIENCES[source["audience"]],
            "Version": source["version"], "Published": english_date(source["published"]),
            "Review date": english_date(source["review_by"]),
            "Written by": source["owner"]["department"]}


def english_date(iso: str) -> str:
    date = datetime.date.fromisoformat(iso)
    return f"{date.day} {date:%B %Y}"


def test_thumbnails_show_the_first_page_of_each_standard_pdf(dist, index, manifest):
    thumbnails = [image for image in index.iter(f"{XHTML}img") if image.get("class")]
    pdfs = [output for output in manifest["outputs"]
            if (output["format"], output["variant"]) == ("pdf", "standard")]
    assert sorted(image.get("src") for image in thumbnails) == sorted(
        output["path"].replace(".pdf", ".png") for output in pdfs)
    files = {file["path"]: file for file in manifest["files"]}
    for image in thumbnails:
        with Image.open(dist / image.get("src")) as png:
            assert png.format == "PNG"
            assert png.size == (THUMBNAIL_WIDTH, round(THUMBNAIL_WIDTH * 297 / 210))
            assert (image.get("width"), image.get("height")) == tuple(map(str, png.size))
            colours = png.convert("L").getcolors(256)
        assert len(colours) > 8  # text and the brand's colours, not a blank page
        assert image.get("alt").startswith("First page of the ")
        assert image.get("src") in files
    alts = [image.get("alt") for image in thumbnails]
    assert len(set(alts)) == len(alts)  # each names its language and leaflet


def test_the_page_is_accessible_structure(index):
    assert (index.get("lang"), index.get("dir")) == ("en", "ltr")
    assert text(index.find(f"{XHTML}head/{XHTML}title")) == "Leaflets — Northgate Hospital"
    levels = [int(element.tag[-1]) for element in index.iter()
              if element.tag in (f"{XHTML}h1", f"{XHTML}h2", f"{XHTML}h3")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:]))
    assert all(image.get("alt") is not None for image in index.iter(f"{XHTML}img"))
    assert not list(index.iter(f"{XHTML}script"))


def test_everything_the_catalogue_uses_is_listed_and_intact(dist, index, manifest):
    files = {file["path"] for file in manifest["files"]}
    assert {"index.html", "assets/brand/logo.svg"} <= files
    outputs = {output["path"] for output in manifest["outputs"]}
    references = {unquote(reference) for reference in local_references(index)}
    fonts = re.findall(r'url\("([^"]+)"\)', text(index.find(f"{XHTML}head/{XHTML}style")))
    assert fonts and references | set(fonts) <= outputs | files | {"manifest.json"}
    for file in manifest["files"]:
        content = (dist / file["path"]).read_bytes()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (file["bytes"],
                                                                       file["sha256"])


def test_a_damaged_catalogue_is_written_again(built_project, manifest, capsys):
    project, dist = built_project
    arguments = ["--project", str(project.root), "--output", str(dist)]
    reused = f"0 built, {len(manifest['outputs'])} reused"
    original = (dist / "index.html").read_bytes()
    damaged = next(dist.rglob("*.png"))
    thumbnail = damaged.read_bytes()
    (dist / "index.html").unlink()
    damaged.write_bytes(b"not a PNG")
    assert main(arguments) == 0
    assert summary(capsys.readouterr().out).startswith(reused)
    assert (dist / "index.html").read_bytes() == original
    assert damaged.read_bytes() == thumbnail
    # The catalogue's template does not change a PDF: editing it renders none again.
    template = project.templates_dir / "index.html.j2"
    template.write_text(template.read_text("utf-8").replace("<h1>Patient information leaflets",
                                                            "<h1>Our leaflets"), "utf-8")
    assert main(arguments) == 0
    assert summary(capsys.readouterr().out).startswith(reused)
    assert "<h1>Our leaflets</h1>" in (dist / "index.html").read_text("utf-8")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


# What the rendered page links to, what it loaded, and whether each image was decoded.
LINKS = "[...document.querySelectorAll('a[href]')].map(a => a.href)"
LOADED = """[...document.images].map(img => img.currentSrc).concat(
  [...document.querySelectorAll('link[href]')].map(link => link.href),
  performance.getEntriesByType('resource').map(entry => entry.name))"""
# Load every @font-face of the page: "FAMILY WEIGHT" each, or why it failed.
FONTS = """Promise.all([...document.fonts].map(face => face.load().then(
  () => face.family.replaceAll('"', '') + ' ' + face.weight,
  error => 'failed: ' + face.family + ' ' + error)))"""


def test_the_catalogue_loads_in_chromium_and_every_link_resolves(dist, manifest, browser,
                                                                 tmp_path_factory):
    errors = browser.open((dist / "index.html").as_uri())
    assert errors == []
    assert browser.evaluate(BROKEN_IMAGES) == []
    assert browser.evaluate(FONTS) == ["Atkinson Hyperlegible 400", "Atkinson Hyperlegible 700"]
    # Everything the page loaded is a file in dist/; only links may lead to the web.
    loaded = browser.evaluate(LOADED)
    assert loaded and [url for url in loaded if not in_dist(url, dist)] == []
    linked = set()
    for url in browser.evaluate(LINKS):
        if urlsplit(url).scheme in ("https", "http"):
            continue
        assert in_dist(url, dist), url
        linked.add(Path(unquote(urlsplit(url).path)).relative_to(dist).as_posix())
    assert {output["path"] for output in manifest["outputs"]} <= linked
    # Wide enough for two languages side by side, and narrow like a phone.
    shots = tmp_path_factory.mktemp("screenshots")
    browser.screenshot(shots / "index.png")
    assert browser.open((dist / "index.html").as_uri(), width=380) == []
    browser.screenshot(shots / "index-narrow.png")
    assert browser.evaluate("document.documentElement.scrollWidth") <= 380  # no sideways scroll
    for name in ("index.png", "index-narrow.png"):
        with Image.open(shots / name) as shot:
            assert shot.size[1] > 1500, shot.size  # the whole page, not just the first screen
            assert len(shot.convert("L").getcolors(256)) > 16


def in_dist(url: str, dist: Path) -> bool:
    """Whether ``url`` is a file: address of a file inside ``dist``."""
    parts = urlsplit(url)
    path = Path(unquote(parts.path))
    return parts.scheme == "file" and path.is_relative_to(dist) and path.is_file()


def test_every_web_page_loads_in_chromium_with_its_stylesheet_fonts_and_logo(dist, manifest,
                                                                            browser):
    for output in manifest["outputs"]:
        if output["format"] != "html":
            continue
        assert browser.open((dist / output["path"]).as_uri()) == [], output["path"]
        assert browser.evaluate(BROKEN_IMAGES) == [], output["path"]
        assert browser.evaluate("document.styleSheets.length") == 2  # leaflet.css and <style>
        assert browser.evaluate("getComputedStyle(document.body).maxWidth") != "none"
        assert browser.evaluate(FONTS) == ["Atkinson Hyperlegible 400",
                                           "Atkinson Hyperlegible 700"], output["path"]
        loaded = browser.evaluate(LOADED)
        assert [url for url in loaded if not in_dist(url, dist)] == [], output["path"]
        # One column that reflows: a phone-width window needs no sideways scrolling.
        assert browser.open((dist / output["path"]).as_uri(), width=360) == []
        assert browser.evaluate("document.documentElement.scrollWidth") <= 360, output["path"]
