"""Characters no font of an output can draw are found before rendering, each located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leafpress.build.pipeline import check
from leafpress.cli import main
from leafpress.core.errors import LeafletError
from leafpress.core.project import Project
from leafpress.rendering.coverage import output_fonts, undrawable

from helpers import ROOT

UNDRAWABLE = Path(__file__).parent / "data" / "undrawable"
LEAFLET_CASES = sorted((UNDRAWABLE / "leaflets").glob("*.yaml"))
CATALOG_CASES = sorted((UNDRAWABLE / "catalogs").glob("*.po"))


def fixture_project(root: Path, leaflets: list[Path], catalog: Path | None = None) -> Project:
    """A project of the real templates and brand with ``leaflets`` and, if given, a zh_Hans
    ``catalog``, its POT extracted."""
    (root / "leaflets").mkdir(parents=True)
    for leaflet in leaflets:
        shutil.copy(leaflet, root / "leaflets")
    for part in ("templates", "brand"):
        shutil.copytree(ROOT / part, root / part)
    (root / "locales").mkdir()
    project = Project.at(root)
    assert main(["--project", str(root), "extract"]) == 0
    if catalog:
        project.po_file("zh_Hans").parent.mkdir(parents=True)
        shutil.copy(catalog, project.po_file("zh_Hans"))
    return project


def check_messages(project: Project) -> list[str]:
    try:
        check(project)
    except LeafletError as error:
        return [str(problem) for problem in error.problems]
    return []


@pytest.mark.parametrize("path", LEAFLET_CASES, ids=[path.stem for path in LEAFLET_CASES])
def test_an_undrawable_character_in_a_leaflet_gets_its_exact_messages(path, tmp_path):
    project = fixture_project(tmp_path / "project", [path])
    expected = path.with_suffix(".expected").read_text("utf-8").splitlines()
    assert check_messages(project) == expected


@pytest.mark.parametrize("path", CATALOG_CASES, ids=[path.stem for path in CATALOG_CASES])
def test_an_undrawable_character_in_a_translation_gets_its_exact_messages(path, tmp_path):
    project = fixture_project(tmp_path / "project",
                              sorted((UNDRAWABLE / "catalogs" / "leaflets").glob("*.yaml")),
                              path)
    expected = path.with_suffix(".expected").read_text("utf-8").splitlines()
    assert check_messages(project) == expected


def test_every_case_has_its_expected_messages():
    for cases in (LEAFLET_CASES, CATALOG_CASES):
        assert cases and all(path.with_suffix(".expected").is_file() for path in cases)


def test_build_reports_every_character_before_rendering_and_builds_the_rest(tmp_path, capsys):
    project = fixture_project(tmp_path / "project", [LEAFLET_CASES[0],
                                                     ROOT / "leaflets/ketamine-infusion.yaml"])
    dist = tmp_path / "dist"
    assert main(["--project", str(project.root), "build", "--variant", "standard",
                 "--jobs", "1", "--output", str(dist)]) == 1
    err = capsys.readouterr().err
    expected = LEAFLET_CASES[0].with_suffix(".expected").read_text("utf-8").splitlines()
    assert [line.removeprefix("error: ") for line in err.splitlines()
            if line.startswith("error: ")] == expected
    assert "WeasyPrint" not in err and "Traceback" not in err
    assert (dist / "en" / "ketamine-infusion.pdf").is_file()
    assert not list(dist.glob(f"en/{LEAFLET_CASES[0].stem}.*"))


def test_the_shipped_leaflets_can_be_drawn_in_full(tmp_path):
    """Every leaflet, brand text and translation the project ships has its glyphs."""
    assert check_messages(Project.at(ROOT)) == []


def test_the_fonts_of_an_output_come_from_its_stylesheets(tmp_path):
    html = (f'<html lang="zh-Hans"><link rel="stylesheet" href="'
            f'{(ROOT / "templates" / "leaflet.css").as_uri()}">')
    chinese = output_fonts(html, tmp_path)
    english = output_fonts(html.replace("zh-Hans", "en"), tmp_path)
    assert [family.name for family in chinese] == ["Noto Sans CJK SC"]
    assert [family.name for family in english] == ["Atkinson Hyperlegible", "Noto Sans CJK SC"]
    assert undrawable("δ 简体中文 🥪\u200b\u2060", english) == ["🥪"]
    assert undrawable("é", english[:1]) == [] and undrawable("δ", english[:1]) == ["δ"]
    # Each face's characters are cached: Atkinson and Noto Sans CJK SC, regular and bold.
    assert len(list(tmp_path.glob("*.json"))) == 4


@pytest.mark.parametrize("locale", ["ar", "fa", "ur", "he"])
def test_english_left_in_a_right_to_left_draft_is_drawn_as_in_english(locale, tmp_path):
    """What the Latin font lacks (the δ of "Aδ fibres", ✓) falls through to the CJK font,
    as in English: an English text a draft shows in Arabic is never undrawable."""
    html = (f'<html lang="{locale}"><link rel="stylesheet" href="'
            f'{(ROOT / "templates" / "leaflet.css").as_uri()}">')
    fonts = output_fonts(html, tmp_path)
    # The Latin font first: digits and Latin words of a right-to-left page are its (issue 23).
    names = [family.name for family in fonts]
    assert (names[0], names[-1]) == ("Atkinson Hyperlegible", "Noto Sans CJK SC")
    assert undrawable("Aδ fibres ✓ → 50%", fonts) == []
