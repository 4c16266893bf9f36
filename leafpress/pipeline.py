"""The build: gather and validate everything, then render each leaflet in each locale."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import incremental
from .brand import BrandFile, load_brand
from .catalogue import INDEX_TEMPLATE, File, publish_catalogue, thumbnail_path
from .catalog import check_pot
from .document import render_html, template_environment
from .errors import LeafletError, Problem, ProblemCollector
from .gates import quality_problems, readability_figures
from .fonts import cache_dir, characters, source_files, subset_font_faces
from .leaflet import LeafletFile, load_leaflet
from .project import (SOURCE_LOCALE, VARIANTS, Project, bcp47, exclusive, publish,
                      remove_leftovers, write_atomically)
from .review import ReviewState, review_problems
from .translation import STATES, Translations, load_translations
from .workers import RenderPool, Task



@dataclass(frozen=True)
class Output:
    """One built file, as listed in ``dist/manifest.json``.

    ``format`` is ``"pdf"``, or ``"html"`` for the web page, which has no ``pages``.
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
    outputs: list[Output]
    skipped: list[Skipped]
    reused: list[Output] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
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


def check(project: Project, brand_path: Path | None = None, today: datetime.date | None = None,
          warn=None, strict: bool = False) -> int:
    """Validate leaflets, brand, catalogs and templates without rendering any PDF.

    With ``today``, a leaflet past its review date is a problem too, and one due for
    review within 60 days is reported to ``warn``. The quality gates (gates.py) report
    to ``warn`` too, or as problems when ``strict``; return how many they found.
    """
    problems = ProblemCollector()
    site = gather(project, brand_path, problems)
    if site and today:
        overdue, due = review_problems(site.leaflets, today, project.relative)
        problems.extend(overdue)
        for problem in due:
            warn(f"warning: {problem}")
    if site:
        environment = template_environment(project)
        for leaflet in site.leaflets:
            for _ in _renderings(site, environment, leaflet, problems):
                pass
    findings = quality_problems(project, site.leaflets, list(site.translations),
                                problems) if site else []
    if strict:
        problems.extend(findings)
    else:
        for problem in findings:
            warn(f"warning: {problem}")
    problems.raise_if_any()
    return len(findings)


def build(project: Project, dist: Path, brand_path: Path | None = None, *, strict: bool = False,
          draft: bool = False, variants: tuple[str, ...] = VARIANTS, jobs: int = 1,
          force: bool = False, shard: tuple[int, int] | None = None, log=print, warn=print,
          progress=None) -> BuildResult:
    """Build every leaflet in every locale and variant into ``dist``, with its manifest.

    Besides the PDFs, each leaflet in each locale is written as a web page, and
    ``dist/index.html`` lists everything the manifest lists (see catalogue.py).

    An output whose translation is incomplete is skipped with a warning, or, with
    ``draft``, built with English for the missing texts and a draft mark on every page
    (as ``NAME.draft.pdf``, never over the published file). With ``strict`` a skipped
    output or an out-of-date POT is a problem. An output whose inputs did not change
    since it was built is reused, unless ``force``; the others are rendered ``jobs`` at a
    time. With ``shard`` = (K, N), only the K-th of N deterministic slices of the outputs
    is written, with the same fonts as a full build, so that N builds together give the
    full build byte for byte. Outputs that can be built are built even when others fail;
    then all problems are raised together. Each PDF is written atomically, so a failed or
    interrupted build leaves the previous good file in place, and the manifest lists it
    under ``"kept"``. Only one build at a time writes to ``dist``.
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
    previous = _read_manifest(dist)
    brand_file = (brand_path or project.brand_file).resolve()
    options = incremental.build_options(brand_file, strict, draft, variants, shard)
    problems = ProblemCollector()
    site = gather(project, brand_file, problems,
                  warn=None if strict else lambda message: warn(f"warning: {message}"))
    result = BuildResult([], [])
    system_files: list[Path] = []
    if site:
        tasks = _plan(site, variants, draft, strict, result, problems, warn)
    if site and _system_ready(pool, problems):
        system_files = problems.run(source_files) or []
        _render(site, tasks, dist, pool, force, shard, result, problems, log, progress)
    result.outputs.sort(key=lambda output: output.path)
    _carry_over(project, dist, previous, result, bool(problems.problems), log)
    catalogue = problems.run(publish_catalogue, site, dist, result, force) if site else None
    _carry_over_files(dist, previous, result, catalogue, log)
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
    """Render every output's HTML; skip incomplete translations; return what to write.

    The web page of a leaflet follows its standard PDF: written when it is, with the
    same languages named, skipped when it is skipped.
    """
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
                if variant == "standard":
                    page = problems.run(render_html, environment, site.project, leaflet,
                                        site.brand, translations, list(rendered.others),
                                        draft=rendered.draft, medium="screen")
                    if page:
                        planned.append((leaflet, translations, page))
    return planned


def _render(site: Site, planned: list[tuple], dist: Path, pool: RenderPool, force: bool, shard,
            result: BuildResult, problems: ProblemCollector, log, progress) -> None:
    """Reuse the outputs whose key is cached and intact; render the rest in the pool."""
    fonts_dir = cache_dir(dist)
    used = set().union(*(characters(rendered.html) for _, _, rendered in planned
                         if rendered.medium == "print"))
    font_faces = (problems.run(subset_font_faces, used, fonts_dir) if planned else "") or ""
    # The catalogue's template does not change a leaflet: editing it re-renders no PDF.
    templates = [path for path in site.project.templates_dir.iterdir()
                 if path.name != INDEX_TEMPLATE]
    assets = incremental.files_digest([*templates, site.brand.path.parent])
    assets += incremental.versions()
    cache = dist / ".cache"
    mine = _slice(planned, shard)
    to_render: list[_Planned] = []
    total = len(mine)
    for leaflet, translations, rendered in mine:
        if rendered.medium == "screen":
            output, verb = _write_page(leaflet, translations, rendered, dist, force)
            result.outputs.append(output)
            if verb == "reused":
                result.reused.append(output)
            _report(progress, log, len(result.outputs), total, output, verb)
            continue
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
    for task, outcome in pool.render_all([item.task for item in to_render]):
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


def _slice(planned: list[tuple], shard: tuple[int, int] | None) -> list[tuple]:
    """Return the K-th of N slices of the planned outputs: every N-th, in path order."""
    if not shard:
        return planned
    number, count = shard
    return sorted(planned, key=lambda entry: _planned_path(*entry))[number - 1::count]


def _planned_path(leaflet: LeafletFile, translations: Translations, rendered) -> str:
    """Return where a planned output goes in dist: ``LOCALE/ID[.VARIANT][.draft].EXT``."""
    variant = rendered.variant
    suffix = ("" if variant == "standard" else f".{variant}") + \
        (".draft" if rendered.missing else "")
    extension = "pdf" if rendered.medium == "print" else "html"
    return f"{bcp47(translations.locale)}/{leaflet.id}{suffix}.{extension}"


def _report(progress, log, done: int, total: int, output: Output, verb: str) -> None:
    if progress:
        progress(done, total, output, verb)
    else:
        pages = "" if output.pages is None else f"{output.pages} pages, "
        log(f"{verb} {output.path} ({pages}{output.bytes / 1024:.0f} KB)"
            f"{' DRAFT' if output.draft else ''}")


def translation_stats(project: Project, brand_path: Path | None = None) -> list[dict]:
    """Count, for each locale and leaflet, the texts it uses by translation state."""
    return [row for _, rows in _leaflet_stats(project, brand_path)[1] for row in rows]


def leaflet_report(project: Project, today: datetime.date,
                   brand_path: Path | None = None) -> list[dict]:
    """Describe every leaflet: version, review date and state, owner, translations."""
    report = []
    site, stats = _leaflet_stats(project, brand_path)
    figures = readability_figures(project, site.leaflets, site.translations) if site else {}
    for leaflet, rows in stats:
        metadata = leaflet.leaflet
        review = ReviewState.of(metadata.review_by, today)
        report.append({
            "leaflet": leaflet.id, "reference": metadata.reference, "title": metadata.title,
            "audience": metadata.audience, "version": metadata.version,
            "published": metadata.published.isoformat(),
            "review_by": metadata.review_by.isoformat(),
            "review": {"state": review.state, "days": review.days,
                       "text": review.describe()},
            "owner": metadata.owner.department,
            "translations": {row["locale"]: {key: value for key, value in row.items()
                                             if key not in ("locale", "leaflet")}
                             for row in rows},
            "readability": figures[leaflet.id],
        })
    return report


def _leaflet_stats(project: Project, brand_path: Path | None):
    """Return the site, and each leaflet with its translation counts per locale (source excepted)."""
    problems = ProblemCollector()
    site = gather(project, brand_path, problems, warn=lambda message: None)
    found = []
    if site:
        environment = template_environment(project)
        for leaflet in site.leaflets:
            found.append((leaflet, [
                _stats_row(leaflet, translations, rendered)
                for translations, rendered in _renderings(site, environment, leaflet, problems)
                if translations.locale != SOURCE_LOCALE]))
    problems.raise_if_any()
    return site, found


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


def _system_ready(pool: RenderPool, problems: ProblemCollector) -> bool:
    missing = pool.system_problems()
    for message in missing:
        problems.add(Problem("system", None, message))
    return not missing


def _task(site: Site, leaflet: LeafletFile, translations: Translations, rendered,
          dist: Path, font_faces: str, fonts_dir: Path, assets: str) -> _Planned:
    tag = bcp47(translations.locale)
    draft = bool(rendered.missing)
    variant = rendered.variant
    relative = _planned_path(leaflet, translations, rendered)
    task = Task(
        html=rendered.html,
        font_faces=font_faces,
        allowed_dirs=(site.project.templates_dir, site.brand.path.parent, fonts_dir),
        identifier=f"{leaflet.id}/{tag}/{variant}{'/draft' if draft else ''}",
        shown=f"{site.project.relative(leaflet.path)} [{tag}]",
        target=dist / relative,
        thumbnail=(dist, thumbnail_path(relative)) if variant == VARIANTS[0] else None,
    )
    record = Output(leaflet=leaflet.id, locale=tag, variant=variant, format="pdf",
                    path=relative, sha256="", bytes=0, pages=0, draft=draft)
    key = incremental.output_key(rendered.html, font_faces, assets, variant, draft)
    return _Planned(task, record, key)


def _read_manifest(dist: Path) -> dict:
    try:
        manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _carry_over(project: Project, dist: Path, previous: dict, result: BuildResult,
                errors: bool, log) -> None:
    """Account for every file the last manifest listed that this build did not write.

    A file this build failed or skipped, or did not try (``--variant``), stays on disk,
    as it was, and is listed under ``"kept"`` with the reason. A file whose leaflet or
    language is gone from the project, or a draft that a published file now replaces,
    is deleted, so that ``dist/`` never offers a withdrawn leaflet.
    """
    written = {output.path for output in result.outputs}
    published = {(output.leaflet, output.locale, output.variant) for output in result.outputs
                 if not output.draft}
    skipped = {(item.leaflet, item.locale, item.variant): item.reason for item in result.skipped}
    leaflets = {path.stem for path in project.leaflet_files()}
    locales = {bcp47(locale) for locale in project.locales()}
    for record in [*previous.get("outputs", []), *previous.get("kept", [])]:
        # What this build wrote is accounted for: not read and hashed a second time.
        if _path_of(record) in written or not _listed_file(dist, record):
            continue
        written.add(record["path"])
        which = (record["leaflet"], record["locale"], record["variant"])
        if record["leaflet"] not in leaflets or record["locale"] not in locales or (
                record["draft"] and which in published):
            (dist / record["path"]).unlink()
            result.removed.append(record["path"])
            log(f"removed {record['path']} (its leaflet, language or draft is withdrawn)")
            continue
        if record["path"] in result.failed:
            why = "it failed in this build"
        elif which in skipped:
            why = skipped[which]
        elif errors:
            why = "this build found errors"
        else:
            why = "not part of this build"
        reason = f"not rebuilt: {why}; this file is from an earlier build"
        result.kept.append({**record, "reason": reason})


def _carry_over_files(dist: Path, previous: dict, result: BuildResult,
                      catalogue: list[File] | None, log) -> None:
    """List the catalogue's files, and delete those of the last build it no longer needs
    (the thumbnail of a withdrawn leaflet, say). Without a new catalogue, the last one's
    files stay, as they are on disk."""
    current = {file.path for file in catalogue or []}
    for record in previous.get("files", []):
        if _path_of(record) in current or not _listed_file(dist, record,
                                                             ("path", "sha256", "bytes")):
            continue
        if catalogue is None:
            result.files.append(File(record["path"], record["sha256"], record["bytes"]))
        else:
            (dist / record["path"]).unlink()
            log(f"removed {record['path']} (no longer used)")
    result.files.extend(catalogue or [])
    result.files.sort(key=lambda file: file.path)


def _path_of(record) -> str | None:
    """Return the ``"path"`` of a record from an earlier manifest, if it has one."""
    path = record.get("path") if isinstance(record, dict) else None
    return path if isinstance(path, str) else None


def _listed_file(dist: Path, record, fields=("leaflet", "locale", "variant", "path", "sha256",
                                            "bytes", "draft")) -> bool:
    """Return whether ``record`` from an earlier manifest names an intact file in ``dist``."""
    if not isinstance(record, dict) or not all(name in record for name in fields):
        return False
    path = dist / str(record["path"])
    if not path.resolve().is_relative_to(dist.resolve()):
        return False
    return incremental.intact(dist, record)


def _write_page(leaflet: LeafletFile, translations: Translations, rendered, dist: Path,
                force: bool) -> tuple[Output, str]:
    """Write a web page unless its file already holds it; return its record and the verb.

    A page's bytes are its whole output, so the file itself serves as its cache entry.
    """
    tag = bcp47(translations.locale)
    draft = bool(rendered.missing)
    relative = _planned_path(leaflet, translations, rendered)
    content = rendered.html.encode("utf-8")
    written = publish(dist / relative, content, force)
    output = Output(leaflet=leaflet.id, locale=tag, variant=rendered.variant, format="html",
                    path=relative, sha256=hashlib.sha256(content).hexdigest(),
                    bytes=len(content), pages=None, draft=draft)
    return output, "built" if written else "reused"


def _write_manifest(dist: Path, result: BuildResult) -> dict:
    manifest = {"outputs": [asdict(output) for output in result.outputs],
                "skipped": [asdict(skipped) for skipped in result.skipped],
                "kept": sorted(result.kept, key=lambda record: record["path"]),
                "files": [asdict(file) for file in result.files]}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomically(dist / "manifest.json", text.encode("utf-8"))
    return manifest
