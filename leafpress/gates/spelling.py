"""Spelling of the English texts: Hunspell's en_GB dictionary, plus the project's word list.

Hunspell is reached through pyenchant 3.3 (maintained; Enchant 2 from Debian's
``libenchant-2-2``, with its Hunspell backend, reads Debian's ``hunspell-en-gb``).
It runs in the process, so a check spends no time starting a program, and the
project's word list is applied by this module, not stored in a personal dictionary
somewhere in the home folder.

Opening the dictionary takes about 0.2 s, which the editor's check of each keystroke
cannot spend: the broker stays open for the process and keeps the dictionary it opened
first, so that asking for it again (as every check does, to learn whether it is still
there) is a look-up in Enchant's own table. Its suggestions for a word (some 25 ms each)
are remembered too, as the dictionary does not change while it is open: a draft's
misspelt word is not looked up again at each pause in typing. The editor checks in
threads, and Hunspell is not safe to call from two at once: every call to Enchant holds
`_ENCHANT`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from ..core.errors import Problem
from .texts import PlacedText, plain, system_problem

DICTIONARY = "en_GB"
# Letters with inner apostrophes (don't, patient's); hyphenated words are checked
# part by part, as Hunspell itself does.
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Addresses are not words: a bare URL or e-mail address is the style gate's business,
# nor are HTML tags (the style gate reports them).
ADDRESS = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+|<[^<>]*>")

_ENCHANT = threading.Lock()
_opened: dict[str, object] = {}  # the broker, and the first dictionary it opened
_suggested: dict[str, tuple[str, ...]] = {}  # the kept dictionary's suggestions, by word
MAX_SUGGESTED = 10_000


@dataclass(frozen=True)
class SpellChecker:
    """Hunspell en_GB and the project's own words."""

    dictionary: object
    words: frozenset[str]
    word_list: str  # the word list's path, for messages

    @classmethod
    def for_words(cls, words: frozenset[str], word_list: str) -> SpellChecker:
        return cls(_dictionary(), frozenset(word.casefold() for word in words), word_list)

    def problems(self, shown: str, texts: list[PlacedText]) -> list[Problem]:
        """Return one warning per unknown word of each text, with a suggestion."""
        found = []
        for text in texts:
            for word in self.unknown_words(text.text):
                suggestions = [f"'{found}'" for found in self.suggestions(word)]
                hint = f"did you mean {' or '.join(suggestions)}? " if suggestions else ""
                found.append(Problem(shown, text.line, f"spelling: unknown word '{word}'; "
                                     f"{hint}if it is right, add it to {self.word_list}",
                                     text.where))
        return found

    def suggestions(self, word: str) -> tuple[str, ...]:
        """Return Hunspell's first three suggestions for ``word``."""
        kept = self.dictionary is _opened.get("dictionary")
        with _ENCHANT:
            if kept and word in _suggested:
                return _suggested[word]
            found = tuple(self.dictionary.suggest(word)[:3])
            if kept:
                if len(_suggested) >= MAX_SUGGESTED:  # a long session's half-typed words
                    _suggested.clear()
                _suggested[word] = found
        return found

    def unknown_words(self, text: str) -> list[str]:
        """Return the words of ``text`` that neither Hunspell nor the word list knows, once each."""
        unknown = []
        for word in WORD.findall(ADDRESS.sub(" ", plain(text))):
            word = word.replace("’", "'")
            if word in unknown or word.casefold() in self.words:
                continue
            if word.endswith("'s") and word[:-2].casefold() in self.words:
                continue
            with _ENCHANT:
                known = self.dictionary.check(word)
            if not known:
                unknown.append(word)
        return unknown


def _dictionary():
    """Return Hunspell's en_GB dictionary, or raise a ``system:`` problem naming the package."""
    try:
        import enchant
    except ImportError:
        raise system_problem("the Enchant spelling library is not installed; install the "
                             "Debian package libenchant-2-2 (scripts/setup.sh does)") from None
    try:
        with _ENCHANT:
            if "broker" not in _opened:
                broker = enchant.Broker()
                broker.set_ordering(DICTIONARY, "hunspell")
                _opened["broker"] = broker
            asked = _opened["broker"].request_dict(DICTIONARY)  # raises if it is gone
            kept = _opened.setdefault("dictionary", asked)  # kept: Enchant keeps it open
            del asked  # freed here, under the lock, if it is not the one kept
            return kept
    except enchant.errors.DictNotFoundError:
        raise system_problem(f"the Hunspell dictionary {DICTIONARY} is not installed; install "
                             "the Debian package hunspell-en-gb (scripts/setup.sh does)") from None

