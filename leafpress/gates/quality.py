"""The pre-publish quality gates: plain English, spelling, terminology, jargon and style.

``check`` runs them after the format checks and prints what they find as warnings
(``check --strict`` makes them errors); ``report`` shows the readability figures. Every
threshold is in `THRESHOLDS`, and every word list in a project file named beside it
(texts.py), so that editors change the project's data, not the code (docs/writers.md).
"""

from __future__ import annotations

from ..content.figure_versions import figure_problems
from ..content.leaflet import LeafletFile
from ..core.errors import Problem, ProblemCollector
from ..core.project import SOURCE_LOCALE, Project
from ..translation.translations import is_locale_name, text_direction
from .texts import GLOSSARY, JARGON, WORDLIST, placed_texts, read_word_list


def quality_problems(project: Project, leaflets: list[LeafletFile], locales: list[str],
                     errors: ProblemCollector | None = None) -> list[Problem]:
    """Return what every gate finds in ``leaflets`` and in the catalogs of ``locales``.

    The catalogs must have passed the checks of translations.py. What stops a gate (no
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
    # A folder not named as a locale is gather's error (translations.py), not a language.
    languages = [locale for locale in project.translated_locales() if is_locale_name(locale)]
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
        # a language without its version of a figure with text (figure_versions.py), in
        # every language of the project, whichever catalogs are checked
        found += figure_problems(shown, leaflet.figure_uses, languages, text_direction)
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
