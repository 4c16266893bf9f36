"""Nothing lost: a failed, full-disk, killed or concurrent build never damages good PDFs."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from leafpress.build.pipeline import build
from leafpress.core.project import exclusive

from helpers import ROOT, cli_process


def _cli(project, dist, *arguments, **options):
    return cli_process(project, "build", "--output", str(dist), *arguments, **options)


def _hashes(dist: Path) -> dict[str, str]:
    """Each PDF, braille file and EPUB in dist, with its SHA-256."""
    return {str(path.relative_to(dist)): hashlib.sha256(path.read_bytes()).hexdigest()
            for pattern in ("*.pdf", "*.brf", "*.epub") for path in sorted(dist.rglob(pattern))}


def _manifest(dist: Path) -> dict:
    return json.loads((dist / "manifest.json").read_text("utf-8"))


def _assert_manifest_matches_disk(dist: Path) -> None:
    """Every PDF, web page, braille file and EPUB on disk is listed, as it is, in
    "outputs" or "kept"."""
    manifest = _manifest(dist)
    listed = {record["path"]: record["sha256"]
              for record in manifest["outputs"] + manifest["kept"]}
    pages = {str(path.relative_to(dist)): hashlib.sha256(path.read_bytes()).hexdigest()
             for locale in dist.iterdir() if locale.is_dir() and locale.name != "assets"
             for path in sorted(locale.glob("*/index.html"))}
    assert listed == {**_hashes(dist), **pages}


@pytest.fixture
def built(fixture_built):
    """The small project, a copy of its build, and the hashes of its PDFs."""
    project, dist = fixture_built
    return project, dist, _hashes(dist)


def test_a_leaflet_with_errors_keeps_its_last_good_pdfs(built):
    project, dist, before = built
    path = project.leaflets_dir / "beta.yaml"
    path.write_text(path.read_text("utf-8").replace("audience: clinician",
                                                    "audience: everyone"), "utf-8")
    process = _cli(project, dist)
    _, stderr = process.communicate()
    assert process.returncode == 1
    assert stderr.splitlines() == [
        "error: leaflets/beta.yaml:6: audience: expected one of 'patient' or "
        "'clinician', got 'everyone'", "1 problem found."]
    after = _hashes(dist)
    assert {path: after[path] for path in after if "beta" in path} == {
        path: before[path] for path in before if "beta" in path}
    manifest = _manifest(dist)
    assert {record["path"]: record["reason"] for record in manifest["kept"]} == {
        f"{locale}/beta{ending}":
            "not rebuilt: this build found errors; this file is from an earlier build"
        for locale in ("en", "zh-Hans")
        for ending in (".pdf", ".large-print.pdf", "/index.html", ".brf", ".epub")}
    assert len(manifest["outputs"]) == 10  # 1 leaflet × 2 languages × (2 PDFs, page, BRF, EPUB)
    _assert_manifest_matches_disk(dist)


def _limit_file_size():
    """In the child: every write past 15 KB fails, as on a full disk (EFBIG, not a signal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (15_000, 15_000))


def test_a_full_disk_fails_cleanly_and_keeps_every_good_pdf(built):
    project, dist, before = built
    assert min(path.stat().st_size for path in dist.rglob("*.pdf")) > 15_000
    process = _cli(project, dist, "--force", "--jobs", "2", preexec_fn=_limit_file_size)
    _, stderr = process.communicate()
    assert process.returncode == 1
    assert "Traceback" not in stderr
    assert "error: leaflets/alpha.yaml [en]: cannot render the PDF: File too " \
        "large" in stderr.splitlines()
    assert _hashes(dist) == before
    assert not list(dist.rglob("*.tmp"))
    manifest = _manifest(dist)
    assert [output for output in manifest["outputs"] if output["format"] == "pdf"] == []
    assert {(record["format"], record["reason"]) for record in manifest["kept"]} == {
        ("pdf", "not rebuilt: it failed in this build; this file is from an earlier build"),
        ("html", "not rebuilt: its PDF failed in this build, and a web page is published "
                 "only with it; this file is from an earlier build"),
        *((format, "not rebuilt: its PDF failed in this build, and a leaflet's braille and "
                   "EPUB are published only with it; this file is from an earlier build")
          for format in ("braille", "epub"))}
    _assert_manifest_matches_disk(dist)


def test_a_write_that_fills_the_disk_keeps_the_old_file(tmp_path):
    target = tmp_path / "en" / "leaflet.pdf"
    target.parent.mkdir()
    target.write_bytes(b"%PDF-1.7 the good version")
    script = ("import sys; from pathlib import Path; "
              "from leafpress.core.errors import LeafletError; "
              "from leafpress.core.project import write_atomically\n"
              "try:\n"
              f"    write_atomically(Path({str(target)!r}), bytes(100_000))\n"
              "except LeafletError as error:\n"
              "    print(error)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, preexec_fn=_limit_file_size, check=True)
    assert result.stdout == f"{target}: cannot write the file: File too large\n"
    assert target.read_bytes() == b"%PDF-1.7 the good version"
    assert [path.name for path in target.parent.iterdir()] == ["leaflet.pdf"]


def test_a_killed_build_leaves_only_valid_pdfs(built):
    project, dist, _ = built
    pdfs = len(_hashes(dist))
    process = _cli(project, dist, "--force", "--jobs", "1", start_new_session=True)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("built ") and ".pdf " in line:
            break  # one PDF written: the worker is now rendering and writing the next
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    written = [line for line in seen if line.startswith("built ") and ".pdf " in line]
    assert len(written) == 1 < pdfs, seen  # killed in the middle of writing the PDFs
    time.sleep(0.2)  # let the killed workers go
    # What a kill during os.write leaves: a half-written temporary file beside the PDF.
    planted = dist / "en" / ".alpha.pdf.killed.tmp"
    planted.write_bytes((dist / "en" / "alpha.pdf").read_bytes()[:5000])
    for path in dist.rglob("*.pdf"):
        reader = pypdf.PdfReader(path, strict=True)
        assert len(reader.pages) > 0, path
        assert path.read_bytes().rstrip().endswith(b"%%EOF"), path
    # The next build clears what the kill left half-written and lists exactly what is there.
    again = _cli(project, dist, "--jobs", "1")
    again.communicate()
    assert again.returncode == 0
    assert not planted.exists() and not list(dist.rglob("*.tmp"))
    _assert_manifest_matches_disk(dist)
    assert len(_manifest(dist)["outputs"]) == 20  # 8 PDFs, 4 web pages, 4 BRF, 4 EPUB


def test_a_second_build_into_the_same_folder_is_refused(built):
    project, dist, before = built
    manifest = (dist / "manifest.json").read_bytes()
    with exclusive(dist):
        process = _cli(project, dist, "--force")
        _, stderr = process.communicate()
    assert process.returncode == 1
    assert stderr.splitlines() == [
        f"error: {dist}: another build (process {os.getpid()}) is writing to this folder; wait for "
        "it to finish, or build into another folder with --output", "1 problem found."]
    assert _hashes(dist) == before
    assert (dist / "manifest.json").read_bytes() == manifest


def test_a_withdrawn_leaflet_leaves_dist_with_it(built):
    project, dist, _ = built
    (project.leaflets_dir / "beta.yaml").unlink()
    lines = []
    build(project, dist, log=lines.append, warn=lambda line: None)
    assert "removed en/beta.pdf (its leaflet, language or draft is withdrawn)" in lines
    assert "removed zh-Hans/beta.png (no longer used)" in lines
    assert not list(dist.rglob("beta*"))
    _assert_manifest_matches_disk(dist)


def test_a_manifest_cannot_make_the_build_delete_files_outside_dist(built, tmp_path):
    project, dist, _ = built
    victim = tmp_path / "victim.pdf"
    victim.write_bytes(b"%PDF-1.7 someone else's file")
    manifest = _manifest(dist)
    manifest["outputs"].append({
        "leaflet": "gone", "locale": "en", "variant": "standard", "format": "pdf",
        "path": "../victim.pdf", "sha256": hashlib.sha256(victim.read_bytes()).hexdigest(),
        "bytes": victim.stat().st_size, "pages": 1, "draft": False})
    (dist / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    build(project, dist, log=lambda line: None, warn=lambda line: None)
    assert victim.exists()
    _assert_manifest_matches_disk(dist)
