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

from conftest import copy_project

ROOT = Path(__file__).resolve().parent.parent


def test_same_inputs_give_byte_identical_pdfs(manifest, tmp_path, monkeypatch):
    # As a fresh clone would: another folder, and its own new subsets of the CJK font.
    monkeypatch.delenv("LEAFPRESS_CACHE_DIR")
    clone = copy_project(tmp_path / "clone")
    second = build(clone, tmp_path / "again", log=lambda line: None).outputs
    assert (tmp_path / "again" / ".cache" / "fonts").is_dir()
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
    assert main(["--project", str(ROOT), "check", "--today", "2026-11-21"]) == 0
    # The quality gates may add what they found (test_gates.py holds them to --strict).
    assert capsys.readouterr().out.startswith("All leaflets, translations and templates are "
                                              "valid, and no review date has passed")


def test_build_is_the_default_command(project, tmp_path, capsys):
    assert main(["--project", str(project.root), "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "built zh-Hans/magnesium-infusion.pdf" in out
    assert "built zh-Hans/magnesium-infusion.large-print.pdf" in out
    assert "built zh-Hans/magnesium-infusion/index.html" in out
    assert "18 built, 0 reused, 0 skipped, 0 failed in" in out


def test_the_machine_has_harfbuzz_subset_and_the_cjk_font():
    assert system_problems() == []


def _summary(capsys) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_an_identical_second_build_renders_nothing_and_loads_no_renderer(project, tmp_path,
                                                                         capsys):
    import subprocess
    import sys

    dist = tmp_path / "dist"
    assert main(["--project", str(project.root), "--output", str(dist), "--jobs", "2"]) == 0
    assert _summary(capsys).startswith("18 built, 0 reused")
    script = ("import sys; from leafpress.cli import main; "
              f"code = main(['--project', {str(project.root)!r}, '--output', {str(dist)!r}]); "
              "print(sorted(m for m in ('weasyprint', 'pydantic', 'babel', 'jinja2') "
              "if m in sys.modules)); sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "0 built, 18 reused, 0 skipped, 0 failed" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_editing_one_translation_re_renders_only_its_leaflet(project, tmp_path, capsys):
    dist = tmp_path / "dist"
    assert main(["--project", str(project.root), "--output", str(dist)]) == 0
    capsys.readouterr()
    po = project.root / "locales/zh_Hans/LC_MESSAGES/messages.po"
    # The same characters, reordered: a new character would make a new CJK subset, and
    # every output that uses the subset would then be rendered again (see fonts.py).
    po.write_text(po.read_text("utf-8").replace('msgstr "什么是氯胺酮输注？"',
                                                'msgstr "氯胺酮输注是什么？"'), "utf-8")
    assert main(["--project", str(project.root), "--output", str(dist)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[1] for line in lines if line.startswith("built ")) == [
        "zh-Hans/ketamine-infusion.large-print.pdf", "zh-Hans/ketamine-infusion.pdf",
        "zh-Hans/ketamine-infusion/index.html"]
    assert lines[-1].startswith("3 built, 15 reused, 0 skipped, 0 failed")


def test_editing_one_leaflet_re_renders_only_its_outputs(project, tmp_path, capsys):
    dist = tmp_path / "dist"
    assert main(["--project", str(project.root), "--output", str(dist)]) == 0
    capsys.readouterr()
    path = project.leaflets_dir / "ketamine-infusion.yaml"
    path.write_text(path.read_text("utf-8").replace("version: \"1.0\"", "version: \"1.1\""),
                    "utf-8")
    assert main(["--project", str(project.root), "--output", str(dist)]) == 0
    built = sorted(line.split()[1] for line in capsys.readouterr().out.splitlines()
                   if line.startswith("built "))
    assert built == ["en/ketamine-infusion.large-print.pdf", "en/ketamine-infusion.pdf",
                     "en/ketamine-infusion/index.html",
                     "zh-Hans/ketamine-infusion.large-print.pdf", "zh-Hans/ketamine-infusion.pdf",
                     "zh-Hans/ketamine-infusion/index.html"]


def test_a_damaged_pdf_or_cache_entry_is_not_trusted(project, tmp_path, capsys):
    dist = tmp_path / "dist"
    assert main(["--project", str(project.root), "--variant", "standard",
                 "--output", str(dist)]) == 0
    capsys.readouterr()
    (dist / "en" / "ketamine-infusion.pdf").write_bytes(b"%PDF-1.7 truncated")
    [entry] = [path for path in (dist / ".cache" / "outputs").glob("*.json")
               if '"zh-Hans/magnesium-infusion.pdf"' in path.read_text("utf-8")]
    entry.write_text('{"path": "zh-Hans/magnes', "utf-8")  # as a crash would leave it
    assert main(["--project", str(project.root), "--variant", "standard",
                 "--output", str(dist)]) == 0
    built = sorted(line.split()[1] for line in capsys.readouterr().out.splitlines()
                   if line.startswith("built "))
    assert built == ["en/ketamine-infusion.pdf", "zh-Hans/magnesium-infusion.pdf"]
    assert main(["--project", str(project.root), "--variant", "standard", "--force",
                 "--output", str(dist)]) == 0
    assert _summary(capsys).startswith("12 built, 0 reused")


def test_the_progress_bar_names_the_current_output(capsys):
    from leafpress.cli import _Progress
    from leafpress.plan import Output

    bar = _Progress()
    output = Output(leaflet="x", locale="en", variant="standard", format="pdf",
                    path="en/x.pdf", sha256="", bytes=0, pages=1)
    bar(1, 4, output, "built")
    bar(4, 4, output, "reused")
    bar.finish()
    out = capsys.readouterr().out
    assert out.startswith("\r[######..................] 1/4 built en/x.pdf")
    assert "\r[########################] 4/4 reused en/x.pdf" in out
    assert out.endswith("\r")  # the line is cleared before the summary
