"""The build as a whole: deterministic output, current schemas, the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from leafpress.build.pipeline import build
from leafpress.cli import main
from leafpress.content.brand import Brand
from leafpress.content.schema import leaflet_json_schema
from leafpress.rendering.pdf import system_problems

from helpers import ROOT, cli, pdftotext, small_project, summary


def test_same_inputs_give_byte_identical_pdfs(fixture_dist, tmp_path, monkeypatch):
    # As a fresh clone would: another folder, and its own new subsets of the CJK font.
    monkeypatch.delenv("LEAFPRESS_CACHE_DIR")
    clone = small_project(tmp_path / "clone")
    build(clone, tmp_path / "again", log=lambda line: None)
    assert (tmp_path / "again" / ".cache" / "fonts").is_dir()
    first = (fixture_dist / "manifest.json").read_text("utf-8")
    assert (tmp_path / "again" / "manifest.json").read_text("utf-8") == first
    for output in json.loads(first)["outputs"] + json.loads(first)["files"]:
        assert (tmp_path / "again" / output["path"]).read_bytes() == (
            fixture_dist / output["path"]).read_bytes(), output["path"]


def test_committed_json_schemas_are_current():
    leaflet = json.loads((ROOT / "leaflets" / "leaflet.schema.json").read_text("utf-8"))
    brand = json.loads((ROOT / "brand" / "brand.schema.json").read_text("utf-8"))
    assert leaflet == leaflet_json_schema(), "run 'build.py schema'"
    assert brand == Brand.model_json_schema(), "run 'build.py schema'"


def test_check_passes_on_the_real_project(capsys):
    assert main(["--project", str(ROOT), "check", "--today", "2026-11-21"]) == 0
    assert capsys.readouterr().out == ("All leaflets, translations and templates are valid, "
                                       "and no review date has passed.\n")


def test_the_machine_has_harfbuzz_subset_and_the_cjk_font():
    assert system_problems() == []


def test_build_is_the_default_command_and_a_second_build_loads_no_renderer(fixture_project,
                                                                           tmp_path, capsys):
    dist = tmp_path / "dist"
    assert main(["--project", str(fixture_project.root), "--output", str(dist),
                 "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "built zh-Hans/alpha.pdf" in out
    assert "built zh-Hans/alpha.large-print.pdf" in out
    assert "built zh-Hans/alpha/index.html" in out
    # 2 leaflets × 2 languages × (2 PDFs and a web page)
    assert "20 built, 0 reused, 0 skipped, 0 failed in" in summary(out)
    script = ("import sys; from leafpress.cli import main; "
              f"code = main(['--project', {str(fixture_project.root)!r}, "
              f"'--output', {str(dist)!r}]); "
              "print(sorted(m for m in ('weasyprint', 'pydantic', 'babel', 'jinja2') "
              "if m in sys.modules)); sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "0 built, 20 reused, 0 skipped, 0 failed" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def _built(out: str) -> list[str]:
    return sorted(line.split()[1] for line in out.splitlines() if line.startswith("built "))


def test_editing_one_translation_re_renders_only_its_leaflet(fixture_built, capsys):
    project, dist = fixture_built
    po = project.root / "locales/zh_Hans/LC_MESSAGES/messages.po"
    # The same characters, reordered: a new character would make a new CJK subset for
    # the leaflet, and its English PDFs would be rendered again too (see the next test).
    text = po.read_text("utf-8")
    assert 'msgstr "第三步。"' in text
    po.write_text(text.replace('msgstr "第三步。"', 'msgstr "步第三。"'), "utf-8")
    assert main(["--project", str(project.root), "--output", str(dist)]) == 0
    out = capsys.readouterr().out
    assert _built(out) == ["zh-Hans/alpha.brf", "zh-Hans/alpha.epub",
                           "zh-Hans/alpha.large-print.pdf", "zh-Hans/alpha.pdf",
                           "zh-Hans/alpha/index.html"]
    assert summary(out).startswith("5 built, 15 reused, 0 skipped, 0 failed")


def test_a_new_character_re_renders_only_the_outputs_of_its_leaflet(fixture_built, capsys):
    """Each leaflet has its own subset of the CJK font: a character no other leaflet
    uses changes the glyph numbers of that leaflet's PDFs, and of no other."""
    project, dist = fixture_built
    po = project.root / "locales/zh_Hans/LC_MESSAGES/messages.po"
    text = po.read_text("utf-8")
    assert "✓" not in text
    po.write_text(text.replace('msgstr "第三步。"', 'msgstr "第三步。✓"'), "utf-8")
    assert main(["--project", str(project.root), "--output", str(dist)]) == 0
    out = capsys.readouterr().out
    # The braille and EPUB are made from the HTML, not from the fonts: only the Chinese.
    assert _built(out) == ["en/alpha.large-print.pdf", "en/alpha.pdf", "zh-Hans/alpha.brf",
                           "zh-Hans/alpha.epub", "zh-Hans/alpha.large-print.pdf",
                           "zh-Hans/alpha.pdf", "zh-Hans/alpha/index.html"]
    assert summary(out).startswith("7 built, 13 reused, 0 skipped, 0 failed")
    assert "第三步。✓" in pdftotext(dist / "zh-Hans/alpha.pdf")


def test_editing_one_leaflet_re_renders_only_its_outputs(fixture_built, capsys):
    project, dist = fixture_built
    path = project.leaflets_dir / "beta.yaml"
    path.write_text(path.read_text("utf-8").replace('version: "2.0"', 'version: "2.1"'),
                    "utf-8")
    assert main(["--project", str(project.root), "--output", str(dist)]) == 0
    assert _built(capsys.readouterr().out) == [
        "en/beta.brf", "en/beta.epub", "en/beta.large-print.pdf", "en/beta.pdf",
        "en/beta/index.html", "zh-Hans/beta.brf", "zh-Hans/beta.epub",
        "zh-Hans/beta.large-print.pdf", "zh-Hans/beta.pdf", "zh-Hans/beta/index.html"]


def test_a_damaged_pdf_or_cache_entry_is_not_trusted(fixture_built, capsys):
    project, dist = fixture_built
    (dist / "en" / "alpha.pdf").write_bytes(b"%PDF-1.7 truncated")
    [entry] = [path for path in (dist / ".cache" / "outputs").glob("*.json")
               if '"zh-Hans/beta.pdf"' in path.read_text("utf-8")]
    entry.write_text('{"path": "zh-Hans/be', "utf-8")  # as a crash would leave it
    assert main(["--project", str(project.root), "--output", str(dist)]) == 0
    assert _built(capsys.readouterr().out) == ["en/alpha.pdf", "zh-Hans/beta.pdf"]
    assert main(["--project", str(project.root), "--output", str(dist), "--force"]) == 0
    assert summary(capsys.readouterr().out).startswith("20 built, 0 reused")


def test_the_progress_bar_names_the_current_output(capsys):
    from leafpress.cli import _Progress
    from leafpress.build.plan import Output

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


def test_a_build_of_one_language_is_not_stopped_by_another_languages_characters(
        fixture_built, capsys):
    """The character check is remembered with each output, and reported for the outputs
    a build makes: English is built while a Chinese text has a character no font has."""
    project, dist = fixture_built
    po = project.root / "locales/zh_Hans/LC_MESSAGES/messages.po"
    po.write_text(po.read_text("utf-8").replace('msgstr "第三步。"', 'msgstr "第三步。\u27c1"'),
                  "utf-8")
    arguments = ["--project", str(project.root), "--output", str(dist), "build", "alpha"]
    assert main([*arguments, "--locale", "en"]) == 0
    assert "U+27C1" not in capsys.readouterr().err
    assert main(arguments) == 1
    assert "U+27C1" in capsys.readouterr().err


def test_a_catalog_that_cannot_be_read_any_more_is_an_error_not_a_crash(fixture_built,
                                                                         monkeypatch, capsys):
    """What a build remembers of a leaflet names the languages it was made in; when one
    of them cannot be read this time (here msgfmt refuses it), the build says so."""
    import leafpress.translation.translations
    from leafpress.core.errors import LeafletError

    project, dist = fixture_built
    for remembered in (dist / ".cache" / "memo").glob("catalog-*"):
        remembered.unlink()

    def refused(project, path):
        raise LeafletError.at(project.relative(path), 1, "msgfmt refused it")

    monkeypatch.setattr(leafpress.translation.translations, "_msgfmt_check", refused)
    assert main(["--project", str(project.root), "--output", str(dist), "--jobs", "1",
                 "build", "alpha"]) == 1  # named: not the no-op of an unchanged project
    assert "error: locales/zh_Hans/LC_MESSAGES/messages.po:1: msgfmt refused it" in \
        capsys.readouterr().err.splitlines()


def test_a_build_leaves_no_font_folder_of_weasyprint_behind(tmp_path):
    # Each FontConfiguration has a folder of its own in the temporary folder; a build
    # used to leave one per render worker there, every time (2098 after a day of tests).
    project = small_project(tmp_path / "project")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {**os.environ, "TMPDIR": str(temporary)}
    done = cli(project, "build", "--jobs", "2", "--output", str(tmp_path / "dist"),
               env=environment)
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in temporary.iterdir()
                  if path.name.startswith("weasyprint-")) == []


def test_a_long_lived_process_leaves_no_font_folder_behind(tmp_path, monkeypatch):
    # serve and the tests build again and again in one process, and the build freezes
    # what it has loaded (gc.freeze): a font configuration it let go was never freed.
    from leafpress.rendering.pdf import drop_font_configurations

    project = small_project(tmp_path / "project")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))
    for _ in range(2):
        build(project, tmp_path / "dist", jobs=1, force=True, log=lambda line: None)
    drop_font_configurations()
    assert sorted(path.name for path in temporary.iterdir()) == []
