"""A small project of the tests' own: the real templates and brand, one short leaflet.

Its texts are sentences of the shipped leaflets (written from /work/shared/seeds), so
that their translations are real ones too; nothing here depends on which leaflets or
languages the project ships.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.pofile import escape

from leafpress.cli import main
from leafpress.project import Project

ROOT = Path(__file__).resolve().parent.parent

LEAFLET = """\
id: sample
reference: TEST-1
title: Magnesium infusion for nerve pain
audience: patient
version: "1.0"
published: 2026-11-21
review_by: 2028-11-21
owner:
  department: Pain Management Service
  contact: "Pain Management Service nurses: [01632 960 418](tel:+441632960418)"
sources:
  - citation: Hobbs N, Turnbull J. Magnesium and pain. Anaesthesia Tutorial of the Week 531.
sections:
  - heading: Getting ready for your appointment
    blocks:
      - bullets:
          - Your appointment will be in the morning or the afternoon.
          - Have nothing to eat for 6 hours before your appointment.
      - paragraph: >-
          In one meta-analysis, opioid consumption over the first 24 postoperative
          hours fell on average by 24.4%, equal to 7.6 mg of intravenous morphine
          equivalents [6].
"""


def run(project: Project, *arguments: str) -> int:
    return main(["--project", str(project.root), *arguments])


def make_project(root: Path, leaflets: dict[str, str] | None = None) -> Project:
    """Write a project with the real templates and brand and the given leaflets."""
    for part in ("templates", "brand"):
        shutil.copytree(ROOT / part, root / part)
    (root / "leaflets").mkdir(parents=True)
    (root / "locales").mkdir()
    for name, text in (leaflets or {"sample": LEAFLET}).items():
        (root / "leaflets" / f"{name}.yaml").write_text(text, "utf-8")
    return Project.at(root)


def translate(project: Project, locale: str, translations: dict[str, str]) -> None:
    """Fill the given entries of ``locale``'s catalog, as a translator would in an editor."""
    path = project.po_file(locale)
    text = path.read_text("utf-8")
    for source, target in translations.items():
        entry = f'msgid {escape(source)}\nmsgstr ""\n'
        assert entry in text, source
        text = text.replace(entry, f'msgid {escape(source)}\nmsgstr {escape(target)}\n')
    path.write_text(text, "utf-8")
