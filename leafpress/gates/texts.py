"""What every quality gate shares: the English texts it reads, each with its place, the
gates' limits, and the project's word lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..content import markup
from ..content.leaflet import LeafletFile
from ..core.errors import LeafletError

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


def plain(text: str) -> str:
    """Return a text without its markup, as a reader sees it."""
    return markup.plain_text(text)


def system_problem(message: str) -> LeafletError:
    return LeafletError.at("system", None, message)
