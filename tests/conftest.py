"""Shared fixtures: a copy of the real project, and one real build of it.

The helpers that several test modules use are in helpers.py.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import configuration

from leafpress.build.pipeline import build
from leafpress.core.project import Project

from helpers import CONTENT, copy_project, small_project


def pytest_configure(config):
    """Keep Hypothesis's caches out of the repository (it reads them while collecting)."""
    configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "leafpress-hypothesis")


CONTENT_FIXTURES = {"dist", "manifest", "built_project"}


def pytest_collection_modifyitems(config, items):
    """Mark the tests that read the built content: `-m content` runs them alone."""
    for item in items:
        if CONTENT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.content)


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


class Built:
    """A project built once, whose folder can be put back as it was for the next test.

    Each test gets the project back in the same folder, and its own copy of dist.
    """

    def __init__(self, root: Path, make) -> None:
        self.project = make(root / "project")
        self.dist = root / "dist"
        # Not strict: a language still being translated is skipped with a warning (see
        # test_messages.py); any other warning fails every test that uses the build.
        warnings = []
        build(self.project, self.dist, log=lambda line: None, warn=warnings.append)
        assert [line for line in warnings if " not built: " not in line] == []
        shutil.copytree(self.project.root, root / "pristine", symlinks=True)
        self._pristine = root / "pristine"

    def restore(self, target: Path) -> tuple[Project, Path]:
        shutil.rmtree(self.project.root)
        shutil.copytree(self._pristine, self.project.root, symlinks=True)
        shutil.copytree(self.dist, target, symlinks=True)
        return self.project, target


@pytest.fixture(scope="session")
def _real_build(tmp_path_factory) -> Built:
    return Built(tmp_path_factory.mktemp("real"), lambda target: copy_project(target, CONTENT))


@pytest.fixture(scope="session")
def dist(_real_build) -> Path:
    """The real project (or LEAFPRESS_TEST_PROJECT), built once for the whole session."""
    return _real_build.dist


@pytest.fixture(scope="session")
def manifest(dist) -> dict:
    return json.loads((dist / "manifest.json").read_text("utf-8"))


@pytest.fixture
def built_project(_real_build, tmp_path) -> tuple[Project, Path]:
    """A copy of the real project and of its session build: a rebuild renders nothing
    until the test changes something. The project is put back for the next test."""
    return _real_build.restore(tmp_path / "dist")


@pytest.fixture
def fixture_project(tmp_path) -> Project:
    """A private copy of the small made-up project in tests/projects/small: two leaflets
    (a patient leaflet with every kind of block, and a clinician briefing), in English and
    Chinese, with the real templates and brand. For tests of the machinery."""
    return small_project(tmp_path / "small")


@pytest.fixture(scope="session")
def _small_build(tmp_path_factory) -> Built:
    return Built(tmp_path_factory.mktemp("small"), small_project)


@pytest.fixture(scope="session")
def fixture_dist(_small_build) -> Path:
    """The small project built once for the session (do not change it: copy it)."""
    return _small_build.dist


@pytest.fixture
def fixture_built(_small_build, tmp_path) -> tuple[Project, Path]:
    """The small project and a copy of its session build, ready for a rebuild."""
    return _small_build.restore(tmp_path / "dist")
