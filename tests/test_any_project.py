"""The content checks hold for any project: here, one with a 4th leaflet, a 3rd language and
a 4th, right-to-left, still being translated.

A copy of the real project gets a renamed copy of its first leaflet (extracted, updated and
translated by copying the translations), a catalog for a Chinese locale it does not have
yet (zh_Hant, or the next of NEW_LOCALES: the zh_Hans one, or its first catalog, with the
Language header fixed), and, unless it has one, an Arabic catalog started with `init`
with a handful of texts translated, as a translator's first session leaves it. `check`
passes, and every test that reads the built content (the tests that use the `dist` or
`manifest` fixtures, and the catalog checks) runs again, in its own pytest, on that copy:
they must pass unchanged.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from helpers import ROOT, copy_project, run, translate

PO = "locales/{}/LC_MESSAGES/messages.po"
# Written in the script of zh_Hans, the project's Chinese: one of them is always new.
NEW_LOCALES = ("zh_Hant", "zh_Hant_HK", "zh_Hant_TW", "zh_Hant_MO")


def add_leaflet_copy(project) -> str:
    """Add a renamed copy of the first leaflet; return its id."""
    source = project.leaflet_files()[0]
    new = f"{source.stem}-copy"
    text = source.read_text("utf-8").replace(f"\nid: {source.stem}\n", f"\nid: {new}\n")
    text = re.sub(r"\nreference: ([A-Z]+)-(\d+)\n", r"\nreference: \1-9\2\n", text, count=1)
    text = re.sub(r'\ntitle: "?(.+?)"?\n', lambda m: f'\ntitle: "{m.group(1)} (copy)"\n',
                  text, count=1)
    (project.leaflets_dir / f"{new}.yaml").write_text(text, "utf-8")
    return new


def translate_copies(path) -> None:
    """Translate each new "… (copy)" text by copying the translation of the text it copies
    (and clear the fuzzy flag that msgmerge may have set on it)."""
    blocks = path.read_text("utf-8").split("\n\n")
    translations = dict(re.findall(r'^msgid "(.*)"\nmsgstr "(.*)"$', "\n\n".join(blocks), re.M))
    for number, block in enumerate(blocks):
        found = re.search(r'^msgid "(.+) \(copy\)"$', block, re.M)
        if found and not block.startswith("#~"):
            lines = [line for line in block.splitlines()
                     if line != "#, fuzzy" and not line.startswith("#|")]
            copied = translations[found.group(1)]
            blocks[number] = "\n".join(
                f'msgstr "{copied}（副本）"' if line.startswith("msgstr ") else line
                for line in lines)
    path.write_text("\n\n".join(blocks), "utf-8")


def add_language_copy(project) -> str | None:
    """Add a catalog for the first of NEW_LOCALES the project does not have, copied from
    zh_Hans (or its first catalog); return its locale, or None if it has no catalog."""
    translated = project.translated_locales()
    if not translated:
        return None
    source = "zh_Hans" if "zh_Hans" in translated else translated[0]
    new = next(locale for locale in NEW_LOCALES if locale not in translated)
    text, count = re.subn(r'^"Language: [^"\\]*\\n"$', lambda _: f'"Language: {new}\\n"',
                          (project.root / PO.format(source)).read_text("utf-8"), flags=re.M)
    assert count == 1, source
    (project.root / PO.format(new)).parent.mkdir(parents=True)
    (project.root / PO.format(new)).write_text(text, "utf-8")
    return new


ARABIC = {"Pain Management Service": "خدمة علاج الألم", "Key points": "نقاط رئيسية",
          "Summary": "ملخص", "Warning:": "تحذير:", "Important:": "مهم:"}


def grow(project) -> tuple[str, str | None]:
    """Add a leaflet, a language and Arabic in progress; return the leaflet and language."""
    new = add_leaflet_copy(project)
    # The copy's history is its original's: record its own text as that version's.
    assert run(project, "release", new, "--amend") == 0
    assert run(project, "update") == 0
    for locale in project.translated_locales():
        translate_copies(project.root / PO.format(locale))
    language = add_language_copy(project)
    if "ar" not in project.locales():  # a project that has Arabic already keeps its own
        assert run(project, "init", "ar") == 0
        translate(project, "ar", ARABIC)
    return new, language


def test_a_project_grows_whatever_languages_it_has_already(tmp_path):
    """Here one that has the first of NEW_LOCALES already, as the real one may some day."""
    project = copy_project(tmp_path / "project")
    had = add_language_copy(project)
    before = project.locales()
    leaflets = len(project.leaflet_files())
    new, language = grow(project)
    assert had in before and language not in before
    assert set(project.locales()) == {*before, language, "ar"}
    assert len(project.leaflet_files()) == leaflets + 1
    assert run(project, "check", "--today", "2026-11-21") == 0


def test_the_content_checks_pass_with_a_fourth_leaflet_and_more_languages(tmp_path):
    project = copy_project(tmp_path / "project")
    leaflets = len(project.leaflet_files())
    grow(project)
    assert run(project, "check", "--today", "2026-11-21") == 0
    assert len(project.leaflet_files()) == leaflets + 1 and "ar" in project.locales()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "content",
         str(ROOT / "tests")], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "LEAFPRESS_TEST_PROJECT": str(project.root)})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout) and " failed" not in result.stdout
