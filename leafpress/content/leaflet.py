"""Leaflet files: loading with validation (schema.py, validation.py), the figures they
name, and the texts to translate.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import TypeAdapter, ValidationError

from ..core.errors import LeafletError, Problem, in_line_order
from ..core.project import OUTSIDE, inside_project, project_file
from . import markup
from .figure import check_figure, describe
from .figure_versions import FigureUse, version_files
from .history import history_problems
from .schema import Block, Leaflet, Paragraph, Section, TableContent
from .validation import validation_problems
from .yamlfile import YamlDocument, dotted, read_yaml

@dataclass(frozen=True)
class SourceText:
    """One translatable text of a leaflet, where it is, and a note for translators."""

    text: str
    line: int
    comment: str
    # Where the text is in its file (``sections[2].blocks[0].paragraph``): with the file,
    # it tells `update` which earlier text a changed one replaced (see lineage.py).
    key: str = ""


@dataclass(frozen=True)
class LeafletFile:
    """A validated leaflet with the file it came from."""

    path: Path
    leaflet: Leaflet
    texts: tuple[SourceText, ...]
    key_lines: dict[str, int]
    # File name -> the file found: each figure's, and each of its languages' versions.
    figures: dict[str, Path] = field(default_factory=dict)
    # What figure.py advises (a figure bigger than a leaflet needs): check warns of it.
    figure_advice: tuple[Problem, ...] = ()
    # A figure's name -> its versions' names, by language key (figure_versions.py).
    figure_versions: dict[str, dict[str, str]] = field(default_factory=dict)
    figure_uses: tuple[FigureUse, ...] = ()

    @property
    def id(self) -> str:
        return self.leaflet.id


def load_leaflet(path: Path, root: Path | None = None, figures: bool = True) -> LeafletFile:
    """Load and validate one leaflet file; raise `LeafletError` listing every problem.

    Every check runs, whatever the ones before it found (issue 20): the YAML's, the
    schema's, the id against the file name, the history, the figure files. Those after
    the schema see the parts of the leaflet that are valid on their own (`_salvaged`).
    Without ``figures``, its figure files are neither looked for nor checked: for an
    earlier version's text, or the text `release` is about to write.
    """
    shown = str(path.relative_to(root)) if root else str(path)
    project_file(path, root or path.parent.parent, shown)
    document, problems = read_yaml(path, shown)
    if document is None:
        raise LeafletError(problems)
    try:
        leaflet = Leaflet.model_validate(document.data)
    except ValidationError as error:
        problems += validation_problems(shown, document, error, Leaflet)
        leaflet = _salvaged(document.data)
    if leaflet.id is not None and leaflet.id != path.stem:
        problems.append(Problem(shown, document.line_of(("id",)), f"the id must match the file "
                                f"name '{path.stem}', got '{leaflet.id}'", "id"))
    problems += history_problems(leaflet, document, shown)
    found = _Figures()
    if figures:
        found = _figure_files(path, root, leaflet, document, shown)
        problems += found.problems
    if problems:
        raise LeafletError(in_line_order(problems))
    key_lines = {key: document.key_line_of((key,)) for key in Leaflet.model_fields}
    return LeafletFile(path, leaflet, tuple(_source_texts(leaflet, document)), key_lines,
                       found.files, tuple(found.advice), found.versions, tuple(found.uses))


def _salvaged(data: dict) -> Leaflet:
    """Return a leaflet of the parts of ``data`` that are valid on their own, unvalidated
    (``model_construct``), for the checks after the schema: each top-level value and each
    block that validates is kept, any other is ``None`` or an empty paragraph in its
    place, so that every kept block has its own index."""
    fields = {}
    for name in set(Leaflet.model_fields) - {"sections"}:
        try:
            fields[name] = _field_adapter(name).validate_python(data[name])
        except (KeyError, ValidationError):
            fields[name] = None
    fields["sections"] = [
        Section.model_construct(heading=None, blocks=[_valid_block(block)
                                                      for block in _items(section, "blocks")])
        for section in _items(data, "sections")]
    return Leaflet.model_construct(**fields)


def _items(mapping, key: str) -> list:
    """Return the list at ``mapping[key]``, or an empty one if there is none."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, list) else []


@functools.cache
def _field_adapter(name: str) -> TypeAdapter:
    info = Leaflet.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, info])


@functools.cache
def _block_adapter() -> TypeAdapter:
    return TypeAdapter(Block)


def _valid_block(block):
    try:
        return _block_adapter().validate_python(block)
    except ValidationError:
        return Paragraph.model_construct(paragraph=None)


def figure_folders(path: Path, root: Path | None) -> list[Path]:
    """Return where a leaflet's figure files may be: beside it, then beside the brand."""
    return [path.parent, (root or path.parent.parent) / "brand"]


@dataclass
class _Figures:
    """What `_figure_files` finds."""

    files: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    advice: list[Problem] = field(default_factory=list)
    versions: dict[str, dict[str, str]] = field(default_factory=dict)
    uses: list[FigureUse] = field(default_factory=list)


def _figure_files(path: Path, root: Path | None, leaflet: Leaflet, document: YamlDocument,
                  shown: str) -> _Figures:
    """Find each figure's file and its languages' versions beside it, and check each
    (figure.py)."""
    found, checked = _Figures(), {}

    def check(file: Path, name: str, line, where):
        if not inside_project(file, root or path.parent.parent):
            found.problems.append(Problem(shown, line, f"the figure file {name!r} is "
                                          f"{OUTSIDE}", where))
            return None
        if file not in checked:
            checked[file] = check_figure(file)
        result = checked[file]
        found.problems.extend(Problem(shown, line, describe(name, finding), where)
                              for finding in result.errors)
        found.advice.extend(Problem(shown, line, describe(name, finding), where)
                            for finding in result.advice)
        found.files[name] = file
        return result

    for s, section in enumerate(leaflet.sections):
        for b, block in enumerate(section.blocks):
            if block.kind != "figure":
                continue
            location = ("sections", s, "blocks", b, "figure")
            line, where = document.line_of(location), dotted(location)
            files = [folder / block.figure for folder in figure_folders(path, root)
                     if (folder / block.figure).is_file()]
            if not files:
                found.problems.append(Problem(shown, line, (
                    f"the figure file {block.figure!r} does not exist beside the leaflet or "
                    "the brand file"), where))
                continue
            result = check(files[0], block.figure, line, where)
            if result is None:
                continue
            versions = {}
            for key, same in version_files(files[0]).items():
                if len(same) > 1:
                    found.problems.append(Problem(shown, line, (
                        f"the figure file {block.figure!r} has {len(same)} versions for one "
                        f"language: {' and '.join(repr(file.name) for file in same)}; keep "
                        "one"), where))
                elif check(same[0], same[0].name, line, where):
                    versions[key] = same[0].name
            found.versions[block.figure] = versions
            found.uses.append(FigureUse(block.figure, line, where, tuple(versions),
                                        result.labels, block.mirror))
    return found


def _source_texts(leaflet: Leaflet, document: YamlDocument):
    def text(location, value, comment):
        return SourceText(value, document.line_of(location), comment, dotted(location))

    kind = "patient leaflet: plain, everyday words" if leaflet.audience == "patient" \
        else "briefing for clinicians: use standard medical terms"
    yield text(("title",), leaflet.title, f"Title of the {kind}")
    if leaflet.summary:
        yield text(("summary",), leaflet.summary, "Summary under the title")
    yield text(("owner", "department"), leaflet.owner.department, "Department that owns the leaflet")
    yield text(("owner", "contact"), leaflet.owner.contact, "How to contact the department")
    for s, section in enumerate(leaflet.sections):
        where = ("sections", s)
        yield text((*where, "heading"), section.heading, "Section heading")
        context = f"In section “{markup.plain_text(section.heading)}”"
        for b, block in enumerate(section.blocks):
            at = (*where, "blocks", b)
            name = block.kind
            if name in ("bullets", "steps"):
                items = getattr(block, name)
                label = "List item" if name == "bullets" else "Step"
                for i, item in enumerate(items):
                    yield text((*at, name, i), item, f"{label} {i + 1} of {len(items)}. {context}")
            elif name == "question":
                yield text((*at, "question"), block.question, f"Question. {context}")
                yield text((*at, "answer"), block.answer, f"Answer to the question before. {context}")
            elif name == "figure":
                yield text((*at, "alt"), block.alt, f"Alternative text of the figure "
                           f"{block.figure}, read to those who cannot see it. {context}")
                if block.caption:
                    yield text((*at, "caption"), block.caption, f"Caption of the figure "
                               f"{block.figure}. {context}")
            elif name == "table":
                yield from _table_texts(block.table, (*at, "table"), text, context)
            else:
                label = {"paragraph": "Paragraph", "callout": "Highlighted note",
                         "warning": "Safety warning", "subheading": "Sub-heading"}[name]
                yield text((*at, name), getattr(block, name), f"{label}. {context}")


def _table_texts(table: TableContent, at: tuple, text, context: str):
    columns = len(table.header)
    for column, heading in enumerate(table.header):
        yield text((*at, "header", column), heading,
                   f"Table heading of column {column + 1} of {columns}. {context}")
    for row, cells in enumerate(table.rows):
        for column, cell in enumerate(cells):
            yield text((*at, "rows", row, column), cell,
                       f"Table cell: row {row + 1}, column {column + 1} "
                       f"(“{markup.plain_text(table.header[column])}”). {context}")
