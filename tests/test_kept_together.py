"""Callouts, warnings, a question with its answer, and a list of steps are never split
across pages: read back from every PDF of the project, whatever leaflets it holds."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest

from helpers import entry, every_output, leaflet_source, translated

EVERY = every_output()


def _normal(text: str) -> str:
    """Printed text to compare: no markup, whitespace, soft hyphens or hyphens."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)\s]+\)", r"\1", text)
    return re.sub(r"[\s\u00ad\u2010-]", "", text)


def groups(leaflet: str, locale: str) -> list[list[str]]:
    """Each block that must stay on one page, as its printed texts."""
    found = []
    for section in leaflet_source(leaflet)["sections"]:
        for block in section["blocks"]:
            if "question" in block:
                found.append([block["question"], block["answer"]])
            elif "steps" in block:
                found.append(list(block["steps"]))
            elif "callout" in block or "warning" in block:
                found.append([block.get("callout") or block.get("warning")])
    return [[translated(text, locale) for text in group] for group in found]


def split_blocks(path, blocks: list[list[str]]) -> list[list[str]]:
    """The blocks whose texts are not all on one page of the PDF at ``path``."""
    pages = [_normal(page.get_textpage().get_text_range()) for page in pdfium.PdfDocument(path)]
    return [group for group in blocks
            if not any(all(_normal(text) in page for text in group) for page in pages)]


@pytest.mark.parametrize(("leaflet", "locale", "variant"), EVERY)
def test_no_callout_question_or_steps_is_split_across_pages(dist, manifest, leaflet, locale,
                                                           variant):
    path = dist / entry(manifest, leaflet, locale, variant)["path"]
    assert split_blocks(path, groups(leaflet, locale)) == []


def test_a_block_split_across_pages_is_found(fixture_dist):
    """The check fires: two texts printed on different pages make a split block."""
    path = max(fixture_dist.glob("en/*.pdf"), key=lambda pdf: len(pdfium.PdfDocument(pdf)))
    count = len(pdfium.PdfDocument(path))
    assert count >= 2
    texts = [f"Page 1 of {count}", f"Page {count} of {count}"]  # the first and last footers
    assert split_blocks(path, [texts]) == [texts]
    assert split_blocks(path, [texts[:1]]) == [] and split_blocks(path, [texts[1:]]) == []
