"""A text spoken by the machine's speech synthesiser, and how its words are said.

The synthesiser is Debian's espeak-ng 1.51 (GPL, run as a program, never linked): it
runs offline and has voices for English, Mandarin, Arabic, Hebrew, Welsh and ~100
more languages, which is what a hospital's leaflets need. piper-tts sounds more
natural, but the only voice a registry offers it is US English (FACTS.md): the others
download at run time, which a build may not do. Its robotic voice is the price of
every language from the same approved text; a recorded human voice replaces it
section by section (audio.py).

The text goes to espeak-ng on stdin, as SSML (``-m``), never through a shell.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import LeafletError

PROGRAM = "espeak-ng"
# The lists, one a language: leaflets/pronunciation/<locale>.txt ("en", "zh_Hans").
PRONUNCIATIONS = Path("leaflets") / "pronunciation"
PACKAGE = "espeak-ng"  # Debian's package, which scripts/setup.sh installs
RATE = 22050  # espeak-ng's samples a second (16-bit, mono)
# Words a minute: espeak-ng's default is 175; a little slower is easier to follow for
# listeners who asked for audio because reading is hard for them.
SPEED = 160
# A language's voice where espeak-ng's own name for it is not the locale's language.
# Mandarin: espeak-ng 1.51's "cmn" voice turns each Hanzi into pinyin and then reads
# the pinyin as English ("ni three hao three"), because that voice reads Latin letters
# as English; "cmn-latn-pinyin" reads the same pinyin as Mandarin, tones included.
VOICES = {"en": "en-gb", "zh_Hans": "cmn-latn-pinyin", "zh": "cmn-latn-pinyin"}
_PHONEMES = re.compile(r"\[\[[^\[\]]+\]\]")


def voice(locale: str) -> str | None:
    """Return espeak-ng's voice for ``locale`` ("zh_Hans", "en", "ar"), or ``None`` if
    it has none (for a `check` warning: that language is not published as audio)."""
    for name in (locale, locale.split("_")[0].split("-")[0].lower()):
        if name in VOICES:
            return VOICES[name]
        if name.lower() in installed_voices():
            return name.lower()
    return None


def unvoiced(locales) -> list[str]:
    """Return those of ``locales`` espeak-ng has no voice for, in order."""
    return [locale for locale in locales if voice(locale) is None]


@functools.lru_cache(maxsize=1)
def installed_voices() -> frozenset[str]:
    """Return the language names espeak-ng answers to (``espeak-ng --voices``)."""
    listing = _run(["--voices"], b"").decode("utf-8")
    names = set()
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 4:
            names.add(fields[1].lower())  # the language, e.g. "en-gb", "cmn"
            names.update(alias.strip("()").lower() for alias in fields[5::2])
    return frozenset(names)


def synthesise(ssml: str, voice_name: str) -> bytes:
    """Return espeak-ng's speech for an SSML document as 16-bit mono PCM at `RATE`."""
    wav = _run(["-b", "1", "-m", "-s", str(SPEED), "-v", voice_name, "--stdout"],
               ssml.encode("utf-8"))
    # Written to a pipe, the WAV header's sizes are placeholders: the samples are
    # whatever follows the "data" chunk's header.
    start = wav.find(b"data", 12)
    if wav[:4] != b"RIFF" or start < 0:
        raise RuntimeError(f"espeak-ng wrote no WAV for voice {voice_name}")
    samples = wav[start + 8:]
    return samples[:len(samples) - len(samples) % 2]


def phonemes(text: str, voice_name: str) -> str:
    """Return espeak-ng's phoneme mnemonics for ``text`` (what it would say)."""
    return _run(["-b", "1", "-m", "-q", "-x", "-v", voice_name], text.encode("utf-8")
                ).decode("utf-8")


def _run(arguments: list[str], stdin: bytes) -> bytes:
    program = shutil.which(PROGRAM)
    if program is None:
        raise LeafletError.at(PROGRAM, None, "audio: expected the speech synthesiser "
                              f"{PROGRAM} (Debian package {PACKAGE}; scripts/setup.sh "
                              "installs it), got no such program")
    done = subprocess.run([program, *arguments], input=stdin, capture_output=True,
                          check=False)
    if done.returncode:
        raise RuntimeError(f"{PROGRAM} {' '.join(arguments)} failed: "
                           f"{done.stderr.decode('utf-8', 'replace')}")
    return done.stdout


@dataclass(frozen=True)
class Pronunciations:
    """How to say words in one language: word → a respelling or espeak-ng phonemes."""

    words: tuple[tuple[str, str], ...] = ()

    def apply(self, text: str) -> str:
        """Return ``text`` with each listed word (whole words, any case) replaced by
        how to say it."""
        if not self.words:
            return text
        return _pattern(self.words).sub(lambda found: self._said[found.group(0).casefold()],
                                        text)

    @functools.cached_property
    def _said(self) -> dict[str, str]:
        return {word.casefold(): said for word, said in self.words}


@functools.lru_cache(maxsize=32)
def _pattern(words: tuple[tuple[str, str], ...]) -> re.Pattern:
    # Longest first, so that "NMDA receptor" wins over "NMDA". Chinese, Japanese and
    # Korean have no spaces between words: a word of Hanzi is matched wherever it
    # stands, and Hanzi beside a Latin word ("NMDA受体") do not join it.
    parts = []
    for word, _ in sorted(words, key=lambda pair: -len(pair[0])):
        before = "" if _is_cjk(word[0]) else _NOT_AFTER_A_LETTER
        after = "" if _is_cjk(word[-1]) else _NOT_BEFORE_A_LETTER
        parts.append(before + re.escape(word) + after)
    return re.compile("|".join(parts), re.IGNORECASE)


_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_NOT_AFTER_A_LETTER = rf"(?<!(?![{_CJK}])\w)"
_NOT_BEFORE_A_LETTER = rf"(?!(?![{_CJK}])\w)"


def _is_cjk(character: str) -> bool:
    return re.match(f"[{_CJK}]", character) is not None


def load_pronunciations(path: Path, shown: str | None = None) -> Pronunciations:
    """Read a pronunciation list: ``word = how to say it`` a line, where how to say it
    is a respelling ("C R P S") or espeak-ng phonemes in ``[[...]]``; a line starting
    with ``#`` is a comment. ``shown`` is the path in messages (default ``path``)."""
    return parse_pronunciations(path.read_text("utf-8"), shown or str(path))


def parse_pronunciations(text: str, shown: str) -> Pronunciations:
    """Return the pronunciations of a list's ``text``; every bad line is a problem at
    ``shown``:line, all of them in one `LeafletError`."""
    words, seen, problems = [], {}, []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):  # not after a word: phonemes use "#"
            continue
        word, equals, said = (part.strip() for part in line.partition("="))
        message = None
        if not equals or not word or not said:
            message = f"expected 'word = how to say it', got {line!r}"
        elif ("[[" in said or "]]" in said) and not _PHONEMES.fullmatch(said):
            message = (f"expected a respelling or espeak-ng phonemes inside [[ ]], "
                       f"got {said!r}")
        elif word.casefold() in seen:
            message = (f"expected each word once, got {word!r} again "
                       f"(first on line {seen[word.casefold()]})")
        if message:
            problems.append(LeafletError.at(shown, number, message, "pronunciation"))
            continue
        seen[word.casefold()] = number
        words.append((word, said))
    if problems:
        raise LeafletError([problem for error in problems for problem in error.problems])
    return Pronunciations(tuple(words))
