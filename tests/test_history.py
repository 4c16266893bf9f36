"""Release history: its validation, the fingerprint of the approved text, `release`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from leafpress.cli import main
from leafpress.content.history import changed_count, fingerprint, next_version, release_problem
from leafpress.content.leaflet import load_leaflet
from leafpress.core.errors import LeafletError

BAD = Path(__file__).parent / "data" / "bad-history"
CASES = sorted(BAD.glob("*.yaml"))


def history_problems(path: Path) -> list[str]:
    """Return what `check` reports about a leaflet's history, as printed."""
    try:
        leaflet = load_leaflet(path, path.parent)
    except LeafletError as error:
        return [str(problem) for problem in error.problems]
    problem = release_problem(leaflet, path.name)
    return [str(problem)] if problem else []


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_bad_history_gets_its_exact_messages(path):
    expected = path.with_suffix(".expected").read_text("utf-8").splitlines()
    assert history_problems(path) == expected


def test_every_bad_history_has_its_expected_messages():
    assert {path.stem for path in BAD.glob("*.expected")} == {path.stem for path in CASES}


LEAFLET = '''\
# A leaflet for the tests of `release`; this comment must survive.
id: one
reference: TEST-1
title: A test leaflet
audience: patient
version: "1.4"   # quoted, so 1.10 stays 1.10
published: 2026-11-21
review_by: 2028-11-21
owner:
  department: Pain Management Service
  contact: "[01632 960 418](tel:+441632960418)"
sources:
  - citation: A source.
sections:
  - heading: A heading
    blocks:
      - paragraph: >-
          Some text,
          folded over two lines.
'''
TEXTS = ["A test leaflet", "Pain Management Service", "[01632 960 418](tel:+441632960418)",
         "A heading", "Some text, folded over two lines."]


def _project(tmp_path, history: str = "") -> Path:
    (tmp_path / "leaflets").mkdir()
    path = tmp_path / "leaflets" / "one.yaml"
    path.write_text(LEAFLET + history, "utf-8")
    return path


def _history(version="1.4", date="2026-11-21", texts=TEXTS) -> str:
    return (f'history:\n  - version: "{version}"\n    date: {date}\n    summary: A change\n'
            f'    approver: "Dr A Jones, Consultant in Pain Medicine"\n'
            f'    fingerprint: {fingerprint(texts)}\n')


def _release(tmp_path, *arguments) -> int:
    return main(["--project", str(tmp_path), "release", "one", *arguments])


def test_versions_move_on_by_minor_or_major():
    assert [next_version(version) for version in ("1.0", "1.9", "2", "2.3.1")] == [
        "1.1", "1.10", "2.1", "2.4"]
    assert [next_version(version, major=True) for version in ("1.0", "1.9", "2.3.1")] == [
        "2.0", "2.0", "3.0"]


def test_layout_and_comments_are_not_changes_but_a_typo_is(tmp_path):
    path = _project(tmp_path, _history())
    assert release_problem(load_leaflet(path, tmp_path), "one.yaml") is None
    text = path.read_text("utf-8")
    path.write_text(text.replace("Some text,\n          folded over two lines.",
                                 "Some text, folded\n          over two lines.")
                    .replace("blocks:", "blocks:  # re-wrapped below")
                    .replace("sections:", "# a new comment\nsections:"), "utf-8")
    assert release_problem(load_leaflet(path, tmp_path), "one.yaml") is None
    path.write_text(text.replace("A heading", "A haeding"), "utf-8")
    assert str(release_problem(load_leaflet(path, tmp_path), "one.yaml")) == (
        "one.yaml:6: version: the text changed since version 1.4 was approved (1 text); approve "
        "it with 'build.py release one --approver \"Name, Role\" --summary \"…\"' or on the "
        "editor's approval page")


def test_changed_count_counts_added_removed_and_changed_texts():
    approved = fingerprint(["a", "b", "c", "d"])
    assert changed_count(approved, ["a", "b", "c", "d"]) == 0
    assert changed_count(approved, ["a", "B", "c", "d", "e"]) == 2
    assert changed_count(approved, ["b", "a", "c", "d"]) == 2  # a move is a change
    assert changed_count(approved, []) == 4


def test_release_records_a_new_version_and_leaves_the_rest_of_the_file_as_it_was(tmp_path):
    path = _project(tmp_path, _history())
    before = path.read_text("utf-8")
    path.write_text(before.replace("A heading", "A better heading"), "utf-8")
    assert _release(tmp_path, "--approver", "Dr B Smith, Consultant in Pain Medicine",
                    "--summary", 'Heading: "better"', "--date", "2026-12-02",
                    "--patient-review", "2026-11-30") == 0
    after = path.read_text("utf-8")
    leaflet = load_leaflet(path, tmp_path)
    assert after == before.replace("A heading", "A better heading").replace(
        'version: "1.4"   #', 'version: "1.5"   #').replace(
        "published: 2026-11-21", "published: 2026-12-02").replace(
        "history:\n", 'history:\n  - version: "1.5"\n    date: 2026-12-02\n'
        '    summary: "Heading: \\"better\\""\n'
        '    approver: "Dr B Smith, Consultant in Pain Medicine"\n'
        "    patient_review: 2026-11-30\n"
        f"    fingerprint: >-\n      {leaflet.leaflet.history[0].fingerprint}\n")
    assert [entry.version for entry in leaflet.leaflet.history] == ["1.5", "1.4"]
    assert leaflet.leaflet.history[0].summary == 'Heading: "better"'
    assert release_problem(leaflet, "one.yaml") is None
    assert _release(tmp_path, "--major", "--approver", "Dr B Smith, Consultant",
                    "--summary", "Rewritten", "--date", "2026-12-03") == 0
    assert load_leaflet(path, tmp_path).leaflet.version == "2.0"


def test_the_first_release_approves_the_version_the_leaflet_has(tmp_path, capsys):
    path = _project(tmp_path)
    assert _release(tmp_path, "--approver", "Comms team (stand-in approver), Communications",
                    "--summary", "First version", "--date", "2026-11-21") == 0
    assert capsys.readouterr().out == (
        "leaflets/one.yaml: version 1.4 approved by Comms team (stand-in approver), "
        "Communications on 2026-11-21\n")
    text = path.read_text("utf-8")
    assert text.startswith(LEAFLET)
    assert text[len(LEAFLET):] == (
        'history:\n  - version: "1.4"\n    date: 2026-11-21\n    summary: "First version"\n'
        '    approver: "Comms team (stand-in approver), Communications"\n'
        f"    fingerprint: >-\n      {fingerprint(TEXTS)}\n")


def test_a_long_fingerprint_is_folded_and_reads_back(tmp_path):
    many = "".join(f"          - Item {number}.\n" for number in range(30))
    path = _project(tmp_path)
    path.write_text(LEAFLET + "      - bullets:\n" + many.replace("          -", "          -"),
                    "utf-8")
    assert _release(tmp_path, "--approver", "A B, C", "--summary", "S",
                    "--date", "2026-11-21") == 0
    lines = path.read_text("utf-8").splitlines()
    assert max(len(line) for line in lines) < 80
    assert release_problem(load_leaflet(path, tmp_path), "one.yaml") is None


def test_release_refuses_an_approval_that_would_break_the_leaflet(tmp_path, capsys):
    path = _project(tmp_path, _history())
    before = path.read_text("utf-8")
    assert _release(tmp_path, "--approver", "Dr Jones", "--summary", "S",
                    "--date", "2029-01-01") == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: leaflets/one.yaml:8: review_by: the review date must be after the publication "
        "date (2029-01-01), got 2028-11-21",
        "error: leaflets/one.yaml:24: history[0].approver: expected the approver's name and "
        "role, like 'Dr A Jones, Consultant in Pain Medicine', got 'Dr Jones'",
        "2 problems found."]
    assert path.read_text("utf-8") == before
    assert not [name for name in (tmp_path / "leaflets").iterdir() if name.name != "one.yaml"]


def test_release_needs_an_approver_and_a_summary(tmp_path, capsys):
    _project(tmp_path)
    assert _release(tmp_path, "--summary", "S") == 2
    assert "release needs --approver" in capsys.readouterr().err
    assert _release(tmp_path, "--braille-checked-by", "A B, C") == 2
    assert capsys.readouterr().err == ('build.py: error: release needs --approver "Name, Role" '
                                       'and --summary "…" (or --amend with '
                                       "--braille-checked-by)\n")
    assert main(["--project", str(tmp_path), "release", "two", "--approver", "A, B",
                 "--summary", "S"]) == 1
    assert "leaflets/two.yaml: no such leaflet; the leaflets are: one" in capsys.readouterr().err


def test_amend_records_the_current_text_for_the_current_version(tmp_path):
    path = _project(tmp_path, _history())
    path.write_text(path.read_text("utf-8").replace("A heading", "A merged heading"), "utf-8")
    assert release_problem(load_leaflet(path, tmp_path), "one.yaml") is not None
    assert _release(tmp_path, "--amend") == 0
    leaflet = load_leaflet(path, tmp_path)
    assert release_problem(leaflet, "one.yaml") is None
    assert [(entry.version, entry.approver) for entry in leaflet.leaflet.history] == [
        ("1.4", "Dr A Jones, Consultant in Pain Medicine")]


FLOW = yaml.safe_dump(yaml.safe_load(LEAFLET), default_flow_style=True, width=1000)


@pytest.mark.parametrize("text, arguments, message", [
    (FLOW, ("--approver", "A B, C", "--summary", "S"),
     "leaflets/one.yaml:1: expected the leaflet in block style (one key a line), as "
     "'release' writes it, got flow style ({…}); rewrite it in block style, then run "
     "release again"),
    (LEAFLET + "history: [{version: '1.4', date: 2026-11-21, summary: S, approver: 'A B, C', "
     "fingerprint: 0a0a0a0a}]\n", ("--approver", "A B, C", "--summary", "S"),
     "leaflets/one.yaml:20: history: expected the history in block style (one key a line), "
     "as 'release' writes it, got flow style ([…]); rewrite it in block style, then run "
     "release again"),
    (LEAFLET + "history:\n  - {version: '1.4', date: 2026-11-21, summary: S, approver: "
     "'A B, C', fingerprint: 0a0a0a0a}\n", ("--amend",),
     "leaflets/one.yaml:21: history[0]: expected the newest entry in block style (one key a "
     "line), as 'release' writes it, got flow style ({…}); rewrite it in block style, then "
     "run release again"),
], ids=["leaflet", "history", "amended-entry"])
def test_release_says_it_cannot_edit_flow_style(tmp_path, capsys, text, arguments, message):
    """A leaflet the schema accepts, written as {…}: the history written one key a line
    would not be YAML inside it (found by test_every_command.py)."""
    path = _project(tmp_path)
    path.write_text(text, "utf-8")
    assert _release(tmp_path, *arguments) == 1
    assert capsys.readouterr().err.splitlines() == [f"error: {message}", "1 problem found."]
    assert path.read_text("utf-8") == text


def test_check_warns_about_a_leaflet_without_any_approval(project, capsys):
    path = project.leaflet_files()[0]
    text = path.read_text("utf-8")
    path.write_text(text[:text.index("\nhistory:\n") + 1], "utf-8")
    leaflet = load_leaflet(path, project.root)
    assert main(["--project", str(project.root), "check", "--today",
                 leaflet.leaflet.published.isoformat()]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"warning: leaflets/{path.name}:{leaflet.key_lines['version']}: version: no approval "
        f"of version {leaflet.leaflet.version} is recorded; approve it with 'build.py release "
        f"{leaflet.id} --approver \"Name, Role\" --summary \"…\"' or on the editor's approval "
        "page"]


CHECKER = "Ann Reader, Braille Transcriber"


def test_a_release_records_who_checked_its_braille_and_a_new_version_starts_unchecked(
        tmp_path, capsys):
    path = _project(tmp_path, _history())
    before = path.read_text("utf-8").replace("A heading", "A better heading")
    path.write_text(before, "utf-8")
    assert _release(tmp_path, "--approver", "Dr B Smith, Consultant", "--summary", "S",
                    "--date", "2026-12-02", "--braille-checked-by", CHECKER) == 0
    assert capsys.readouterr().out == (
        "leaflets/one.yaml: version 1.5 approved by Dr B Smith, Consultant on 2026-12-02; its "
        f"braille checked by {CHECKER}\n")
    leaflet = load_leaflet(path, tmp_path)
    assert path.read_text("utf-8") == before.replace('version: "1.4"   #', 'version: "1.5"   #'
                                                     ).replace(
        "published: 2026-11-21", "published: 2026-12-02").replace(
        "history:\n", 'history:\n  - version: "1.5"\n    date: 2026-12-02\n    summary: "S"\n'
        '    approver: "Dr B Smith, Consultant"\n'
        f'    braille_checked_by: "{CHECKER}"\n'
        f"    fingerprint: >-\n      {leaflet.leaflet.history[0].fingerprint}\n")
    path.write_text(path.read_text("utf-8").replace("Some text", "Other text"), "utf-8")
    assert _release(tmp_path, "--approver", "Dr B Smith, Consultant", "--summary", "T",
                    "--date", "2026-12-03") == 0
    assert [entry.braille_checked_by for entry in load_leaflet(path, tmp_path).leaflet.history
            ] == [None, CHECKER, None]


def test_amend_records_the_braille_check_of_the_approved_version_and_nothing_else(
        tmp_path, capsys):
    path = _project(tmp_path, _history())
    before = path.read_text("utf-8")
    assert _release(tmp_path, "--amend", "--braille-checked-by", CHECKER) == 0
    assert capsys.readouterr().out == (
        "leaflets/one.yaml: version 1.4 approved by Dr A Jones, Consultant in Pain Medicine "
        f"on 2026-11-21; its braille checked by {CHECKER}\n")
    assert path.read_text("utf-8") == before.replace(
        "    fingerprint:", f'    braille_checked_by: "{CHECKER}"\n    fingerprint:')
    # Recorded again (a correction), the value is replaced where it stands.
    assert _release(tmp_path, "--amend", "--braille-checked-by", "B Dot, Transcriber") == 0
    assert path.read_text("utf-8") == before.replace(
        "    fingerprint:", '    braille_checked_by: "B Dot, Transcriber"\n    fingerprint:')
    assert release_problem(load_leaflet(path, tmp_path), "one.yaml") is None
    # Written by hand as a folded block, it is replaced whole, its line ends kept.
    path.write_text(before.replace("    fingerprint:", "    braille_checked_by: >-\n"
                                   "      B Dot,\n      Transcriber\n    fingerprint:"), "utf-8")
    assert _release(tmp_path, "--amend", "--braille-checked-by", CHECKER) == 0
    assert path.read_text("utf-8") == before.replace(
        "    fingerprint:", f'    braille_checked_by: "{CHECKER}"\n    fingerprint:')


def test_an_entry_whose_first_key_is_its_fingerprint_gets_the_check_on_a_line_of_its_own(
        tmp_path):
    path = _project(tmp_path, f"history:\n  - fingerprint: {fingerprint(TEXTS)}\n"
                              '    version: "1.4"\n    date: 2026-11-21\n    summary: S\n'
                              '    approver: "A B, C"\n')
    assert _release(tmp_path, "--amend", "--braille-checked-by", CHECKER) == 0
    assert path.read_text("utf-8").endswith(
        f'history:\n  - braille_checked_by: "{CHECKER}"\n    fingerprint: {fingerprint(TEXTS)}\n'
        '    version: "1.4"\n    date: 2026-11-21\n    summary: S\n    approver: "A B, C"\n')
    assert load_leaflet(path, tmp_path).leaflet.history[0].braille_checked_by == CHECKER


@pytest.mark.parametrize("history, arguments, message", [
    (_history(), ("--amend", "--braille-checked-by", "Ann Reader"),
     "leaflets/one.yaml:25: history[0].braille_checked_by: expected the transcriber's name and "
     "role, like 'A Reader, Qualified Braille Transcriber', got 'Ann Reader'"),
    (_history(), ("--approver", "A B, C", "--summary", "S", "--date", "2026-12-02",
                  "--braille-checked-by", ""),
     "leaflets/one.yaml:25: history[0].braille_checked_by: expected some text, got an empty "
     "value"),
    ("", ("--amend", "--braille-checked-by", CHECKER),
     "leaflets/one.yaml:6: version: no approval is recorded to add the braille check to; "
     "record both at once: 'build.py release one --approver \"Name, Role\" --summary \"…\" "
     "--braille-checked-by \"Name, Role\"'"),
    (_history(texts=TEXTS[:-1]), ("--amend", "--braille-checked-by", CHECKER),
     "leaflets/one.yaml:6: version: the text changed since version 1.4 was approved (1 text), "
     "so its braille is not the approved version's; record the check with the approval of "
     "the change: 'build.py release one --approver \"Name, Role\" --summary \"…\" "
     "--braille-checked-by \"Name, Role\"'"),
], ids=["not-name-and-role", "empty", "no-approval", "text-changed"])
def test_a_braille_check_that_cannot_be_recorded_is_refused_and_nothing_written(
        tmp_path, capsys, history, arguments, message):
    path = _project(tmp_path, history)
    before = path.read_text("utf-8")
    assert _release(tmp_path, *arguments) == 1
    assert capsys.readouterr().err.splitlines() == [f"error: {message}", "1 problem found."]
    assert path.read_text("utf-8") == before
