"""A translation belongs to its text: changed texts keep it as fuzzy, new texts start empty,
and a leaflet's "50%" is typed "50%" (issue 13)."""

from __future__ import annotations

import subprocess

import pytest
from babel.messages.pofile import read_po

from leafpress.translation.translations import load_translations

from helpers import approve, make_project, run, translate

PO = "locales/zh_Hans/LC_MESSAGES/messages.po"
PERCENT = ("In one meta-analysis, opioid consumption over the first 24 postoperative hours fell "
           "on average by 24.4%, equal to 7.6 mg of intravenous morphine equivalents [6].")
EAT = "Have nothing to eat for 6 hours before your appointment."
DRINK = "You can drink water, and black tea or coffee, until 2 hours before your appointment."
# The shipped Chinese catalog's translations of the fixture's texts.
ZH = {
    "Your appointment will be in the morning or the afternoon.": "您的就诊时间会安排在上午或下午。",
    EAT: "就诊前6小时内不要吃任何东西。",
    PERCENT: "在其中一项荟萃分析中，术后最初24小时内的阿片类药物消耗量平均减少了24.4%，"
             "相当于7.6 mg静脉注射吗啡当量[6]。",
}


@pytest.fixture
def translated(tmp_path):
    project = make_project(tmp_path / "project")
    assert run(project, "init", "zh_Hans") == 0
    translate(project, "zh_Hans", ZH)
    return project


def edit(project, old: str, new: str) -> None:
    path = project.leaflets_dir / "sample.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    approve(project)  # an approved change: only the translation is behind


def po_text(project) -> str:
    return (project.root / PO).read_text("utf-8")


def test_a_text_changed_twice_before_it_is_translated_again_keeps_a_readable_catalog(translated):
    # The first change leaves a fuzzy entry with its previous English; the second makes
    # that entry obsolete, which msgmerge writes with "#~|" lines Babel cannot read.
    edit(translated, EAT, "Do not eat anything for 6 hours before your appointment.")
    assert run(translated, "update") == 0
    edit(translated, "Do not eat anything for 6 hours", "Eat nothing for 6 hours")
    assert run(translated, "update") == 0
    assert "#~|" not in po_text(translated)
    translations, problems = load_translations(translated, "zh_Hans")
    assert problems == [] or all("fuzzy" in str(problem) for problem in problems)
    assert translations.state("Eat nothing for 6 hours before your appointment.") == "fuzzy"
    assert run(translated, "check") == 0


def test_a_changed_text_keeps_its_translation_as_fuzzy_with_the_previous_english(translated):
    new = "Do not eat anything for 6 hours before your appointment."
    edit(translated, EAT, new)
    assert run(translated, "update") == 0
    assert ("#. leaflets/sample.yaml: sections[0].blocks[0].bullets[1]\n"
            "#: leaflets/sample.yaml\n"
            "#, fuzzy\n"
            f'#| msgid "{EAT}"\n'
            f'msgid "{new}"\n'
            f'msgstr "{ZH[EAT]}"\n') in po_text(translated)
    before = po_text(translated)
    assert run(translated, "update") == 0
    assert po_text(translated) == before


def test_a_new_text_starts_untranslated_never_from_a_similar_one(translated, capsys):
    # msgmerge's fuzzy matching gave this the translation of the bullet after it.
    edit(translated, "          - Have nothing", f"          - {DRINK}\n"
                                                "          - Have nothing")
    assert run(translated, "update") == 0
    text = po_text(translated)
    assert ("#. leaflets/sample.yaml: sections[0].blocks[0].bullets[1]\n"
            "#: leaflets/sample.yaml\n"
            f'msgid "{DRINK}"\n'
            'msgstr ""\n') in text
    assert "fuzzy" not in text and "#~" not in text
    catalog = read_po((translated.root / PO).open("rb"))
    assert catalog.get(EAT).string == ZH[EAT]  # moved to bullets[2], still the same text


def test_a_percent_sign_in_a_leaflet_is_typed_as_it_is(translated, capsys):
    pot = (translated.pot_file).read_text("utf-8")
    assert f'#: leaflets/sample.yaml\nmsgid "{PERCENT}"\n' in pot
    translations, problems = load_translations(translated, "zh_Hans")
    assert problems == []
    assert translations.lookup(PERCENT) == ZH[PERCENT]
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(translated.root / PO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert run(translated, "check") == 0


def test_a_catalog_with_doubled_percent_signs_keeps_its_translations(translated):
    path = translated.root / PO
    old, new = PERCENT.replace("%", "%%"), ZH[PERCENT].replace("%", "%%")
    text = path.read_text("utf-8").replace(
        f'msgid "{PERCENT}"\nmsgstr "{ZH[PERCENT]}"',
        f'#, python-format\nmsgid "{old}"\nmsgstr "{new}"')
    path.write_text(text, "utf-8")
    assert run(translated, "update") == 0
    text = path.read_text("utf-8")
    assert f'#: leaflets/sample.yaml\nmsgid "{PERCENT}"\nmsgstr "{ZH[PERCENT]}"\n' in text
    assert "%%" not in text.split("#: templates/")[0] and "#~" not in text


def test_a_broken_template_text_says_it_stops_every_leaflet(translated, capsys):
    translate(translated, "zh_Hans", {"Important:": "<b>重要提示：</b>"})
    line = po_text(translated).splitlines().index('msgid "Important:"') + 1
    assert run(translated, "check") == 1
    # Only the errors: the warnings (no approval recorded, quality gates) do not stop it.
    assert [line for line in capsys.readouterr().err.splitlines()
            if not line.startswith("warning: ")] == [
        f'error: {PO}:{line}: msgid "Important:": a translation must not contain HTML tags; '
        "this text is in the template, so no leaflet is published in this language until "
        "it is fixed",
        "1 problem found."]
