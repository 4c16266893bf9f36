"""Braille and EPUB as outputs of the build (issue 24): made with each published leaflet's
standard PDF and web page, listed, linked, cached, selected, kept when they fail."""

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import tinyhtml5

from leafpress.build.pipeline import build
from leafpress.core.errors import LeafletError
from leafpress.formats import braille

from helpers import approve, run

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUBCHECK = shutil.which("epubcheck")


def manifest_of(dist: Path) -> dict:
    return json.loads((dist / "manifest.json").read_text("utf-8"))


def formats(manifest: dict, key: str = "outputs") -> dict[str, dict]:
    return {record["path"]: record for record in manifest[key]
            if record["format"] in ("braille", "epub")}


def rebuild(project, dist, **options):
    return build(project, dist, log=lambda line: None, warn=lambda line: None, **options)


def test_each_published_leaflet_has_a_brf_and_an_epub_listed_with_its_digest(fixture_dist):
    listed = formats(manifest_of(fixture_dist))
    assert sorted(listed) == ["en/alpha.brf", "en/alpha.epub", "en/beta.brf", "en/beta.epub",
                              "zh-Hans/alpha.brf", "zh-Hans/alpha.epub", "zh-Hans/beta.brf",
                              "zh-Hans/beta.epub"]
    for path, record in listed.items():
        content = (fixture_dist / path).read_bytes()
        assert (record["sha256"], record["bytes"]) == (hashlib.sha256(content).hexdigest(),
                                                      len(content))
        assert record["variant"] == "standard"
        assert record["pages"] == (content.count(b"\f") if path.endswith(".brf") else None)


def test_the_catalogue_links_each_file_and_shows_the_braille_cells(fixture_dist):
    root = tinyhtml5.parse((fixture_dist / "index.html").read_bytes())
    links = {link.get("href"): link for link in root.iter(f"{XHTML}a")}
    for path, record in formats(manifest_of(fixture_dist)).items():
        assert links[path].get("type") == ("text/plain" if record["format"] == "braille"
                                           else "application/epub+zip")
    notes = [" ".join("".join(span.itertext()).split()) for span in root.iter(f"{XHTML}span")
             if span.get("class") == "note"]
    assert notes == ["Made by software, not yet checked by a qualified braille "
                     "transcriber."] * 4
    cells = [pre for pre in root.iter(f"{XHTML}pre")]
    assert {pre.get("lang") for pre in cells} == {"en-Brai", "zh-Brai"}
    assert all(pre.get("aria-hidden") == "true" for pre in cells)
    brf = (fixture_dist / "en" / "alpha.brf").read_bytes()
    first = braille.unicode_braille(brf).split("\f")[0]
    assert first in ["".join(pre.itertext()) for pre in cells]


def test_the_web_page_says_and_links_the_formats_in_its_language(fixture_dist):
    for page, sentence in (("en/alpha/index.html",
                            "Also available as large print, braille and an e-book (EPUB)."),
                           ("zh-Hans/alpha/index.html", "本资料还提供大字版、盲文版和电子书（EPUB）。")):
        root = tinyhtml5.parse((fixture_dist / page).read_bytes())
        [paragraph] = [p for p in root.iter(f"{XHTML}p") if p.get("class") == "formats-available"]
        assert "".join(paragraph.itertext()) == sentence
        assert [link.get("href") for link in paragraph.iter(f"{XHTML}a")] == [
            "../alpha.brf", "../alpha.epub"]


def test_a_second_build_reuses_every_file(fixture_built):
    project, dist = fixture_built
    result = rebuild(project, dist, force=False)
    assert {output.path for output in result.reused} >= set(formats(manifest_of(dist)))
    assert len(result.reused) == len(result.outputs) == 20


def test_an_edited_leaflet_makes_only_its_own_files_again(fixture_built):
    project, dist = fixture_built
    path = project.leaflets_dir / "beta.yaml"
    path.write_text(path.read_text("utf-8").replace("with one paragraph.",
                                                    "with one short paragraph."), "utf-8")
    approve(project, "beta")
    result = rebuild(project, dist)
    reused = {output.path for output in result.reused}
    made = {output.path for output in result.outputs} - reused
    # Its Chinese is now out of date: skipped, its last files kept.
    assert made == {"en/beta.pdf", "en/beta.large-print.pdf", "en/beta/index.html",
                    "en/beta.brf", "en/beta.epub"}
    assert {"en/alpha.brf", "en/alpha.epub", "zh-Hans/alpha.brf"} <= reused
    assert b"%ORT" in (dist / "en" / "beta.brf").read_bytes()  # "short", contracted


def test_a_narrower_format_keeps_the_other_files(fixture_built, capsys):
    project, dist = fixture_built
    before = formats(manifest_of(dist))
    assert run(project, "build", "--output", str(dist), "--format", "epub") == 0
    manifest = manifest_of(dist)
    kept = formats(manifest, "kept")
    assert sorted(kept) == sorted(path for path in before if path.endswith(".brf"))
    assert {record["reason"] for record in kept.values()} == {
        "not rebuilt: not part of this build; this file is from an earlier build"}
    assert sorted(formats(manifest)) == sorted(path for path in before
                                               if path.endswith(".epub"))


@pytest.mark.parametrize(("given", "message"), [
    ("brf", "error: command line: --format: expected formats among braille, epub (pdf and "
            "html are always made), got 'brf'"),
    ("braille,EPUB", "error: command line: --format: expected formats among braille, epub "
                     "(pdf and html are always made), got 'EPUB'")])
def test_a_format_that_does_not_exist_is_refused(fixture_project, capsys, given, message):
    assert run(fixture_project, "build", "--format", given) == 1
    assert message in capsys.readouterr().err


def test_a_brand_without_formats_makes_none_and_says_none(fixture_built):
    project, dist = fixture_built
    brand = project.brand_file
    brand.write_text(brand.read_text("utf-8") + "formats: []\n", "utf-8")
    rebuild(project, dist)
    manifest = manifest_of(dist)
    assert formats(manifest) == {}
    page = (dist / "en" / "alpha" / "index.html").read_text("utf-8")
    assert "Also available as large print." in page and "alpha.brf" not in page


def test_a_failed_epub_keeps_the_last_good_one_with_the_reason(fixture_built, monkeypatch):
    from leafpress.build import formats as made

    project, dist = fixture_built
    good = (dist / "en" / "alpha.epub").read_bytes()
    original = made.Formats._epub

    def failing(self, item):
        key, make = original(self, item)
        if (item.leaflet.id, item.tag) != ("alpha", "en"):
            return key, make

        def fail():
            raise LeafletError.at("templates/leaflet.css", 3, "stylesheet: a test's mistake")
        return "another key", fail

    monkeypatch.setattr(made.Formats, "_epub", failing)
    with pytest.raises(LeafletError) as raised:
        rebuild(project, dist)
    assert str(raised.value) == ("leaflets/alpha.yaml [en]: cannot make the EPUB: "
                                 "templates/leaflet.css:3: stylesheet: a test's mistake")
    assert (dist / "en" / "alpha.epub").read_bytes() == good
    kept = formats(manifest_of(dist), "kept")
    assert list(kept) == ["en/alpha.epub"]
    assert kept["en/alpha.epub"]["reason"] == (
        "not rebuilt: it failed in this build; this file is from an earlier build")


def test_the_chinese_braille_uses_the_chinese_table(fixture_dist):
    import louis

    root = tinyhtml5.parse((fixture_dist / "zh-Hans" / "alpha" / "index.html").read_bytes())
    title = "".join(root.find(f".//{XHTML}h1").itertext()).strip()
    cells = louis.translate(["zhcn-g1.ctb"], title, mode=louis.dotsIO | louis.ucBrl)[0]
    ascii_cells = "".join(braille.ASCII[cell] for cell in cells[:8])
    brf = (fixture_dist / "zh-Hans" / "alpha.brf").read_text("ascii")
    assert ascii_cells in brf
    note = louis.translate(["zhcn-g1.ctb"], "由软件转写为盲文",
                           mode=louis.dotsIO | louis.ucBrl)[0]
    assert "".join(braille.ASCII[cell] for cell in note) in brf


def test_the_note_goes_when_a_transcriber_check_is_recorded(fixture_built):
    project, dist = fixture_built
    path = project.leaflets_dir / "alpha.yaml"
    text = path.read_text("utf-8")
    text = re.sub(r"(    approver: [^\n]*\n)", r'\1    braille_checked_by: "B Reader, '
                  r'Braille Transcriber"\n', text, count=1)
    path.write_text(text, "utf-8")
    result = rebuild(project, dist)
    made = {output.path for output in result.outputs} - {output.path for output in result.reused}
    assert made == {"en/alpha.brf", "zh-Hans/alpha.brf"}  # the PDFs' text did not change
    english = (dist / "en" / "alpha.brf").read_text("ascii")
    assert "QUALIFI$" not in english and "QUALIFI$" in (dist / "en" / "beta.brf").read_text(
        "ascii")
    catalogue = (dist / "index.html").read_text("utf-8")
    assert catalogue.count("not yet checked by a qualified braille transcriber") == 2


@pytest.mark.skipif(EPUBCHECK is None, reason="epubcheck is not installed")
def test_epubcheck_passes_a_built_epub(fixture_dist):
    command = [EPUBCHECK]
    if Path(EPUBCHECK).resolve().suffix == ".jar":  # see test_epub.py
        command = ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
                   str(Path(EPUBCHECK).resolve())]
    checked = subprocess.run([*command, str(fixture_dist / "zh-Hans" / "alpha.epub")],
                             capture_output=True, text=True)
    report = checked.stdout + checked.stderr
    assert "Messages: 0 fatals / 0 errors / 0 warnings / 0 infos" in report, report


def test_check_warns_for_a_language_without_a_braille_table(fixture_project, capsys):
    assert run(fixture_project, "init", "ka") == 0
    capsys.readouterr()
    run(fixture_project, "check")
    assert ("warning: locales/ka/LC_MESSAGES/messages.po: no braille table for 'ka' in "
            "liblouis 3.24: its leaflets are published without a braille file; ask a braille "
            "transcription service for one") in capsys.readouterr().err.splitlines()


def test_check_reports_a_stylesheet_the_epubs_cannot_carry_once(fixture_project, capsys):
    css = fixture_project.templates_dir / "leaflet.css"
    css.write_text(css.read_text("utf-8") + "\nbody { background: url(paper.png); }\n",
                   "utf-8")
    line = css.read_text("utf-8").count("\n")
    assert run(fixture_project, "check") == 1
    errors = [text for text in capsys.readouterr().err.splitlines() if "url(" in text]
    assert errors == [f"error: templates/leaflet.css:{line}: stylesheet: expected no url() or "
                      "@import outside @font-face and @page (an EPUB carries only the page's "
                      "own pictures), got url(paper.png)"]


def test_the_build_names_the_debian_package_when_liblouis_is_missing(fixture_project,
                                                                      monkeypatch, tmp_path):
    import sys

    braille._louis.cache_clear()
    monkeypatch.setitem(sys.modules, "louis", None)  # import louis raises ImportError
    try:
        with pytest.raises(LeafletError) as raised:
            rebuild(fixture_project, tmp_path / "dist")
    finally:
        braille._louis.cache_clear()
    assert str(raised.value) == (
        "system: braille needs liblouis and its Python binding; install the Debian package "
        "python3-louis (scripts/setup.sh does, and lets .venv import it)")


def test_chinese_in_an_english_leaflet_is_written_in_chinese_braille():
    """UEB has no cells for Chinese characters: liblouis would write them in 8-dot
    computer braille, which a BRF cannot hold (found by test_every_command.py)."""
    import louis

    cells = "".join(word.cells for word in braille._words("Ask a 医生 🥪", "en-ueb-g2.ctb"))
    chinese = louis.translate(["zhcn-g1.ctb"], "医生", mode=louis.dotsIO | louis.ucBrl)[0]
    assert chinese in cells
    assert all("\u2800" <= cell <= "\u283f" for cell in cells)
