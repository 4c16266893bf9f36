"""A leaflet in one language read aloud: one MP3 file with a chapter per section.

API, for the build (not yet wired in)::

    audio_bytes(html, pronunciations=Pronunciations(), recordings={}) -> Audio
    sections(html) -> tuple[Section, ...]       # what each chapter says, for the editor
    tools() -> str                               # espeak-ng's and lame's versions: the cache key
    sidecar_bytes(section) -> bytes              # written beside a new recording
    recording_stem(section) -> str               # "<n>-<slug>", its file name without suffix

``html`` is the leaflet's screen HTML in one language (`render_html(..., medium="screen")`);
``pronunciations`` the list for its language (`speech.load_pronunciations` of
``leaflets/pronunciation/<locale>.txt``, empty if there is none); ``recordings`` maps a
chapter's number to the `Recording` the build read from
``recordings/<leaflet>/<locale>/<n>-<slug>.wav`` and its ``.json`` sidecar (the build finds
them by the number, ``<n>-*.wav``, so a changed heading still finds its file and reports it
stale). `Audio` holds the file's bytes, its chapters (start and end in milliseconds) and
the problems to report (a stale recording: reported and not used). Pure: no clock, no
network, no writes; the same bytes for the same input in any folder on any day (espeak-ng
and lame have no randomness; nothing in the file names a date, a path or a version but
lame's version: written to a pipe, lame leaves out its LAME/Info header, which a
constant-bit-rate file does not need for its length; players start ~50 ms late, the
encoder's delay, which the chapters' times ignore).

What is read: the title chapter (a draft's mark, the title, the summary, who it is from),
then each section: its heading, paragraphs, bullets (no "bullet"), steps numbered
("1. …"), question and answer, subheadings, a figure's text alternative and caption,
tables row by row as "column heading: cell", callouts and warnings with their label;
"About this leaflet" with its facts and contacts, other formats and languages. Left out:
the logo, the online address (a web address read letter by letter helps nobody who is
already listening to the file the page gave them), the version history (records, in
English, for the approvers; the facts name the current version and approval), and the
sources (English citations and web addresses, for clinicians; they stay on the page,
where a listener's helper can read them).

Why MP3 with ID3v2 chapters (CHAP and CTOC, ID3v2.3, as podcast apps write them): every
browser and phone plays MP3 (Safari on iPhones did not play Ogg for years, and old phones
still do not), and the players patients have on their phones for long spoken audio,
podcast apps (AntennaPod, Apple Podcasts, Overcast, Pocket Casts), show its chapters, as
mpv does (VLC only from 4.0). Ogg Opus would be half the size, but its chapters
(CHAPTERnnn comments) are shown by desktop players (VLC, mpv), not by phone apps. Constant
bit rate, so that a seek to a time lands on that time (a VBR file seeks by an
approximate table).

Why media fragments (``file.mp3#t=12.345,67.890``, `Chapter.fragment`) for the page's
player per section rather than a file per section: one file is what a patient downloads
and keeps, with its chapters; the players share it (the browser fetches ranges of one
cached file, and ``preload="none"`` fetches nothing until one is played); every browser
honours the start and the end of a temporal fragment. Per-section files would double the
output for the same speech.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import io
import json
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass, field
from typing import Mapping
from xml.sax.saxutils import escape

import tinyhtml5

from ..core.errors import LeafletError, Problem
from . import speech
from .speech import RATE, Pronunciations, synthesise, voice
from .xhtml import tag

MEDIA_TYPE = "audio/mpeg"
ENCODER, ENCODER_PACKAGE = "lame", "lame"
BITRATE = 32  # kbit/s, constant: mono speech at 22.05 kHz, ~240 KB a minute
# lame's own default: -q 2 costs 1.7x the time (measured: 5.4 s instead of 3.2 s for
# 15 minutes) for no difference a listener hears in synthesised speech at 32 kbit/s.
QUALITY = 5
BLOCK_PAUSE = 500  # ms of silence between paragraphs, items, rows (SSML breaks)
HEADING_PAUSE = 700
SECTION_PAUSE = 1000  # ms of silence after each chapter, inside it
_SKIPPED_CLASSES = {"sources", "online", "history", "logo"}


@dataclass(frozen=True)
class Section:
    """One chapter: a heading and what is said under it."""

    number: int  # from 1: the title chapter, then the sections in order
    title: str
    id: str | None  # the h2's id on the web page (``section-1``), where it has one
    blocks: tuple[str, ...]  # the texts said after the heading, in order

    @property
    def text(self) -> str:
        """What the chapter says, as plain text: what a recording's digest covers."""
        return "\n".join((self.title, *self.blocks))

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Chapter:
    """A chapter of the file, in milliseconds from its start."""

    number: int
    title: str
    id: str | None
    start: int
    end: int
    recorded: bool = False  # a person's recording, not the synthesiser

    @property
    def fragment(self) -> str:
        """Return the media fragment that plays only this chapter (``#t=start,end``)."""
        return f"#t={self.start / 1000:.3f},{self.end / 1000:.3f}"


@dataclass(frozen=True)
class Recording:
    """A person's recording of one chapter, as the build read it."""

    path: str  # shown in problems, e.g. "recordings/alpha/en/2-what-this-leaflet-is.wav"
    audio: bytes  # a WAV file: 16-bit PCM at 22050 Hz (mono, or stereo mixed down)
    sidecar: bytes | None  # the .json beside it (`sidecar_bytes`), None if missing


@dataclass(frozen=True)
class Audio:
    """A leaflet's audio file, its chapters, and what to report about its recordings."""

    data: bytes
    chapters: tuple[Chapter, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def duration(self) -> int:
        return self.chapters[-1].end if self.chapters else 0


def audio_bytes(html: str, pronunciations: Pronunciations = Pronunciations(),
                recordings: Mapping[int, Recording] | None = None) -> Audio:
    """Return the leaflet read aloud (see the module)."""
    root = tinyhtml5.parse(html)
    lang = root.get("lang") or "en"
    speaker = voice(lang)
    if speaker is None:
        raise LeafletError.at("leaflet", None, f"audio: expected a language espeak-ng "
                              f"has a voice for, got {lang}")
    head = root.find(tag("head"))
    title = _flat(head.find(tag("title")))
    author = next((meta.get("content") for meta in head.iter(tag("meta"))
                   if meta.get("name") == "author"), "")
    pcm, chapters, problems = bytearray(), [], []
    for section in _sections(root):
        recording = (recordings or {}).get(section.number)
        samples = _recorded(recording, section, problems) if recording else None
        recorded = samples is not None
        if not recorded:
            samples = synthesise(_ssml(section, pronunciations), speaker)
        start = _milliseconds(len(pcm))
        pcm += samples + _silence(SECTION_PAUSE)
        chapters.append(Chapter(section.number, section.title, section.id, start,
                                _milliseconds(len(pcm)), recorded))
    data = _id3(title, author, chapters) + _encode(bytes(pcm))
    return Audio(data, tuple(chapters), tuple(problems))


@functools.lru_cache(maxsize=1)
def tools() -> str:
    """Return the versions of espeak-ng and lame, for the build's cache key: another
    version says and encodes the same text in other bytes."""
    found = []
    for program in (speech.PROGRAM, ENCODER):
        path = shutil.which(program)
        done = subprocess.run([path, "--version"], capture_output=True, text=True,
                              check=False) if path else None
        # The first line, without espeak-ng's "  Data at: /usr/lib/…" (a path).
        found.append(done.stdout.splitlines()[0].split("  ")[0].strip() if done and done.stdout
                     else f"{program} missing")
    return "; ".join(found)


def sections(html: str) -> tuple[Section, ...]:
    """Return what each chapter of a leaflet's audio says (for recording one)."""
    return tuple(_sections(tinyhtml5.parse(html)))


def recording_stem(section: Section) -> str:
    """Return a recording's file name without its suffix: ``<n>-<slug>``."""
    slug = re.sub(r"[\W_]+", "-", section.title.casefold()).strip("-")
    return f"{section.number}-{slug}" if slug else str(section.number)


def sidecar_bytes(section: Section) -> bytes:
    """Return the sidecar written beside a new recording of ``section``: the digest of
    the text it was recorded from, and the text, to say what changed when it is stale."""
    return (json.dumps({"chapter": section.number, "sha256": section.digest,
                        "text": section.text}, ensure_ascii=False, indent=1) + "\n"
            ).encode("utf-8")


def _sections(root):
    body = root.find(tag("body"))
    main = body.find(tag("main"))
    opening = [_flat(element) for element in body.iter(tag("p"))
               if "draft-mark" in _classes(element)]
    summary = [_flat(element) for element in main.findall(tag("p"))]
    masthead = body.find(tag("header"))
    opening += summary + ([_flat(element) for element in masthead.iter(tag("p"))]
                          if masthead is not None else [])
    yield Section(1, _flat(main.find(tag("h1"))), main.find(tag("h1")).get("id"),
                  tuple(text for text in opening if text))
    number = 1
    for section in main.findall(tag("section")):
        if _classes(section) & _SKIPPED_CLASSES:
            continue
        heading = section.find(tag("h2"))
        number += 1
        blocks = [text for child in section if child is not heading
                  for text in _said(child) if text]
        yield Section(number, _flat(heading), heading.get("id"), tuple(blocks))


def _said(element):
    """Yield the texts a block is read as, one pause after each."""
    name = element.tag.removeprefix(tag(""))
    if _classes(element) & _SKIPPED_CLASSES:
        return
    if name in ("p", "h3", "figcaption", "li"):
        yield _flat(element)
    elif name == "ul":
        for item in element.findall(tag("li")):
            yield _flat(item)
    elif name == "ol":
        for number, item in enumerate(element.findall(tag("li")), start=1):
            yield f"{number}. {_flat(item)}"
    elif name == "img":
        yield element.get("alt", "").strip()
    elif name == "table":
        yield from _table(element)
    elif name in ("div", "figure"):
        for child in element:
            yield from _said(child)


def _table(table):
    """Yield a table's rows: "column heading: cell; …", or "row heading: cell"."""
    columns = [_flat(cell) for cell in table.iter(tag("th")) if cell.get("scope") == "col"]
    for row in table.iter(tag("tr")):
        cells = [cell for cell in row if cell.tag in (tag("td"), tag("th"))]
        if cells and all(cell.get("scope") == "col" for cell in cells):
            continue  # the header row: said with every cell instead
        if cells and cells[0].get("scope") == "row":
            yield "; ".join(f"{_flat(cells[0])}: {_flat(cell)}" for cell in cells[1:])
        else:
            yield "; ".join(f"{columns[index]}: {_flat(cell)}" if index < len(columns)
                            else _flat(cell) for index, cell in enumerate(cells))


def _ssml(section: Section, pronunciations: Pronunciations) -> str:
    """Return the SSML espeak-ng is given for a section. Runs in another language
    (an English name in a Chinese leaflet) are read by the page's voice: espeak-ng
    1.51 switches voice mid-text badly (after a <voice> element its Mandarin reads the
    rest of the sentence as English), and its Mandarin voice reads Latin words as
    English on its own."""
    def said(text: str) -> str:
        # A leaflet's own "[[" is text, not phonemes: only the list's are phonemes.
        return escape(pronunciations.apply(text.replace("[[", "[ [").replace("]]", "] ]")))
    parts = [said(section.title), f'<break time="{HEADING_PAUSE}ms"/>']
    for block in section.blocks:
        parts += [said(block), f'<break time="{BLOCK_PAUSE}ms"/>']
    # No xml:lang on <speak>: espeak-ng 1.51 lets it choose the voice over -v, and
    # "zh-Hans" chooses its broken "cmn" voice (or reads each Hanzi as "Chinese letter").
    return f'<speak version="1.0">{"".join(parts)}</speak>'


def _recorded(recording: Recording, section: Section, problems: list) -> bytes | None:
    """Return a recording's samples, or None (with the problem) if it cannot be used."""
    if recording.sidecar is None:
        problems.append(Problem(recording.path, None, "expected its sidecar "
                                f"{recording_stem(section)}.json beside it (the digest of the "
                                "text recorded), got none: the synthesised voice is used",
                                "recording"))
        return None
    try:
        was = json.loads(recording.sidecar).get("text", "")
    except (ValueError, AttributeError) as error:
        problems.append(Problem(recording.path, None, f"expected its sidecar "
                                f"{recording_stem(section)}.json to hold what leafpress "
                                f"wrote there, got {error}: the synthesised voice is used",
                                "recording"))
        return None
    if _is_stale(recording, section):
        problems.append(Problem(recording.path, None, "expected a recording of the "
                                f"chapter's current text, got one of an older text "
                                f"({_changes(was, section.text)}): the synthesised voice "
                                "is used until it is recorded again", "recording"))
        return None
    try:
        with wave.open(io.BytesIO(recording.audio)) as reader:
            rate, width, channels = (reader.getframerate(), reader.getsampwidth(),
                                     reader.getnchannels())
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        problems.append(Problem(recording.path, None, f"expected a WAV file, got {error}",
                                "recording"))
        return None
    if rate != RATE or width != 2 or channels not in (1, 2):
        problems.append(Problem(recording.path, None, f"expected 16-bit PCM at {RATE} Hz, "
                                f"mono or stereo, got {width * 8}-bit at {rate} Hz with "
                                f"{channels} channels (e.g. sox in.wav -r {RATE} -b 16 "
                                "out.wav)", "recording"))
        return None
    if channels == 2:
        frames = _mono(frames)
    return frames


def _is_stale(recording: Recording, section: Section) -> bool:
    return json.loads(recording.sidecar).get("sha256") != section.digest


def _changes(was: str, now: str, shown: int = 2) -> str:
    """Return the first changes between two texts, word by word."""
    old, new = was.split(), now.split()
    changes = []
    for kind, a, b, c, d in difflib.SequenceMatcher(None, old, new,
                                                    autojunk=False).get_opcodes():
        if kind == "replace":
            changes.append(f"{' '.join(old[a:b])!r} became {' '.join(new[c:d])!r}")
        elif kind == "insert":
            changes.append(f"{' '.join(new[c:d])!r} added"
                           + (f" after {old[a - 1]!r}" if a else " at the start"))
        elif kind == "delete":
            changes.append(f"{' '.join(old[a:b])!r} left out")
    more = f", and {len(changes) - shown} more changes" if len(changes) > shown else ""
    return "; ".join(changes[:shown]) + more if changes else "its text changed"


def _mono(frames: bytes) -> bytes:
    import array
    samples = array.array("h", frames)
    return array.array("h", ((samples[i] + samples[i + 1]) // 2
                             for i in range(0, len(samples) - 1, 2))).tobytes()


def _silence(milliseconds: int) -> bytes:
    return bytes(2 * (RATE * milliseconds // 1000))


def _milliseconds(length: int) -> int:
    return round(length / 2 * 1000 / RATE)


def _encode(pcm: bytes) -> bytes:
    """Return ``pcm`` as a constant-bit-rate mono MP3 (lame, on stdin and stdout)."""
    program = shutil.which(ENCODER)
    if program is None:
        raise LeafletError.at(ENCODER, None, f"audio: expected the MP3 encoder {ENCODER} "
                              f"(Debian package {ENCODER_PACKAGE}; scripts/setup.sh installs "
                              "it), got no such program")
    done = subprocess.run(
        [program, "--quiet", "-r", "-s", str(RATE / 1000), "--bitwidth", "16", "--signed",
         "--little-endian", "-m", "m", "--cbr", "-b", str(BITRATE), "-q", str(QUALITY),
         "--noreplaygain", "-", "-"], input=pcm, capture_output=True, check=False)
    if done.returncode:
        raise RuntimeError(f"lame failed: {done.stderr.decode('utf-8', 'replace')}")
    return done.stdout


def _id3(title: str, author: str, chapters: list[Chapter]) -> bytes:
    """Return an ID3v2.3 tag: the title, who it is from, the length, and the chapters
    (ID3v2 Chapter Frame Addendum 1.0: one CTOC listing every CHAP, in order)."""
    frames = [_frame("TIT2", _text(title)), _frame("TPE1", _text(author)),
              _frame("TLEN", _text(str(chapters[-1].end if chapters else 0)))]
    ids = [f"chp{chapter.number}".encode("ascii") for chapter in chapters]
    # Flags 0x03: the top-level table of contents, its entries in order.
    frames.append(_frame("CTOC", b"toc\x00" + bytes([0x03, len(ids)])
                         + b"".join(name + b"\x00" for name in ids)
                         + _frame("TIT2", _text(title))))
    for name, chapter in zip(ids, chapters):
        frames.append(_frame("CHAP", name + b"\x00"
                             + chapter.start.to_bytes(4, "big") + chapter.end.to_bytes(4, "big")
                             + b"\xff\xff\xff\xff" * 2  # no byte offsets: times only
                             + _frame("TIT2", _text(chapter.title))))
    body = b"".join(frames)
    return b"ID3\x03\x00\x00" + _syncsafe(len(body)) + body


def _frame(name: str, data: bytes) -> bytes:
    return name.encode("ascii") + len(data).to_bytes(4, "big") + b"\x00\x00" + data


def _text(value: str) -> bytes:
    # ID3v2.3 has no UTF-8: UTF-16 with its byte-order mark (encoding 1).
    return b"\x01\xff\xfe" + value.encode("utf-16-le") + b"\x00\x00"


def _syncsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _flat(element) -> str:
    """Return an element's text with its spaces normalised, a space after a label
    ("Important:", whose text runs on in the markup)."""
    if element is None:
        return ""
    pieces = [element.text or ""]
    for child in element:
        pieces.append(_flat(child) + (" " if "label" in _classes(child) else ""))
        pieces.append(child.tail or "")
    return " ".join("".join(pieces).split())
