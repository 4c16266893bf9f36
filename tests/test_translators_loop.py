"""The translators' loop: extract → update → translate → check → build, and new languages."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from babel.messages.pofile import read_po

from leafpress.core.project import Project

from helpers import approve, pdftotext, run, small_project

# The small made-up project of tests/projects/small: its leaflet "alpha" changes.
PO = "locales/zh_Hans/LC_MESSAGES/messages.po"
OLD = "A warning for the test."
NEW = "A warning for the tests, changed."


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Project:
    """The project after one English text changed and `extract` + `update` ran."""
    project = small_project(tmp_path_factory.mktemp("edited") / "project")
    path = project.leaflets_dir / "alpha.yaml"
    text = path.read_text("utf-8")
    old = OLD
    assert old in text
    path.write_text(text.replace(old, NEW), "utf-8")
    approve(project)  # the change is approved: only its translation is out of date
    assert run(project, "extract") == 0
    assert run(project, "update") == 0
    return project


def test_update_makes_exactly_the_changed_entry_fuzzy_with_its_previous_english(edited):
    catalog = read_po((edited.root / PO).open("rb"))
    fuzzy = [message for message in catalog if message.id and message.fuzzy]
    assert [message.id for message in fuzzy] == [NEW]
    text = (edited.root / PO).read_text("utf-8")
    assert f'#, fuzzy\n#| msgid "{OLD}"\nmsgid "{NEW}"\n' in text


def test_update_twice_changes_nothing_and_msgfmt_accepts_the_result(edited, capsys):
    before = (edited.root / PO).read_bytes()
    assert run(edited, "update") == 0
    assert (edited.root / PO).read_bytes() == before
    assert "already up to date" in capsys.readouterr().out
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(edited.root / PO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_stats_json_shows_the_fuzzy_entry(edited, capsys):
    assert run(edited, "stats", "--format", "json") == 0
    rows = {row["leaflet"]: row for row in json.loads(capsys.readouterr().out)["stats"]}
    assert rows["alpha"]["fuzzy"] == 1
    assert rows["alpha"]["untranslated"] == 0
    assert rows["alpha"]["percent"] < 100
    assert rows["beta"]["fuzzy"] == 0
    assert rows["beta"]["percent"] == 100


def test_stats_table(edited, capsys):
    assert run(edited, "stats") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["locale", "leaflet", "translated", "fuzzy", "untranslated",
                                "invalid", "complete"]
    [row] = [line.split() for line in lines if " alpha " in line]
    assert row[0] == "zh-Hans" and row[3:6] == ["1", "0", "0"]


def test_build_skips_only_the_stale_output(edited, tmp_path, capsys):
    dist = tmp_path / "dist"
    assert run(edited, "build", "--variant", "standard", "--output", str(dist)) == 0
    err = capsys.readouterr().err
    assert ("warning: zh-Hans: alpha not built: 1 fuzzy text; 'build.py stats --missing "
            "--locale zh-Hans' lists it" in err.splitlines())
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    assert manifest["skipped"] == [{"leaflet": "alpha", "locale": "zh-Hans",
                                    "variant": "standard", "reason": "1 fuzzy"}]
    assert len(manifest["outputs"]) == 12  # 3 PDFs, with their web pages, braille and EPUBs
    assert not (dist / "zh-Hans" / "alpha.pdf").exists()
    assert not (dist / "zh-Hans" / "alpha" / "index.html").exists()
    index = (dist / "index.html").read_text("utf-8")
    assert index.count("Not published: the translation is incomplete (1 fuzzy).") == 1
    assert "zh-Hans/alpha" not in index
    # The English leaflet no longer claims a Chinese version; the other leaflet still does.
    assert "简体中文" not in pdftotext(dist / "en" / "alpha.pdf")
    assert "简体中文" in pdftotext(dist / "en" / "beta.pdf")


def test_strict_build_fails_on_a_skipped_output(edited, tmp_path, capsys):
    assert run(edited, "build", "--strict", "--variant", "standard",
               "--output", str(tmp_path / "dist")) == 1
    assert ("error: locales/zh_Hans/LC_MESSAGES/messages.po: alpha not built: 1 fuzzy text; "
            "'build.py stats --missing --locale zh-Hans' lists it") in capsys.readouterr().err


def test_draft_build_marks_every_page(edited, tmp_path):
    dist = tmp_path / "dist"
    assert run(edited, "build", "--draft", "--variant", "standard", "--output", str(dist)) == 0
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    drafts = manifest["drafts"]
    assert all(output["draft"] for output in drafts)
    assert not any(output["draft"] for output in manifest["outputs"])
    assert [output["path"] for output in drafts] == ["drafts/zh-Hans/alpha.pdf",
                                                     "drafts/zh-Hans/alpha/index.html"]
    assert manifest["skipped"] == []
    pdf, web_page = drafts
    pages = pdftotext(dist / pdf["path"]).split("\f")[:-1]
    assert len(pages) == pdf["pages"]
    for page in pages:
        flat = " ".join(page.split())
        assert "译文草稿——请勿提供给患者使用" in flat
        assert "Draft translation — not for patient use" in flat
    text = " ".join(pdftotext(dist / pdf["path"]).split())
    assert NEW in text  # English stands in, visibly marked as a draft
    assert not (dist / "zh-Hans" / "alpha.pdf").exists()
    html = (dist / web_page["path"]).read_text("utf-8")
    assert ('<p class="draft-mark">译文草稿——请勿提供给患者使用 · '
            '<span lang="en">Draft translation — not for patient use</span></p>') in html
    assert NEW in html
    index = (dist / "index.html").read_text("utf-8")
    assert "drafts/" not in index  # the catalogue never lists a draft (docs/running.md, "What the build writes")


def test_a_new_locale_with_nothing_translated_is_skipped(fixture_project, tmp_path, capsys):
    project = fixture_project
    assert run(project, "init", "fr") == 0
    po = (project.root / "locales/fr/LC_MESSAGES/messages.po").read_text("utf-8")
    assert '"Language: fr\\n"' in po
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in po
    dist = tmp_path / "dist"
    assert run(project, "build", "--variant", "standard", "--output", str(dist)) == 0
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    assert {(item["leaflet"], item["locale"]) for item in manifest["skipped"]} == {
        ("alpha", "fr"), ("beta", "fr")}
    assert len(manifest["outputs"]) == 16  # 4 PDFs, with their web pages, braille and EPUBs
    index = (dist / "index.html").read_text("utf-8")
    assert len(re.findall(r"Not published: the translation is incomplete \(\d+ untranslated\)\.",
                          index)) == 2
    assert index.count('<span lang="fr" dir="ltr">français</span> · French</h3>') == 2


def test_new_languages_are_told_in_one_line_each_with_the_command_that_lists_the_texts(
        fixture_built, capsys):
    """Issue 20: `init cy` and `init ar` made every build print 8 "skipped" lines each."""
    project, dist = fixture_built
    assert run(project, "init", "cy") == 0
    assert run(project, "init", "ar") == 0
    capsys.readouterr()
    assert run(project, "stats", "--missing", "--locale", "cy") == 0
    missing = capsys.readouterr().out.splitlines()
    assert missing and all(line.startswith("locales/cy/") for line in missing)
    expected = [f"warning: {tag}: alpha and beta not built: {len(missing)} untranslated texts; "
                f"'build.py stats --missing --locale {tag}' lists them" for tag in ("ar", "cy")]
    for _ in ("a build", "a build with nothing to do"):
        assert run(project, "build", "--output", str(dist)) == 0
        assert capsys.readouterr().err.splitlines() == expected


def test_stats_narrows_to_the_languages_named_either_way(fixture_project, capsys):
    project = fixture_project
    assert run(project, "init", "cy") == 0
    assert run(project, "init", "pt-BR") == 0
    capsys.readouterr()
    assert run(project, "stats", "--missing", "--locale", "pt-BR", "--locale", "cy") == 0
    lines = capsys.readouterr().out.splitlines()
    assert {line.split("/")[1] for line in lines} == {"cy", "pt_BR"}
    assert run(project, "stats", "--format", "json", "--locale", "zh_Hans") == 0
    rows = json.loads(capsys.readouterr().out)["stats"]
    assert [(row["locale"], row["leaflet"]) for row in rows] == [("zh-Hans", "alpha"),
                                                                 ("zh-Hans", "beta")]
    assert run(project, "stats", "--missing", "--locale", "fr") == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: command line: no locale 'fr': the project has cy, en, pt-BR, zh-Hans",
        "1 problem found."]


def test_init_accepts_bcp47_names_and_refuses_existing_or_unknown_ones(fixture_project, capsys):
    project = fixture_project
    assert run(project, "init", "pt-BR") == 0
    assert (project.root / "locales/pt_BR/LC_MESSAGES/messages.po").is_file()
    assert run(project, "init", "zh-Hans") == 1
    assert run(project, "init", "xx-Nowhere") == 1
    err = capsys.readouterr().err
    assert "locales/zh_Hans/LC_MESSAGES/messages.po: the locale 'zh_Hans' already exists" in err
    assert "unknown locale 'xx-Nowhere'" in err


def test_a_new_language_needs_no_code(fixture_project, tmp_path):
    """init fr, translate the catalog, build: the French text is in the French PDF."""
    project = fixture_project
    assert run(project, "init", "fr") == 0
    path = project.root / "locales/fr/LC_MESSAGES/messages.po"
    catalog_text = path.read_text("utf-8")
    french = {"Alpha test leaflet": "Dépliant de test alpha"}
    lines = catalog_text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith('msgid "') and line != 'msgid ""' and lines[index + 1] == 'msgstr ""':
            source = line[len('msgid "'):-1]
            lines[index + 1] = f'msgstr "{french.get(source, "(fr) " + source)}"'
    path.write_text("\n".join(lines) + "\n", "utf-8")
    assert run(project, "check") == 0
    dist = tmp_path / "dist"
    assert run(project, "build", "--strict", "--variant", "standard", "--output", str(dist)) == 0
    text = " ".join(pdftotext(dist / "fr" / "alpha.pdf").split())
    assert "Dépliant de test alpha" in text
    assert "21 novembre 2026" in text
    english = " ".join(pdftotext(dist / "en" / "alpha.pdf").split())
    assert "Also available in: français and 简体中文" in english
    page = (dist / "fr" / "alpha" / "index.html").read_text("utf-8")
    assert '<html lang="fr" dir="ltr">' in page
    assert '<p class="title" lang="fr" dir="ltr">Dépliant de test alpha</p>' in (dist / "index.html").read_text("utf-8")
