"""Read a YAML file into plain data, remembering the line of every value.

Every scalar is kept as a string (an empty value as ``None``): YAML 1.1's type
guessing turns ``version: 1.10`` into the float 1.1 and ``no`` into ``False``,
which is never what someone writing a leaflet means. The schema then converts
strings to dates where it expects dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..core.errors import LeafletError, Problem

Location = tuple[str | int, ...]
# Leaflets nest five levels deep (sections[0].blocks[1].bullets[2]); the limit keeps
# hostile input far from Python's recursion limit.
MAX_DEPTH = 40
PLAIN_TAGS = {f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map")}


class _Refused(yaml.MarkedYAMLError):
    """YAML nested deeper than a leaflet ever is: the file is not read further."""


class _Loader(yaml.SafeLoader):
    """The safe loader, composing plain text, lists and mappings only.

    A tag could ask for a Python object, and an alias can expand a small file
    exponentially (or into itself): neither has a use in a leaflet. Each is refused, and
    the file read on, so that one run reports every mistake (issue 20): a tagged value
    is read as plain YAML, an alias as an empty value, and the node keeps why it was
    refused in ``refused`` (see `_plain`).
    """

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.get_event()
            node = yaml.ScalarNode("tag:yaml.org,2002:null", "", event.start_mark,
                                   event.end_mark)
            node.refused = (f"expected plain text, a list or a mapping, got the alias "
                            f"'*{event.anchor}'; write the value out in full")
            return node
        refused = None
        if event.tag not in (None, "!") and event.tag not in PLAIN_TAGS:
            shown = event.tag.replace("tag:yaml.org,2002:", "!!", 1)
            refused = f"expected plain text, a list or a mapping, got the tag '{shown}'"
            event.tag = None  # read on as if it had none
        if self.depth >= MAX_DEPTH:
            raise _Refused(problem=f"expected at most {MAX_DEPTH} levels of nesting, got more",
                           problem_mark=event.start_mark)
        self.depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        node.refused = refused
        return node


def _fast_compose(text: str):
    """Compose ``text`` with libyaml (C, about 10 times faster) if it is plain and valid.

    Return ``None`` for anything else (no libyaml, a tag, an alias, deep nesting, any
    error): the pure-Python `_Loader` then reads the file again, refuses what it must
    and words every message, so that messages never depend on which parser ran.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    try:
        depth = 0
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                return None
            if isinstance(event, yaml.NodeEvent):
                if depth >= MAX_DEPTH or event.tag not in (None, "!", *PLAIN_TAGS):
                    return None
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return None


@dataclass(frozen=True)
class YamlDocument:
    """Plain data from a YAML file, with the line of each value and key.

    ``refused`` are the locations of values read despite a mistake already reported (a
    tag, an alias): the checks after leave them alone, so one mistake is one message.
    """

    path: Path
    data: object
    value_lines: dict[Location, int] = field(repr=False)
    key_lines: dict[Location, int] = field(repr=False)
    refused: frozenset[Location] = field(default=frozenset(), repr=False)

    def line_of(self, location: Location) -> int:
        """Return the line of the value at ``location``, or of its nearest parent."""
        location = tuple(location)
        while location:
            if location in self.value_lines:
                return self.value_lines[location]
            location = location[:-1]
        return self.value_lines.get((), 1)

    def key_line_of(self, location: Location) -> int:
        """Return the line of the key at ``location`` (falling back to its value)."""
        return self.key_lines.get(tuple(location)) or self.line_of(location)

    def is_refused(self, location: Location) -> bool:
        """Return whether the value at ``location`` is, is inside or holds a refused one."""
        location = tuple(location)
        return any(location[:len(refused)] == refused or refused[:len(location)] == location
                   for refused in self.refused)


def load_yaml(path: Path, display_path: str | None = None) -> YamlDocument:
    """Load ``path``; raise `LeafletError` with a line number for every YAML mistake."""
    document, problems = read_yaml(path, display_path)
    if problems:
        raise LeafletError(problems)
    return document


def read_yaml(path: Path, display_path: str | None = None
              ) -> tuple[YamlDocument | None, list[Problem]]:
    """Load ``path``; return its document and every mistake, in the order of the lines.

    A file that cannot be parsed (not UTF-8, a syntax error, too deep, not a mapping)
    gives no document and one problem. The other mistakes (a duplicate key, a tag, an
    alias, a list item joined to a text) leave a document, read on past each of them, so
    that the schema is checked in the same run (issue 20).
    """
    shown = display_path or str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(shown, line, f"the file is not UTF-8 text (byte "
                                           f"0x{raw[error.start]:02x}); save it with UTF-8 "
                                           "encoding")]
    try:
        root = _compose(text, shown)
    except LeafletError as error:
        return None, error.problems
    found = _Found(shown)
    data = _plain(root, (), found)
    problems = found.problems
    problems += [problem for node, location in _scalars(root, ())
                 for problem in _list_item_problems(node, location, shown, text)]
    problems.sort(key=lambda problem: problem.line or 0)
    return YamlDocument(path, data, found.value_lines, found.key_lines,
                        frozenset(found.refused)), problems


def _compose(text: str, shown: str) -> yaml.MappingNode:
    """Return the node tree of ``text``; raise `LeafletError` if there is none."""
    root, loader = _fast_compose(text), None
    try:
        if root is None:
            loader = _Loader(text)  # the reader refuses control characters at once
            root = loader.get_single_node()
    except _Refused as error:
        raise LeafletError.at(shown, _line(error.problem_mark), error.problem) from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise LeafletError.at(shown, line, f"the invisible character U+{error.character:04X} "
                                           "is not allowed in YAML; remove it") from None
    except yaml.MarkedYAMLError as error:
        line = _line(error.problem_mark)
        if error.problem and "could not find expected ':'" in error.problem and error.context_mark:
            line = _line(error.context_mark)  # where the key without its colon stands
        raise LeafletError.at(shown, line, _describe(error)) from None
    except yaml.YAMLError as error:  # errors without a position
        raise LeafletError.at(shown, None, f"invalid YAML: {error}") from None
    finally:
        if loader:
            loader.dispose()
    if root is None:
        raise LeafletError.at(shown, 1, "the file is empty; expected a mapping of keys")
    if not isinstance(root, yaml.MappingNode):
        raise LeafletError.at(shown, _line(root.start_mark),
                              f"the top level must be a mapping of keys, got {_kind(root)}")
    return root


def _scalars(node, location):
    """Yield every scalar value node with its location."""
    if isinstance(node, yaml.ScalarNode):
        yield node, location
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _scalars(item, (*location, index))
    else:
        for key_node, value_node in node.value:
            yield from _scalars(value_node, (*location, key_node.value))


def _list_item_problems(node, location, shown: str, text: str) -> list[Problem]:
    """Refuse a plain or folded text with a line that starts with '- ' (issue 13).

    A list item indented deeper than the one before it is not an error to YAML: it
    becomes the end of that item's text, and the PDF prints one bullet
    "Your appointment letter. - Your glasses… - Something to eat and drink."
    """
    if node.style in ('"', "'", "|") or node.start_mark.line == node.end_mark.line:
        return []
    start, end = node.start_mark, node.end_mark
    lines = text.split("\n")[start.line + 1:end.line + (1 if end.column else 0)]
    return [Problem(shown, start.line + 2 + number, LIST_ITEM_IN_TEXT, dotted(location))
            for number, line in enumerate(lines)
            if line.lstrip().startswith("- ") or line.strip() == "-"]


LIST_ITEM_IN_TEXT = (
    "a line of this text starts with '- ', so YAML joined a list item to the text above; "
    "indent each '- ' of a list exactly as far as the others, or put the text in double "
    "quotes if the dash belongs to it")


@dataclass
class _Found:
    """What `_plain` finds on its way: lines, refused values, problems."""

    shown: str
    value_lines: dict[Location, int] = field(default_factory=dict)
    key_lines: dict[Location, int] = field(default_factory=dict)
    refused: list[Location] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _plain(node, location, found: _Found):
    found.value_lines[location] = _line(node.start_mark)
    _refuse(node, location, found)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*location, index), found) for index, item in enumerate(node.value)]
    mapping: dict[str, object] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            found.problems.append(Problem(found.shown, _line(key_node.start_mark),
                                          f"a key must be plain text, got {_kind(key_node)}"))
            continue
        key = key_node.value
        child = (*location, key)
        _refuse(key_node, child, found)
        if key in mapping:  # the first one counts; the schema checks it
            found.problems.append(Problem(
                found.shown, _line(key_node.start_mark),
                f"duplicate key '{key}' (first used on line {found.key_lines[child]})",
                dotted(location)))
            continue
        found.key_lines[child] = _line(key_node.start_mark)
        mapping[key] = _plain(value_node, child, found)
    return mapping


def _refuse(node, location, found: _Found) -> None:
    """Report a node the loader refused (a tag, an alias) at its place in the data."""
    refused = getattr(node, "refused", None)  # libyaml's nodes are never refused
    if refused:
        found.refused.append(location)
        found.problems.append(Problem(found.shown, _line(node.start_mark), refused,
                                      dotted(location)))


# Plain-language help for the YAML mistakes people make most often.
_HINTS = {
    "mapping values are not allowed here":
        "if this text contains ': ' (colon and space), put the whole text in double quotes",
    "could not find expected ':'":
        "a key must be followed by ':' (colon and space) and its value",
    "expected <block end>":
        "check the indentation, and that each list item starts with '- ' (dash and space)",
    "found character '%' that cannot start any token":
        "a text that starts with % or @ must be put in double quotes",
    "found character '@' that cannot start any token":
        "a text that starts with % or @ must be put in double quotes",
}


def _describe(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or "invalid YAML"
    if "'\\t'" in problem:
        return "a tab character is not allowed here; indent with spaces"
    if problem == "but found another document":
        return "expected one YAML document, got a second one after '---'; put it in a file of its own"
    for known, hint in _HINTS.items():
        if problem.startswith(known):
            return f"invalid YAML: {problem}; {hint}"
    if error.context:
        context = error.context
        if error.context_mark and _line(error.context_mark) != _line(error.problem_mark):
            context += f" that starts on line {_line(error.context_mark)}"
        return f"invalid YAML: {problem} ({context})"
    return f"invalid YAML: {problem}"


def _kind(node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"the text {node.value!r}"


def _line(mark) -> int | None:
    return mark.line + 1 if mark is not None else None


def dotted(location: Location) -> str:
    """Return ``sections[2].blocks[0].bullets`` for a location tuple."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text

