"""Only approved text is published (issue 20): a leaflet whose current English has no
recorded approval is built as a draft for its reviewers, never listed as an output or in
the catalogue, and `build --strict` fails on it. The judgment is `check`'s (history.py)."""

from __future__ import annotations

import json

from helpers import LEAFLET, pdftotext, run

APPROVE = ("'build.py release {} --approver \"Name, Role\" --summary \"…\"' or on the "
           "editor's approval page")
COMMAND = APPROVE.format("sample")
NOT_PUBLISHED = ("leaflets/sample.yaml:5: version: not published: no approval of version 1.0 "
                 f"is recorded; approve it with {COMMAND}")


def _manifest(dist) -> dict:
    return json.loads((dist / "manifest.json").read_text("utf-8"))


def _paths(records) -> list[str]:
    return sorted(record["path"] for record in records)


def test_a_new_leaflet_without_approval_is_only_a_draft_until_it_is_approved(
        fixture_built, capsys):
    project, dist = fixture_built
    (project.leaflets_dir / "sample.yaml").write_text(LEAFLET, "utf-8")
    assert run(project, "extract") == 0
    arguments = ("build", "--variant", "standard", "--output", str(dist))
    capsys.readouterr()
    for _ in ("a build", "a build with nothing to do"):
        assert run(project, *arguments) == 0
        warnings = [line for line in capsys.readouterr().err.splitlines()
                    if "sample" in line]
        assert warnings[0] == f"warning: {NOT_PUBLISHED} (built as a draft, in drafts/, meanwhile)"
    manifest = _manifest(dist)
    assert [record for record in manifest["outputs"] if record["leaflet"] == "sample"] == []
    assert _paths(record for record in manifest["drafts"] if record["leaflet"] == "sample") == [
        "drafts/en/sample.pdf", "drafts/en/sample/index.html",
        "drafts/zh-Hans/sample.pdf", "drafts/zh-Hans/sample/index.html"]
    assert pdftotext(dist / "drafts/en/sample.pdf").startswith(
        "Not approved — not for patient use")
    assert "Magnesium infusion" not in (dist / "index.html").read_text("utf-8")

    assert run(project, "build", "--strict", "--variant", "standard", "--output", str(dist)) == 1
    assert f"error: {NOT_PUBLISHED}" in capsys.readouterr().err.splitlines()

    assert run(project, "release", "sample", "--approver", "Dr A Jones, Consultant",
               "--summary", "First version") == 0
    assert run(project, *arguments) == 0
    manifest = _manifest(dist)
    assert _paths(record for record in manifest["outputs"] if record["leaflet"] == "sample") == [
        "en/sample.brf", "en/sample.epub", "en/sample.pdf", "en/sample/index.html"
    ]  # its Chinese is not translated yet
    assert manifest["drafts"] == []
    assert "Magnesium infusion for nerve pain" in (dist / "index.html").read_text("utf-8")


def test_text_changed_since_its_approval_is_not_published_and_the_approved_files_stay(
        fixture_built, capsys):
    project, dist = fixture_built
    path = project.leaflets_dir / "alpha.yaml"
    path.write_text(path.read_text("utf-8").replace("A warning for the test.",
                                                    "A warning, changed."), "utf-8")
    assert run(project, "check") == 1
    changed = ("leaflets/alpha.yaml:8: version: the text changed since version 1.10 was "
               "approved (1 text)")
    assert f"error: {changed}; approve it with {APPROVE.format('alpha')}" in capsys.readouterr().err
    before = _manifest(dist)
    assert run(project, "build", "--output", str(dist)) == 0
    warning = ("warning: leaflets/alpha.yaml:8: version: not published: the text changed since "
               "version 1.10 was approved (1 text); approve it with 'build.py release alpha "
               "--approver \"Name, Role\" --summary \"…\"' or on the editor's approval page (built as a "
               "draft, in drafts/, "
               "meanwhile)")
    assert warning in capsys.readouterr().err.splitlines()
    manifest = _manifest(dist)
    approved = [record for record in before["outputs"] if record["leaflet"] == "alpha"]
    assert [record for record in manifest["outputs"] if record["leaflet"] == "alpha"] == []
    assert manifest["kept"] == [
        {**record, "reason": "not rebuilt: the text changed since version 1.10 was approved "
                             "(1 text), so it is not published; this file is from an "
                             "earlier build"} for record in approved]
    assert len([record for record in manifest["drafts"] if record["leaflet"] == "alpha"]) == 6
    index = (dist / "index.html").read_text("utf-8")
    assert 'id="alpha"' not in index and 'id="beta"' in index
