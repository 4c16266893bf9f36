"""Review governance (check --today, report) and sharded builds."""

from __future__ import annotations

import json
import shutil

import pytest

from leafpress.build.pipeline import build

from helpers import cli as _run
from helpers import summary


def _set_review_date(project, leaflet: str, date: str) -> None:
    path = project.leaflets_dir / f"{leaflet}.yaml"
    text = path.read_text("utf-8")
    assert "review_by: 2028-11-21" in text
    path.write_text(text.replace("review_by: 2028-11-21", f"review_by: {date}"), "utf-8")


def test_an_overdue_leaflet_fails_check_with_its_name_date_and_owner(fixture_project):
    _set_review_date(fixture_project, "alpha", "2027-01-10")
    result = _run(fixture_project, "check", "--today", "2027-02-01")
    assert result.returncode == 1
    # The errors; the warnings (no approval recorded, quality gates) do not count.
    assert [line for line in result.stderr.splitlines()
            if not line.startswith("warning: ")] == [
        "error: leaflets/alpha.yaml:10: review_by: overdue for review since "
        "2027-01-10 (22 days); owner: Test Team; review the leaflet and set a "
        "new review_by date",
        "1 problem found."]


def test_a_leaflet_due_within_60_days_is_a_warning(fixture_project):
    _set_review_date(fixture_project, "beta", "2027-03-01")
    result = _run(fixture_project, "check", "--today", "2027-01-01")
    assert result.returncode == 0
    assert _review_warnings(result.stderr) == [
        "warning: leaflets/beta.yaml:9: review_by: due for review on 2027-03-01 "
        "(in 59 days); owner: Test Department"]
    assert "(in 60 days)" in _run(fixture_project, "check", "--today", "2026-12-31").stderr
    # 61 days before: nothing to say yet.
    result = _run(fixture_project, "check", "--today", "2026-12-30")
    assert _review_warnings(result.stderr) == []


def _review_warnings(stderr: str) -> list[str]:
    """The review-date warnings (check also warns of missing approvals and gate findings)."""
    return [line for line in stderr.splitlines() if line.startswith("warning: ")
            and ": review_by: " in line]


def test_the_review_date_itself_is_not_yet_overdue(fixture_project):
    result = _run(fixture_project, "check", "--today", "2028-11-21")
    assert result.returncode == 0
    assert "due for review on 2028-11-21 (today)" in result.stderr


def test_today_must_be_a_date(project):
    result = _run(project, "check", "--today", "21/11/2026")
    assert result.returncode == 2
    assert "argument --today: expected a date as YYYY-MM-DD, got '21/11/2026'" in result.stderr


def test_report_lists_every_leaflet_as_a_table(fixture_project):
    result = _run(fixture_project, "report", "--today", "2028-10-01")
    assert result.returncode == 0
    # The leaflets' table comes first (the version history and readability follow).
    assert result.stdout.splitlines()[:7] == [
        "Leaflets on 2028-10-01",
        "",
        "| leaflet | version | review by  | review     | owner           | zh-Hans  |",
        "| ------- | ------- | ---------- | ---------- | --------------- | -------- |",
        "| alpha   | 1.10    | 2028-11-21 | in 51 days | Test Team       | complete |",
        "| beta    | 2.0     | 2028-11-21 | in 51 days | Test Department | complete |",
        ""]


def test_report_as_json_shows_stale_translations(fixture_project):
    path = fixture_project.locales_dir / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    text = path.read_text("utf-8")
    marker = 'msgid "Alpha test leaflet"'
    assert marker in text
    path.write_text(text.replace(marker, "#, fuzzy\n" + marker), "utf-8")
    result = _run(fixture_project, "report", "--format", "json", "--today", "2029-01-01")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["today"] == "2029-01-01"
    [alpha] = [row for row in report["leaflets"] if row["leaflet"] == "alpha"]
    assert alpha["review"] == {"state": "overdue", "days": -41, "text": "overdue by 41 days"}
    assert alpha["owner"] == "Test Team"
    assert alpha["version"] == "1.10"  # `version: 1.10` in the YAML stays text
    assert alpha["translations"]["zh-Hans"]["fuzzy"] == 1
    table = _run(fixture_project, "report", "--today", "2029-01-01").stdout
    assert "| alpha   | 1.10    | 2028-11-21 | overdue by 41 days | Test Team       | 1 fuzzy  |" \
        in table


@pytest.mark.parametrize("count", [2, 3])
def test_shards_together_are_the_full_build_and_merge_without_rendering(
        fixture_project, fixture_dist, tmp_path, count, capsys):
    def built(dist, **options):
        build(fixture_project, dist, log=lambda line: None, warn=lambda line: None, **options)
        manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
        return {output["path"]: output["sha256"] for output in manifest["outputs"]}

    full = {output["path"]: output["sha256"] for output in json.loads(
        (fixture_dist / "manifest.json").read_text("utf-8"))["outputs"]}
    shards = [built(tmp_path / f"shard-{number}", shard=(number, count))
              for number in range(1, count + 1)]
    assert sum(len(shard) for shard in shards) == len(full) == 20  # 8 PDFs, 4 web pages, 4 BRF, 4 EPUB
    assert {path: digest for shard in shards for path, digest in shard.items()} == full
    # Each web page goes with its standard PDF (plan.sliced): each shard gets as many PDFs
    # and as many web pages as any other, give or take one.
    for format in ("pdf", "html"):
        sizes = [len([path for path in shard if path.endswith(f".{format}")])
                 for shard in shards]
        assert max(sizes) - min(sizes) <= 1, (format, sizes)
    # As CI gathers them: every shard's dist/ in one folder, then a strict build that
    # renders nothing again.
    merged = tmp_path / "merged"
    for number in range(1, count + 1):
        shutil.copytree(tmp_path / f"shard-{number}", merged, dirs_exist_ok=True)
    capsys.readouterr()
    result = _run(fixture_project, "build", "--strict", "--output", str(merged))
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout).startswith("0 built, 20 reused, 0 skipped, 0 failed")
    manifest = json.loads((merged / "manifest.json").read_text("utf-8"))
    assert manifest == json.loads((fixture_dist / "manifest.json").read_text("utf-8"))


def test_a_shard_must_be_within_its_count(project):
    result = _run(project, "build", "--shard", "0/2")
    assert result.returncode == 2
    assert "argument --shard: expected K/N with 1 <= K <= N, such as 1/4; got '0/2'" \
        in result.stderr
