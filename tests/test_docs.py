"""The README and the guides in docs/: short, linked to each other, and no link leads nowhere
(issue 21: documentation by reader)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import ROOT

README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *GUIDES]

_FENCE = re.compile(r"^```.*?^```[^\n]*$", re.S | re.M)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def _prose(path: Path) -> str:
    """Return a Markdown file without its code blocks and code spans, which are not links."""
    return _CODE.sub("", _FENCE.sub("", path.read_text("utf-8")))


def _anchors(path: Path) -> set[str]:
    """Return the anchors GitHub makes of a file's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    headings = re.findall(r"^#{1,6} +(.+?) *$", _FENCE.sub("", path.read_text("utf-8")), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def _relative_links(path: Path) -> list[str]:
    return [target for target in _LINK.findall(_prose(path)) if not _SCHEME.match(target)]


def test_the_guides_exist():
    assert {guide.name for guide in GUIDES} >= {
        "writers.md", "translators.md", "approvers.md", "running.md", "reference.md",
        "design.md"}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(page):
    for target in _relative_links(page):
        address, _, anchor = target.partition("#")
        linked = (page.parent / address).resolve() if address else page
        assert linked.exists(), (page.name, target)
        if anchor:
            assert linked.suffix == ".md", (page.name, target)
            assert anchor in _anchors(linked), (page.name, target)


def test_the_readme_links_every_guide():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in _relative_links(README)}
    assert [guide.name for guide in GUIDES if guide.resolve() not in linked] == []


def test_the_readme_is_short():
    assert len(README.read_text("utf-8").splitlines()) <= 250


@pytest.mark.parametrize("guide", GUIDES, ids=lambda guide: guide.name)
def test_each_guide_says_first_whom_it_is_for(guide):
    title, blank, first = guide.read_text("utf-8").splitlines()[:3]
    assert title.startswith("# ") and blank == "" and first.startswith("For "), guide.name
