"""The entries of a PO file as its text holds them, and rewriting a few of them in place.

The browser editor saves a translator's work by editing the text of the catalog, not by
reading it with Babel and writing it again: Babel's ``write_po`` wraps, escapes and
orders entries its own way and drops the ``#|`` lines of the previous English, so one
saved text would rewrite the whole file. Here only the changed entries' ``msgstr`` lines,
their ``fuzzy`` flag and (when the flag is cleared) their ``#|`` lines are replaced;
every other byte stays as it was. The new ``msgstr`` is written the way ``build.py
update`` (``msgmerge --no-wrap``) writes it, so the next update leaves it as it is.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import escape, unescape

from ..core.errors import LeafletError, Problem
from ..core.project import Project
from .translations import NOT_TRANSLATED, load_translations, shorten


@dataclass(frozen=True)
class Entry:
    """One entry of a PO text: its lines (``start`` to ``end``, ends kept) and its values."""

    start: int
    end: int
    msgid: str
    msgstr: str
    context: str | None = None
    flags: tuple[str, ...] = ()
    previous: str | None = None  # the ``#| msgid``: the English the translation was for
    obsolete: bool = False
    plural: bool = False
    notes: tuple[str, ...] = ()  # the ``#.`` comments: the translator's note, the place

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


@dataclass(frozen=True)
class Change:
    """What a translator typed for one entry: its translation and whether it is fuzzy."""

    msgid: str
    context: str | None
    msgstr: str
    fuzzy: bool


def entries(text: str) -> list[Entry]:
    """Return the entries of the PO ``text`` (the header's too), in the file's order."""
    lines = lines_of(text)
    found, block = [], []
    for number, line in enumerate(lines):
        bare = line.strip()
        starts_entry = bare.startswith(("#", "msgctxt", "msgid ")) and not \
            bare.startswith(("#|", "#~|"))
        if block and (not bare or (starts_entry and _has_msgstr(lines, block))):
            found.append(_entry(lines, block))
            block = []
        if bare:
            block.append(number)
    if block:
        found.append(_entry(lines, block))
    return found


def lines_of(text: str) -> list[str]:
    """Return the lines of ``text``, each with its end; only "\n" ends a line in a PO file
    (``str.splitlines`` would also split a translation at a U+2028 line separator)."""
    parts = text.split("\n")
    return [f"{part}\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _has_msgstr(lines: list[str], block: list[int]) -> bool:
    return any(lines[number].lstrip("#~ ").startswith("msgstr") for number in block)


def _entry(lines: list[str], block: list[int]) -> Entry:
    """Read one entry's keywords and flags from its lines."""
    values: dict[str, str] = {}
    flags, notes, keyword, obsolete = [], [], None, False
    for number in block:
        line = lines[number].strip()
        if line.startswith("#~"):
            obsolete = True
            line = line[2:].strip()
        if line.startswith("#,"):
            flags += [flag.strip() for flag in line[2:].split(",") if flag.strip()]
            continue
        if line.startswith("#."):
            notes.append(line[2:].strip())
            continue
        if line.startswith("#|"):
            line, prefix = line[2:].strip(), "previous "
        elif line.startswith("#"):
            continue
        else:
            prefix = ""
        if line.startswith('"'):
            if keyword:
                values[keyword] += unescape(line)
            continue
        name, _, quoted = line.partition(" ")
        keyword = prefix + name
        values[keyword] = unescape(quoted.strip())
    return Entry(block[0], block[-1] + 1, values.get("msgid", ""),
                 values.get("msgstr", values.get("msgstr[0]", "")), values.get("msgctxt"),
                 tuple(flags), values.get("previous msgid"), obsolete,
                 "msgid_plural" in values, tuple(notes))


def find(found: list[Entry], msgid: str, context: str | None) -> Entry | None:
    """Return the (not obsolete) entry of ``msgid`` in ``context``, or None."""
    for entry in found:
        if not entry.obsolete and entry.msgid == msgid and entry.context == context:
            return entry
    return None


def rewrite(text: str, changes: list[Change], shown: str) -> str:
    """Return the PO ``text`` with each change made to its entry, and nothing else changed.

    ``shown`` is the catalog's name in messages. Raise `LeafletError` for a change to a
    text the catalog does not have (the English changed since the page was made).
    """
    found = entries(text)
    lines = lines_of(text)
    problems, edits = [], []
    for change in changes:
        entry = find(found, change.msgid, change.context)
        if entry is None or not entry.msgid or entry.plural:
            problems.append(Problem(shown, None, "this text is not in the catalog (its English "
                                    "may have changed since the page was made); reload the "
                                    "page", f'msgid "{shorten(change.msgid)}"'))
            continue
        edits.append((entry, change))
    if problems:
        raise LeafletError(problems)
    for entry, change in sorted(edits, key=lambda edit: -edit[0].start):
        lines[entry.start:entry.end] = _rewritten(lines[entry.start:entry.end], change)
    return "".join(lines)


def _rewritten(lines: list[str], change: Change) -> list[str]:
    """Return an entry's lines with its new msgstr and fuzzy flag (``lines`` keep ends)."""
    end = lines[-1][len(lines[-1].rstrip("\r\n")):] or "\n"
    head, keywords = [], []
    for line in lines:
        (keywords if keywords or not line.startswith("#") else head).append(line)
    flags = [flag.strip() for line in head if line.startswith("#,")
             for flag in line[2:].split(",") if flag.strip()]
    flags = [flag for flag in flags if flag != "fuzzy"]
    if change.fuzzy:
        flags.insert(0, "fuzzy")
    # The flags line stays where it was; a new one goes where msgmerge puts it, after the
    # comments and references and before the previous English (``#|``).
    at = next((index for index, line in enumerate(head) if line.startswith(("#,", "#|"))),
              len(head))
    kept = [line for line in head if not line.startswith("#,") and
            not (line.startswith("#|") and not change.fuzzy)]
    if flags:
        kept.insert(at, f"#, {', '.join(flags)}{end}")
    start = next(index for index, line in enumerate(keywords) if line.startswith("msgstr"))
    stop = start + 1
    while stop < len(keywords) and keywords[stop].startswith('"'):
        stop += 1
    return [*kept, *keywords[:start], *po_string("msgstr", change.msgstr, end),
            *keywords[stop:]]


def po_string(keyword: str, value: str, end: str = "\n") -> list[str]:
    """Return the lines of ``keyword "value"`` as ``msgmerge --no-wrap`` writes them: on
    one line, unless the text has a line break before its end; then one line per line."""
    if "\n" not in value[:-1]:
        return [f"{keyword} {escape(value)}{end}"]
    parts = value.splitlines(keepends=True)
    return [f'{keyword} ""{end}', *(f"{escape(part)}{end}" for part in parts)]


def check_catalog_text(project: Project, locale: str, content: bytes,
                       changes: list[Change]) -> list[str]:
    """Return what the build would say is wrong with ``content`` as ``locale``'s catalog
    (GNU msgfmt's checks, Babel's reading, the Language header) or with one of the
    ``changes`` (placeholders, markup, links…), in the build's words; [] if nothing."""
    with tempfile.TemporaryDirectory(prefix="leafpress-catalog-") as folder:
        # A copy of the catalog at the same place in a project of its own, so that the
        # checks and their messages are the build's, naming the file as the build does.
        trial = Project.at(Path(folder))
        path = trial.po_file(locale)
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        try:
            translations, _ = load_translations(trial, locale)
        except LeafletError as error:
            return [str(problem) for problem in error.problems]
    found = []
    for change in changes:
        problem = translations.unusable.get(change.msgid)
        if change.msgstr and not change.fuzzy and problem is not None and \
                problem.message != NOT_TRANSLATED:
            found.append(str(problem))
    return found
