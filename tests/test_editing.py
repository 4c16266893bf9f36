"""The editing loop: building what you name, and cache keys that survive ordinary life
(a moved project, skipped outputs, switching drafts on and off)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import LEAFLET, approve, make_project, run

OTHER = LEAFLET.replace("id: sample", "id: other").replace("TEST-1", "TEST-2")


def files(dist: Path) -> dict[str, str]:
    """Return every file in ``dist`` but the cache, with its SHA-256."""
    return {str(path.relative_to(dist)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(dist.rglob("*")) if path.is_file() and ".cache" not in path.parts}


def manifest(dist: Path) -> dict:
    return json.loads((dist / "manifest.json").read_text("utf-8"))


def built(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines() if line.startswith("built ")]


@pytest.fixture
def two(tmp_path, capsys):
    """A project of two leaflets in English, built once (standard variant)."""
    project = make_project(tmp_path / "project", {"sample": LEAFLET, "other": OTHER})
    assert run(project, "extract") == 0
    assert run(project, "--variant", "standard", "--jobs", "1", "build") == 0
    capsys.readouterr()
    return project


def test_building_one_leaflet_leaves_every_other_file_and_entry_as_it_was(two, capsys):
    dist = two.root / "dist"
    before_files, before = files(dist), manifest(dist)
    leaflet = two.leaflets_dir / "sample.yaml"
    leaflet.write_text(LEAFLET.replace("in the morning or the afternoon", "in the morning"),
                       "utf-8")
    approve(two, "sample")
    assert run(two, "extract") == 0
    assert run(two, "--variant", "standard", "--jobs", "1", "build", "sample") == 0
    out = capsys.readouterr().out
    assert built(out) == ["en/sample.pdf", "en/sample/index.html", "en/sample.brf",
                          "en/sample.epub"]
    assert "4 built, 0 reused, 0 skipped, 0 failed" in out
    after_files, after = files(dist), manifest(dist)
    changed = {path for path in after_files if after_files[path] != before_files.get(path)}
    # The catalogue too: it shows each braille file's cells.
    assert changed == {"en/sample.pdf", "en/sample/index.html", "en/sample.png",
                       "en/sample.brf", "en/sample.epub", "manifest.json", "index.html"}
    for key in ("outputs", "kept", "skipped", "drafts"):
        assert [record for record in after[key] if record["leaflet"] == "other"] == \
            [record for record in before[key] if record["leaflet"] == "other"]
    index = (dist / "index.html").read_text("utf-8")
    assert 'href="en/other.pdf"' in index and 'href="en/sample.pdf"' in index


def test_a_leaflet_or_locale_that_does_not_exist_is_named(two, capsys):
    assert run(two, "build", "nothing", "--locale", "fr") == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: command line: no leaflet 'nothing': there is no leaflets/nothing.yaml",
        "error: command line: no locale 'fr': the project has en",
        "2 problems found."]


def test_the_same_project_in_another_folder_reuses_every_pdf(two, tmp_path, capsys):
    moved = tmp_path / "elsewhere"
    shutil.copytree(two.root, moved)
    assert run(type(two).at(moved), "--variant", "standard", "build") == 0
    out = capsys.readouterr().out
    assert "0 built, 8 reused" in out and "up to date" in out  # the no-op check, moved
    (moved / "dist" / ".cache" / "last-build.json").unlink()  # now each output's own key
    assert run(type(two).at(moved), "--variant", "standard", "build") == 0
    out = capsys.readouterr().out
    assert built(out) == [] and "0 built, 8 reused" in out


def test_a_build_with_skipped_outputs_and_nothing_changed_is_a_no_op(two, capsys):
    assert run(two, "init", "fr") == 0
    assert run(two, "--variant", "standard", "build") == 0
    first = capsys.readouterr()
    skipped = [line for line in first.err.splitlines() if " not built: " in line]
    assert len(skipped) == 1  # one line for the language
    assert run(two, "--variant", "standard", "build") == 0
    again = capsys.readouterr()
    assert "up to date" in again.out and "0 built, 8 reused, 2 skipped" in again.out
    assert [line for line in again.err.splitlines() if " not built: " in line] == skipped


def test_switching_drafts_on_and_off_renders_only_the_drafts(two, capsys):
    assert run(two, "init", "fr") == 0
    assert run(two, "--variant", "standard", "build") == 0
    capsys.readouterr()
    assert run(two, "--variant", "standard", "build", "--draft") == 0
    assert sorted(built(capsys.readouterr().out)) == [
        "drafts/fr/other.pdf", "drafts/fr/other/index.html", "drafts/fr/sample.pdf",
        "drafts/fr/sample/index.html"]
    assert run(two, "--variant", "standard", "build") == 0
    assert built(capsys.readouterr().out) == []


def test_after_editing_one_leaflet_a_build_loads_and_renders_only_that_one(two, monkeypatch,
                                                                           capsys):
    """The others' loaded files and HTML are remembered (memo.py, remembered.py); a template, catalog or
    brand change is not hidden by that: then every leaflet is rendered again."""
    import leafpress.build.plan
    import leafpress.build.remembered

    loaded, rendered = [], []
    load, renderings = leafpress.build.remembered.load_leaflet, leafpress.build.plan.renderings
    monkeypatch.setattr(leafpress.build.remembered, "load_leaflet",
                        lambda path, root: loaded.append(path.stem) or load(path, root))
    monkeypatch.setattr(leafpress.build.plan, "renderings",
                        lambda site, environment, leaflet, *rest: rendered.append(leaflet.id)
                        or renderings(site, environment, leaflet, *rest))
    path = two.leaflets_dir / "other.yaml"
    path.write_text(path.read_text("utf-8").replace("TEST-2", "TEST-22"), "utf-8")
    assert run(two, "--variant", "standard", "--jobs", "1", "build") == 0
    assert (loaded, rendered) == (["other"], ["other"])
    assert built(capsys.readouterr().out) == ["en/other.pdf", "en/other/index.html",
                                              "en/other.brf", "en/other.epub"]
    css = two.templates_dir / "leaflet.css"
    css.write_text(css.read_text("utf-8") + "\n/* a change */\n", "utf-8")
    loaded.clear()
    assert run(two, "--variant", "standard", "--jobs", "1", "build") == 0
    assert (loaded, sorted(rendered[1:])) == ([], ["other", "sample"])
    # The EPUBs carry the stylesheet; the braille is made from the HTML alone.
    assert sorted(built(capsys.readouterr().out)) == ["en/other.epub", "en/other.pdf",
                                                      "en/sample.epub", "en/sample.pdf"]
    # A font installed, removed or upgraded: each leaflet's characters are checked again.
    monkeypatch.setattr(leafpress.build.plan, "installed_fonts_digest", lambda: "another")
    rendered.clear()
    assert run(two, "--variant", "standard", "--jobs", "1", "--strict", "build") == 0
    assert sorted(rendered) == ["other", "sample"]
