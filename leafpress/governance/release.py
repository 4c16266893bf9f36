"""Recording an approval: ``build.py release ID --approver "Name, Role" --summary "…"``,
and the transcriber's check of its braille (``--braille-checked-by``, with the approval or
later with ``--amend``).

The leaflet file is edited as text, not re-written from its data, so that its comments,
quotes, folded paragraphs and key order stay exactly as their authors left them. The
places to change come from the composed YAML nodes (their character offsets), the
result is validated as a leaflet before it replaces the file, and it is written
atomically.
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..content.history import approval_gap, fingerprint, how_to_approve, next_version
from ..content.leaflet import LeafletFile, load_leaflet
from ..core.errors import LeafletError
from ..core.project import Project, write_atomically

# Eight hashes of 8 digits to a line keep each line of the fingerprint under 80 columns.
DIGESTS_PER_LINE = 8


@dataclass(frozen=True)
class Approval:
    """What ``release`` records: who approved which change, on which day."""

    approver: str
    summary: str
    date: datetime.date
    major: bool = False
    patient_review: datetime.date | None = None
    braille_checked_by: str | None = None  # the qualified transcriber, "Name, Role"


def release(project: Project, leaflet_id: str, approval: Approval) -> LeafletFile:
    """Record a new approved version of a leaflet; return the leaflet as written.

    A leaflet without a history has never had a version approved: its first release
    approves the version it has, instead of starting a new one.
    """
    path, text = released_text(project, leaflet_id, approval)
    write_atomically(path, text.encode("utf-8"))
    return load_leaflet(path, project.root)


def released_text(project: Project, leaflet_id: str, approval: Approval) -> tuple[Path, str]:
    """Return the leaflet's file and its text with ``approval`` recorded, validated as
    `release` validates it, without writing it (the editor writes it only if the file is
    still the one its page showed: editor/saving.py)."""
    path, leaflet = _load(project, leaflet_id)
    version = leaflet.leaflet.version
    if leaflet.leaflet.history:
        version = next_version(version, approval.major)
    text = path.read_text("utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    _in_block_style(project, path, [(root, ""), (_value(root, "history"), "history")])
    # A new version's entry starts without a braille check unless one is given: the
    # braille of a new text has not been checked.
    entry = _entry(version, approval, fingerprint([item.text for item in leaflet.texts]))
    edits = [(_value(root, "version"), f'"{version}"'),
             (_value(root, "published"), approval.date.isoformat()),
             _history_insertion(text, root, entry)]
    text = _apply(text, edits)
    _validate(project, path, text)
    return path, text


def amend(project: Project, leaflet_id: str) -> LeafletFile:
    """Record the current English text as the text its current version's approver saw.

    For a release recorded on the wrong text (or after a merge of text edits made
    before the version was first published); the version, date and approver stay.
    """
    path, leaflet = _load(project, leaflet_id)
    if not leaflet.leaflet.history:
        raise LeafletError.at(project.relative(path), leaflet.key_lines.get("version"),
                              "no approval is recorded to amend; "
                              + how_to_approve(leaflet_id), "version")
    text, newest = _newest_entry(project, path)
    node = next(value for key, value in newest.value if key.value == "fingerprint")
    indent = " " * (newest.start_mark.column + 2)
    replacement = _fingerprint_value(fingerprint([item.text for item in leaflet.texts]), indent)
    return _write_checked(project, path, _apply(text, [(node, replacement)]))


def _newest_entry(project: Project, path: Path):
    """Return the leaflet file's text and the YAML node of its newest history entry,
    once the entry and what holds it are in block style (the only style edited here)."""
    text = path.read_text("utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    history = _value(root, "history")
    _in_block_style(project, path, [(root, ""), (history, "history"),
                                    (history.value[0], "history[0]")])
    return text, history.value[0]


def record_braille_check(project: Project, leaflet_id: str, checked_by: str) -> LeafletFile:
    """Record who checked the braille of the current version, in its history entry."""
    path, text = braille_checked_text(project, leaflet_id, checked_by)
    write_atomically(path, text.encode("utf-8"))
    return load_leaflet(path, project.root)


def braille_checked_text(project: Project, leaflet_id: str, checked_by: str
                         ) -> tuple[Path, str]:
    """Return the leaflet's file and its text with ``checked_by`` as the current version's
    ``braille_checked_by``, validated, without writing it (as `released_text`).

    Only an approved text's braille can have been checked: the braille of a text changed
    since its approval is the braille of no version. Nothing else changes: not the
    fingerprint (``--amend`` alone records a new text), not an entry's other keys.
    """
    path, leaflet = _load(project, leaflet_id)
    where = (project.relative(path), leaflet.key_lines.get("version"))
    if not leaflet.leaflet.history:
        raise LeafletError.at(*where, "no approval is recorded to add the braille check to; "
                              "record both at once: 'build.py release "
                              f"{leaflet_id} --approver \"Name, Role\" --summary \"…\" "
                              "--braille-checked-by \"Name, Role\"'", "version")
    gap = approval_gap(leaflet)
    if gap:
        raise LeafletError.at(*where, f"{gap}, so its braille is not the approved version's; "
                              "record the check with the approval of the change: 'build.py "
                              f"release {leaflet_id} --approver \"Name, Role\" --summary "
                              "\"…\" --braille-checked-by \"Name, Role\"'", "version")
    text, newest = _newest_entry(project, path)
    value = _quoted(checked_by)
    node = _value(newest, "braille_checked_by")
    if node is None:  # a new key, in the column of the entry's keys, before its fingerprint
        key = next(key for key, _ in newest.value if key.value == "fingerprint")
        indent = " " * key.start_mark.column
        edit = (_Span(key.start_mark, key.start_mark),
                f"braille_checked_by: {value}\n{indent}")
    else:  # a block scalar's characters run to the end of its line: so does its successor
        ends_line = text[node.start_mark.index:node.end_mark.index].endswith("\n")
        edit = (node, value + "\n" if ends_line else value)
    text = _apply(text, [edit])
    _validate(project, path, text)
    return path, text


def released_line(project: Project, leaflet: LeafletFile) -> str:
    """Return the line ``release`` prints for a leaflet it wrote (the editor shows it too)."""
    entry = leaflet.leaflet.history[0]
    line = (f"{project.relative(leaflet.path)}: version {entry.version} approved by "
            f"{entry.approver} on {entry.date.isoformat()}")
    if entry.braille_checked_by:
        line += f"; its braille checked by {entry.braille_checked_by}"
    return line


def _load(project: Project, leaflet_id: str) -> tuple[Path, LeafletFile]:
    path = project.leaflets_dir / f"{leaflet_id}.yaml"
    if not path.is_file():
        known = ", ".join(item.stem for item in project.leaflet_files())
        raise LeafletError.at(project.relative(path), None,
                              f"no such leaflet; the leaflets are: {known}")
    return path, load_leaflet(path, project.root)


def _in_block_style(project: Project, path: Path, nodes) -> None:
    """Refuse to edit a mapping or list written in flow style (``{…}``, ``[…]``).

    ``release`` writes the history one key a line (block style), which cannot go inside
    flow style: the edited file would not be YAML (issue 20).
    """
    for node, where in nodes:
        if node is not None and node.flow_style:
            what = {"": "the leaflet", "history": "the history"}.get(where, "the newest entry")
            brackets = "{…}" if isinstance(node, yaml.MappingNode) else "[…]"
            raise LeafletError.at(project.relative(path), node.start_mark.line + 1,
                                  f"expected {what} in block style (one key a line), as "
                                  f"'release' writes it, got flow style ({brackets}); "
                                  "rewrite it in block style, then run release again", where)


def _value(root, key: str):
    for key_node, value in root.value:
        if key_node.value == key:
            return value
    return None


def _entry(version: str, approval: Approval, digests: str) -> list[str]:
    """Return the lines of a history entry, unindented, starting with its dash."""
    lines = [f'- version: "{version}"',
             f"  date: {approval.date.isoformat()}",
             f"  summary: {_quoted(approval.summary)}",
             f"  approver: {_quoted(approval.approver)}"]
    if approval.patient_review:
        lines.append(f"  patient_review: {approval.patient_review.isoformat()}")
    if approval.braille_checked_by is not None:
        lines.append(f"  braille_checked_by: {_quoted(approval.braille_checked_by)}")
    return lines + ["  fingerprint: >-", *(f"    {row}" for row in _rows(digests))]


def _fingerprint_value(digests: str, indent: str) -> str:
    return ">-\n" + "".join(f"{indent}{row}\n" for row in _rows(digests))


def _rows(digests: str) -> list[str]:
    words = digests.split()
    return [" ".join(words[start:start + DIGESTS_PER_LINE])
            for start in range(0, len(words), DIGESTS_PER_LINE)]


def _quoted(text: str) -> str:
    """Return ``text`` as a double-quoted YAML scalar, which any text can be."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{" ".join(escaped.split())}"'


def _history_insertion(text: str, root, entry: list[str]):
    """Return the edit that puts ``entry`` first in ``history`` (or starts ``history``)."""
    history = _value(root, "history")
    if history is None or not getattr(history, "value", None):
        prefix = "" if text.endswith("\n") else "\n"
        end = _Point(len(text))
        return (_Span(end, end), prefix + "history:\n" + "".join(
            f"  {line}\n" for line in entry))
    first = history.value[0]  # the mapping after "- ", in the column after the dash
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    indent = " " * max(first.start_mark.column - 2, 0)
    start = _Point(line_start)
    return (_Span(start, start), "".join(f"{indent}{line}\n" for line in entry))


@dataclass(frozen=True)
class _Point:
    index: int


@dataclass(frozen=True)
class _Span:
    start_mark: _Point
    end_mark: _Point


def _apply(text: str, edits) -> str:
    """Replace each node's characters with its new text, from the end of the file back.

    A block scalar's characters run to the end of its last line; a replacement that is
    a block scalar replaces a one-line value up to the end of its line too.
    """
    for node, replacement in sorted(edits, key=lambda edit: -edit[0].start_mark.index):
        start, end = node.start_mark.index, node.end_mark.index
        if start != end and replacement.endswith("\n") and not text[start:end].endswith("\n"):
            end = _line_end(text, end)
        text = text[:start] + replacement + text[end:]
    return text


def _line_end(text: str, index: int) -> int:
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _write_checked(project: Project, path: Path, text: str) -> LeafletFile:
    """Validate ``text`` as the leaflet at ``path``, then write it atomically."""
    _validate(project, path, text)
    write_atomically(path, text.encode("utf-8"))
    return load_leaflet(path, project.root)


def _validate(project: Project, path: Path, text: str) -> None:
    """Raise the problems of ``text`` as the leaflet at ``path``, located in that file.

    The trial copy is alone in its folder: its figures, which the edit does not touch,
    were checked when the leaflet was loaded, and are checked again once it is written.
    """
    with tempfile.TemporaryDirectory() as folder:
        trial = Path(folder) / "leaflets" / path.name
        trial.parent.mkdir()
        trial.write_text(text, "utf-8")
        try:
            load_leaflet(trial, Path(folder), figures=False)
        except LeafletError as error:
            raise LeafletError([type(problem)(project.relative(path), problem.line,
                                              problem.message, problem.where)
                                for problem in error.problems]) from None
