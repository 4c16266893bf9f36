"""Shared fixtures: a copy of the real project, and one real build of it."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import configuration

from leafpress.pipeline import build
from leafpress.project import Project

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("leaflets", "locales", "templates", "brand")


def pytest_configure(config):
    """Keep Hypothesis's caches out of the repository (it reads them while collecting)."""
    configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "leafpress-hypothesis")


def copy_project(target: Path) -> Project:
    """Copy the project's content (not its code) into ``target``."""
    for part in PROJECT_PARTS:
        shutil.copytree(ROOT / part, target / part)
    return Project.at(target)


@pytest.fixture(scope="session", autouse=True)
def font_cache(tmp_path_factory):
    """One CJK subset cache for the session: builds share subsets of the same characters."""
    directory = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEAFPRESS_CACHE_DIR", str(directory))
        yield directory / "fonts"


@pytest.fixture
def project(tmp_path) -> Project:
    """A private, editable copy of the real project."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """The real project, built once for the whole test session."""
    output = tmp_path_factory.mktemp("dist")
    build(Project.at(ROOT), output, strict=True, log=lambda line: None)
    return output


@pytest.fixture(scope="session")
def manifest(dist) -> dict:
    return json.loads((dist / "manifest.json").read_text("utf-8"))
