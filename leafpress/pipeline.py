"""The build: gather and validate everything, then render each leaflet in each locale."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import incremental
from .brand import BrandFile, load_brand
from .catalog import check_pot
from .document import render_html, template_environment
from .errors import LeafletError, Problem, ProblemCollector
from .fonts import cache_dir, characters, source_files, subset_font_faces
from .leaflet import LeafletFile, load_leaflet
from .project import SOURCE_LOCALE, VARIANTS, Project, bcp47, write_atomically
from .translation import STATES, Translations, load_translations
from .workers import Task, render_all



@dataclass(frozen=True)
class Output:
    """One built file, as listed in ``dist/manifest.json``."""

    leaflet: str
    locale: str
    variant: str
    format: str
    path: str
    sha256: str
    bytes: int
    pages: int
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
    outputs: list[Output]
    skipped: list[Skipped]
    reused: list[Output] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


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
    if brand and brand_path == project.brand_file.resolve():
        loaded[project.brand_file] = brand.texts
    for problem in check_pot(project, loaded):
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


def check(project: Project, brand_path: Path | None = None) -> None:
    """Validate leaflets, brand, catalogs and templates without rendering any PDF."""
    problems = ProblemCollector()
    site = gather(project, brand_path, problems)
    if site:
        environment = template_environment(project)
        for leaflet in site.leaflets:
            for _ in _renderings(site, environment, leaflet, problems):
                pass
    problems.raise_if_any()


def build(project: Project, dist: Path, brand_path: Path | None = None, *, strict: bool = False,
          draft: bool = False, variants: tuple[str, ...] = VARIANTS, jobs: int = 1,
          force: bool = False, log=print, warn=print, progress=None) -> BuildResult:
    """Build every leaflet in every locale and variant into ``dist``, with its manifest.

    An output whose translation is incomplete is skipped with a warning, or, with
    ``draft``, built with English for the missing texts and a draft mark on every page
    (as ``NAME.draft.pdf``, never over the published file). With ``strict`` a skipped
    output or an out-of-date POT is a problem. An output whose inputs did not change
    since it was built is reused, unless ``force``; the others are rendered ``jobs`` at a
    time. Outputs that can be built are built even when others fail; then all problems
    are raised together. Each PDF is written atomically, so a failed or interrupted
    build leaves the previous good file in place.
    """
    unknown = [variant for variant in variants if variant not in VARIANTS]
    if unknown:  # names become file names: never let one through unchecked
        raise LeafletError.at("command line", None, f"expected a variant among "
                                                    f"{', '.join(VARIANTS)}, got {unknown[0]!r}")
    brand_file = (brand_path or project.brand_file).resolve()
    options = incremental.build_options(brand_file, strict, draft, variants)
    problems = ProblemCollector()
    site = gather(project, brand_file, problems,
                  warn=None if strict else lambda message: warn(f"warning: {message}"))
    result = BuildResult([], [])
    system_files: list[Path] = []
    if site and _system_ready(problems):
        system_files = problems.run(source_files) or []
        tasks = _plan(site, variants, draft, strict, result, problems, warn)
        _render(site, tasks, dist, jobs, force, result, problems, log, progress)
    result.outputs.sort(key=lambda output: output.path)
    manifest = _write_manifest(dist, result)
    if not problems.problems and not result.skipped:
        incremental.remember(dist / ".cache", incremental.build_digest(
            project.root, brand_file, options, system_files), manifest, system_files)
    problems.raise_if_any()
    return result


@dataclass(frozen=True)
class _Planned:
    task: Task
    record: Output
    key: str


def _plan(site: Site, variants, draft: bool, strict: bool, result: BuildResult,
          problems: ProblemCollector, warn) -> list[tuple]:
    """Render every output's HTML; skip incomplete translations; return what to print."""
    environment = template_environment(site.project)
    planned = []
    for leaflet, variant in ((leaflet, variant) for leaflet in site.leaflets
                             for variant in variants):
        for translations, rendered in _renderings(site, environment, leaflet, problems,
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
            else:
                planned.append((leaflet, translations, rendered))
    return planned


def _render(site: Site, planned: list[tuple], dist: Path, jobs: int, force: bool,
            result: BuildResult, problems: ProblemCollector, log, progress) -> None:
    """Reuse the outputs whose key is cached and intact; render the rest in the pool."""
    fonts_dir = cache_dir(dist)
    used = set().union(*(characters(rendered.html) for _, _, rendered in planned))
    font_faces = (problems.run(subset_font_faces, used, fonts_dir) if planned else "") or ""
    assets = incremental.files_digest([site.project.templates_dir, site.brand.path.parent])
    assets += incremental.versions()
    cache = dist / ".cache"
    to_render: list[_Planned] = []
    total = len(planned)
    for leaflet, translations, rendered in planned:
        item = _task(site, leaflet, translations, rendered, dist, font_faces, fonts_dir, assets)
        record = None if force else incremental.cached_output(cache, item.key, dist)
        if record:
            output = Output(**record)
            result.outputs.append(output)
            result.reused.append(output)
            _report(progress, log, len(result.outputs), total, output, "reused")
        else:
            to_render.append(item)
    by_task = {item.task: item for item in to_render}
    for task, outcome in render_all([item.task for item in to_render], jobs):
        item = by_task[task]
        if isinstance(outcome, LeafletError):
            problems.extend(outcome.problems)
            result.failed.append(item.record.path)
            continue
        output = Output(**{**asdict(item.record), "sha256": outcome.sha256,
                           "bytes": outcome.bytes, "pages": outcome.pages})
        incremental.store_output(cache, item.key, asdict(output))
        result.outputs.append(output)
        _report(progress, log, len(result.outputs) + len(result.failed), total, output, "built")


def _report(progress, log, done: int, total: int, output: Output, verb: str) -> None:
    if progress:
        progress(done, total, output, verb)
    else:
        log(f"{verb} {output.path} ({output.pages} pages, {output.bytes / 1024:.0f} KB)"
            f"{' DRAFT' if output.draft else ''}")


def translation_stats(project: Project, brand_path: Path | None = None) -> list[dict]:
    """Count, for each locale and leaflet, the texts it uses by translation state."""
    problems = ProblemCollector()
    site = gather(project, brand_path, problems, warn=lambda message: None)
    rows = []
    if site:
        environment = template_environment(project)
        for leaflet in site.leaflets:
            for translations, rendered in _renderings(site, environment, leaflet, problems):
                if translations.locale != SOURCE_LOCALE:
                    rows.append(_stats_row(leaflet, translations, rendered))
    problems.raise_if_any()
    return rows


def _renderings(site: Site, environment, leaflet: LeafletFile, problems: ProblemCollector,
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
    return Skipped(leaflet.id, bcp47(translations.locale), rendered.variant, reason)


def _stats_row(leaflet: LeafletFile, translations: Translations, rendered) -> dict:
    counts = Counter(translations.state(message_id) for message_id in rendered.used)
    total = len(rendered.used)
    return {"locale": bcp47(translations.locale), "leaflet": leaflet.id,
            **{state: counts[state] for state in STATES}, "total": total,
            "percent": round(100 * counts["translated"] / total, 1)}


def _system_ready(problems: ProblemCollector) -> bool:
    from .pdf import system_problems

    missing = system_problems()
    for message in missing:
        problems.add(Problem("system", None, message))
    return not missing


def _task(site: Site, leaflet: LeafletFile, translations: Translations, rendered,
          dist: Path, font_faces: str, fonts_dir: Path, assets: str) -> _Planned:
    tag = bcp47(translations.locale)
    draft = bool(rendered.missing)
    variant = rendered.variant
    suffix = ("" if variant == "standard" else f".{variant}") + (".draft" if draft else "")
    relative = f"{tag}/{leaflet.id}{suffix}.pdf"
    task = Task(
        html=rendered.html,
        font_faces=font_faces,
        allowed_dirs=(site.project.templates_dir, site.brand.path.parent, fonts_dir),
        identifier=f"{leaflet.id}/{tag}/{variant}{'/draft' if draft else ''}",
        shown=f"{site.project.relative(leaflet.path)} [{tag}]",
        target=dist / relative,
    )
    record = Output(leaflet=leaflet.id, locale=tag, variant=variant, format="pdf",
                    path=relative, sha256="", bytes=0, pages=0, draft=draft)
    key = incremental.output_key(rendered.html, font_faces, assets, variant, draft)
    return _Planned(task, record, key)


def _write_manifest(dist: Path, result: BuildResult) -> dict:
    manifest = {"outputs": [asdict(output) for output in result.outputs],
                "skipped": [asdict(skipped) for skipped in result.skipped]}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomically(dist / "manifest.json", text.encode("utf-8"))
    return manifest
