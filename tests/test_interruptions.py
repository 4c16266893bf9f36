"""Ctrl-C ends a build at once, with one line, exit code 130 and a manifest of what is on
disk; the render workers end with the main process, even after SIGKILL (issue 13)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from urllib.parse import quote

from leafpress.build.pipeline import build

from helpers import LEAFLET, ROOT, make_project, run

LEAFLETS = 6  # 12 PDFs: the build is still rendering when the signal comes


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path / "project", {
        f"sample-{number}": LEAFLET.replace("id: sample", f"id: sample-{number}")
        .replace("TEST-1", f"TEST-{number}") for number in range(1, LEAFLETS + 1)})
    assert run(project, "extract") == 0
    return project


def start_build(project, dist: Path) -> subprocess.Popen:
    """Start a build in a session of its own, and return once it has written a PDF.

    Its temporary files go to ``tmp`` beside ``dist`` (see `temporary_files`).
    """
    (dist.parent / "tmp").mkdir(exist_ok=True)
    build = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--project", str(project.root), "build",
         "--jobs", "2", "--output", str(dist)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(dist.parent / "tmp")})
    for line in build.stdout:
        if line.startswith("built ") and ".pdf" in line:
            return build
    pytest.fail(f"the build ended before writing a PDF: {build.wait()} {build.stderr.read()}")


def temporary_files(dist: Path) -> list[str]:
    """Return what the builds into ``dist`` left in their temporary folder."""
    return sorted(path.name for path in (dist.parent / "tmp").iterdir())


def processes() -> dict[int, tuple[str, int, int]]:
    """Return each process's state, parent and session (from /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(stat.parent.name)] = (fields[0], int(fields[1]), int(fields[3]))
    return found


def alive_in_session(session: int) -> list[int]:
    return [pid for pid, (state, _, sid) in processes().items()
            if sid == session and state not in "ZX"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_ctrl_c_ends_the_build_at_once_with_one_line_and_a_true_manifest(project, tmp_path):
    dist = tmp_path / "dist"
    build = start_build(project, dist)
    os.killpg(build.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
    # How soon it ends is measured, not asserted: bench/interrupt.py (0.10-0.18 s).
    assert build.wait(timeout=30) == 130
    build.stdout.read()
    assert build.stderr.read().splitlines() == [
        "interrupted: stopped at once; every file written so far is complete"]
    assert alive_in_session(build.pid) == []
    # The workers ended mid-document: their WeasyPrint font folders go with them.
    assert temporary_files(dist) == []
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    listed = manifest["outputs"] + manifest["kept"] + manifest["files"]
    assert 0 < len(manifest["outputs"])
    for record in listed:
        assert sha256(dist / record["path"]) == record["sha256"], record["path"]
    index = (dist / "index.html").read_text("utf-8")
    for record in manifest["outputs"]:
        assert f'href="{record["path"]}"' in index or record["path"].endswith(".html")


def test_the_next_build_after_ctrl_c_finishes_it(project, tmp_path):
    dist = tmp_path / "dist"
    build = start_build(project, dist)
    os.killpg(build.pid, signal.SIGINT)
    assert build.wait(timeout=30) == 130
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--project", str(project.root), "build",
         "--jobs", "1", "--output", str(dist)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    assert len([record for record in manifest["outputs"]
                if record["format"] == "pdf"]) == 2 * LEAFLETS
    assert manifest["kept"] == []


def test_workers_end_when_the_main_process_is_killed(project, tmp_path):
    build = start_build(project, tmp_path / "dist")
    workers = [pid for pid, (_, parent, _) in processes().items() if parent == build.pid]
    assert len(workers) == 2
    killed = time.monotonic()
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    while alive_in_session(build.pid) and time.monotonic() - killed < 5:
        time.sleep(0.05)
    assert alive_in_session(build.pid) == [], f"workers still running: {workers}"
    # Killed, the workers left their temporary folders; the next build's workers delete them.
    assert temporary_files(tmp_path / "dist") == [f"leafpress-worker-{pid}" for pid in
                                                  sorted(workers)]
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--project", str(project.root), "build",
         "--jobs", "2", "--output", str(tmp_path / "dist")], capture_output=True, text=True,
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    assert result.returncode == 0, result.stderr
    assert temporary_files(tmp_path / "dist") == []


def test_ctrl_c_during_a_forced_build_leaves_the_catalogue_and_thumbnails_whole(
        fixture_built):
    """Issue 20: every thumbnail was deleted as "no longer used", and the catalogue said
    "0 PDFs", while the earlier PDFs were all on disk, listed as kept."""
    project, dist = fixture_built
    before = json.loads((dist / "manifest.json").read_text("utf-8"))
    logged = []

    def ctrl_c_after_the_first(done, total, output, verb):  # progress, as the bar gets it
        if done == 4:  # a PDF, its web page, braille and EPUB: one leaflet's files
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(project, dist, force=True, jobs=1, log=logged.append, warn=lambda line: None,
              progress=ctrl_c_after_the_first)
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    assert [line for line in logged if line.startswith("removed ")] == []
    assert len(manifest["outputs"]) == 4 and manifest["kept"]
    assert {record["reason"] for record in manifest["kept"]} == {
        "not rebuilt: the build was interrupted; this file is from an earlier build"}
    assert sorted(record["path"] for record in manifest["outputs"] + manifest["kept"]) == \
        sorted(record["path"] for record in before["outputs"])
    assert manifest["files"] == before["files"]  # the thumbnails among them, as they were
    assert manifest["kept"] == sorted((
        {**record, "reason": manifest["kept"][0]["reason"]} for record in before["outputs"]
        if record not in manifest["outputs"]), key=lambda record: record["path"])
    for record in manifest["files"]:
        assert sha256(dist / record["path"]) == record["sha256"], record["path"]
    index = (dist / "index.html").read_text("utf-8")
    pdfs = [record for record in before["outputs"] if record["format"] == "pdf"]
    assert f"2 leaflets in 2 languages: {len(pdfs)} PDFs" in " ".join(index.split())
    for record in before["outputs"]:
        assert f'href="{quote(record["path"])}"' in index, record["path"]
