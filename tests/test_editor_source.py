"""The leaflet form's data written into the leaflet file (leafpress/editor/source.py):
what the form did not change stays byte for byte, comments move with their blocks, and
every block type can be added and read back."""

from __future__ import annotations

import copy
import difflib
import shutil
from pathlib import Path

import pytest

from leafpress.content.leaflet import load_leaflet
from leafpress.content.schema import BLOCK_TYPES
from leafpress.content.yamlfile import read_yaml
from leafpress.editor import source

from helpers import CONTENT, ROOT, small_project

# Every leaflet of the small fixture project and of the shipped project, whatever is there.
LEAFLETS = sorted([*(ROOT / "tests" / "projects" / "small" / "leaflets").glob("*.yaml"),
                   *(CONTENT / "leaflets").glob("*.yaml")])


def _data(path: Path):
    document, problems = read_yaml(path)
    assert problems == []
    return document.data


@pytest.mark.parametrize("path", LEAFLETS, ids=lambda path: str(path.relative_to(path.parents[2])))
def test_a_leaflet_with_its_own_data_is_written_back_byte_for_byte(path):
    text = path.read_text("utf-8")
    data = _data(path)
    assert source.plain(source.load(text)) == data
    assert source.applied(text, data) == text


def _first_paragraph(data) -> tuple[int, int]:
    for s, section in enumerate(data["sections"]):
        for b, block in enumerate(section["blocks"]):
            if "paragraph" in block:
                return s, b
    pytest.skip("no paragraph in this leaflet")


@pytest.mark.parametrize("path", LEAFLETS, ids=lambda path: str(path.relative_to(path.parents[2])))
def test_changing_one_paragraph_changes_only_its_lines(path):
    text = path.read_text("utf-8")
    data = _data(path)
    s, b = _first_paragraph(data)
    document = read_yaml(path)[0]
    at = ("sections", s, "blocks", b, "paragraph")
    changed = copy.deepcopy(data)
    changed["sections"][s]["blocks"][b]["paragraph"] = "A new paragraph, written in the form."
    written = source.applied(text, changed)
    old, new = text.splitlines(keepends=True), written.splitlines(keepends=True)
    hunks = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
             if op[0] != "equal"]
    assert len(hunks) == 1
    _, start, end, _, _ = hunks[0]
    # The paragraph's own lines: from its key's line (or the line after a folded one's
    # ">-") to the line before the next block.
    assert document.key_line_of(at) - 1 <= start <= document.key_line_of(at)
    next_line = document.line_of(("sections", s, "blocks", b + 1)) if \
        b + 1 < len(data["sections"][s]["blocks"]) else None
    assert next_line is None or end <= next_line - 1
    assert source.plain(source.load(written)) == changed


MOVED = """\
id: x
sections:
  - heading: First
    blocks:
      # The first block's note.
      - paragraph: One.
      # The second block's note,
      # on two lines.
      - paragraph: >-
          Two, folded
          over two lines.
      - bullets: [A, B]
      # The fourth block's note.
      - paragraph: Four. # its own line's note
"""


def test_a_moved_block_takes_the_comment_above_it():
    data = source.plain(source.load(MOVED))
    blocks = data["sections"][0]["blocks"]
    blocks.reverse()
    assert source.applied(MOVED, data) == """\
id: x
sections:
  - heading: First
    blocks:
      # The fourth block's note.
      - paragraph: Four. # its own line's note
      - bullets: [A, B]
      # The second block's note,
      # on two lines.
      - paragraph: >-
          Two, folded
          over two lines.
      # The first block's note.
      - paragraph: One.
"""


def test_a_section_moved_and_edited_keeps_its_comments_and_folded_paragraphs():
    text = MOVED + """\
  - heading: Second
    blocks:
      # The warning's note.
      - warning: >-
          A folded
          warning.
      - paragraph: Five.
"""
    data = source.plain(source.load(text))
    sections = data["sections"]
    sections.reverse()
    sections[0]["blocks"][1]["paragraph"] = "Five, edited."
    sections[1]["blocks"][0]["paragraph"] = "One, edited."
    assert source.applied(text, data) == """\
id: x
sections:
  - heading: Second
    blocks:
      # The warning's note.
      - warning: >-
          A folded
          warning.
      - paragraph: Five, edited.
  - heading: First
    blocks:
      # The first block's note.
      - paragraph: One, edited.
      # The second block's note,
      # on two lines.
      - paragraph: >-
          Two, folded
          over two lines.
      - bullets: [A, B]
      # The fourth block's note.
      - paragraph: Four. # its own line's note
"""


def test_a_removed_block_leaves_the_comments_of_the_others():
    data = source.plain(source.load(MOVED))
    del data["sections"][0]["blocks"][1]
    written = source.applied(MOVED, data)
    assert "# The second block's note" not in written
    assert "      # The first block's note.\n      - paragraph: One.\n" \
           "      - bullets: [A, B]\n      # The fourth block's note.\n" in written


# One block of each type, with texts that plain YAML would misread.
NEW_BLOCKS = {
    "paragraph": {"paragraph": "A new paragraph long enough to be folded over more than one "
                               "line, as the leaflets write their paragraphs, with **bold**."},
    "bullets": {"bullets": ["yes", "1.5", "Time: 10 minutes"]},
    "steps": {"steps": ["First, sit down.", "#2 then stand up."]},
    "callout": {"callout": "No"},
    "warning": {"warning": "Call 999 if: you cannot breathe."},
    "question": {"question": "Is it safe?", "answer": "null"},
    "subheading": {"subheading": "2026-01-01"},
    "figure": {"figure": "square.svg", "alt": "A blue square.", "caption": None},
    "table": {"table": {"header": ["Day", "What"], "rows": [["Monday", "Rest: all day"],
                                                              ["Tuesday", "Walk."]]}},
}


def test_every_block_type_can_be_added_and_reads_back(tmp_path):
    assert set(NEW_BLOCKS) == set(BLOCK_TYPES)  # a new block type needs an example here
    project = small_project(tmp_path / "small")
    path = project.leaflets_dir / "alpha.yaml"
    text = path.read_text("utf-8")
    data = _data(path)
    data["sections"][0]["blocks"] += [copy.deepcopy(block) for block in NEW_BLOCKS.values()]
    written = source.applied(text, data)
    path.write_text(written, "utf-8")
    load_leaflet(path, project.root)
    assert _data(path) == data
    assert written.startswith(text[:text.index("  - heading: Questions")].rstrip("\n")
                              .rsplit("\n", 1)[0])  # what was there before is untouched
    assert "      - paragraph: >-\n          A new paragraph long enough" in written
    assert '      - callout: "No"\n' in written
    assert '          - "1.5"\n' in written
    assert "          header: [Day, What]\n" in written


def test_dates_are_written_plain_versions_in_quotes_new_keys_in_the_schemas_order(tmp_path):
    path = tmp_path / "beta.yaml"
    shutil.copyfile(ROOT / "tests" / "projects" / "small" / "leaflets" / "beta.yaml", path)
    text = path.read_text("utf-8")
    data = _data(path)
    data.update(version="2.1", published="2026-12-01", summary="A new summary.")
    written = source.applied(text, data)
    assert 'title: Beta test briefing\nsummary: A new summary.\naudience: clinician\n' \
           'version: "2.1"\npublished: 2026-12-01\n' in written
    assert written.replace('summary: A new summary.\n', '').replace('"2.1"', '"2.0"') \
        .replace("2026-12-01", "2026-11-21") == text


def test_a_new_file_is_written_from_the_data_alone(tmp_path):
    path = ROOT / "tests" / "projects" / "small" / "leaflets" / "beta.yaml"
    data = _data(path)
    project = small_project(tmp_path / "small")
    target = project.leaflets_dir / "beta.yaml"
    target.write_text(source.applied("", data), "utf-8")
    load_leaflet(target, project.root)
    assert _data(target) == data
