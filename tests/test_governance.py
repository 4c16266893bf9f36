"""Review governance (check --today, report) and sharded builds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from leafpress.pipeline import build

ROOT = Path(__file__).resolve().parent.parent


def _run(project, *arguments):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--project", str(project.root),
                           *arguments], capture_output=True, text=True)


def _without_gates(stderr: str) -> list[str]:
    """Return the lines of ``stderr`` that the quality gates did not write (test_gates.py)."""
    return [line for line in stderr.splitlines() if not re.match(
        r"warning: .*?: (plain English|spelling|jargon|style|glossary|spacing): ", line)]


def _set_review_date(project, leaflet: str, date: str) -> None:
    path = project.leaflets_dir / f"{leaflet}.yaml"
    text = path.read_text("utf-8")
    assert "review_by: 2028-11-21" in text
    path.write_text(text.replace("review_by: 2028-11-21", f"review_by: {date}"), "utf-8")


def test_an_overdue_leaflet_fails_check_with_its_name_date_and_owner(project):
    _set_review_date(project, "ketamine-infusion", "2027-01-10")
    result = _run(project, "check", "--today", "2027-02-01")
    assert result.returncode == 1
    assert _without_gates(result.stderr) == [
        "error: leaflets/ketamine-infusion.yaml:11: review_by: overdue for review since "
        "2027-01-10 (22 days); owner: Pain Management Service; review the leaflet and set a "
        "new review_by date",
        "1 problem found."]


def test_a_leaflet_due_within_60_days_is_a_warning(project):
    _set_review_date(project, "magnesium-and-pain", "2027-03-01")
    result = _run(project, "check", "--today", "2027-01-01")
    assert result.returncode == 0
    assert _without_gates(result.stderr) == [
        "warning: leaflets/magnesium-and-pain.yaml:12: review_by: due for review on 2027-03-01 "
        "(in 59 days); owner: Department of Anaesthesia"]
    assert "(in 60 days)" in _run(project, "check", "--today", "2026-12-31").stderr
    # 61 days before: nothing to say yet.
    assert _without_gates(_run(project, "check", "--today", "2026-12-30").stderr) == []


def test_the_review_date_itself_is_not_yet_overdue(project):
    result = _run(project, "check", "--today", "2028-11-21")
    assert result.returncode == 0
    assert "due for review on 2028-11-21 (today)" in result.stderr


def test_today_must_be_a_date(project):
    result = _run(project, "check", "--today", "21/11/2026")
    assert result.returncode == 2
    assert "argument --today: expected a date as YYYY-MM-DD, got '21/11/2026'" in result.stderr


def test_report_lists_every_leaflet_as_a_table(project):
    result = _run(project, "report", "--today", "2028-10-01")
    assert result.returncode == 0
    # The version history and the readability figures follow (test_history.py, test_gates.py).
    assert result.stdout.split("\n\nVersion history\n")[0].splitlines() == [
        "Leaflets on 2028-10-01",
        "",
        "| leaflet            | version | review by  | review     | owner                     "
        "| zh-Hans  |",
        "| ------------------ | ------- | ---------- | ---------- | ------------------------- "
        "| -------- |",
        "| ketamine-infusion  | 1.0     | 2028-11-21 | in 51 days | Pain Management Service   "
        "| complete |",
        "| magnesium-and-pain | 1.0     | 2028-11-21 | in 51 days | Department of Anaesthesia "
        "| complete |",
        "| magnesium-infusion | 1.0     | 2028-11-21 | in 51 days | Pain Management Service   "
        "| complete |"]


def test_report_as_json_shows_stale_translations(project):
    path = project.locales_dir / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    text = path.read_text("utf-8")
    marker = 'msgid "Ketamine infusion for long-term pain"'
    assert marker in text
    path.write_text(text.replace(marker, "#, fuzzy\n" + marker), "utf-8")
    result = _run(project, "report", "--format", "json", "--today", "2029-01-01")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["today"] == "2029-01-01"
    [ketamine] = [row for row in report["leaflets"] if row["leaflet"] == "ketamine-infusion"]
    assert ketamine["review"] == {"state": "overdue", "days": -41, "text": "overdue by 41 days"}
    assert ketamine["owner"] == "Pain Management Service"
    assert ketamine["version"] == "1.0"
    assert ketamine["translations"]["zh-Hans"]["fuzzy"] == 1
    table = _run(project, "report", "--today", "2029-01-01").stdout
    assert "| ketamine-infusion  | 1.0     | 2028-11-21 | overdue by 41 days | Pain Management " \
           "Service   | 1 fuzzy  |" in table


@pytest.mark.parametrize("count", [2, 3])
def test_shards_together_are_the_full_build(project, tmp_path, count):
    def built(dist, **options):
        build(project, dist, log=lambda line: None, warn=lambda line: None, **options)
        manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
        return {output["path"]: output["sha256"] for output in manifest["outputs"]}

    full = built(tmp_path / "full")
    shards = [built(tmp_path / f"shard-{number}", shard=(number, count))
              for number in range(1, count + 1)]
    assert sum(len(shard) for shard in shards) == len(full) == 18  # 12 PDFs, 6 web pages
    assert {path: digest for shard in shards for path, digest in shard.items()} == full
    assert all(abs(len(shard) - len(full) / count) < 1 for shard in shards)


def test_a_shard_must_be_within_its_count(project):
    result = _run(project, "build", "--shard", "0/2")
    assert result.returncode == 2
    assert "argument --shard: expected K/N with 1 <= K <= N, such as 1/4; got '0/2'" \
        in result.stderr
