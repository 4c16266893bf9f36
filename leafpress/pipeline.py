"""The build: gather and validate everything, then render each leaflet in each locale."""

from __future__ import annotations

import datetime
import hashlib
import signal
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import coverage, incremental
from .brand import BrandFile, load_brand
from .catalogue import INDEX_TEMPLATE, File, publish_catalogue, thumbnail_path
from .catalog import check_pot
from .document import Rendered, render_html, template_environment
from .errors import LeafletError, Problem, ProblemCollector
from .gates import quality_problems
from .fonts import cache_dir, characters, source_files, subset_font_faces
from .leaflet import LeafletFile, load_leaflet
from .manifest import carry_over, carry_over_files, clear_drafts, read_manifest, write_manifest
from .project import (VARIANTS, Project, bcp47, exclusive, output_path, publish,
                      remove_leftovers)
from .review import review_problems
from .history import release_problem, unapproved_problem
from .translation import STATES, Translations, load_translations
from .workers import RenderPool, Task
from .writing import missing_fonts


@dataclass(frozen=True)
class Output:
    """One built file, as listed in ``dist/manifest.json``.

    ``format`` is ``"pdf"``, or ``"html"`` for the web page, which has no ``pages``.
    A draft is listed under ``"drafts"``, never under ``"outputs"``.
    """

    leaflet: str
    locale: str
    variant: str
    format: str
    path: str
    sha256: str
    bytes: int
    pages: int | None
    draft: bool = False


@dataclass(frozen=True)
class Skipped:
    """An output not built because its translation is incomplete (``"skipped"`` in the manifest)."""

    leaflet: str
    locale: str
    variant: str
    reason: str


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the manifest, the catalogue and the summary read it."""

    outputs: list[Output]
    skipped: list[Skipped]
    reused: list[Output] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    drafts: list[Output] = field(default_factory=list)
    kept: list[dict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    files: list[File] = field(default_factory=list)


@dataclass(frozen=True)
class Site:
    """Everything a build needs, loaded and validated."""

    project: Project
    brand: BrandFile
    leaflets: list[LeafletFile]
    translations: dict[str, Translations]


def gather(project: Project, brand_path: Path | None, problems: ProblemCollector,
           warn=None) -> Site | None:
    """Load the brand, every leaflet and every catalog; keep what loads, note what does not.

    An out-of-date POT is a problem, or only a warning when ``warn`` is given.
    """
    brand_path = (brand_path or project.brand_file).resolve()
    brand = problems.run(load_brand, brand_path, project.relative(brand_path))
    leaflets = [leaflet for path in project.leaflet_files()
                if (leaflet := problems.run(load_leaflet, path, project.root))]
    if not project.leaflet_files():
        problems.add(Problem(project.relative(project.leaflets_dir), None,
                             "no leaflet files (*.yaml) found"))
    for path in sorted(project.leaflets_dir.glob("*.yml")):
        problems.add(Problem(project.relative(path), None,
                             f"leaflet files end in .yaml; rename it to {path.stem}.yaml"))
    _check_references(project, leaflets, problems)
    translations = {}
    for locale in project.locales():
        loaded = problems.run(load_translations, project, locale)
        if loaded:
            translations[locale], invalid = loaded
            problems.extend(invalid)
    loaded = {leaflet.path: leaflet.texts for leaflet in leaflets}
    if brand:
        loaded[brand_path] = brand.texts
    # A brand given with --brand counts as one of the project's, as extract --brand does.
    for problem in check_pot(project, loaded, (brand_path,)):
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
    review within 60 days is reported to ``warn``. The quality gates (gates.py) report
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
        environment = template_environment(project)
        cmaps = cache_dir(project.root / "dist").parent / "cmaps"
        for leaflet in site.leaflets:
            for translations, rendered in renderings(site, environment, leaflet, problems):
                problems.extend(coverage.output_problems(site.project, site.brand, leaflet,
                                                         translations, rendered, cmaps))
    findings = quality_problems(project, site.leaflets, list(site.translations),
                                problems) if site else []
    if strict:
        problems.extend(findings)
    else:
        for problem in findings:
            warn(f"warning: {problem}")
    problems.raise_if_any()
    return len(findings)


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


def build(project: Project, dist: Path, brand_path: Path | None = None, *, strict: bool = False,
          draft: bool = False, variants: tuple[str, ...] = VARIANTS, jobs: int = 1,
          force: bool = False, shard: tuple[int, int] | None = None, log=print, warn=print,
          progress=None) -> BuildResult:
    """Build every leaflet in every locale and variant into ``dist``, with its manifest.

    Besides the PDFs, each leaflet in each locale is written as a web page, and
    ``dist/index.html`` lists everything the manifest lists under ``"outputs"`` (see
    catalogue.py).

    An output whose translation is incomplete is skipped with a warning, or, with
    ``draft``, built with English for the missing texts and a draft mark on every page,
    into ``dist/drafts/`` (which any other build clears). With ``strict`` a skipped
    output or an out-of-date POT is a problem. An output whose inputs did not change
    since it was built is reused, unless ``force``; the others are rendered ``jobs`` at a
    time. With ``shard`` = (K, N), only the K-th of N deterministic slices of the outputs
    is written, with the same fonts as a full build, so that N builds together give the
    full build byte for byte. Outputs that can be built are built even when others fail;
    then all problems are raised together. Each PDF is written atomically, so a failed or
    interrupted build leaves the previous good file in place, and the manifest lists it
    under ``"kept"``. A web page is written only once its standard PDF is written or
    reused, so the page and the PDF of a leaflet always come from the same build. Only
    one build at a time writes to ``dist``.
    """
    unknown = [variant for variant in variants if variant not in VARIANTS]
    if unknown:  # names become file names: never let one through unchecked
        raise LeafletError.at("command line", None, f"expected a variant among "
                                                    f"{', '.join(VARIANTS)}, got {unknown[0]!r}")
    with exclusive(dist), RenderPool(jobs) as pool:
        return _build(project, dist, brand_path, strict, draft, variants, pool, force, shard,
                      log, warn, progress)


def _build(project, dist, brand_path, strict, draft, variants, pool, force, shard, log, warn,
           progress) -> BuildResult:
    remove_leftovers(dist)
    previous = read_manifest(dist)
    brand_file = (brand_path or project.brand_file).resolve()
    options = incremental.build_options(brand_file, strict, draft, variants, shard)
    problems = ProblemCollector()
    site = gather(project, brand_file, problems,
                  warn=None if strict else lambda message: warn(f"warning: {message}"))
    result = BuildResult([], [])
    system_files: list[Path] = []
    interrupted = False
    if site:
        planned = _plan(site, variants, draft, strict, result, problems, warn,
                        cache_dir(dist).parent / "cmaps")
    if site and _system_ready(pool, problems, list(site.translations)):
        system_files = problems.run(source_files) or []
        try:
            _render(site, planned, dist, pool, force, shard, result, problems, log, progress)
        except KeyboardInterrupt:
            # Ctrl-C: end the workers, so that nothing is written after the manifest,
            # then describe what is on disk (a second Ctrl-C waits for that), and stop.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            pool.stop()
            interrupted = True
    result.outputs.sort(key=lambda output: output.path)
    result.drafts.sort(key=lambda output: output.path)
    carry_over(project, dist, previous, result, "the build was interrupted" if interrupted
               else "this build found errors" if problems.problems else None, log)
    clear_drafts(dist, result, log)
    catalogue = problems.run(publish_catalogue, site, dist, result, force) if site else None
    carry_over_files(dist, previous, result, catalogue, log)
    manifest = write_manifest(dist, result)
    if interrupted:
        raise KeyboardInterrupt
    if not problems.problems and not result.skipped:
        incremental.remember(dist / ".cache", incremental.build_digest(
            project.root, brand_file, options, system_files), manifest, system_files)
    problems.raise_if_any()
    return result


@dataclass(frozen=True)
class _Planned:
    """One PDF to write, and the web page published with it (standard variant only)."""

    leaflet: LeafletFile
    translations: Translations
    rendered: Rendered
    page: Rendered | None = None

    @property
    def path(self) -> str:
        return output_path(self.leaflet.id, bcp47(self.translations.locale),
                           self.rendered.variant, "print", self.rendered.draft)


@dataclass(frozen=True)
class _Job:
    task: Task
    record: Output
    key: str


def _plan(site: Site, variants, draft: bool, strict: bool, result: BuildResult,
          problems: ProblemCollector, warn, cmaps: Path) -> list[_Planned]:
    """Render every output's HTML; skip incomplete translations; return what to write.

    An output with a character that none of its fonts can draw is not written, and each
    such character is a problem (see coverage.py). The web page of a leaflet goes with its
    standard PDF: planned with it, with the same languages named, skipped when it is
    skipped, and written only after it.
    """
    environment = template_environment(site.project)
    planned = []
    for leaflet, variant in ((leaflet, variant) for leaflet in site.leaflets
                             for variant in variants):
        for translations, rendered in renderings(site, environment, leaflet, problems,
                                                  draft, variant):
            if rendered.missing and not draft:
                skipped = _skip(leaflet, translations, rendered)
                result.skipped.append(skipped)
                label = "" if variant == "standard" else f", {variant}"
                message = (f"{skipped.leaflet} [{skipped.locale}{label}]: skipped: "
                           f"{skipped.reason} — run 'build.py stats'")
                if strict:
                    problems.add(Problem(site.project.relative(leaflet.path), None, message))
                else:
                    warn(f"warning: {message}")
            elif undrawable := coverage.output_problems(site.project, site.brand, leaflet,
                                                        translations, rendered, cmaps):
                problems.extend(undrawable)
            else:
                page = None
                if variant == VARIANTS[0]:
                    page = problems.run(render_html, environment, site.project, leaflet,
                                        site.brand, translations, list(rendered.others),
                                        draft=rendered.draft, medium="screen")
                planned.append(_Planned(leaflet, translations, rendered, page))
    return planned


def _render(site: Site, planned: list[_Planned], dist: Path, pool: RenderPool, force: bool,
            shard, result: BuildResult, problems: ProblemCollector, log, progress) -> None:
    """Reuse the PDFs whose key is cached and intact; render the rest in the pool; then
    publish each web page with its PDF."""
    fonts_dir = cache_dir(dist)
    used = set().union(*(characters(item.rendered.html) for item in planned))
    font_faces = (problems.run(subset_font_faces, used, fonts_dir) if planned else "") or ""
    # The catalogue's template does not change a leaflet: editing it re-renders no PDF.
    templates = [path for path in site.project.templates_dir.iterdir()
                 if path.name != INDEX_TEMPLATE]
    assets = incremental.files_digest([*templates, site.brand.path.parent])
    assets += incremental.versions()
    cache = dist / ".cache"
    mine = _slice(planned, shard)
    report = _Report(progress, log, sum(1 + (item.page is not None) for item in mine))
    to_render: dict[Task, tuple[_Planned, _Job]] = {}
    for item in mine:
        job = _job(site, item, dist, font_faces, fonts_dir, assets)
        record = None if force else incremental.cached_output(cache, job.key, dist)
        # An entry of an earlier layout of dist/ (a draft beside the published file) names
        # another place: the PDF is rendered again where it now belongs.
        if record and record.get("path") == job.record.path:
            _publish(item, Output(**record), "reused", dist, force, result, report)
        else:
            to_render[job.task] = (item, job)
    for task, outcome in pool.render_all(list(to_render)):
        item, job = to_render[task]
        if isinstance(outcome, LeafletError):
            problems.extend(outcome.problems)
            result.failed.append(job.record.path)
            report.failed(1 + (item.page is not None))
            continue
        output = Output(**{**asdict(job.record), "sha256": outcome.sha256,
                           "bytes": outcome.bytes, "pages": outcome.pages})
        incremental.store_output(cache, job.key, asdict(output))
        _publish(item, output, "built", dist, force, result, report)


def _publish(item: _Planned, output: Output, verb: str, dist: Path, force: bool,
             result: BuildResult, report) -> None:
    """List a written or reused PDF; then write and list the web page that goes with it."""
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


def _slice(planned: list[_Planned], shard: tuple[int, int] | None) -> list[_Planned]:
    """Return the K-th of N slices of the planned PDFs: every N-th, in a fixed order.

    The standard PDFs, each with its web page, are dealt out first and then the others,
    so that each shard gets as many PDFs and as many pages as any other, give or take one.
    """
    if not shard:
        return planned
    number, count = shard
    order = sorted(planned, key=lambda item: (VARIANTS.index(item.rendered.variant), item.path))
    return order[number - 1::count]


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


def renderings(site: Site, environment, leaflet: LeafletFile, problems: ProblemCollector,
                drafts: bool = False, variant: str = VARIANTS[0]):
    """Yield ``(translations, rendered)`` for each locale of ``leaflet``.

    Each rendering names the other languages the leaflet is published in, which are
    known only once every locale has been tried: hence two passes (HTML is cheap, only
    PDFs are costly). The first pass names every locale, so it looks up at least the
    texts of the second. With ``drafts``, an incomplete locale is rendered as a draft.
    """
    locales = [locale for locale in site.project.locales() if locale in site.translations]

    def render(locale, others, draft=False):
        return problems.run(render_html, environment, site.project, leaflet, site.brand,
                            site.translations[locale], others, draft=draft, variant=variant)

    first = {locale: render(locale, [other for other in locales if other != locale])
             for locale in locales}
    published = [locale for locale, rendered in first.items()
                 if rendered and not rendered.missing]
    for locale, trial in first.items():
        if trial is None:
            continue
        if len(published) == len(locales):  # every locale complete: the first pass is final
            yield site.translations[locale], trial
            continue
        rendered = render(locale, [other for other in published if other != locale],
                          draft=drafts and bool(trial.missing))
        if rendered:
            yield site.translations[locale], rendered


def _skip(leaflet: LeafletFile, translations: Translations, rendered) -> Skipped:
    counts = Counter(translations.state(message_id) for message_id in rendered.missing)
    reason = ", ".join(f"{counts[state]} {state}" for state in STATES if counts[state])
    invalid = [translations.unusable[message_id] for message_id in rendered.missing
               if translations.state(message_id) == "invalid"]
    if invalid:  # named, so that one broken shared text is found at once
        reason += f" ({', '.join(f'{problem.path}:{problem.line}' for problem in invalid)})"
    return Skipped(leaflet.id, bcp47(translations.locale), rendered.variant, reason)


def _system_ready(pool: RenderPool, problems: ProblemCollector, locales: list[str]) -> bool:
    missing = pool.system_problems() + missing_fonts(locales)
    for message in missing:
        problems.add(Problem("system", None, message))
    return not missing


def _job(site: Site, item: _Planned, dist: Path, font_faces: str, fonts_dir: Path,
         assets: str) -> _Job:
    tag = bcp47(item.translations.locale)
    rendered = item.rendered
    draft, variant, relative = rendered.draft, rendered.variant, item.path
    task = Task(
        html=rendered.html,
        font_faces=font_faces,
        allowed_dirs=(site.project.templates_dir, site.brand.path.parent, fonts_dir),
        identifier=f"{item.leaflet.id}/{tag}/{variant}{'/draft' if draft else ''}",
        shown=f"{site.project.relative(item.leaflet.path)} [{tag}]",
        target=dist / relative,
        # The catalogue shows a thumbnail of each published standard PDF; drafts are not in it.
        thumbnail=(dist, thumbnail_path(relative)) if variant == VARIANTS[0] and not draft
        else None,
    )
    record = Output(leaflet=item.leaflet.id, locale=tag, variant=variant, format="pdf",
                    path=relative, sha256="", bytes=0, pages=0, draft=draft)
    key = incremental.output_key(rendered.html, font_faces, assets, variant, draft)
    return _Job(task, record, key)


def _write_page(item: _Planned, dist: Path, force: bool) -> tuple[Output, str]:
    """Write a web page unless its file already holds it; return its record and the verb.

    A page's bytes are its whole output, so the file itself serves as its cache entry.
    """
    page = item.page
    tag = bcp47(item.translations.locale)
    relative = output_path(item.leaflet.id, tag, page.variant, "screen", page.draft)
    content = page.html.encode("utf-8")
    written = publish(dist / relative, content, force)
    output = Output(leaflet=item.leaflet.id, locale=tag, variant=page.variant, format="html",
                    path=relative, sha256=hashlib.sha256(content).hexdigest(),
                    bytes=len(content), pages=None, draft=page.draft)
    return output, "built" if written else "reused"
