"""The catalogue, dist/index.html: its content, and the page in a real browser (Chromium)."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

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


class Chromium:
    """Headless Chromium driven through the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, profile: Path) -> None:
        executable = shutil.which("chromium")
        if executable is None:
            pytest.fail("Chromium is not installed: run scripts/setup.sh (Debian package "
                        "'chromium'); the catalogue must be tested in a real browser")
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()
        # Numbers above 4, so that moving them to 3 and 4 in the child overwrites neither.
        to_browser, from_browser = (_above_4(fd) for fd in (to_browser, from_browser))

        def pipes_on_3_and_4():
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4), preexec_fn=pipes_on_3_and_4,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in (to_browser, from_browser):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=True)

    def send(self, method: str, session: bool = False, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                assert "error" not in reply, (method, reply["error"])
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        while True:
            event = self._receive()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _receive(self, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [],
                                        max(0, deadline - time.monotonic()))
            chunk = os.read(self._from_browser, 1 << 16) if ready else b""
            assert chunk, "Chromium stopped answering"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str, width: int = 1200) -> list[str]:
        """Load ``url``; return every error it caused (failed loads, console, exceptions)."""
        self.events.clear()
        self.send("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=900, deviceScaleFactor=1, mobile=False)
        self.send("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")
        self.evaluate("document.fonts.ready.then(() => true)")
        return [_error(event) for event in self.events if _error(event)]

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", session=True, expression=expression,
                           awaitPromise=True, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"]["value"]

    def screenshot(self, path: Path) -> None:
        """Save the whole page, top to bottom, as a PNG."""
        png = self.send("Page.captureScreenshot", session=True, format="png",
                        captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(png))

    def close(self) -> None:
        try:
            self.send("Browser.close")
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)
            self.process.wait(timeout=30)


def _above_4(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


def _error(event: dict) -> str | None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Network.loadingFailed":
        return f"load failed: {params.get('errorText')} ({params.get('requestId')})"
    if method == "Log.entryAdded" and params["entry"]["level"] == "error":
        return f"log: {params['entry']['text']} {params['entry'].get('url', '')}"
    if method == "Runtime.exceptionThrown":
        return f"exception: {params['exceptionDetails']['text']}"
    if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        return f"console: {params['args']}"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


# What the rendered page links and loads, and whether each image was decoded.
RESOURCES = """[...document.querySelectorAll('a[href]')].map(a => a.href).concat(
  [...document.images].map(img => img.currentSrc),
  [...document.querySelectorAll('link[href]')].map(link => link.href))"""
BROKEN_IMAGES = "[...document.images].filter(img => !img.naturalWidth).map(img => img.src)"
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
    linked = set()
    for url in browser.evaluate(RESOURCES):
        parts = urlsplit(url)
        if parts.scheme in ("https", "http"):
            continue
        assert parts.scheme == "file", url
        path = Path(unquote(parts.path))
        assert path.is_relative_to(dist) and path.is_file(), url
        linked.add(path.relative_to(dist).as_posix())
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
