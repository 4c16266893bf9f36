"""The approval loop on a small project in git: edit, check, release, diff, review pack."""

from __future__ import annotations

import base64
import contextlib
import io
import shutil
import subprocess
from pathlib import Path

import louis
import pytest
from babel.messages.pofile import read_po, write_po
from PIL import Image, ImageDraw

from leafpress.cli import main
from leafpress.content.history import release_problem
from leafpress.content.leaflet import load_leaflet
from leafpress.core.project import Project
from leafpress.governance.page_comparison import changed_regions
from leafpress.governance.braille_comparison import leaflet_braille
from leafpress.governance.review_pack import braille_check
from leafpress.governance.revisions import changed_leaflets

from helpers import BROKEN_IMAGES, ROOT, XHTML, Chromium, parse, small_project, text
LEAFLET = '''\
id: one
reference: TEST-1
title: A test leaflet
audience: patient
version: "1.0"
published: 2026-11-21
review_by: 2028-11-21
owner:
  department: Pain Management Service
  contact: "[01632 960 418](tel:+441632960418)"
sources:
  - citation: A source.
sections:
  - heading: First part
    blocks:
      - paragraph: The first paragraph says one thing.
  - heading: Second part
    blocks:
      - bullets: [One item., Another item.]
'''
CHINESE = {"A test leaflet": "测试资料", "First part": "第一部分", "Second part": "第二部分",
           "The first paragraph says one thing.": "第一段说了一件事。",
           "The first paragraph says another thing.": "第一段说了另一件事。",
           "One item.": "一项。", "Another item.": "另一项。",
           "[01632 960 418](tel:+441632960418)": "[01632 960 418](tel:+441632960418)"}


def _run(project: Path, *arguments) -> int:
    return main(["--project", str(project), *arguments])


def _git(project: Path, *arguments) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                    *arguments], cwd=project, check=True, capture_output=True)


def _translate(project: Path, changes: dict[str, str]) -> None:
    """Translate every message: the shipped catalog's texts, then ``changes``."""
    with open(ROOT / "locales/zh_Hans/LC_MESSAGES/messages.po", "rb") as file:
        shipped = {message.id: message.string for message in read_po(file) if message.id}
    path = Project.at(project).po_file("zh_Hans")
    with open(path, "rb") as file:
        catalog = read_po(file)
    for message in catalog:
        if message.id:
            message.string = changes.get(message.id) or shipped.get(message.id) or \
                message.string
            message.flags.discard("fuzzy")
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False)
    path.write_bytes(buffer.getvalue())


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """Release version 1.0, commit, change a text and a translation, check, release, diff."""
    project = tmp_path_factory.mktemp("loop") / "project"
    for part in ("templates", "brand"):
        shutil.copytree(ROOT / part, project / part)
    (project / "leaflets").mkdir()
    (project / "leaflets" / "one.yaml").write_text(LEAFLET, "utf-8")
    assert _run(project, "init", "zh-Hans") == 0
    _translate(project, CHINESE)
    approve = ("--approver", "Comms team (stand-in approver), Communications")
    assert _run(project, "release", "one", *approve, "--summary", "First version",
                "--date", "2026-11-21") == 0
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "Version 1.0")
    leaflet = project / "leaflets" / "one.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace("says one thing", "says another thing"),
                       "utf-8")
    assert _run(project, "update") == 0
    _translate(project, {**CHINESE, "Second part": "第二个部分"})
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        steps = {"check after the edit": _run(project, "check", "--today", "2026-12-01")}
    # The quality gates' warnings (plain English) are not what this loop is about.
    steps["its messages"] = [line for line in errors.getvalue().splitlines()
                             if not line.startswith("warning: ")]
    steps["release"] = _run(project, "release", "one", "--approver", "Dr B Smith, Consultant",
                            "--summary", "Clearer first paragraph", "--date", "2026-12-01")
    steps["check after the release"] = _run(project, "check", "--today", "2026-12-01")
    steps["diff"] = _run(project, "diff", "one")
    steps["build"] = _run(project, "build", "--strict", "--variant", "standard", "--jobs", "1",
                          "--output", str(project / "built"))
    return project, steps


def test_an_edit_fails_check_until_it_is_released(loop, capsys):
    project, steps = loop
    assert steps == {"check after the edit": 1, "its messages": [
        "error: leaflets/one.yaml:5: version: the text changed since version 1.0 was approved "
        "(1 text); approve it with 'build.py release one --approver \"Name, Role\" --summary "
        "\"…\"' or on the editor's approval page", "1 problem found."],
        "release": 0, "check after the release": 0, "diff": 0, "build": 0}
    version = load_leaflet(project / "leaflets" / "one.yaml", project).leaflet
    assert [entry.version for entry in version.history] == ["1.1", "1.0"]


def test_the_pdf_names_the_approver_and_the_web_page_the_whole_history(loop):
    project, _ = loop
    english = subprocess.run(["pdftotext", "-layout", str(project / "built/en/one.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
    assert "Approved by Dr B Smith, Consultant" in " ".join(english.split())
    assert "Approved on 1 December 2026" in " ".join(english.split())
    chinese = subprocess.run(["pdftotext", str(project / "built/zh-Hans/one.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
    assert "批准人" in chinese and "Dr B Smith, Consultant" in chinese
    page = parse(project / "built/zh-Hans/one/index.html")
    [history] = [table for table in page.iter(f"{XHTML}table") if table.get("class") == "history"]
    assert [[text(cell) for cell in row] for row in history.iter(f"{XHTML}tr")] == [
        ["版本", "批准日期", "变更内容", "批准人", "患者审阅日期"],
        ["1.1", "2026年12月1日", "Clearer first paragraph", "Dr B Smith, Consultant", "–"],
        ["1.0", "2026年11月21日", "First version",
         "Comms team (stand-in approver), Communications", "–"]]


def _sections(project: Path) -> dict:
    page = parse(project / "dist" / "review" / "one.html")
    return page, {section.get("id"): section for section in page.iter(f"{XHTML}section")}


def _text_tables(section) -> list:
    """The bodies of a language's tables of texts (not its braille's)."""
    return [table.find(f"{XHTML}tbody") for table in section.iter(f"{XHTML}table")
            if table.get("class") != "braille"]


def _braille_rows(section) -> list:
    return [row for table in section.iter(f"{XHTML}table") if table.get("class") == "braille"
            for row in table.find(f"{XHTML}tbody")]


def _cells(text: str, table: str) -> str:
    """The Unicode braille liblouis makes of ``text`` (as formats/braille.py asks it)."""
    return louis.translate([table], text, mode=louis.dotsIO | louis.ucBrl)[0]


def test_the_pack_shows_each_changed_text_word_by_word_in_each_language(loop):
    project, _ = loop
    page, sections = _sections(project)
    assert text(page.find(f".//{XHTML}h1")) == "Review: A test leaflet"
    assert "compared with version 1.0 (" in text(page.find(f".//{XHTML}p"))
    assert list(sections) == ["en", "zh-Hans"]
    english = sections["en"]
    [row] = _text_tables(english)[0]
    assert row.get("class") == "changed"
    old, new = row.findall(f"{XHTML}td")
    assert (text(old), text(new)) == ("The first paragraph says one thing.",
                                      "The first paragraph says another thing.")
    assert [text(mark) for mark in old.iter(f"{XHTML}del")] == ["one"]
    assert [text(mark) for mark in new.iter(f"{XHTML}ins")] == ["another"]
    chinese = sections["zh-Hans"]
    changed, translation_only = _text_tables(chinese)
    [row] = changed
    old, new = row.findall(f"{XHTML}td")
    assert (text(old), text(new)) == ("第一段说了一件事。", "第一段说了另一件事。")
    assert old.get("lang") == "zh-Hans"
    assert [text(mark) for mark in new.iter(f"{XHTML}ins")] == ["另"]
    [row] = translation_only
    assert [text(cell) for cell in row.findall(f"{XHTML}td")] == ["第二部分", "第二个部分"]
    assert "Section heading" in text(row.find(f"{XHTML}th"))


def test_the_pack_shows_the_changed_braille_cells_and_their_print(loop):
    project, _ = loop
    _, sections = _sections(project)
    english = sections["en"]
    assert [text(heading) for heading in english.iter(f"{XHTML}h3")] == [
        "Texts added, removed and changed (1)", "Braille (4)", "Pages of the standard PDF"]
    rows = _braille_rows(english)
    # The title page's version, the paragraph's one changed word, then "About this
    # leaflet": the version, its date and approver.
    assert [[text(side.find(f"{XHTML}p[@class='print']")) for side in row.findall(f"{XHTML}td")]
            for row in rows[:1]] == [["Version: 1.0", "Version: 1.1"]]
    paragraph = rows[1]
    old, new = paragraph.findall(f"{XHTML}td")
    assert "braille page 2, line" in text(paragraph.find(f"{XHTML}th"))
    [old_cells, old_print], [new_cells, new_print] = old, new
    assert old_cells.get("lang") == "en-Brai"
    assert [text(mark) for mark in old_cells.iter(f"{XHTML}del")] == [
        _cells("one", "en-ueb-g2.ctb")]
    assert [text(mark) for mark in new_cells.iter(f"{XHTML}ins")] == [
        _cells("another", "en-ueb-g2.ctb")]
    assert (text(old_print), text(new_print)) == ("The first paragraph says one thing.",
                                                  "The first paragraph says another thing.")
    assert [text(mark) for mark in new_print.iter(f"{XHTML}ins")] == ["another"]
    assert text(english.find(f".//{XHTML}p[@class='braille-check']")) == braille_check(
        load_leaflet(project / "leaflets" / "one.yaml", project))
    # Chinese braille: the cells alone (read back, they would be other characters).
    chinese = _braille_rows(sections["zh-Hans"])
    assert [element for row in chinese for element in row.iter(f"{XHTML}p")
            if element.get("class") == "print"] == []
    assert any(_cells("另", "zhcn-g1.ctb") in text(mark)
               for row in chinese for mark in row.iter(f"{XHTML}ins"))


def test_the_pack_shows_the_changed_page_old_and_new_with_boxes(loop):
    project, _ = loop
    _, sections = _sections(project)
    for section in sections.values():
        # The leaflet fills two pages (its online address and sources on page 2): the
        # changed text and the facts' version number are on page 1, and on page 2 only
        # the version number in the footer changes.
        figures = list(section.iter(f"{XHTML}figure"))
        assert [text(figure.find(f"{XHTML}figcaption")).split(" (")[0]
                for figure in figures] == ["Page 1"]
        assert text(section.find(f".//{XHTML}p[@class='furniture']")).endswith(
            "(such as the version number): 2.")
        for figure in figures:
            assert "changed region" in text(figure.find(f"{XHTML}figcaption"))
            images = [element.get("src") for element in figure.iter(f"{XHTML}img")]
            assert len(images) == 2
            for source in images:
                assert source.startswith("data:image/png;base64,")
                with Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))) as png:
                    assert png.size == (596, 842)  # A4 at 72 dpi, rounded up
                    colours = {colour for _, colour in png.convert("RGB").getcolors(1 << 16)}
                assert (214, 0, 28) in colours  # the outline of a changed region
        assert text(section.find(f".//{XHTML}p[@class='unchanged']")) == \
            "Unchanged pages: none."


def test_the_pack_opens_in_chromium_with_nothing_to_fetch_and_no_script(loop, tmp_path):
    project, _ = loop
    path = project / "dist" / "review" / "one.html"
    assert "<script" not in path.read_text("utf-8")
    browser = Chromium(tmp_path / "profile")
    try:
        assert browser.open(path.as_uri()) == []
        assert browser.evaluate(BROKEN_IMAGES) == []
        figures = browser.evaluate("document.querySelectorAll('figure').length")
        assert figures >= 2  # a changed page in each language
        assert browser.evaluate("[...document.images].map(img => img.src.slice(0, 5))") == \
            ["data:"] * (2 * figures)  # old and new of each page
        assert browser.evaluate("performance.getEntriesByType('resource').length") == 0
        assert browser.evaluate("document.querySelectorAll('del, ins').length") >= 4
    finally:
        browser.close()


def test_a_ci_run_finds_the_leaflets_whose_file_changed(loop):
    project, _ = loop
    leaflet = load_leaflet(project / "leaflets" / "one.yaml", project)
    [(found, revision)] = changed_leaflets(Project.at(project), [leaflet], "HEAD")
    assert found.id == "one" and revision.label.startswith("HEAD (")
    _git(project, "stash", "-q")
    try:
        unchanged = load_leaflet(project / "leaflets" / "one.yaml", project)
        assert changed_leaflets(Project.at(project), [unchanged], "HEAD") == []
    finally:
        _git(project, "stash", "pop", "-q")


def test_a_ci_run_finds_a_leaflet_whose_translation_alone_changed(loop):
    project, _ = loop
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "Version 1.1")
    po = Project.at(project).po_file("zh_Hans")
    catalog = po.read_text("utf-8")
    leaflet = load_leaflet(project / "leaflets" / "one.yaml", project)
    assert changed_leaflets(Project.at(project), [leaflet], "HEAD") == []
    try:
        po.write_text(catalog.replace('msgstr "另一项。"', 'msgstr "另外一项。"'), "utf-8")
        [(found, _)] = changed_leaflets(Project.at(project), [leaflet], "HEAD")
        assert found.id == "one"
    finally:
        po.write_text(catalog, "utf-8")


def test_diff_since_a_commit_fails_for_a_text_changed_under_the_same_version(loop, capsys):
    project, _ = loop
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "--allow-empty", "-m", "Version 1.1")
    path = project / "leaflets" / "one.yaml"
    approved = path.read_text("utf-8")
    try:
        path.write_text(approved.replace("Another item.", "One more item."), "utf-8")
        assert _run(project, "release", "one", "--amend") == 0  # passes check, not review
        assert release_problem(load_leaflet(path, project), "") is None  # so check passes
        capsys.readouterr()
        assert _run(project, "diff", "--since", "HEAD") == 1
        streams = capsys.readouterr()
        assert streams.err.splitlines() == [
            "error: leaflets/one.yaml:5: version: the text changed since HEAD ("
            + streams.err.split("HEAD (")[1].split(")")[0] + ") but the version is still 1.1; "
            "approve it with 'build.py release one --approver \"Name, Role\" --summary \"…\"' "
            "or on the editor's approval page", "1 problem found."]
        assert (project / "dist/review/one.html").is_file()  # the pack is written all the same
    finally:
        path.write_text(approved, "utf-8")


def test_since_must_name_a_version_or_a_commit(loop, capsys):
    project, _ = loop
    assert _run(project, "diff", "one", "--since", "no-such-ref") == 1
    assert ("error: command line: --since: 'no-such-ref' is neither a version in the "
            "history of one (1.1, 1.0) nor a git commit") in capsys.readouterr().err


def test_a_language_whose_braille_did_not_change_has_no_braille_section(loop):
    project, _ = loop
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "--allow-empty", "-m", "Version 1.1")
    po = Project.at(project).po_file("zh_Hans")
    catalog = po.read_text("utf-8")
    try:
        po.write_text(catalog.replace('msgstr "另一项。"', 'msgstr "另外一项。"'), "utf-8")
        assert _run(project, "diff", "one", "--since", "HEAD") == 0
    finally:
        po.write_text(catalog, "utf-8")
    _, sections = _sections(project)
    assert _braille_rows(sections["en"]) == []
    assert "Braille" not in [text(heading).split(" (")[0]
                             for heading in sections["en"].iter(f"{XHTML}h3")]
    [row] = _braille_rows(sections["zh-Hans"])
    [inserted] = [text(mark) for mark in row.iter(f"{XHTML}ins")]
    assert _cells("另外", "zhcn-g1.ctb") in inserted


def test_changed_regions_are_the_bands_that_differ():
    blank = Image.new("RGB", (200, 300), "white")
    changed = blank.copy()
    draw = ImageDraw.Draw(changed)
    draw.rectangle((20, 40, 60, 50), fill="black")
    draw.rectangle((100, 200, 150, 210), fill="black")
    assert changed_regions(blank, blank.copy()) == []
    assert changed_regions(blank, changed) == [(16, 36, 65, 55), (96, 196, 155, 215)]
    assert changed_regions(blank, None) is None


def test_diff_says_so_outside_git(tmp_path, capsys):
    shutil.copytree(ROOT / "brand", tmp_path / "brand")
    (tmp_path / "leaflets").mkdir()
    (tmp_path / "leaflets" / "one.yaml").write_text(LEAFLET, "utf-8")
    assert _run(tmp_path, "diff", "one", "--since", "HEAD") == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {tmp_path}: the project is not in a git repository; 'diff' finds earlier "
        "versions in the git history", "1 problem found."]


def test_han_characters_in_an_english_text_are_compared_in_chinese_braille(tmp_path):
    """UEB has no cells for Han characters: the English braille writes them with the
    Chinese table (formats/braille.py), so the pack compares them, with no note and no
    traceback (found by test_every_command.py's generated leaflets)."""
    project = small_project(tmp_path / "small")
    path = project.leaflets_dir / "alpha.yaml"
    path.write_text(path.read_text("utf-8").replace("This text is", "This 简体 text is"),
                    "utf-8")
    found, problems, notes = leaflet_braille(project, "alpha")
    assert (problems, notes) == ([], [])
    table, brf = found["en"]
    assert table == "en-ueb-g2.ctb" and brf.isascii()
