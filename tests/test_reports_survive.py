"""`report` and `stats` list every leaflet they can, mark the others, and still exit 1;
`stats --missing` names each text to translate with its catalog line (issue 13)."""

from __future__ import annotations

import json

import pytest

from helpers import LEAFLET, make_project, run, translate

PO = "locales/zh_Hans/LC_MESSAGES/messages.po"
BROKEN = "leaflets/broken.yaml:3: unknown key 'titel'; did you mean 'title'?"
CONTACT = "Pain Management Service nurses: [01632 960 418](tel:+441632960418)"
EAT = "Have nothing to eat for 6 hours before your appointment."


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Two leaflets, one of them broken after the catalog was started; a catalog with a
    translated, a fuzzy, an invalid and many untranslated texts."""
    second = LEAFLET.replace("id: sample", "id: broken").replace("TEST-1", "TEST-2")
    # Not approved: no "Approved by" to translate, so the counts are the leaflet's own.
    project = make_project(tmp_path_factory.mktemp("reports") / "project",
                           {"sample": LEAFLET, "broken": second}, approved=False)
    assert run(project, "init", "zh_Hans") == 0
    translate(project, "zh_Hans", {
        "Your appointment will be in the morning or the afternoon.": "您的就诊时间会安排在上午或下午。",
        CONTACT: "疼痛管理科护士：01632 960 418",  # the link is lost: invalid
        EAT: "就诊前6小时内不要吃任何东西。"})
    po = project.po_file("zh_Hans")
    po.write_text(po.read_text("utf-8").replace(f'msgid "{EAT}"', f'#, fuzzy\nmsgid "{EAT}"'),
                  "utf-8")
    path = project.leaflets_dir / "broken.yaml"
    path.write_text(second.replace("title:", "titel:"), "utf-8")
    return project


def line_of(project, text: str) -> int:
    return project.po_file("zh_Hans").read_text("utf-8").splitlines().index(text) + 1


def errors(project) -> list[str]:
    contact = line_of(project, f'msgid "{CONTACT}"')
    return [f"error: {BROKEN}",
            f'error: {PO}:{contact}: msgid "Pain Management Service nurses: [01632 960…": '
            "the links must have the same targets as the English: expected "
            "tel:+441632960418, got none",
            "2 problems found."]


def test_stats_lists_every_leaflet_it_can_and_marks_the_others(project, capsys):
    assert run(project, "stats") == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "locale   leaflet  translated  fuzzy  untranslated  invalid  complete",
        "zh-Hans  sample            1      1            28        1      3.2%",
        f"-        broken   invalid: {BROKEN}"]
    assert err.splitlines() == errors(project)


def test_stats_json_marks_the_invalid_leaflet(project, capsys):
    assert run(project, "stats", "--format", "json") == 1
    rows = json.loads(capsys.readouterr().out)["stats"]
    assert rows[0] == {"locale": None, "leaflet": "broken", "error": f"invalid: {BROKEN}"}
    assert (rows[1]["leaflet"], rows[1]["fuzzy"], rows[1]["invalid"]) == ("sample", 1, 1)


def test_report_lists_every_leaflet_it_can_and_marks_the_others(project, capsys):
    assert run(project, "report", "--today", "2026-11-29") == 1
    out, err = capsys.readouterr()
    # The first table lists the leaflets (the version history and readability follow).
    table = out.split("\n\n")[1]
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines()
            if line.startswith("| ") and "---" not in line]
    assert rows == [
        ["leaflet", "version", "review by", "review", "owner", "zh-Hans"],
        ["broken", f"invalid: {BROKEN}", "", "", "", ""],
        ["sample", "1.0", "2028-11-21", "in 723 days", "Pain Management Service",
         "1 fuzzy, 28 untranslated, 1 invalid"]]
    assert err.splitlines() == errors(project)


def test_stats_missing_names_each_text_with_its_catalog_line(project, capsys):
    assert run(project, "stats", "--missing") == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 30
    title = line_of(project, 'msgid "Magnesium infusion for nerve pain"')
    assert lines[0] == (f'{PO}:{title}: msgid "Magnesium infusion for nerve pain": '
                        "untranslated (sample)")
    contact = line_of(project, f'msgid "{CONTACT}"')
    assert (f'{PO}:{contact}: msgid "Pain Management Service nurses: [01632 960…": invalid: '
            "the links must have the same targets as the English: expected tel:+441632960418, "
            "got none (sample)") in lines
    eat = line_of(project, f'msgid "{EAT}"')
    assert f'{PO}:{eat}: msgid "Have nothing to eat for 6 hours before your…": fuzzy (sample)' \
        in lines
    pages = line_of(project, 'msgid "Page %(page)s of %(pages)s"')
    assert f'{PO}:{pages}: msgid "Page %(page)s of %(pages)s": untranslated (sample)' in lines


def test_a_catalog_that_cannot_be_read_is_marked_for_each_leaflet(tmp_path, capsys):
    project = make_project(tmp_path / "project")
    assert run(project, "init", "zh_Hans") == 0
    po = project.po_file("zh_Hans")
    po.write_text(po.read_text("utf-8").replace('"Language: zh_Hans\\n"', '"Language: fr\\n"'),
                  "utf-8")
    line = line_of(project, '"Language: fr\\n"')
    capsys.readouterr()
    problem = f"{PO}:{line}: the Language header must be 'zh_Hans' (the folder's name), got 'fr'"
    assert run(project, "stats") == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "locale  leaflet  translated  fuzzy  untranslated  invalid  complete",
        f"zh-Hans  sample   invalid: {problem}"]
    assert err.splitlines() == [f"error: {problem}", "1 problem found."]
