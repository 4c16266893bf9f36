"""The pull-request job of the workflow: review packs of the changed leaflets."""

from __future__ import annotations

import pytest
import yaml

from test_workflow import WORKFLOW, _commands, _steps, _uses
from test_workflow import test_every_job_starts_where_the_readme_starts as starts_like_the_readme


@pytest.fixture(scope="module")
def workflow() -> dict:
    loaded = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    loaded["on"] = loaded.pop(True)
    return loaded


def test_a_pull_request_gets_the_review_packs_of_its_changed_leaflets(workflow):
    job = workflow["jobs"]["review"]
    assert job["if"] == "github.event_name == 'pull_request'"
    starts_like_the_readme(workflow, "review")
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
