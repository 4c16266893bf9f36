"""A leaflet's release history: its order, and whether the text is still the approved one.

Each entry of ``history`` records an approved version and the *fingerprint* of the
English text that was approved: one 8-digit hash (the start of its SHA-256) per
translatable text, in the order of the file. The texts are the ones the POT gets
(title, summary, owner, headings, every block), normalised as the extractor normalises
them (runs of whitespace are one space), so re-wrapping a paragraph, a comment or the
YAML's layout changes nothing, while a fixed typo, a new bullet or a moved section does.
Sources, dates and other metadata are not part of it: they are not leaflet text, and
`check` validates them in their own right. One hash per text, rather than one for the
whole, lets `check` say how many texts changed.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence

from ..core.errors import Problem
from .yamlfile import dotted

DIGEST_DIGITS = 8


def version_key(version: str) -> tuple[int, ...]:
    """Return a version as numbers, so that 1.10 comes after 1.9."""
    return tuple(int(part) for part in version.split("."))


def next_version(version: str, major: bool = False) -> str:
    """Return the version after ``version``: 1.2 → 1.3, or with ``major`` 1.2 → 2.0."""
    numbers = version_key(version) + (0,)
    return f"{numbers[0] + 1}.0" if major else f"{numbers[0]}.{numbers[1] + 1}"


def fingerprint(texts: Sequence[str]) -> str:
    """Return the fingerprint of the English texts, in their order."""
    return " ".join(_digest(text) for text in texts)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_DIGITS]


def changed_count(approved: str, texts: Sequence[str]) -> int:
    """Return how many texts were added, removed or changed since ``approved``."""
    old, new = approved.split(), [_digest(text) for text in texts]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
               if tag != "equal")


def history_problems(leaflet, document, shown: str) -> list[Problem]:
    """Return the problems of a leaflet's history: order, and the newest entry.

    Of a leaflet whose other parts did not validate, ``version`` or ``published`` may be
    ``None`` (see `leaflet._salvaged`): the newest entry is then not compared with it.
    """
    history = leaflet.history or []
    problems = []
    for index, (newer, older) in enumerate(zip(history, history[1:]), start=1):
        where = ("history", index)
        if version_key(older.version) >= version_key(newer.version):
            problems.append(Problem(shown, document.line_of((*where, "version")),
                                    f"expected the versions newest first, got {older.version} "
                                    f"after {newer.version}", dotted((*where, "version"))))
        elif older.date > newer.date:
            problems.append(Problem(shown, document.line_of((*where, "date")),
                                    f"expected the dates newest first, got {older.date} (version "
                                    f"{older.version}) after {newer.date} (version "
                                    f"{newer.version})", dotted((*where, "date"))))
    if history and leaflet.version is not None and history[0].version != leaflet.version:
        problems.append(Problem(shown, document.line_of(("history", 0, "version")),
                                f"expected the newest entry to be the leaflet's version "
                                f"{leaflet.version}, got {history[0].version}",
                                dotted(("history", 0, "version"))))
    elif history and leaflet.published is not None and history[0].date != leaflet.published:
        problems.append(Problem(shown, document.line_of(("history", 0, "date")),
                                f"expected the newest entry's date to be the leaflet's "
                                f"published date {leaflet.published}, got {history[0].date}",
                                dotted(("history", 0, "date"))))
    return problems


def approval_gap(leaflet_file) -> str | None:
    """Return why the leaflet's current English text has no recorded approval, or None.

    The one judgment that `check` (`release_problem`, `unapproved_problem`) and the
    build (which publishes only approved text) share: no approval at all, or text
    changed since its version's approval.
    """
    return _changed(leaflet_file) or _never_approved(leaflet_file)


def _changed(leaflet_file) -> str | None:
    leaflet = leaflet_file.leaflet
    if not leaflet.history:
        return None
    texts = [text.text for text in leaflet_file.texts]
    changed = changed_count(leaflet.history[0].fingerprint, texts)
    if not changed:
        return None
    return (f"the text changed since version {leaflet.version} was approved ({changed} "
            f"text{'s' if changed != 1 else ''})")


def _never_approved(leaflet_file) -> str | None:
    if leaflet_file.leaflet.history:
        return None
    return f"no approval of version {leaflet_file.leaflet.version} is recorded"


def how_to_approve(leaflet_id: str) -> str:
    """Return the end of a message that asks for an approval of ``leaflet_id``: the
    command, and the page of the editor that records the same."""
    return (f"approve it with 'build.py release {leaflet_id} --approver \"Name, Role\" "
            f"--summary \"…\"' or on the editor's approval page")


def release_problem(leaflet_file, shown: str) -> Problem | None:
    """Return a problem if the English text differs from what its version's approver saw."""
    changed = _changed(leaflet_file)
    return changed and Problem(shown, leaflet_file.key_lines.get("version"),
                               f"{changed}; {how_to_approve(leaflet_file.id)}", "version")


def unapproved_problem(leaflet_file, shown: str) -> Problem | None:
    """Return a warning if a leaflet records no approval at all."""
    never = _never_approved(leaflet_file)
    return never and Problem(shown, leaflet_file.key_lines.get("version"),
                             f"{never}; {how_to_approve(leaflet_file.id)}", "version")


def unpublished_problem(leaflet_file, shown: str, gap: str | None = None) -> Problem | None:
    """Return why the build does not publish the leaflet, with the command that approves
    it, or None when its current text is the approved one (``gap``: its `approval_gap`,
    if already known)."""
    gap = gap or approval_gap(leaflet_file)
    return gap and Problem(shown, leaflet_file.key_lines.get("version"),
                           f"not published: {gap}; {how_to_approve(leaflet_file.id)}",
                           "version")


def braille_checked(leaflet) -> bool:
    """Return whether the current version's history entry records a qualified braille
    transcriber's check (``braille_checked_by``): until then its braille says it is
    unchecked (issue 24)."""
    return any(release.braille_checked_by for release in leaflet.history or ()
               if release.version == leaflet.version)
