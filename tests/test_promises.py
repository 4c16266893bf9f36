"""What the README and the guides in docs/ promise, one test each, on the small made-up project
(tests/projects/small).

Each test names the promise; the guide and section are given where they are not obvious.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest
from pypdf import PdfReader

from leafpress.translation.messages import pot_is_current

from helpers import XHTML, approve, cli, flat, parse, pdftotext, run

PO = "locales/zh_Hans/LC_MESSAGES/messages.po"
STALE_POT = ("error: locales/messages.pot: out of date with the leaflets and templates; run "
             "'build.py extract' and update the translations")


def _manifest(dist) -> dict:
    return json.loads((dist / "manifest.json").read_text("utf-8"))


def _make_fuzzy(project, msgid: str) -> None:
    path = project.root / PO
    text = path.read_text("utf-8")
    assert f'\nmsgid "{msgid}"' in text
    path.write_text(text.replace(f'\nmsgid "{msgid}"', f'\n#, fuzzy\nmsgid "{msgid}"'), "utf-8")


def _linked(dist) -> set[str]:
    index = parse(dist / "index.html")
    return {element.get("href") for element in index.iter(f"{XHTML}a")}


# Translating: a stale POT fails `check` and `build --strict` ------------------------------

def test_a_stale_pot_fails_check_and_a_strict_build(fixture_built):
    project, dist = fixture_built
    # The last build found the POT current and remembered it: that must not hide a change.
    assert [path.read_bytes() for path in (dist / ".cache").glob("pot-*")] == [b"current"]
    path = project.leaflets_dir / "beta.yaml"
    path.write_text(path.read_text("utf-8").replace("with one paragraph.",
                                                    "with a single paragraph."), "utf-8")
    approve(project)
    assert not pot_is_current(project)
    check = cli(project, "check", "--today", "2026-11-21")
    errors = [line for line in check.stderr.splitlines() if not line.startswith("warning: ")]
    assert (check.returncode, errors) == (1, [STALE_POT, "1 problem found."])
    strict = cli(project, "build", "--strict", "--output", str(dist))
    assert strict.returncode == 1
    assert STALE_POT in strict.stderr.splitlines()
    # Remembered as stale, and said again by the next build.
    assert [path.read_bytes() for path in (dist / ".cache").glob("pot-*")] == [b"stale"]
    again = cli(project, "build", "--strict", "--output", str(dist))
    assert (again.returncode, STALE_POT in again.stderr.splitlines()) == (1, True)


# Nothing lost: kept files, and the catalogue does not list them ---------------------------

def test_a_stale_translation_keeps_its_files_and_the_catalogue_drops_them(fixture_built):
    project, dist = fixture_built
    before = {path: (dist / path).read_bytes() for path in (
        "zh-Hans/alpha.pdf", "zh-Hans/alpha.large-print.pdf", "zh-Hans/alpha/index.html",
        "zh-Hans/alpha.brf", "zh-Hans/alpha.epub")}
    _make_fuzzy(project, "Alpha test leaflet")
    assert run(project, "build", "--output", str(dist)) == 0
    kept = {record["path"]: record["reason"] for record in _manifest(dist)["kept"]}
    assert kept == {path: "not rebuilt: 1 fuzzy; this file is from an earlier build"
                    for path in before}
    assert {path: (dist / path).read_bytes() for path in before} == before
    assert not set(before) & _linked(dist)
    assert not set(before) & {o["path"] for o in _manifest(dist)["outputs"]}


def test_a_variant_build_keeps_the_other_variant_unlisted(fixture_built):
    project, dist = fixture_built
    large = sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*.large-print.pdf"))
    assert len(large) == 4
    assert run(project, "build", "--variant", "standard", "--output", str(dist)) == 0
    kept = {record["path"]: record["reason"] for record in _manifest(dist)["kept"]}
    assert kept == {path: "not rebuilt: not part of this build; this file is from an earlier "
                          "build" for path in large}
    assert all((dist / path).is_file() for path in large)
    assert not set(large) & _linked(dist)


# Nothing lost: a removed language and a replaced draft are deleted -----------------------

def test_a_removed_language_is_deleted_from_dist(fixture_built):
    project, dist = fixture_built
    shutil.rmtree(project.locales_dir / "zh_Hans")
    lines = []
    from leafpress.build.pipeline import build
    build(project, dist, log=lines.append, warn=lambda line: None)
    assert "removed zh-Hans/alpha.pdf (its leaflet, language or draft is withdrawn)" in lines
    assert sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*")
                  if path.is_file() and "zh-Hans" in path.as_posix()) == []
    assert {o["locale"] for o in _manifest(dist)["outputs"]} == {"en"}


def test_a_draft_is_deleted_once_its_translation_is_published(fixture_built):
    project, dist = fixture_built
    po = project.root / PO
    translated = po.read_text("utf-8")
    _make_fuzzy(project, "Beta test briefing")
    assert run(project, "build", "--draft", "--variant", "standard", "--output", str(dist)) == 0
    assert (dist / "drafts" / "zh-Hans" / "beta.pdf").is_file()
    po.write_text(translated, "utf-8")
    assert run(project, "build", "--variant", "standard", "--output", str(dist)) == 0
    assert not (dist / "drafts").exists()
    assert "zh-Hans/beta.pdf" in {o["path"] for o in _manifest(dist)["outputs"]}


# Exit codes: 2 for a command line used wrongly ------------------------------------------

@pytest.mark.parametrize(("arguments", "message"), [
    (["build", "--strict", "--draft"], "build.py: error: --strict and --draft cannot be used "
                                       "together"),
    (["build", "--brand", "no-such-brand.yaml"], "--brand: no such file: no-such-brand.yaml"),
    (["build", "--output", "{file}"], "--output: {file} is a file, not a folder"),
])
def test_a_wrong_command_line_exits_with_2(fixture_project, tmp_path, arguments, message):
    file = tmp_path / "a-file"
    file.write_text("not a folder", "utf-8")
    arguments = [argument.replace("{file}", str(file)) for argument in arguments]
    result = cli(fixture_project, *arguments, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message.replace("{file}", str(file)) in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "dist").exists() and not (fixture_project.root / "dist").exists()


def test_a_folder_without_leaflets_exits_with_2(tmp_path):
    from leafpress.core.project import Project

    result = cli(Project.at(tmp_path), "check")
    assert result.returncode == 2
    assert f"{tmp_path} is not a leaflet project (it has no leaflets/ folder)" in result.stderr


# Editing a leaflet: inline markup, and values that stay text -----------------------------

def test_bold_and_links_are_rendered_in_the_pdf_and_the_web_page(fixture_dist):
    page = (fixture_dist / "en" / "alpha" / "index.html").read_text("utf-8")
    assert ("This text is <strong>bold</strong> here and has <a href=\"https://example.org/"
            "alpha\">a link</a>.") in page
    path = fixture_dist / "en" / "alpha.pdf"
    reader = PdfReader(path)
    uris = {annotation.get_object()["/A"].get("/URI") for pdf_page in reader.pages
            for annotation in pdf_page.get("/Annots", [])}
    assert "https://example.org/alpha" in uris
    # On paper a link is followed by its address in brackets (docs/writers.md: Editing a leaflet).
    assert ("This text is bold here and has a link (https://example.org/alpha)."
            in flat(pdftotext(path)))
    # "bold" is set in the bold face and "text" in the regular one, never italic.
    fonts = {}
    text_page = pdfium.PdfDocument(path)[0].get_textpage()
    content = text_page.get_text_range()
    for word, index in (("text", content.index("This text") + 5),
                        ("bold", content.index("is bold") + 3)):
        name = ctypes.create_string_buffer(200)
        flags = ctypes.c_int()
        raw.FPDFText_GetFontInfo(text_page.raw, index, name, len(name), ctypes.byref(flags))
        fonts[word] = name.value.decode().split("+")[-1]
        assert not flags.value & 0x40, word  # the PDF font flag Italic (bit 7)
    # The same family, bold face (Atkinson-Hyperlegible and Atkinson-Hyperlegible-Bold).
    assert fonts["bold"] == fonts["text"] + "-Bold", fonts


def test_version_1_10_and_no_stay_text(fixture_dist):
    text = flat(pdftotext(fixture_dist / "en" / "alpha.pdf"))
    assert "Version 1.10" in text  # `version: 1.10` unquoted, not the number 1.1
    assert "Is this a real leaflet? no " in text  # `answer: no` unquoted, not False
    assert "Version 1.1 " not in text and "False" not in text


# Translating: update ---------------------------------------------------------------------

def test_update_makes_new_texts_untranslated_and_removed_ones_obsolete(fixture_project):
    path = fixture_project.leaflets_dir / "beta.yaml"
    # A new text in a new place (a callout, not the paragraph's key): a text changed in
    # the same place would keep its translation as fuzzy (docs/translators.md: The loop, Update).
    path.write_text(path.read_text("utf-8").replace(
        "      - paragraph: A briefing made up for the tests, with one paragraph.",
        "      - callout: A new paragraph, written after the translation."), "utf-8")
    assert run(fixture_project, "update") == 0
    catalog = (fixture_project.root / PO).read_text("utf-8")
    assert ('msgid "A new paragraph, written after the translation."\nmsgstr ""\n'
            in catalog)
    assert '#~ msgid "A briefing made up for the tests, with one paragraph."' in catalog
    comments = catalog[: catalog.index('msgid "A new paragraph')].rsplit("\n\n", 1)[-1]
    assert "fuzzy" not in comments, comments  # untranslated, not a guess


# Speed: unchanged files keep their dates -------------------------------------------------

def test_unchanged_files_keep_their_dates(fixture_built):
    project, dist = fixture_built
    old = 1_000_000_000
    files = [path for path in dist.rglob("*") if path.is_file() and ".cache" not in path.parts]
    for path in files:
        os.utime(path, (old, old))
    template = project.templates_dir / "index.html.j2"
    template.write_text(template.read_text("utf-8").replace(
        "<h1>Patient information leaflets", "<h1>Our leaflets"), "utf-8")
    assert run(project, "build", "--output", str(dist)) == 0
    changed = sorted(path.relative_to(dist).as_posix() for path in files
                     if path.stat().st_mtime != old)
    assert changed == ["index.html", "manifest.json"]
