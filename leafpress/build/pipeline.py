"""The build: gather and validate everything, then render each leaflet in each locale."""

from __future__ import annotations

import datetime
import hashlib
import signal
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from ..content.brand import load_brand
from ..content.history import release_problem, unapproved_problem
from ..content.leaflet import LeafletFile
from ..content.review import review_problems
from ..core.digests import code_digest, files_digest, versions
from ..core.errors import LeafletError, Problem, ProblemCollector
from ..core.memo import Memo
from ..core.project import (OUTSIDE, VARIANTS, Project, bcp47, exclusive, format_path,
                            links_out, output_path, publish, remove_leftovers,
                            unknown_locales, write_atomically)
from ..gates.quality import quality_problems
from ..publishing.catalogue import (INDEX_TEMPLATE, check_catalogue, publish_catalogue,
                                    thumbnail_path)
from ..publishing.files import cached_output, store_output
from ..rendering import coverage
from ..rendering.document import template_environment
from ..rendering.fonts import Subset, cache_dir, font_faces, source_files, subsets
from ..rendering.writing import missing_fonts
from ..translation.messages import check_pot
from . import incremental
from .formats import Formats, check_formats, system_problems
from .manifest import (carry_over, carry_over_files, clear_drafts, read_manifest, untouched,
                       write_manifest)
from .plan import (BuildOptions, BuildResult, Output, Plan, Planned, Site, Skipped, make_plan,
                   published_formats, renderings, sliced)
from .remembered import remembered_leaflet, remembered_translations
from .workers import RenderPool, Task

# The section of docs/writers.md that says how to mend a page reported as waste.
WASTE_HELP = "Pages without waste"
# The code that turns a leaflet's HTML into its PDF, part of each PDF's cache key.
RENDERING_CODE = ("rendering", "build/workers.py")


def gather(project: Project, brand_path: Path | None, problems: ProblemCollector,
           warn=None, cache: Path | None = None, pot: bool = True) -> Site | None:
    """Load the brand, every leaflet and every catalog; keep what loads, note what does not.

    An out-of-date POT is a problem, or only a warning when ``warn`` is given. With
    ``cache``, each leaflet is remembered while its file is unchanged (memo.py), and so
    is whether the POT is current (see `check_pot`). Without ``pot``, the POT is not
    checked (serve's preview of a web page: the build that follows says it).
    """
    brand_path = (brand_path or project.brand_file).resolve()
    brand = problems.run(load_brand, brand_path, project.relative(brand_path))
    memo = Memo.in_cache(cache)
    leaflets = [leaflet for path in project.leaflet_files()
                if (leaflet := problems.run(remembered_leaflet, memo, path, project.root))]
    if not project.leaflet_files():
        problems.add(Problem(project.relative(project.leaflets_dir), None,
                             "no leaflet files (*.yaml) found"))
    for path in sorted(project.leaflets_dir.glob("*.yml")):
        problems.add(Problem(project.relative(path), None,
                             f"leaflet files end in .yaml; rename it to {path.stem}.yaml"))
    _check_references(project, leaflets, problems)
    # A template is read as it is and published with the pages: one that leads out of the
    # project would publish a file that is not the project's (issue 20).
    for path in links_out(project.templates_dir, project.root):
        problems.add(Problem(project.relative(path), None, OUTSIDE))
    translations = {}
    for locale in project.locales():
        loaded = problems.run(remembered_translations, memo, project, locale)
        if loaded:
            translations[locale], invalid = loaded
            problems.extend(invalid)
    loaded = {leaflet.path: leaflet.texts for leaflet in leaflets}
    if brand:
        loaded[brand_path] = brand.texts
    # A brand given with --brand counts as one of the project's, as extract --brand does.
    for problem in check_pot(project, loaded, (brand_path,), cache) if pot else ():
        if warn:
            warn(str(problem))
        else:
            problems.add(problem)
    if brand is None:
        return None
    return Site(project, brand, leaflets, translations)


def _check_references(project: Project, leaflets: list[LeafletFile],
                      problems: ProblemCollector) -> None:
    """Each leaflet's printed reference code must be its own."""
    seen: dict[str, LeafletFile] = {}
    for leaflet in leaflets:
        first = seen.setdefault(leaflet.leaflet.reference, leaflet)
        if first is not leaflet:
            problems.add(Problem(project.relative(leaflet.path), leaflet.key_lines["reference"],
                                 f"'{leaflet.leaflet.reference}' is already the reference of "
                                 f"{project.relative(first.path)}", "reference"))


def check(project: Project, brand_path: Path | None = None, today: datetime.date | None = None,
          warn=None, strict: bool = False) -> int:
    """Validate leaflets, brand, catalogs and templates without rendering any PDF.

    With ``today``, a leaflet past its review date is a problem too, and one due for
    review within 60 days is reported to ``warn``. The quality gates (quality.py) report
    to ``warn`` too, or as problems when ``strict``; return how many they found.
    """
    problems = ProblemCollector()
    site = gather(project, brand_path, problems)
    if site:
        _check_releases(site.leaflets, project.relative, problems, warn)
    if site and today:
        overdue, due = review_problems(site.leaflets, today, project.relative)
        problems.extend(overdue)
        for problem in due:
            warn(f"warning: {problem}")
    if site:
        _check_rendering(site, problems)
        check_formats(site, problems, warn)
    findings = quality_problems(project, site.leaflets, list(site.translations),
                                problems) if site else []
    if strict:
        problems.extend(findings)
    else:
        for problem in findings:
            warn(f"warning: {problem}")
    # Every problem of the run, file by file, each file's in the order of its lines.
    problems.problems.sort(key=lambda problem: (str(problem.path), problem.line or 0))
    problems.raise_if_any()
    return len(findings)


def _check_rendering(site: Site, problems: ProblemCollector) -> None:
    """Render every leaflet in every language, and the catalogue page of the outputs that
    a build would publish, to find the templates' mistakes and the characters no font can
    draw; those of a leaflet that did not validate too."""
    project = site.project
    environment = template_environment(project)
    cmaps = cache_dir(project.root / "dist").parent / "cmaps"
    result = BuildResult([], [])
    for leaflet in site.leaflets:
        for translations, rendered in renderings(site, environment, leaflet, problems):
            problems.extend(coverage.output_problems(project, site.brand, leaflet,
                                                     translations, rendered, cmaps))
            _as_built(leaflet.id, bcp47(translations.locale), rendered, result,
                      published_formats(site.brand, translations.locale))
    loaded = {leaflet.path for leaflet in site.leaflets}
    unloaded = [path for path in project.leaflet_files() if path not in loaded]
    problems.extend(problems.run(coverage.unloaded_leaflet_problems, project, site.brand,
                                 unloaded, environment, cmaps) or ())
    problems.run(check_catalogue, site, result)


def _as_built(leaflet: str, tag: str, rendered, result: BuildResult,
              formats: tuple[str, ...] = ()) -> None:
    """Add to ``result`` the outputs a build would list for one rendering (with no
    files), or the one it would skip, for the catalogue page that `check` renders."""
    if rendered.missing:
        result.skipped.append(Skipped(leaflet, tag, VARIANTS[0], "incomplete translation"))
        return
    for variant, medium in [(variant, "print") for variant in VARIANTS] + [
            (VARIANTS[0], "screen")]:
        result.outputs.append(Output(
            leaflet=leaflet, locale=tag, variant=variant,
            format="pdf" if medium == "print" else "html",
            path=output_path(leaflet, tag, variant, medium), sha256="", bytes=0,
            pages=1 if medium == "print" else None))
    result.outputs.extend(Output(leaflet=leaflet, locale=tag, variant=VARIANTS[0], format=name,
                                 path=format_path(leaflet, tag, name), sha256="", bytes=0,
                                 pages=1 if name == "braille" else None) for name in formats)


def _check_releases(leaflets: list[LeafletFile], relative, problems: ProblemCollector,
                    warn) -> None:
    """Fail on English text changed since its version was approved; warn if none was."""
    for leaflet in leaflets:
        problem = release_problem(leaflet, relative(leaflet.path))
        if problem:
            problems.add(problem)
        unapproved = unapproved_problem(leaflet, relative(leaflet.path))
        if unapproved and warn:
            warn(f"warning: {unapproved}")


def build(project: Project, dist: Path, options: BuildOptions | None = None, *, pool=None,
          log=print, warn=print, progress=None, **fields) -> BuildResult:
    """Build what ``options`` name (every leaflet, locale and variant by default) into
    ``dist``, with its manifest; ``fields`` are `BuildOptions` fields, for short.

    Besides the PDFs, each leaflet in each locale is written as a web page, and
    ``dist/index.html`` lists everything the manifest lists under ``"outputs"`` (see
    catalogue.py).

    An output whose translation is incomplete is skipped with a warning, or, with
    ``draft``, built with English for the missing texts and a draft mark on every page,
    into ``dist/drafts/`` (which any other build clears). With ``strict`` a skipped
    output or an out-of-date POT is a problem. An output whose inputs did not change
    since it was built is reused, unless ``force``; the others are rendered ``jobs`` at a
    time, in ``pool`` if given (``serve`` keeps one warm). With ``shard`` = (K, N), only
    the K-th of N deterministic slices of the outputs is written, with the same fonts as
    a full build, so that N builds together give the full build byte for byte. With a
    selection (``leaflets``, ``locales``), every other file and manifest entry stays as
    it is. Outputs that can be built are built even when others fail; then all problems
    are raised together. Each PDF is written atomically, so a failed or interrupted
    build leaves the previous good file in place, and the manifest lists it under
    ``"kept"``. A web page is written only once its standard PDF is written or reused,
    so the page and the PDF of a leaflet always come from the same build; its braille and
    EPUB (``formats``, or the brand's) follow the page, for published leaflets only
    (formats.py). Only one build at a time writes to ``dist``.
    """
    options = options or BuildOptions(**fields)
    unknown = [variant for variant in options.variants if variant not in VARIANTS]
    if unknown:  # names become file names: never let one through unchecked
        raise LeafletError.at("command line", None, f"expected a variant among "
                                                    f"{', '.join(VARIANTS)}, got {unknown[0]!r}")
    with exclusive(dist):
        if pool is not None:
            return _build(project, dist, options, pool, log, warn, progress)
        with RenderPool(options.jobs) as pool:
            return _build(project, dist, options, pool, log, warn, progress)


def _build(project: Project, dist: Path, options: BuildOptions, pool: RenderPool, log, warn,
           progress) -> BuildResult:
    warned: list[str] = []  # said again by a build with nothing to do (cli.py)

    def tell(line: str) -> None:
        warned.append(line)
        warn(line)

    remove_leftovers(dist)
    previous = read_manifest(dist)
    brand_file = (options.brand or project.brand_file).resolve()
    problems = ProblemCollector()
    site = gather(project, brand_file, problems,
                  warn=None if options.strict else lambda message: tell(f"warning: {message}"),
                  cache=None if options.force else dist / ".cache")  # --force trusts nothing
    selected = _check_selection(project, options, problems)
    result = BuildResult([], [])
    system_files: list[Path] = []
    interrupted = False
    # A broken leaflet leaves the others to build (gather leaves it out of the site);
    # a selection naming what does not exist builds nothing.
    plan = make_plan(site, options, problems, tell, cache_dir(dist).parent / "cmaps",
                     Memo.in_cache(dist / ".cache", recall=not options.force)
                     ) if site and selected else None
    result.skipped.extend(plan.skipped if plan else ())
    result.unapproved.update(plan.unapproved if plan else {})
    if plan and _system_ready(pool, problems, list(site.translations),
                              options.made(site.brand)):
        system_files = problems.run(source_files) or []
        try:
            _render(site, plan, dist, pool, options, result, problems, log, progress, tell)
        except KeyboardInterrupt:
            interrupted = True
    # From here to the manifest, Ctrl-C waits: what is published must agree with itself.
    with _interrupts_held() as held:
        if interrupted:  # end the workers, so that nothing is written after the manifest
            pool.stop()
        if options.selective:  # the rest of dist/ stays exactly as the last manifest has it
            previous = untouched(dist, previous, options.selects, result)
        result.outputs.sort(key=lambda output: output.path)
        result.drafts.sort(key=lambda output: output.path)
        result.skipped.sort(key=lambda item: (item.leaflet, item.locale, item.variant))
        carry_over(project, dist, previous, result,
                   "this build found errors" if problems.problems else None, log, interrupted)
        if not options.selective:
            clear_drafts(dist, result, log)
        catalogue = problems.run(publish_catalogue, site, dist, result, options.force) \
            if site else None
        carry_over_files(dist, previous, result, catalogue, log)
        manifest = write_manifest(dist, result)
        if not interrupted and not problems.problems and not options.selective:
            incremental.remember(dist / ".cache", incremental.build_digest(
                project.root, brand_file, incremental.build_options(
                    project.root, brand_file, options.strict, options.draft,
                    options.variants, options.shard, options.formats), system_files),
                manifest, system_files, warned)
    if interrupted or held:
        raise KeyboardInterrupt
    problems.raise_if_any()
    return result


@contextmanager
def _interrupts_held():
    """Hold Ctrl-C back until the block ends (then yield True if it came), so that the
    manifest and catalogue are written whole; a second Ctrl-C is held back too. Only the
    main thread receives signals: elsewhere (serve's rebuilds) nothing is held."""
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: held.append(number))
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_selection(project: Project, options: BuildOptions, problems: ProblemCollector
                     ) -> bool:
    """Each leaflet and locale a build names must exist; return whether they do."""
    found = len(problems.problems)
    known = {path.stem for path in project.leaflet_files()}
    for name in sorted(options.leaflets or ()):
        if name not in known:
            problems.add(Problem("command line", None, f"no leaflet {name!r}: there is no "
                                 f"{project.relative(project.leaflets_dir / name)}.yaml"))
    problems.extend(unknown_locales(project, options.locales))
    return len(problems.problems) == found


def build_pages(project: Project, folder: Path, options: BuildOptions,
                cache: Path | None = None) -> list[str]:
    """Write the web pages ``options`` select into ``folder`` (at their places in dist);
    return their paths. Raise every problem ``check`` would report, before writing. With
    ``cache``, leaflets and their HTML are remembered there as a build remembers them.

    For ``serve``: the text of an edited leaflet shows at once, before its PDFs.
    """
    problems = ProblemCollector()
    site = gather(project, options.brand, problems, warn=lambda message: None, cache=cache,
                  pot=False)
    _check_selection(project, options, problems)
    plan = make_plan(site, options, problems, lambda message: None,
                     cache_dir(folder).parent / "cmaps",
                     Memo.in_cache(cache)) if site else None
    problems.raise_if_any()
    written = []
    for item in plan.outputs:
        if item.page:
            write_atomically(folder / item.page_path, item.page.html.encode("utf-8"))
            written.append(item.page_path)
    return written


@dataclass(frozen=True)
class _Job:
    task: Task
    record: Output
    key: str


def _render(site: Site, plan: Plan, dist: Path, pool: RenderPool, options: BuildOptions,
            result: BuildResult, problems: ProblemCollector, log, progress, tell) -> None:
    """Reuse the PDFs whose key is cached and intact; render the rest in the pool; then
    publish each web page with its PDF, and report the pages that waste paper."""
    fonts_dir = cache_dir(dist)
    try:  # named now, made by the worker that needs them (fonts.py)
        fonts = {leaflet: subsets(found, fonts_dir) for leaflet, found in plan.characters.items()}
    except LeafletError as error:
        problems.extend(error.problems)
        return
    keys = _Keys(site, fonts_dir)
    cache = dist / ".cache"
    mine = sliced(plan.outputs, options.shard)
    formats = Formats(site, dist, options.made(site.brand), keys.portable, options.force,
                      problems)
    report = _Report(progress, log, sum(1 + (item.page is not None) + len(formats.wanted(item))
                                        for item in mine))
    to_render: dict[Task, tuple[Planned, _Job]] = {}
    for item in mine:
        job = _job(site, item, dist, fonts[item.leaflet.id], fonts_dir, keys, options.force)
        record = None if options.force else cached_output(cache, job.key, dist)
        # An entry of an earlier layout of dist/ (a draft beside the published file) names
        # another place: the PDF is rendered again where it now belongs.
        if record and record.get("path") == job.record.path:
            _report_waste(job, record.pop("waste", ()), options.strict, problems, tell)
            _publish(item, Output(**record), "reused", dist, options.force, result, report,
                     formats)
        else:
            to_render[job.task] = (item, job)
    for task, outcome in pool.render_all(list(to_render)):
        item, job = to_render[task]
        if isinstance(outcome, LeafletError):
            problems.extend(outcome.problems)
            result.failed.append(job.record.path)
            report.failed(1 + (item.page is not None) + len(formats.wanted(item)))
            continue
        output = Output(**{**asdict(job.record), "sha256": outcome.sha256,
                           "bytes": outcome.bytes, "pages": outcome.pages})
        # The pages' fill is known only from the layout: kept with the record, so that
        # a PDF reused from the cache is reported as when it was rendered.
        store_output(cache, job.key, {**asdict(output), "waste": list(outcome.waste)})
        _report_waste(job, outcome.waste, options.strict, problems, tell)
        if outcome.thumbnail:
            result.thumbnails.append(outcome.thumbnail)
        _publish(item, output, "built", dist, options.force, result, report, formats)


def _report_waste(job: _Job, waste, strict: bool, problems: ProblemCollector, tell) -> None:
    """Report each page of a PDF that wastes paper (fill.py): a problem with ``strict``
    (CI's build), so that a new leaflet cannot bring such pages back silently, and
    otherwise a warning, so that a writer still gets the PDF to see the page."""
    for sentence in waste:
        problem = Problem(job.task.shown, None, f"{job.record.variant} PDF, {sentence}; see "
                                                f"\"{WASTE_HELP}\" in docs/writers.md")
        if strict:
            problems.add(problem)
        else:
            tell(f"warning: {problem}")


class _Keys:
    """The cache key of each PDF: its HTML, the fonts it uses, the templates and brand,
    the variant and the libraries' versions, with no absolute path in it, so that the
    same project in another folder (a CI cache, a colleague's clone) reuses every PDF.
    """

    def __init__(self, site: Site, fonts_dir: Path) -> None:
        root = site.project.root.resolve()
        # The catalogue's template does not change a leaflet: editing it re-renders no PDF.
        templates = [path for path in site.project.templates_dir.iterdir()
                     if path.name != INDEX_TEMPLATE]
        self.assets = files_digest([*templates, site.brand.path.parent], root)
        # The code that turns HTML into a PDF (WeasyPrint's call, the structure tree's and
        # PDF/A's repairs, the worker): a new version of it must not reuse old PDFs.
        self.assets += versions() + code_digest(*RENDERING_CODE)
        self.places = [(root.as_uri(), "{project}"), (site.brand.path.parent.resolve().as_uri(),
                                                      "{brand}")]
        # A font file is named by the digest of its characters and source (fonts.py).
        self.fonts = fonts_dir.resolve().as_uri()

    def portable(self, html: str) -> str:
        """Return ``html`` with the project's and the brand's folders named, not given."""
        for place, name in self.places:
            html = html.replace(place, name)
        return html

    def __call__(self, html: str, font_faces: str, variant: str, draft: bool) -> str:
        html = self.portable(html)
        return incremental.output_key(html, font_faces.replace(self.fonts, "{fonts}"),
                                      self.assets, variant, draft)


def _publish(item: Planned, output: Output, verb: str, dist: Path, force: bool,
             result: BuildResult, report, formats: Formats) -> None:
    """List a written or reused PDF; then write and list the web page that goes with it,
    and then the leaflet's braille and EPUB (formats.py)."""
    listed = result.drafts if output.draft else result.outputs
    listed.append(output)
    if verb == "reused":
        result.reused.append(output)
    report(output, verb)
    if item.page:
        page, verb = _write_page(item, dist, force)
        listed.append(page)
        if verb == "reused":
            result.reused.append(page)
        report(page, verb)
        formats(item, result, report)


class _Report:
    """Tell the progress bar, or the log, about each output as it is done."""

    def __init__(self, progress, log, total: int) -> None:
        self.progress, self.log, self.total, self.done = progress, log, total, 0

    def __call__(self, output: Output, verb: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, output, verb)
        else:
            pages = "" if output.pages is None else f"{output.pages} pages, "
            self.log(f"{verb} {output.path} ({pages}{output.bytes / 1024:.0f} KB)"
                     f"{' DRAFT' if output.draft else ''}")

    def failed(self, count: int) -> None:
        """Count a failed PDF, and the web page that is then not written."""
        self.done += count


def _system_ready(pool: RenderPool, problems: ProblemCollector, locales: list[str],
                  formats: tuple[str, ...]) -> bool:
    missing = pool.system_problems() + missing_fonts(locales) + system_problems(formats)
    for message in missing:
        problems.add(Problem("system", None, message))
    return not missing


def _job(site: Site, item: Planned, dist: Path, fonts: tuple[Subset, ...], fonts_dir: Path,
         keys: _Keys, force: bool) -> _Job:
    tag = bcp47(item.translations.locale)
    rendered = item.rendered
    draft, variant, relative = rendered.draft, rendered.variant, item.path
    faces = font_faces(fonts)
    task = Task(
        html=rendered.html,
        font_faces=faces,
        subsets=fonts,
        allowed_dirs=(site.project.templates_dir, site.brand.path.parent, fonts_dir),
        identifier=f"{item.leaflet.id}/{tag}/{variant}{'/draft' if draft else ''}",
        shown=f"{site.project.relative(item.leaflet.path)} [{tag}]",
        target=dist / relative,
        # The catalogue shows a thumbnail of each published standard PDF; drafts are not in it.
        thumbnail=(dist, thumbnail_path(relative), force)
        if variant == VARIANTS[0] and not draft else None,
    )
    record = Output(leaflet=item.leaflet.id, locale=tag, variant=variant, format="pdf",
                    path=relative, sha256="", bytes=0, pages=0, draft=draft)
    return _Job(task, record, keys(rendered.html, faces, variant, draft))


def _write_page(item: Planned, dist: Path, force: bool) -> tuple[Output, str]:
    """Write a web page unless its file already holds it; return its record and the verb.

    A page's bytes are its whole output, so the file itself serves as its cache entry.
    """
    page, tag, relative = item.page, item.tag, item.page_path
    content = page.html.encode("utf-8")
    written = publish(dist / relative, content, force)
    output = Output(leaflet=item.leaflet.id, locale=tag, variant=page.variant, format="html",
                    path=relative, sha256=hashlib.sha256(content).hexdigest(),
                    bytes=len(content), pages=None, draft=page.draft)
    return output, "built" if written else "reused"
