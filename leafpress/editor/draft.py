"""The leaflet form's server side: checking a draft as ``check`` checks the leaflet, its
preview as the build renders it, its PDF, saving it, and uploading a figure.

Every route takes the form's data (``{"leaflet": data, "base": digest}``, the data in
the shape `read_yaml` reads) and turns it into the file's text with source.py. The text
is checked as the leaflet it would become: loaded by `load_leaflet` from a trial copy
whose folder holds the figures the real file would find, its messages naming the real
file, with the quality gates' warnings for it. Nothing is written unless it has no error.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime
import itertools
import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.exceptions import BadRequest, Conflict, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..build.plan import Site, renderings
from ..build.remembered import remembered_translations
from ..content.brand import load_brand
from ..content.figure import check_content, describe
from ..content.figure_versions import version_files
from ..content.history import release_problem, unapproved_problem
from ..content.leaflet import LeafletFile, figure_folders, load_leaflet
from ..content.review import review_problems
from ..content.schema import FIGURE_PATTERN, ID_PATTERN, PATTERN_MEANINGS
from ..content.yamlfile import MAX_DEPTH, dotted
from ..core.errors import LeafletError, Problem, ProblemCollector, in_line_order
from ..core.memo import Memo
from ..core.project import (ASSETS_DIR, SOURCE_LOCALE, VARIANTS, Project, bcp47,
                            inside_project, output_path, relative_link)
from ..gates import readability
from ..gates.quality import quality_problems
from ..gates.texts import THRESHOLDS, placed_texts
from ..rendering import coverage
from ..rendering.document import render_html, template_environment
from ..rendering.fonts import cache_dir
from . import saving, source

JSON = "application/json"


@dataclass
class Draft:
    """A leaflet as the form has it: its file's text, and what ``check`` says of it."""

    path: Path
    text: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    leaflet: LeafletFile | None = None  # when it validates, with the real file's path
    outputs: _Outputs | None = None  # its renderings, when it validates

    def problems(self) -> list[dict]:
        return [_as_json(problem, "error") for problem in self.errors] + \
            [_as_json(problem, "warning") for problem in self.warnings]


def _as_json(problem: Problem, severity: str) -> dict:
    return {"where": problem.where, "line": problem.line, "message": str(problem),
            "text": problem.message, "severity": severity}


def check_draft(editor, path: Path, data, today: datetime.date | None = None,
                page: bool = True) -> Draft:
    """Return the draft ``data`` of the leaflet at ``path``, checked as ``check`` would
    check it as that file (and its quality-gate warnings, and its approval's state);
    with ``page``, its English web page too."""
    project = editor.project
    shown = project.relative(path)
    structure = structure_problems(data, shown)
    if structure:
        return Draft(path, "", structure)
    try:
        original = path.read_text("utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        original = ""
    afresh = []
    try:
        text = source.applied(original, data)
    except Exception as error:  # noqa: BLE001 - a file ruamel cannot read: written afresh
        text = source.applied("", data)
        afresh.append(_written_afresh(shown, error))
    draft = Draft(path, text, warnings=afresh)
    try:
        draft.leaflet = _trial(project, path, text, data)
    except LeafletError as error:
        draft.errors = [dataclasses.replace(problem, path=shown) for problem in error.problems]
        return draft
    leaflet = draft.leaflet
    collector = ProblemCollector()
    try:  # rendered in every language, as check renders it to find its undrawable characters
        draft.outputs = _outputs(editor, leaflet, page)
        collector.extend(_undrawable(project, draft.outputs, text, shown))
    except LeafletError as error:
        collector.extend(error.problems)
    found = [problem for problem in (release_problem(leaflet, shown),
                                     unapproved_problem(leaflet, shown)) if problem]
    overdue, due = review_problems([leaflet], today or datetime.date.today(), project.relative)
    found += overdue + due
    found += quality_problems(project, [leaflet], [], collector)
    draft.warnings = afresh + in_line_order(found)
    draft.errors = in_line_order(collector.problems)
    return draft


def _written_afresh(shown: str, error: Exception) -> Problem:
    """Return the warning that saving will write the file afresh: its text on disk is not
    YAML the round trip can read, so its comments and layout cannot be kept."""
    mark = getattr(error, "problem_mark", None)
    return Problem(shown, mark.line + 1 if mark else None,
                   "the file on disk is not YAML the editor can read back; saving writes it "
                   "afresh from the form, without its comments and layout")


_COVERAGE_FILES = itertools.count()


def _undrawable(project: Project, outputs: _Outputs, text: str, shown: str) -> list[Problem]:
    """Return a problem for each character of the draft's texts that no font of one of
    its outputs can draw, as check finds them (coverage.py)."""
    cmaps = cache_dir(project.root / "dist").parent / "cmaps"
    found = ProblemCollector()  # once each, as check says them
    with _TRIAL_LOCK:
        # A file of its own each time: coverage.py remembers a file's texts by its path,
        # size and time, which two drafts written within a clock tick may share.
        path = _trial_root() / "coverage" / f"{next(_COVERAGE_FILES)}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, "utf-8")
        stand_in = dataclasses.replace(outputs.leaflet, path=path)
        try:
            for translations, rendered in outputs.printed:
                for problem in coverage.output_problems(project, outputs.site.brand, stand_in,
                                                        translations, rendered, cmaps):
                    if problem.path == project.relative(path):  # not the brand's, the PO's
                        found.add(dataclasses.replace(problem, path=shown))
        finally:
            path.unlink()
    return found.problems


def structure_problems(data, shown: str) -> list[Problem]:
    """Return what makes ``data`` no leaflet file at all: not a mapping, a value that is
    neither text, a list nor a mapping, nesting deeper than a file may."""
    if not isinstance(data, dict):
        return [Problem(shown, None, f"the top level must be a mapping of keys, got "
                                     f"{_kind(data)}")]
    problems: list[Problem] = []

    def walk(value, location, depth):
        if depth >= MAX_DEPTH:  # as yamlfile.py counts: the mapping at the top is 0
            problems.append(Problem(shown, None, f"expected at most {MAX_DEPTH} levels of "
                                                 "nesting, got more", dotted(location)))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*location, key), depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*location, index), depth + 1)
        elif value is not None and not isinstance(value, str):
            problems.append(Problem(shown, None, f"expected text, a list or a mapping, got "
                                                 f"{_kind(value)}", dotted(location)))

    walk(data, (), 0)
    return problems


def _kind(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty value"
    if isinstance(value, str):
        return f"the text {value!r}"  # as yamlfile.py words it
    if isinstance(value, bool):
        return f"the value {json.dumps(value)}"
    return f"the number {json.dumps(value)}"


# Trial copies go into one folder of this process's, emptied before each: making and
# removing a temporary folder at each keystroke's check cost more than the check.
_TRIAL_LOCK = threading.Lock()
_TRIAL_ROOT: list[Path] = []


def _trial_root() -> Path:
    if not _TRIAL_ROOT:
        _TRIAL_ROOT.append(Path(tempfile.mkdtemp(prefix="leafpress-editor-")))
        atexit.register(shutil.rmtree, _TRIAL_ROOT[0], True)
    return _TRIAL_ROOT[0]


def _trial(project: Project, path: Path, text: str, data) -> LeafletFile:
    """Load ``text`` as the leaflet at ``path`` from a trial copy beside copies of the
    figures the real file would find; return it with the real file's paths."""
    with _TRIAL_LOCK:
        root = _trial_root()
        trial = root / "leaflets" / path.name
        folders = figure_folders(trial, root)
        for folder in folders:
            folder.mkdir(exist_ok=True)
            for old in folder.iterdir():
                old.unlink()
        trial.write_text(text, "utf-8")
        real = {}
        for name in _figure_names(data):
            for real_folder, trial_folder in zip(figure_folders(path, project.root), folders):
                found = real_folder / name
                if found.is_file():
                    # and each language's version beside it (figure_versions.py)
                    for file in [found, *(version for same in version_files(found).values()
                                          for version in same)]:
                        real[file.name] = file
                        if inside_project(file, project.root):
                            shutil.copyfile(file, trial_folder / file.name)
                        else:  # the trial says "outside the project" as check would
                            os.symlink(file.resolve(), trial_folder / file.name)
                    break
        loaded = load_leaflet(trial, root)
        return dataclasses.replace(loaded, path=path, figures={
            name: real[name] for name in loaded.figures})


def _figure_names(data) -> set[str]:
    """Return the file names of the figures in a draft's data that could be figures'."""
    if isinstance(data, list):
        return set().union(*(_figure_names(item) for item in data))
    if not isinstance(data, dict):
        return set()
    names = set().union(*(_figure_names(value) for value in data.values()))
    name = data.get("figure")
    if isinstance(name, str) and re.fullmatch(FIGURE_PATTERN, name):
        names.add(name)
    return names


def grades(leaflet: LeafletFile) -> dict[str, float | None]:
    """Return the Flesch–Kincaid grade of each section, by its index (None: no text)."""
    texts = placed_texts(leaflet)
    readability.prepare(texts)
    measured = {str(section["index"]): section["grade"]
                for section in readability.figures(texts)["sections"]}
    return {str(index): measured.get(str(index))
            for index in range(len(leaflet.leaflet.sections))}


# Rendering ---------------------------------------------------------------------------------

def _site(editor, leaflet: LeafletFile) -> Site:
    """Return the site a build of ``leaflet`` alone would gather: the brand, the catalogs."""
    project = editor.project
    brand_file = _brand_file(editor)
    brand = load_brand(brand_file, project.relative(brand_file))
    memo = Memo.in_cache(editor.dist / ".cache" if editor.dist else None)
    translations = {}
    for locale in project.locales():
        try:
            translations[locale], _ = remembered_translations(memo, project, locale)
        except LeafletError:
            continue  # check says why; the draft is rendered without that language
    return Site(project, brand, [leaflet], translations)


@dataclass(frozen=True)
class _Outputs:
    """A draft's renderings: its print HTML in every language, as check and the build
    render it, and its English web page."""

    site: Site
    leaflet: LeafletFile
    printed: list
    page: str = ""

    @property
    def english(self):
        return next(rendered for translations, rendered in self.printed
                    if translations.locale == SOURCE_LOCALE)


# One template environment per templates folder: Jinja compiles a template once and
# reloads it when its file changes. Rendering installs its texts' lookup in it, so one
# rendering at a time.
_ENVIRONMENTS: dict[Path, object] = {}
_RENDER_LOCK = threading.Lock()


def _outputs(editor, leaflet: LeafletFile, page: bool) -> _Outputs:
    site = _site(editor, leaflet)
    problems = ProblemCollector()
    with _RENDER_LOCK:
        environment = _ENVIRONMENTS.get(editor.project.templates_dir)
        if environment is None:
            environment = _ENVIRONMENTS[editor.project.templates_dir] = \
                template_environment(editor.project)
        printed = list(renderings(site, environment, leaflet, problems))
        problems.raise_if_any()
        outputs = _Outputs(site, leaflet, printed)
        if page:
            english = outputs.english
            screen = render_html(environment, site.project, leaflet, site.brand,
                                 site.translations[SOURCE_LOCALE], list(english.others),
                                 medium="screen")
            outputs = dataclasses.replace(outputs, page=_served(screen.html, leaflet.id))
    return outputs


def _served(html: str, leaflet_id: str) -> str:
    """Return a web page with its assets linked from the served dist's root: shown in an
    iframe's srcdoc, the page has the editor's address."""
    assets = relative_link(output_path(leaflet_id, bcp47(SOURCE_LOCALE), VARIANTS[0],
                                       "screen"), ASSETS_DIR)
    return html.replace(f"{assets}/", f"/{ASSETS_DIR}/")


def leaflet_pdf(editor, outputs: _Outputs) -> bytes:
    """Return the leaflet's standard English PDF, rendered as the build renders it."""
    from ..build.workers import Task, render
    from ..rendering.fonts import characters, font_faces, subsets

    site, rendered, leaflet = outputs.site, outputs.english, outputs.leaflet
    dist = editor.dist or Path(tempfile.gettempdir()) / "leafpress-editor"
    fonts_dir = cache_dir(dist)
    made = subsets(characters(rendered.html), fonts_dir)
    project = editor.project
    with tempfile.TemporaryDirectory() as folder:
        task = Task(html=rendered.html, font_faces=font_faces(made), subsets=made,
                    allowed_dirs=(project.templates_dir, site.brand.path.parent, fonts_dir),
                    identifier=f"{leaflet.id}/{bcp47(SOURCE_LOCALE)}/{VARIANTS[0]}/editor",
                    shown=f"{project.relative(leaflet.path)} [{bcp47(SOURCE_LOCALE)}]",
                    target=Path(folder) / "leaflet.pdf")
        if editor.pool is not None:
            outcome = next(iter(editor.pool.render_all([task])))[1]
        else:
            outcome = render(task)
        if isinstance(outcome, LeafletError):
            raise outcome
        return task.target.read_bytes()


# Routes -------------------------------------------------------------------------------------

def _brand_file(editor) -> Path:
    return (editor.options.brand or editor.project.brand_file).resolve()


def _leaflet_path(editor, leaflet_id: str) -> Path:
    path = editor.project.leaflets_dir / f"{leaflet_id}.yaml"
    if not re.fullmatch(ID_PATTERN, leaflet_id) or not path.is_file():
        raise NotFound(f"no leaflet {leaflet_id!r}: there is no "
                       f"{editor.project.relative(path)}")
    return path


def _body(request: Request) -> tuple[object, str]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than Python's JSON reader goes
        body = None
    if not isinstance(body, dict) or "leaflet" not in body or \
            not isinstance(body.get("base", ""), str):
        raise BadRequest('expected a JSON body {"leaflet": …, "base": "…"}')
    return body["leaflet"], body.get("base", "")


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status=status, content_type=JSON,
                    headers={"Cache-Control": "no-store"})


def _checked(editor, request: Request, leaflet_id: str, page: bool = False
             ) -> tuple[Draft, str]:
    path = _leaflet_path(editor, leaflet_id)
    data, base = _body(request)
    return check_draft(editor, path, data, page=page), base


def check_route(editor, request: Request, leaflet_id: str) -> Response:
    """Check the form's draft: every problem, each section's grade, the page's preview."""
    draft, _ = _checked(editor, request, leaflet_id, page=True)
    return _json({"problems": draft.problems(),
                  "grades": grades(draft.leaflet) if draft.leaflet else {},
                  "max_grade": THRESHOLDS["max_grade"],
                  "preview": draft.outputs.page if draft.outputs else ""})


def pdf_route(editor, request: Request, leaflet_id: str) -> Response:
    """Return the draft's standard English PDF, or its errors."""
    draft, _ = _checked(editor, request, leaflet_id)
    if draft.errors or draft.outputs is None:
        return _json({"problems": draft.problems()}, 422)
    try:
        pdf = leaflet_pdf(editor, draft.outputs)
    except LeafletError as error:
        return _json({"problems": [_as_json(problem, "error") for problem in error.problems]},
                     422)
    return Response(pdf, content_type="application/pdf",
                    headers={"Cache-Control": "no-store",
                             "Content-Disposition": f'inline; filename="{leaflet_id}.pdf"'})


def save_route(editor, request: Request, leaflet_id: str) -> Response:
    """Write the draft into its file if it has no error and the file is still ``base``."""
    draft, base = _checked(editor, request, leaflet_id)
    if draft.errors or draft.outputs is None:
        return _json({"problems": draft.problems()}, 422)
    try:
        digest = saving.save(editor.project, _brand_file(editor), draft.path,
                             draft.text.encode("utf-8"), base)
    except Conflict as conflict:
        return _json({"conflict": conflict.description}, 409)
    stopped = saving.follow_the_english(editor.project, _brand_file(editor))
    return _json({"base": digest, "problems": draft.problems() + [
        _as_json(problem, "warning") for problem in stopped]})


def figure_route(editor, request: Request, leaflet_id: str) -> Response:
    """Check an uploaded figure as ``check`` would, and save it beside the leaflet."""
    path = _leaflet_path(editor, leaflet_id)
    shown = editor.project.relative(path)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest('expected a figure file in the form field "file"')
    name = figure_name(upload.filename or "")
    if name is None:
        return _json({"problems": [_as_json(Problem(
            shown, None, f"expected {PATTERN_MEANINGS[FIGURE_PATTERN]}, got "
                         f"{upload.filename!r}"), "error")]}, 422)
    content = upload.read()
    result = check_content(content, name)
    if result.errors:
        return _json({"problems": [_as_json(Problem(shown, None, describe(name, finding)),
                                            "error") for finding in result.errors]}, 422)
    target = path.parent / name
    if target.exists() and target.read_bytes() != content:
        return _json({"problems": [_as_json(Problem(
            shown, None, f"a different figure file {name!r} is already beside the leaflet; "
                         "rename your file and upload it again, or delete the other one"),
            "error")]}, 422)
    if not target.exists():
        try:
            saving.save(editor.project, _brand_file(editor), target, content, "")
        except Conflict as conflict:
            return _json({"conflict": conflict.description}, 409)
    return _json({"name": name, "problems": [
        _as_json(Problem(shown, None, describe(name, finding)), "warning")
        for finding in result.advice]})


def figure_name(filename: str) -> str | None:
    """Return an uploaded file's name made a figure's (FIGURE_PATTERN), or None if it is
    not an SVG or PNG file."""
    name = Path(filename.replace("\\", "/")).name
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix.lower() not in ("svg", "png"):
        return None
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.") or "figure"
    stem = re.sub(r"^[.-]+", "", stem) or "figure"
    name = f"{stem}.{suffix.lower()}"
    return name if re.fullmatch(FIGURE_PATTERN, name) else None


RULES = [
    Rule("/leaflets/<leaflet_id>/check", endpoint=check_route, methods=["POST"]),
    Rule("/leaflets/<leaflet_id>/pdf", endpoint=pdf_route, methods=["POST"]),
    Rule("/leaflets/<leaflet_id>/save", endpoint=save_route, methods=["POST"]),
    Rule("/leaflets/<leaflet_id>/figures", endpoint=figure_route, methods=["POST"]),
]
