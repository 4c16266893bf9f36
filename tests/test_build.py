"""The build as a whole: deterministic output, current schemas, the command line."""

from __future__ import annotations

import json
from pathlib import Path

from leafpress.brand import Brand
from leafpress.cli import main
from leafpress.leaflet import leaflet_json_schema
from leafpress.pdf import system_problems
from leafpress.pipeline import build
from leafpress.project import Project

ROOT = Path(__file__).resolve().parent.parent


def test_same_inputs_give_byte_identical_pdfs(manifest, tmp_path):
    second = build(Project.at(ROOT), tmp_path / "again", log=lambda line: None).outputs
    assert {output.path: output.sha256 for output in second} == {
        output["path"]: output["sha256"] for output in manifest["outputs"]}
    assert (tmp_path / "again" / "manifest.json").read_text("utf-8") == json.dumps(
        manifest, indent=2, ensure_ascii=False) + "\n"


def test_committed_json_schemas_are_current():
    leaflet = json.loads((ROOT / "leaflets" / "leaflet.schema.json").read_text("utf-8"))
    brand = json.loads((ROOT / "brand" / "brand.schema.json").read_text("utf-8"))
    assert leaflet == leaflet_json_schema(), "run 'build.py schema'"
    assert brand == Brand.model_json_schema(), "run 'build.py schema'"


def test_check_passes_on_the_real_project(capsys):
    assert main(["--project", str(ROOT), "check"]) == 0
    assert "All leaflets, translations and templates are valid." in capsys.readouterr().out


def test_build_is_the_default_command(project, tmp_path, capsys):
    assert main(["--project", str(project.root), "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "built zh-Hans/magnesium-infusion.pdf" in out
    assert "built zh-Hans/magnesium-infusion.large-print.pdf" in out
    assert "12 PDFs in" in out


def test_the_machine_has_harfbuzz_subset_and_the_cjk_font():
    assert system_problems() == []
