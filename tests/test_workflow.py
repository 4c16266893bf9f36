"""The GitHub Actions workflow, checked against the README and docs/reference.md (GitHub cannot
be reached here)."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from helpers import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "leaflets.yml"
README = (ROOT / "README.md").read_text("utf-8")
REFERENCE = (ROOT / "docs" / "reference.md").read_text("utf-8")


@pytest.fixture(scope="module")
def workflow() -> dict:
    # PyYAML reads the key "on" as the boolean true (YAML 1.1); GitHub reads it as "on".
    loaded = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    loaded["on"] = loaded.pop(True)
    return loaded


def _steps(workflow, job):
    return workflow["jobs"][job]["steps"]


def _commands(workflow, job) -> list[str]:
    """Return every command line that a job's ``run`` steps execute."""
    lines = []
    for step in _steps(workflow, job):
        for line in step.get("run", "").splitlines():
            line = line.strip()
            if line.startswith(("make ", ".venv/bin/python ")):
                lines.append(line.split(" 2>&1")[0].split(" ||")[0])
    return lines


def _uses(workflow, job, action) -> list[dict]:
    return [step.get("with", {}) for step in _steps(workflow, job)
            if step.get("uses", "").startswith(action + "@")]


def test_triggers(workflow):
    triggers = workflow["on"]
    assert set(triggers) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    [schedule] = triggers["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit() and weekday.isdigit()  # weekly
    assert (day, month) == ("*", "*")


def test_changes_are_checked_tested_and_built_strictly(workflow):
    job = workflow["jobs"]["test"]
    assert "push" in job["if"] and "pull_request" in job["if"]
    assert _commands(workflow, "test") == [
        "make build", ".venv/bin/python build.py check --strict", "make test",
        ".venv/bin/python build.py build --strict"]


def test_the_schedule_rebuilds_in_shards_and_publishes(workflow):
    shards = int(workflow["env"]["SHARDS"])
    render, publish = workflow["jobs"]["render"], workflow["jobs"]["publish"]
    for job in (render, publish):
        assert "schedule" in job["if"] and "workflow_dispatch" in job["if"]
    assert render["strategy"]["matrix"]["shard"] == list(range(1, shards + 1))
    assert _commands(workflow, "render") == [
        "make setup",
        ".venv/bin/python build.py build --strict --shard ${{ matrix.shard }}/${{ env.SHARDS }}"]
    [upload] = _uses(workflow, "render", "actions/upload-artifact")
    assert upload["path"] == "dist/" and upload["include-hidden-files"] is True
    assert publish["needs"] == "render"
    [download] = _uses(workflow, "publish", "actions/download-artifact")
    assert download == {"pattern": "shard-*", "path": "dist", "merge-multiple": True}
    assert _commands(workflow, "publish") == [
        "make setup", ".venv/bin/python build.py build --strict",
        ".venv/bin/python build.py check", ".venv/bin/python build.py report",
        ".venv/bin/python build.py check"]
    [published] = _uses(workflow, "publish", "actions/upload-artifact")
    assert published["path"].split() == ["dist/", "!dist/.cache/", "!dist/drafts/"]


def test_the_scheduled_run_writes_a_summary_even_when_it_fails(workflow):
    [summary] = [step for step in _steps(workflow, "publish") if step.get("name") == "Summary"]
    assert summary["if"] == "always()"
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]


@pytest.mark.parametrize("job", ["test", "render", "publish", "review"])
def test_every_job_starts_where_the_readme_starts(workflow, job):
    definition = workflow["jobs"][job]
    assert definition["container"] == "debian:bookworm"
    first, checkout = _steps(workflow, job)[:2]
    assert shlex.split(first["run"])[-4:] == ["git", "make", "python3", "ca-certificates"]
    assert checkout["uses"] == "actions/checkout@v4"
    [cache] = _uses(workflow, job, "actions/cache")
    assert cache["path"] == ".venv"
    assert "hashFiles('requirements.lock', 'scripts/setup.sh')" in cache["key"]


def test_every_command_is_one_the_quick_start_or_the_reference_documents(workflow):
    quick_start = re.search(r"## Quick start\n(.*?)\n## ", README, re.S).group(1)
    commands_table = re.search(r"## Commands\n(.*?)\n## ", REFERENCE, re.S).group(1)
    for job in workflow["jobs"]:
        for line in _commands(workflow, job):
            words = line.split()
            if words[0] == "make":
                assert f"make {words[1]}" in quick_start, line
                continue
            assert words[:2] == [".venv/bin/python", "build.py"], line
            assert f"`build.py {words[2]}" in commands_table, line
            for option in (word for word in words[3:] if word.startswith("--")):
                assert option in commands_table, (line, option)


def test_a_pull_request_gets_the_review_packs_of_its_changed_leaflets(workflow):
    job = workflow["jobs"]["review"]
    assert job["if"] == "github.event_name == 'pull_request'"
    checkout = _steps(workflow, "review")[1]
    assert checkout["with"]["fetch-depth"] == 0  # the base branch's commits, for diff
    assert _commands(workflow, "review") == [
        "make setup", ".venv/bin/python build.py check",
        '.venv/bin/python build.py diff --since "origin/${{ github.base_ref }}"']
    [upload] = _uses(workflow, "review", "actions/upload-artifact")
    assert upload["path"] == "dist/review/"
    assert [step for step in _steps(workflow, "review") if step.get("uses") == upload] == []
    [step] = [step for step in _steps(workflow, "review")
              if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert step["if"] == "always()"  # the packs of a failing run are the ones to read
