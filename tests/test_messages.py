"""Catalogs: the POT matches the sources, each leaflet is published in every language that
translates it and skipped in the others, GNU gettext accepts them."""

from __future__ import annotations

import re
import subprocess

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from leafpress.core.project import VARIANTS, Project
from leafpress.translation.messages import pot_is_current, write_pot
from leafpress.translation.translations import read_catalog

from helpers import CONTENT, leaflets, untranslated

REAL = Project.at(CONTENT)


@pytest.mark.content
def test_committed_pot_is_up_to_date():
    assert pot_is_current(REAL), "run 'build.py extract'"


def test_the_pot_check_fires_when_a_text_changes_without_extract(fixture_project):
    """What the check above relies on: an edit without `extract` makes the POT stale."""
    assert pot_is_current(fixture_project)
    path = fixture_project.leaflets_dir / "beta.yaml"
    path.write_text(path.read_text("utf-8").replace("with one paragraph.",
                                                    "with one short paragraph."), "utf-8")
    assert not pot_is_current(fixture_project)


def test_extract_twice_is_byte_identical(project):
    before = project.pot_file.read_bytes()
    assert write_pot(project) is False
    assert project.pot_file.read_bytes() == before


def test_extract_renews_the_pot_when_a_text_changes(fixture_project):
    project = fixture_project
    path = project.leaflets_dir / "alpha.yaml"
    path.write_text(path.read_text("utf-8").replace("The first item.", "The very first item."),
                    "utf-8")
    assert write_pot(project) is True
    ids = {message.id for message in read_po(project.pot_file.open("rb"))}
    assert "The very first item." in ids
    assert "The first item." not in ids


@pytest.mark.content
@pytest.mark.parametrize("locale", REAL.translated_locales())
def test_a_leaflet_is_published_in_each_language_that_translates_it(locale, manifest):
    """A language still being translated does not fail the build (nor these tests): its
    untranslated leaflets are skipped, and named with the count of missing texts. Each
    leaflet it translates wholly (by Babel's reading of the files) is published."""
    tag = locale.replace("_", "-")
    published = {(output["leaflet"], output["variant"]) for output in manifest["outputs"]
                 if output["locale"] == tag and output["format"] == "pdf"}
    skipped = {(item["leaflet"], item["variant"]): item["reason"]
               for item in manifest["skipped"] if item["locale"] == tag}
    for leaflet in leaflets():
        own = untranslated(leaflet, tag, own_only=True)
        for variant in VARIANTS:
            if not untranslated(leaflet, tag):
                assert (leaflet, variant) in published, (leaflet, variant)
            elif own:
                assert (leaflet, variant) not in published, (leaflet, variant)
                assert re.match(r"\d+ (untranslated|fuzzy|invalid)\b", skipped[leaflet, variant])


@pytest.mark.content
@pytest.mark.parametrize("locale", REAL.translated_locales())
def test_catalog_has_no_placeholder_errors(locale):
    catalog = read_catalog(REAL, locale)
    assert [(message.id, errors) for message, errors in catalog.check()] == []


@pytest.mark.content
@pytest.mark.parametrize("locale", REAL.translated_locales())
def test_msgfmt_accepts_the_catalog(locale, tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file", str(tmp_path / "messages.mo"),
         str(REAL.po_file(locale))], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_msgfmt_accepts_the_template(tmp_path):
    result = subprocess.run(["msgfmt", "--check", "--output-file", "/dev/null",
                             str(REAL.pot_file)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_extractor_finds_a_paragraph_with_its_line(tmp_path):
    leaflet = tmp_path / "sample.yaml"
    leaflet.write_text("""\
id: sample
reference: TEST-1
title: A sample leaflet
audience: patient
version: "1.0"
published: 2026-11-21
review_by: 2027-11-21
owner:
  department: Pain Management Service
  contact: "[01632 960 418](tel:+441632960418)"
sources:
  - citation: A source.
sections:
  - heading: First section
    blocks:
      - paragraph: >-
          A folded paragraph that runs
          over two lines, 50% of it.
      - bullets:
          - One item.
""", "utf-8")
    found = extract_from_file("leafpress.translation.messages:extract_leaflet", leaflet)
    by_text = {message: (line, comments) for line, message, comments, context in found}
    assert by_text["A folded paragraph that runs over two lines, 50% of it."] == (
        16, ["Paragraph. In section “First section”",
             f"{leaflet}: sections[0].blocks[0].paragraph"])
    assert by_text["One item."][0] == 20
    assert by_text["First section"][0] == 14
