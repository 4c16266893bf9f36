"""Every brand's texts are extracted and merged, and none is obsoleted while a brand uses
it (issue 13)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from fixture_project import make_project, run

RIVERSIDE = Path(__file__).parent / "data" / "brands" / "riverside"
TEXTS = ["Riverside Community Health", "Patient Information Team",
         "[01632 960 777](tel:+441632960777)"]


def locations(path: Path) -> dict[str, list[str]]:
    catalog = read_po(path.open("rb"))
    return {message.id: [file for file, _ in message.locations] for message in catalog
            if message.id}


def test_every_brand_file_in_the_brand_folder_is_extracted_and_kept(tmp_path):
    project = make_project(tmp_path / "project")
    shutil.copytree(RIVERSIDE, project.root / "brand" / "riverside")
    assert run(project, "init", "fr") == 0
    po = project.po_file("fr")
    found = locations(po)
    for text in TEXTS:
        assert found[text] == ["brand/riverside/brand.yaml"], text
    assert found["Northgate Hospital"] == ["brand/brand.yaml"]
    assert run(project, "update") == 0
    assert "#~" not in po.read_text("utf-8")
    assert run(project, "check") == 0  # the template is current, with both brands


def test_extract_and_update_take_brand_files_from_elsewhere(tmp_path, capsys):
    project = make_project(tmp_path / "project")
    elsewhere = tmp_path / "riverside"
    shutil.copytree(RIVERSIDE, elsewhere)
    assert run(project, "init", "fr") == 0
    assert run(project, "update", "--brand", str(elsewhere / "brand.yaml")) == 0
    found = locations(project.po_file("fr"))
    assert found["Riverside Community Health"] == [str(elsewhere / "brand.yaml")]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit:
        run(project, "extract", "--brand", str(tmp_path / "missing.yaml"))
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"build.py: error: --brand: no such file: {tmp_path / 'missing.yaml'}")
