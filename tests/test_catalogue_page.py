"""The catalogue, dist/index.html: every output linked, titles, sizes, thumbnails."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote

import pytest
from PIL import Image

from leafpress.catalogue import THUMBNAIL_WIDTH, human_size
from leafpress.cli import main

from test_pdfs import LEAFLETS, LOCALES, expected_title
from test_web_pages import XHTML, local_references, parse, text

LANGUAGES = {"en": "English", "zh-Hans": "简体中文 · Chinese (Simplified)"}


@pytest.fixture(scope="module")
def index(dist):
    return parse(dist / "index.html")


def test_every_output_in_the_manifest_is_linked_once_with_its_size(index, manifest):
    links = {element.get("href"): element for element in index.iter(f"{XHTML}a")
             if element.get("type")}
    assert sorted(links) == sorted(output["path"] for output in manifest["outputs"])
    # Each link is followed by its size, and a PDF's by its page count.
    sizes = {element.get("href"): text(item.find(f"{XHTML}span"))
             for item in index.iter(f"{XHTML}li") for element in item.findall(f"{XHTML}a")}
    for output in manifest["outputs"]:
        pages = f", {output['pages']} pages" if output["pages"] else ""
        assert sizes[output["path"]] == f"({human_size(output['bytes'])}{pages})"
        expected = "application/pdf" if output["format"] == "pdf" else "text/html"
        assert links[output["path"]].get("type") == expected
        assert links[output["path"]].get("hreflang") == output["locale"]


def test_sizes_read_as_people_write_them():
    assert [human_size(size) for size in (0, 1023, 1024, 33_793, 1024 * 1024 - 1, 1_258_291)] \
        == ["0 bytes", "1023 bytes", "1 KB", "33 KB", "1024 KB", "1.2 MB"]


def test_every_leaflet_has_its_title_in_each_language_with_its_language_tag(index):
    articles = list(index.iter(f"{XHTML}article"))
    assert [article.get("aria-labelledby") for article in articles] == list(LEAFLETS)
    for leaflet, article in zip(LEAFLETS, articles):
        assert text(article.find(f"{XHTML}h2")) == expected_title(leaflet, "en")
        editions = article.findall(f".//{XHTML}li[@class='edition']")
        assert [text(edition.find(f".//{XHTML}h3")) for edition in editions] == [
            LANGUAGES[locale] for locale in LOCALES]
        for locale, edition in zip(LOCALES, editions):
            title = edition.find(f".//{XHTML}p[@class='title']")
            assert (title.get("lang"), title.get("dir")) == (locale, "ltr")
            assert text(title) == expected_title(leaflet, locale)
            assert edition.find(f".//{XHTML}h3/{XHTML}span").get("lang") == locale


def test_each_leaflet_shows_audience_version_and_review_date(index):
    facts = {article.get("aria-labelledby"): {
        text(pair.find(f"{XHTML}dt")): text(pair.find(f"{XHTML}dd"))
        for pair in article.find(f"{XHTML}dl")} for article in index.iter(f"{XHTML}article")}
    assert facts["magnesium-infusion"] == {
        "Reference": "PAIN-014", "For": "Patients", "Version": "1.0",
        "Published": "21 November 2026", "Review date": "21 November 2028",
        "Written by": "Pain Management Service"}
    assert facts["magnesium-and-pain"]["For"] == "Healthcare professionals"


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


def test_a_damaged_catalogue_is_written_again(project, tmp_path, capsys):
    dist = tmp_path / "dist"
    arguments = ["--project", str(project.root), "--variant", "standard", "--output", str(dist)]
    assert main(arguments) == 0
    original = (dist / "index.html").read_bytes()
    thumbnail = (dist / "en/ketamine-infusion.png").read_bytes()
    (dist / "index.html").unlink()
    (dist / "en/ketamine-infusion.png").write_bytes(b"not a PNG")
    capsys.readouterr()
    assert main(arguments) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("0 built, 12 reused")
    assert (dist / "index.html").read_bytes() == original
    assert (dist / "en/ketamine-infusion.png").read_bytes() == thumbnail
    # The catalogue's template does not change a PDF: editing it renders none again.
    template = project.templates_dir / "index.html.j2"
    template.write_text(template.read_text("utf-8").replace("<h1>Patient information leaflets",
                                                            "<h1>Our leaflets"), "utf-8")
    assert main(arguments) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("0 built, 12 reused")
    assert "<h1>Our leaflets</h1>" in (dist / "index.html").read_text("utf-8")
