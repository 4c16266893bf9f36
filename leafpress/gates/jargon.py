"""Jargon: medical words a patient leaflet must explain in plain words where it first uses them.

The rule, exactly (docs/writers.md says the same): the first use of a listed word in a
patient leaflet, in reading order (title, summary, then each section's heading and
texts), is explained when that sentence or the sentence right after it (which may
be the first of the next text) has one of these forms, in any case and with the
word in the singular or plural:

1. the word followed by a bracket: ``an ECG (a heart tracing)``;
2. the word inside brackets after plain words: ``losing a limb (an amputation)``;
3. the word followed by ``, which``, ``, meaning``, ``, that is``, ``, a``, ``, an``
   or a dash: ``a cannula – a thin, soft tube``;
4. the word as the subject of ``is``, ``are`` or ``means``, alone or after a, an,
   the or your: ``An ECG is a simple test``;
5. the word after ``called``, ``call this``, ``call it``, ``known as`` or ``named``:
   ``This is called the NMDA receptor``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import Problem
from .texts import PlacedText, read_word_list


def read_terms(path: Path) -> tuple[str, ...]:
    """Return the jargon list: one word or phrase a line, ``#`` starts a comment."""
    return tuple(sorted(read_word_list(path), key=str.casefold))


def problems(shown: str, texts: list[PlacedText], terms: tuple[str, ...], listed_in: str
             ) -> list[Problem]:
    """Return a warning for each listed word whose first use is not explained beside it."""
    from .readability import sentences

    flat = [(text, sentence) for text in texts for sentence in sentences(text.text)]
    found = []
    for term in terms:
        word = _pattern(term)
        first = next((index for index, (_, sentence) in enumerate(flat)
                      if word.search(sentence)), None)
        if first is None:
            continue
        nearby = [sentence for _, sentence in flat[first:first + 2]]
        if any(_explains(sentence, word) for sentence in nearby):
            continue
        text, sentence = flat[first]
        used = word.search(sentence)[0]
        found.append(Problem(shown, text.line, f"jargon: '{used}' is not explained in plain "
                             f"words where it is first used; explain it in the same sentence or "
                             f"the next, e.g. \"{used} (…)\" or \"{used}, which …\" (the word is in "
                             f"{listed_in})", text.where))
    return found


def _pattern(term: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", re.IGNORECASE)


def _explains(sentence: str, word: re.Pattern) -> bool:
    term = word.pattern
    forms = (
        rf"{term}\s*\(",
        rf"\([^)]*{term}[^)]*\)",
        rf"{term}\s*(?:,\s*(?:which|meaning|that is|an?)\b|\s[–—-]\s)",
        rf"(?:^|\b(?:an?|the|your)\s+){term}\s+(?:is|are|means)\b",
        rf"\b(?:called|call (?:this|it|them)|known as|named)\s+(?:(?:an?|the)\s+)?{term}",
    )
    return any(re.search(form, sentence, re.IGNORECASE) for form in forms)
