"""The pre-publish quality gates: plain English, spelling, terminology, jargon and style.

``check`` runs them after the format checks and prints what they find as warnings
(``check --strict`` makes them errors); ``report`` shows the readability figures. Every
threshold is in `THRESHOLDS`, and every word list in a project file named below, so
that editors change the project's data, not the code (see the README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import markup
from .errors import LeafletError, Problem, ProblemCollector
from .leaflet import LeafletFile
from .project import SOURCE_LOCALE, Project

# The one place for the gates' limits (issue 15; NHS content guidance asks for a
# reading age of 9 to 11, which is Flesch–Kincaid grade 4 to 6).
THRESHOLDS = {
    "max_grade": 6.0,            # patient leaflet or section above this: warning
    "hardest_sentences": 3,      # how many of a text's hardest sentences to list
    "max_sentence_words": 25,    # any sentence longer than this: warning
}
# Project data files, relative to the project folder.
WORDLIST = Path("leaflets") / "wordlist.txt"      # extra words the spelling gate accepts
JARGON = Path("leaflets") / "jargon.txt"          # words a patient leaflet must explain
GLOSSARY = "glossary.yaml"                        # in each locale's folder


@dataclass(frozen=True)
class PlacedText:
    """One English text of a leaflet, with where it is."""

    text: str
    line: int
    where: str  # key path, like sections[2].blocks[0].paragraph
    kind: str  # title, summary, heading, paragraph, bullets, steps, callout, warning, …
    section: int | None  # index of its section, None for title and summary


def quality_problems(project: Project, leaflets: list[LeafletFile], locales: list[str],
                     errors: ProblemCollector | None = None) -> list[Problem]:
    """Return what every gate finds in ``leaflets`` and in the catalogs of ``locales``.

    The catalogs must have passed the checks of translation.py. What stops a gate (no
    dictionary on this machine, a broken glossary) goes to ``errors`` while the other
    gates go on; without ``errors`` it is raised as `LeafletError` at the end.
    """
    from babel.messages.pofile import read_po

    from . import glossary, jargon, readability, spelling, style

    words = read_word_list(project.root / WORDLIST)
    jargon_terms = jargon.read_terms(project.root / JARGON)
    collector = errors or ProblemCollector()
    checker = collector.run(spelling.SpellChecker.for_words, words,
                            project.relative(project.root / WORDLIST))
    found: list[Problem] = []
    placed = {leaflet.path: placed_texts(leaflet)
              for leaflet in leaflets}
    readability.prepare([text for texts in placed.values() for text in texts])
    for leaflet in leaflets:
        shown = project.relative(leaflet.path)
        texts = placed[leaflet.path]
        if leaflet.leaflet.audience == "patient":
            found += readability.problems(shown, leaflet, texts)
            found += jargon.problems(shown, texts, jargon_terms,
                                     project.relative(project.root / JARGON))
        found += checker.problems(shown, texts) if checker else []
        found += style.leaflet_problems(shown, texts)
        found += leaflet.figure_advice  # a figure bigger than a leaflet needs (figure.py)
    for locale in sorted(set(locales) - {SOURCE_LOCALE}):
        shown = project.relative(project.po_file(locale))
        with project.po_file(locale).open("rb") as handle:
            catalog = read_po(handle)
        path = project.locales_dir / locale / GLOSSARY
        terms = collector.run(glossary.read_glossary, path, project.relative(path)) or ()
        found += glossary.problems(shown, catalog, terms)
        found += style.catalog_problems(shown, locale, catalog)
    if errors is None:
        collector.raise_if_any()
    return sorted(found, key=lambda problem: (str(problem.path), problem.line or 0))


def placed_texts(leaflet: LeafletFile) -> list[PlacedText]:
    """Return the leaflet's English texts in reading order, each with its line and key path.

    They are the texts the leaflet gives its translators (`LeafletFile.texts`): a figure's
    alternative text and caption, never its file name, and every cell of a table. The
    owner's department and contact are left out: they are names and numbers, not prose.
    """
    texts = []
    for text in leaflet.texts:
        found = _PLACE.match(text.key)
        if found is None:
            continue
        section = found["section"]
        kind = found["top"] or found["heading"] or found["block"]
        texts.append(PlacedText(text.text, text.line, text.key, kind,
                                None if section is None else int(section)))
    return texts


# A text's key path, as `SourceText.key` spells it: ``title``, ``summary``,
# ``sections[2].heading`` or ``sections[2].blocks[0].bullets[1]``; the key after the block
# is the kind (a figure's ``alt`` and ``caption`` are kinds of their own).
_PLACE = re.compile(r"^(?:(?P<top>title|summary)|sections\[(?P<section>\d+)\]\."
                    r"(?:(?P<heading>heading)|blocks\[\d+\]\.(?P<block>[a-z]+)))")


def read_word_list(path: Path) -> frozenset[str]:
    """Return the words of a list file: one a line; ``#`` starts a comment."""
    if not path.is_file():
        return frozenset()
    words = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return frozenset(word for word in words if word)


def readability_figures(project: Project, leaflets: list[LeafletFile], translations: dict
                        ) -> dict[str, dict]:
    """Return each leaflet's readability figures, by leaflet id (for ``report``)."""
    from . import readability

    figures = {}
    placed = {leaflet.path: placed_texts(leaflet)
              for leaflet in leaflets}
    readability.prepare([text for texts in placed.values() for text in texts])
    for leaflet in leaflets:
        texts = placed[leaflet.path]
        english = readability.figures(texts)
        chinese = {locale: readability.chinese_figures(
                       [found for text in texts
                        if (found := translations[locale].lookup(text.text)) is not None])
                   for locale in sorted(translations)
                   if locale != SOURCE_LOCALE and locale.startswith("zh")}
        figures[leaflet.id] = {**english, "sentence_length": chinese}
    return figures


def plain(text: str) -> str:
    """Return a text without its markup, as a reader sees it."""
    return markup.plain_text(text)


def system_problem(message: str) -> LeafletError:
    return LeafletError.at("system", None, message)
