"""The build: gather and validate everything, then render each leaflet in each locale."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .brand import BrandFile, load_brand
from .catalog import check_pot
from .document import render_html, template_environment
from .errors import LeafletError, Problem, ProblemCollector
from .leaflet import LeafletFile, load_leaflet
from .project import Project, bcp47, write_atomically
from .translation import Translations, load_translations

VARIANT = "standard"


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


@dataclass(frozen=True)
class Site:
    """Everything a build needs, loaded and validated."""

    project: Project
    brand: BrandFile
    leaflets: list[LeafletFile]
    translations: dict[str, Translations]


def gather(project: Project, brand_path: Path | None, problems: ProblemCollector) -> Site | None:
    """Load the brand, every leaflet and every catalog; keep what loads, note what does not."""
    brand_path = brand_path or project.brand_file
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
    problems.extend(check_pot(project))
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
        for leaflet, translations in _outputs(site):
            problems.run(_html, site, environment, leaflet, translations)
    problems.raise_if_any()


def build(project: Project, dist: Path, brand_path: Path | None = None,
          log=print) -> list[Output]:
    """Build every leaflet in every locale into ``dist``; write ``dist/manifest.json``.

    Outputs that can be built are built even when others fail; then all problems
    are raised together. Each PDF is written atomically, so a failed or
    interrupted build leaves the previous good file in place.
    """
    problems = ProblemCollector()
    site = gather(project, brand_path, problems)
    outputs: list[Output] = []
    if site and _system_ready(project, problems):
        environment = template_environment(project)
        for leaflet, translations in _outputs(site):
            output = problems.run(_build_output, site, environment, leaflet, translations, dist)
            if output:
                outputs.append(output)
                log(f"built {output.path} ({output.pages} pages, {output.bytes / 1024:.0f} KB)")
    _write_manifest(dist, outputs)
    problems.raise_if_any()
    return outputs


def _system_ready(project: Project, problems: ProblemCollector) -> bool:
    from .pdf import system_problems

    missing = system_problems()
    for message in missing:
        problems.add(Problem("system", None, message))
    return not missing


def _outputs(site: Site):
    for leaflet in site.leaflets:
        for locale in site.project.locales():
            if locale in site.translations:
                yield leaflet, site.translations[locale]


def _other_locales(site: Site, locale: str) -> list[str]:
    return [other for other in site.project.locales() if other != locale]


def _html(site: Site, environment, leaflet: LeafletFile, translations: Translations) -> str:
    return render_html(environment, site.project, leaflet, site.brand, translations,
                       _other_locales(site, translations.locale))


def _build_output(site: Site, environment, leaflet: LeafletFile, translations: Translations,
                  dist: Path) -> Output:
    from .pdf import write_pdf

    html = _html(site, environment, leaflet, translations)
    tag = bcp47(translations.locale)
    relative = f"{tag}/{leaflet.id}.pdf"
    pdf, pages = write_pdf(
        html,
        allowed_dirs=[site.project.templates_dir, site.brand.path.parent],
        identifier=f"{leaflet.id}/{tag}/{VARIANT}",
        shown=f"{site.project.relative(leaflet.path)} [{tag}]",
    )
    write_atomically(dist / relative, pdf)
    return Output(leaflet=leaflet.id, locale=tag, variant=VARIANT, format="pdf", path=relative,
                  sha256=hashlib.sha256(pdf).hexdigest(), bytes=len(pdf), pages=pages)


def _write_manifest(dist: Path, outputs: list[Output]) -> None:
    manifest = {"outputs": [asdict(output) for output in outputs]}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomically(dist / "manifest.json", text.encode("utf-8"))
