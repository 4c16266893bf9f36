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

from .errors import LeafletError, Problem

Location = tuple[str | int, ...]
# Leaflets nest five levels deep (sections[0].blocks[1].bullets[2]); the limit keeps
# hostile input far from Python's recursion limit.
MAX_DEPTH = 40
PLAIN_TAGS = {f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map")}


class _Refused(yaml.MarkedYAMLError):
    """YAML that is valid but not allowed in a leaflet: tags, aliases, deep nesting."""


class _Loader(yaml.SafeLoader):
    """The safe loader, composing plain text, lists and mappings only.

    A tag could ask for a Python object, and an alias can expand a small file
    exponentially (or into itself): neither has a use in a leaflet.
    """

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(problem=f"expected plain text, a list or a mapping, got the alias "
                           f"'*{event.anchor}'; write the value out in full",
                           problem_mark=event.start_mark)
        if event.tag not in (None, "!") and event.tag not in PLAIN_TAGS:
            shown = event.tag.replace("tag:yaml.org,2002:", "!!", 1)
            raise _Refused(problem=f"expected plain text, a list or a mapping, got the tag "
                           f"'{shown}'", problem_mark=event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise _Refused(problem=f"expected at most {MAX_DEPTH} levels of nesting, got more",
                           problem_mark=event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


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
    """Plain data from a YAML file, with the line of each value and key."""

    path: Path
    data: object
    value_lines: dict[Location, int] = field(repr=False)
    key_lines: dict[Location, int] = field(repr=False)

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


def load_yaml(path: Path, display_path: str | None = None) -> YamlDocument:
    """Load ``path``; raise `LeafletError` with a line number for any YAML mistake."""
    shown = display_path or str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise LeafletError.at(
            shown, line, f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x}); "
            "save it with UTF-8 encoding") from None
    try:
        root = _fast_compose(text) or yaml.compose(text, Loader=_Loader)
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
    if root is None:
        raise LeafletError.at(shown, 1, "the file is empty; expected a mapping of keys")
    if not isinstance(root, yaml.MappingNode):
        raise LeafletError.at(
            shown, _line(root.start_mark),
            f"the top level must be a mapping of keys, got {_kind(root)}")
    value_lines: dict[Location, int] = {}
    key_lines: dict[Location, int] = {}
    data = _plain(root, (), shown, value_lines, key_lines)
    problems = [problem for node, location in _scalars(root, ())
                for problem in _list_item_problems(node, location, shown, text)]
    if problems:
        raise LeafletError(problems)
    return YamlDocument(path, data, value_lines, key_lines)


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


def _plain(node, location, shown, value_lines, key_lines):
    value_lines[location] = _line(node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*location, index), shown, value_lines, key_lines)
                for index, item in enumerate(node.value)]
    mapping: dict[str, object] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise LeafletError.at(shown, _line(key_node.start_mark),
                                  f"a key must be plain text, got {_kind(key_node)}")
        key = key_node.value
        child = (*location, key)
        if key in mapping:
            raise LeafletError.at(
                shown, _line(key_node.start_mark),
                f"duplicate key '{key}' (first used on line {key_lines[child]})",
                dotted(location))
        key_lines[child] = _line(key_node.start_mark)
        mapping[key] = _plain(value_node, child, shown, value_lines, key_lines)
    return mapping


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

