"""A published set that agrees with itself: pages go with their PDFs, drafts stay apart,
and the address printed on paper is one that dist/ serves."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import subprocess
import threading
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from leafpress.cli import main
from leafpress.core.project import Project

from helpers import approve

ROOT = Path(__file__).resolve().parent.parent
LEAFLET = """\
id: {id}
reference: TEST-{number}
title: Leaflet {number}
audience: patient
version: "1.0"
published: 2026-11-21
review_by: 2028-11-21
owner:
  department: Test Department
  contact: "Test nurses: [01632 960 000](tel:+441632960000)"
sources:
  - citation: A source.
sections:
  - heading: What this is
    blocks:
      - paragraph: {paragraph}
"""


def _leaflet(project: Project, number: int, paragraph: str) -> None:
    """Write leaflet-NUMBER, its text approved (only approved text is published)."""
    (project.leaflets_dir / f"leaflet-{number}.yaml").write_text(
        LEAFLET.format(id=f"leaflet-{number}", number=number, paragraph=paragraph), "utf-8")
    approve(project, f"leaflet-{number}")


def run(project: Project, *arguments: str) -> int:
    return main(["--project", str(project.root), *arguments])


@pytest.fixture
def small(tmp_path) -> Project:
    """A project of two one-page leaflets in English, with the real templates and brand."""
    root = tmp_path / "small"
    for part in ("templates", "brand"):
        shutil.copytree(ROOT / part, root / part)
    (root / "leaflets").mkdir()
    (root / "locales").mkdir()
    project = Project.at(root)
    _leaflet(project, 1, "The first text.")
    _leaflet(project, 2, "The second text.")
    assert run(project, "extract") == 0
    return project


def build(project: Project, dist: Path, *arguments: str) -> int:
    return run(project, "build", "--variant", "standard", "--jobs", "1", "--output", str(dist),
               *arguments)


def manifest_of(dist: Path) -> dict:
    return json.loads((dist / "manifest.json").read_text("utf-8"))


def files_on_disk(dist: Path) -> dict[str, str]:
    """Every PDF, web page, BRF and EPUB in dist (not the catalogue or assets), with its
    SHA-256."""
    found = {}
    for path in sorted(dist.rglob("*")):
        relative = path.relative_to(dist)
        if path.suffix in (".pdf", ".html", ".brf", ".epub") and \
                relative.parts[0] not in ("assets", ".cache") \
                and str(relative) != "index.html":
            found[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_manifest_matches_disk(dist: Path) -> None:
    """Every PDF and web page on disk is listed, as it is, in "outputs", "kept" or "drafts"."""
    manifest = manifest_of(dist)
    listed = {record["path"]: record["sha256"]
              for key in ("outputs", "kept", "drafts") for record in manifest[key]}
    assert listed == files_on_disk(dist)


def catalogue_links(dist: Path) -> set[str]:
    import tinyhtml5

    root = tinyhtml5.parse((dist / "index.html").read_bytes())
    return {element.get("href") for element in root.iter("{http://www.w3.org/1999/xhtml}a")}


def test_a_page_stays_with_its_last_good_pdf_when_the_pdf_fails(small, tmp_path, capsys):
    dist = tmp_path / "dist"
    assert build(small, dist) == 0
    before = files_on_disk(dist)
    assert set(before) == {f"en/leaflet-{number}{ending}" for number in (1, 2)
                           for ending in (".pdf", "/index.html", ".brf", ".epub")}
    capsys.readouterr()
    # New text, and a character that no font of the leaflet can draw: the PDF fails.
    _leaflet(small, 1, "A new text with a sandwich 🥪.")
    assert build(small, dist) == 1
    errors = capsys.readouterr().err.splitlines()
    assert any(line.startswith("error: leaflets/leaflet-1.yaml") for line in errors), errors
    # The page of the failed PDF was not written with the new text: the pair stays as it was.
    assert files_on_disk(dist) == before
    assert "A new text" not in (dist / "en/leaflet-1/index.html").read_text("utf-8")
    manifest = manifest_of(dist)
    reasons = {record["path"]: record["reason"] for record in manifest["kept"]}
    earlier = "; this file is from an earlier build"
    others = "its PDF failed in this build, and a leaflet's braille and EPUB are published " \
        "only with it"
    assert reasons in (
        {"en/leaflet-1.pdf": "not rebuilt: it failed in this build" + earlier,
         "en/leaflet-1/index.html": "not rebuilt: its PDF failed in this build, and a web "
                                    "page is published only with it" + earlier,
         "en/leaflet-1.brf": f"not rebuilt: {others}{earlier}",
         "en/leaflet-1.epub": f"not rebuilt: {others}{earlier}"},
        # Once the characters are checked before rendering, the leaflet fails earlier.
        {f"en/leaflet-1{ending}": "not rebuilt: this build found errors" + earlier
         for ending in (".pdf", "/index.html", ".brf", ".epub")})
    assert sorted(output["path"] for output in manifest["outputs"]) == [
        "en/leaflet-2.brf", "en/leaflet-2.epub", "en/leaflet-2.pdf", "en/leaflet-2/index.html"]
    # The catalogue links the outputs, and neither file of the kept pair.
    links = catalogue_links(dist)
    assert {"en/leaflet-2.pdf", "en/leaflet-2/index.html"} <= links
    assert not any("leaflet-1" in link for link in links)
    assert_manifest_matches_disk(dist)
    # Fixed: the PDF and its page are published again, together, with the new text.
    _leaflet(small, 1, "A new text.")
    assert build(small, dist) == 0
    manifest = manifest_of(dist)
    assert manifest["kept"] == []
    assert "A new text." in (dist / "en/leaflet-1/index.html").read_text("utf-8")
    assert {"en/leaflet-1.pdf", "en/leaflet-1/index.html"} <= catalogue_links(dist)
    assert_manifest_matches_disk(dist)


def test_drafts_have_a_folder_of_their_own_that_a_normal_build_clears(small, tmp_path,
                                                                      capsys):
    assert run(small, "init", "fr") == 0  # nothing translated yet
    dist = tmp_path / "dist"
    assert build(small, dist, "--draft") == 0
    manifest = manifest_of(dist)
    assert [record["path"] for record in manifest["drafts"]] == [
        "drafts/fr/leaflet-1.pdf", "drafts/fr/leaflet-1/index.html",
        "drafts/fr/leaflet-2.pdf", "drafts/fr/leaflet-2/index.html"]
    assert all(record["draft"] for record in manifest["drafts"])
    assert [record["path"] for record in manifest["outputs"]] == [
        "en/leaflet-1.brf", "en/leaflet-1.epub", "en/leaflet-1.pdf", "en/leaflet-1/index.html",
        "en/leaflet-2.brf", "en/leaflet-2.epub", "en/leaflet-2.pdf", "en/leaflet-2/index.html"]
    assert not any(record["draft"] for record in manifest["outputs"])
    # A draft gets no braille and no EPUB (issue 24).
    assert [record["path"] for record in manifest["drafts"]
            if record["format"] in ("braille", "epub")] == []
    index = (dist / "index.html").read_text("utf-8")
    assert "drafts/" not in index and "fr/" not in index and "Draft" not in index
    assert not list(dist.glob("drafts/**/*.png"))  # no thumbnail: the catalogue shows none
    # A draft page finds the assets that dist/ publishes, from its deeper folder.
    page = (dist / "drafts/fr/leaflet-1/index.html").read_text("utf-8")
    assert '<link rel="stylesheet" href="../../../assets/leaflet.css">' in page
    assert (dist / "drafts/fr/leaflet-1" / "../../../assets/leaflet.css").resolve().is_file()
    assert_manifest_matches_disk(dist)
    capsys.readouterr()

    assert build(small, dist) == 0
    out = capsys.readouterr().out.splitlines()
    assert ("removed drafts/fr/leaflet-1.pdf (a draft from an earlier build; drafts are "
            "never kept)") in out
    assert not (dist / "drafts").exists()
    manifest = manifest_of(dist)
    assert manifest["drafts"] == [] and manifest["kept"] == []
    assert_manifest_matches_disk(dist)


def test_a_normal_build_clears_drafts_the_manifest_does_not_list(small, tmp_path, capsys):
    dist = tmp_path / "dist"
    assert build(small, dist) == 0
    stray = dist / "drafts" / "fr" / "leaflet-1.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF-1.7 a draft from somewhere else")
    capsys.readouterr()
    assert build(small, dist) == 0
    assert "removed drafts/fr/leaflet-1.pdf (drafts are not kept)" in capsys.readouterr().out
    assert not (dist / "drafts").exists()


def test_an_earlier_layout_of_dist_is_cleared(small, tmp_path, capsys):
    """Pages once were {locale}/{id}.html and drafts {id}.draft.pdf beside the published."""
    dist = tmp_path / "dist"
    assert build(small, dist) == 0
    manifest = manifest_of(dist)
    [page] = [record for record in manifest["outputs"] if record["path"] ==
              "en/leaflet-1/index.html"]
    (dist / "en/leaflet-1/index.html").rename(dist / "en/leaflet-1.html")
    page["path"] = "en/leaflet-1.html"
    draft = dist / "en/leaflet-2.draft.pdf"
    shutil.copy(dist / "en/leaflet-2.pdf", draft)
    [pdf] = [record for record in manifest["outputs"] if record["path"] == "en/leaflet-2.pdf"]
    manifest["outputs"].append({**pdf, "path": "en/leaflet-2.draft.pdf", "draft": True})
    (dist / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    capsys.readouterr()
    assert build(small, dist) == 0
    out = capsys.readouterr().out.splitlines()
    assert "removed en/leaflet-1.html (it is now en/leaflet-1/index.html)" in out
    assert ("removed en/leaflet-2.draft.pdf (a draft from an earlier build; drafts are never "
            "kept)") in out
    assert not (dist / "en/leaflet-1.html").exists() and not draft.exists()
    assert_manifest_matches_disk(dist)


def test_ci_publishes_dist_without_what_the_running_guide_says_is_not_published():
    import re

    import yaml

    running = (ROOT / "docs" / "running.md").read_text("utf-8")
    sentence = re.search(r"uploads `dist/` without\s+((?:`[^`]+`(?:,|\s+and|\s+or)?\s*)+)",
                         running)
    assert sentence, "docs/running.md says what the published artifact leaves out"
    left_out = re.findall(r"`([^`]+)`", sentence.group(1))
    assert "dist/drafts/" in left_out
    workflow = yaml.safe_load((ROOT / ".github/workflows/leaflets.yml").read_text("utf-8"))
    [upload] = [step["with"] for step in workflow["jobs"]["publish"]["steps"]
                if step.get("uses", "").startswith("actions/upload-artifact@")]
    paths = upload["path"].split()
    assert paths == ["dist/", *(f"!{path}" for path in left_out)]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments) -> None:
        pass


@contextmanager
def served(folder: Path):
    """Serve ``folder`` as it is, as a plain static web server does; yield its base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def qr_codes(path: Path) -> list[str]:
    """Return the text of every QR code drawn on the pages of a PDF (decoded by zxing-cpp)."""
    import pypdfium2
    import zxingcpp

    found = []
    document = pypdfium2.PdfDocument(path)
    try:
        for page in document:
            image = page.render(scale=2).to_pil()  # 144 dpi: about 4 px per module
            found += [code.text for code in zxingcpp.read_barcodes(image)
                      if code.format == zxingcpp.BarcodeFormat.QRCode]
    finally:
        document.close()
    return found


def printed_text(path: Path) -> str:
    """Return the text of a PDF without any white space (an address may wrap at a slash)."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return "".join(text.split())


def test_the_qr_code_and_the_printed_address_lead_to_the_page_dist_serves(dist, manifest):
    import yaml

    website = yaml.safe_load((ROOT / "brand" / "brand.yaml").read_text("utf-8"))["website"]
    pages = {(output["leaflet"], output["locale"]): output for output in manifest["outputs"]
             if output["format"] == "html"}
    pdfs = [output for output in manifest["outputs"] if output["format"] == "pdf"]
    assert pdfs and pages
    with served(dist) as base:
        for pdf in pdfs:
            [address] = qr_codes(dist / pdf["path"])
            assert address.startswith(website.rstrip("/") + "/"), (pdf["path"], address)
            assert address in printed_text(dist / pdf["path"]), (pdf["path"], address)
            path = urlsplit(address).path
            with urllib.request.urlopen(base + path) as response:
                served_page = response.read()
            page = pages[pdf["leaflet"], pdf["locale"]]
            assert served_page == (dist / page["path"]).read_bytes(), (address, page["path"])


def test_a_cache_entry_that_names_another_place_is_not_reused(small, tmp_path, capsys):
    """An earlier layout cached drafts beside the published files, under the same key."""
    dist = tmp_path / "dist"
    assert build(small, dist) == 0
    [entry] = [path for path in (dist / ".cache" / "outputs").glob("*.json")
               if json.loads(path.read_text("utf-8")).get("path") == "en/leaflet-1.pdf"]
    (dist / "en/leaflet-1.pdf").rename(dist / "en/leaflet-1.draft.pdf")
    record = json.loads(entry.read_text("utf-8"))
    entry.write_text(json.dumps({**record, "path": "en/leaflet-1.draft.pdf"}), "utf-8")
    capsys.readouterr()
    assert build(small, dist) == 0
    assert "built en/leaflet-1.pdf (1 pages" in capsys.readouterr().out
    assert "en/leaflet-1.pdf" in [output["path"] for output in manifest_of(dist)["outputs"]]
