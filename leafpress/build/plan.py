"""The plan of a build: what to build (`BuildOptions`), and the named outputs it makes.

``build``, a build of named leaflets and ``serve`` share it: each gathers the site,
makes one plan from it, and narrows nothing else. A plan holds the HTML of every PDF
to write, each with the web page published with it, and the outputs skipped for an
incomplete translation; rendering and publishing are pipeline.py's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from ..content.brand import BrandFile
from ..content.history import approval_gap, unpublished_problem
from ..content.leaflet import LeafletFile
from ..core.digests import files_digest
from ..core.errors import Problem, ProblemCollector
from ..core.memo import Memo, digest
from ..core.project import VARIANTS, Project, bcp47, output_path
from ..core.typefaces import installed_fonts_digest
from ..formats.braille import braille_table
from ..publishing.files import File
from ..rendering import coverage
from ..rendering.document import (DRAFT_MARK, UNAPPROVED_MARK, Rendered, render_html,
                                  template_environment)
from ..rendering.fonts import characters
from ..translation.translations import STATES, Translations


@dataclass(frozen=True)
class BuildOptions:
    """What a build makes, and how (``build.py build``'s options).

    ``leaflets`` and ``locales`` name a selection (a build of named leaflets, or what a
    change touches in ``serve``): only those outputs are made, and every other file in
    ``dist/`` stays exactly as it is, in its manifest entry too. ``None`` means all.
    """

    brand: Path | None = None
    strict: bool = False
    draft: bool = False
    variants: tuple[str, ...] = VARIANTS
    jobs: int = 1
    force: bool = False
    shard: tuple[int, int] | None = None
    leaflets: frozenset[str] | None = None
    locales: frozenset[str] | None = None  # gettext names (zh_Hans)
    # Publish a leaflet only while its text is the approved one (history.approval_gap).
    # False only for a build that is never published: the review pack's, which shows
    # the text its approver is asked to approve (review_pack.py).
    approved_only: bool = True
    # The other formats to make (issue 24): braille, epub; None: the brand's formats.
    formats: tuple[str, ...] | None = None

    def made(self, brand: BrandFile) -> tuple[str, ...]:
        """Return the formats this build makes besides the PDFs and web pages."""
        return brand.brand.formats if self.formats is None else self.formats

    @property
    def selective(self) -> bool:
        return self.leaflets is not None or self.locales is not None

    def selects(self, leaflet: str, tag: str) -> bool:
        """Return whether the output of leaflet ``leaflet`` in locale ``tag`` (BCP 47) is
        part of this build."""
        return (self.leaflets is None or leaflet in self.leaflets) and (
            self.locales is None or tag in {bcp47(locale) for locale in self.locales})


def narrowed(options: BuildOptions, leaflets=None, locales=None) -> BuildOptions:
    """Return ``options`` limited to ``leaflets`` and ``locales`` (None: all)."""
    return replace(options, leaflets=None if leaflets is None else frozenset(leaflets),
                   locales=None if locales is None else frozenset(locales))


@dataclass(frozen=True)
class Output:
    """One built file, as listed in ``dist/manifest.json``.

    ``format`` is ``"pdf"``, ``"html"`` for the web page, which has no ``pages``,
    ``"braille"`` (its ``pages`` are braille pages) or ``"epub"`` (no ``pages``).
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
    # Made by the render workers with this build's PDFs: the catalogue takes them as they are.
    thumbnails: list[File] = field(default_factory=list)
    # Listed as the last build left them: outside a selective build's selection.
    untouched: list[Output] = field(default_factory=list)
    # Published by an earlier build, not reached by this interrupted one: listed under
    # "kept", and still in the catalogue, which describes the files on disk (issue 20).
    standing: list[Output] = field(default_factory=list)
    # Each leaflet not published because its text has no recorded approval, and why.
    unapproved: dict[str, str] = field(default_factory=dict)

    @property
    def published(self) -> list[Output]:
        """Return what the catalogue lists: the outputs, and the standing files."""
        return sorted([*self.outputs, *self.standing], key=lambda output: output.path)


@dataclass(frozen=True)
class Site:
    """Everything a build needs, loaded and validated."""

    project: Project
    brand: BrandFile
    leaflets: list[LeafletFile]
    translations: dict[str, Translations]


@dataclass(frozen=True)
class Planned:
    """One PDF to write, and the web page published with it (standard variant only)."""

    leaflet: LeafletFile
    translations: Translations
    rendered: Rendered
    page: Rendered | None = None

    @property
    def tag(self) -> str:
        return bcp47(self.translations.locale)

    @property
    def path(self) -> str:
        return output_path(self.leaflet.id, self.tag, self.rendered.variant, "print",
                           self.rendered.draft)

    @property
    def page_path(self) -> str | None:
        return self.page and output_path(self.leaflet.id, self.tag, self.page.variant,
                                         "screen", self.page.draft)


@dataclass(frozen=True)
class Plan:
    """The outputs a build makes, and those it skips.

    ``characters`` are, for each planned leaflet, those of every output it could make, in
    any mode: a draft only adds the leaflet's English texts (every build renders them)
    and its mark, which they include in every language. So the font subset made from
    them (one per leaflet, fonts.py), and with it every output's key, are the same in a
    normal and a draft build, and whether or not a translation is complete.
    """

    outputs: list[Planned]
    skipped: list[Skipped]
    characters: dict[str, frozenset[str]]
    # Each selected leaflet whose text has no recorded approval, and why (history.py):
    # built only as a draft, never published.
    unapproved: dict[str, str] = field(default_factory=dict)


def make_plan(site: Site, options: BuildOptions, problems: ProblemCollector, warn,
              cmaps: Path, memo: Memo | None = None) -> Plan:
    """Render every selected output's HTML; skip incomplete translations.

    An output with a character that none of its fonts can draw is not planned, and each
    such character is a problem (see coverage.py). The web page of a leaflet goes with its
    standard PDF: planned with it, with the same languages named, skipped when it is
    skipped. The skipped outputs are told in one line per language, with ``strict`` as a
    problem, otherwise as a warning (see `_tell`). A leaflet's HTML is remembered in
    ``memo`` while nothing it is made from changes.

    A leaflet whose current text has no recorded approval (`approval_gap`, the judgment
    ``check`` makes) is never published: every output of it is a draft, with its own
    mark, and a warning says how to approve it; with ``strict`` it is a problem, and
    not rendered (issue 20).
    """
    memo = memo or Memo(None)
    environment = template_environment(site.project)
    planned, skipped, seen, unapproved = [], [], {}, {}
    gaps: dict[str, dict[str, str]] = {}  # locale -> each missing text's state
    # What a draft adds to the texts every build renders: its mark, in each language.
    marks = set(DRAFT_MARK + " · " + UNAPPROVED_MARK).union(
        *(translations.lookup(DRAFT_MARK) or "" for translations in site.translations.values()))
    # A leaflet not selected is not rendered: its outputs stay as they are, and each
    # leaflet's fonts are made from its own characters only.
    chosen = [leaflet for leaflet in site.leaflets
              if options.leaflets is None or leaflet.id in options.leaflets]
    inputs = _shared_inputs(site, options) if chosen else ""
    for leaflet in chosen:
        gap = options.approved_only and approval_gap(leaflet)
        unpublished = gap and unpublished_problem(leaflet, site.project.relative(leaflet.path),
                                                  gap)
        if unpublished:
            unapproved[leaflet.id] = gap
            if options.strict:
                problems.add(unpublished)
                continue
            warn(f"warning: {unpublished} (built as a draft, in drafts/, meanwhile)")
        key = digest(inputs, leaflet.path.read_bytes(),
                     *(path.read_bytes() for path in leaflet.figures.values()))
        editions = memo.recall("plan", leaflet.id, key)
        if editions is None:
            before = len(problems.problems)
            editions = _editions(site, environment, leaflet, options, problems, cmaps,
                                 bool(unpublished))
            if len(problems.problems) == before:
                memo.remember("plan", leaflet.id, key, editions)
        found = seen[leaflet.id] = set(marks)
        for locale, rendered, page, undrawable in editions:
            found.update(characters(rendered.html))
            translations = site.translations[locale]
            if not options.selects(leaflet.id, bcp47(locale)):
                continue
            if rendered.missing and not rendered.draft:
                skipped.append(_skip(leaflet, translations, rendered))
                gaps.setdefault(translations.locale, {}).update(
                    (message_id, translations.state(message_id))
                    for message_id in rendered.missing)
            elif undrawable:
                problems.extend(undrawable)
            else:
                planned.append(Planned(leaflet, translations, rendered, page))
    _tell(site, skipped, gaps, options.strict, problems, warn)
    return Plan(planned, skipped, {leaflet: frozenset(found) for leaflet, found in seen.items()},
                unapproved)


def _shared_inputs(site: Site, options: BuildOptions) -> str:
    """What every leaflet's HTML and character check are made from besides its own file:
    the catalogs (and which of them could be read), templates, brand, options, and the
    fonts installed (see memo.py)."""
    root = site.project.root
    folders = [site.project.locales_dir, site.project.templates_dir, site.brand.path.parent]
    return "\0".join([str(root.resolve()), files_digest(folders, root),
                       str(site.brand.path.resolve()), repr(sorted(site.translations)),
                       repr((options.draft, options.variants, options.approved_only)),
                       installed_fonts_digest()])


class _Edition(NamedTuple):
    """One output of a leaflet, as made before the selection and remembered (memo.py)."""

    locale: str
    rendered: Rendered
    page: Rendered | None  # the web page of a standard PDF to publish
    undrawable: tuple[Problem, ...]  # reported only if the output is selected


def _editions(site: Site, environment, leaflet: LeafletFile, options: BuildOptions,
              problems: ProblemCollector, cmaps: Path, unapproved: bool) -> list[_Edition]:
    """Return each output of ``leaflet``, variant by variant, locale by locale (each a
    draft if the leaflet is ``unapproved``)."""
    editions = []
    for variant in options.variants:
        # Every locale is rendered (HTML is cheap), also those not selected: the others
        # name the languages a leaflet is published in, and all give the characters.
        for translations, rendered in renderings(site, environment, leaflet, problems,
                                                 options.draft, variant, unapproved):
            skipped = rendered.missing and not rendered.draft
            undrawable = () if skipped else tuple(coverage.output_problems(
                site.project, site.brand, leaflet, translations, rendered, cmaps))
            page = None
            if variant == VARIANTS[0] and not skipped and not undrawable:
                page = problems.run(render_html, environment, site.project, leaflet,
                                    site.brand, translations, list(rendered.others),
                                    draft=rendered.draft, medium="screen",
                                    unapproved=unapproved,
                                    formats=published_formats(site.brand, translations.locale))
            editions.append(_Edition(translations.locale, rendered, page, undrawable))
    return editions


def _tell(site: Site, skipped: list[Skipped], gaps: dict[str, dict[str, str]], strict: bool,
          problems: ProblemCollector, warn) -> None:
    """Say, in one line per language, which leaflets were not built and what they lack.

    One line each, not one per output: a language just started would otherwise print
    a line for every leaflet and variant at every build (issue 20). The line names the
    command that lists the texts (``stats --missing --locale``), each with its PO line.
    """
    for locale, missing in sorted(gaps.items()):
        tag = bcp47(locale)
        leaflets = sorted({item.leaflet for item in skipped if item.locale == tag})
        who = f"{len(leaflets)} leaflets" if len(leaflets) > 2 else " and ".join(leaflets)
        counts = Counter(missing.values())
        texts = ", ".join(f"{counts[state]} {state}" for state in STATES if counts[state])
        message = (f"{who} not built: {texts} text{'s' if len(missing) != 1 else ''}; "
                   f"'build.py stats --missing --locale {tag}' lists "
                   f"{'it' if len(missing) == 1 else 'them'}")
        if strict:
            problems.add(Problem(site.project.relative(site.project.po_file(locale)), None,
                                 message))
        else:
            warn(f"warning: {tag}: {message}")


def published_formats(brand: BrandFile, locale: str) -> tuple[str, ...]:
    """Return the formats a leaflet in ``locale`` says it is published in: the brand's,
    but braille only in a language liblouis has a table for."""
    return tuple(name for name in brand.brand.formats
                 if name != "braille" or braille_table(locale) is not None)


def renderings(site: Site, environment, leaflet: LeafletFile, problems: ProblemCollector,
               drafts: bool = False, variant: str = VARIANTS[0], unapproved: bool = False):
    """Yield ``(translations, rendered)`` for each locale of ``leaflet``.

    Each rendering names the other languages the leaflet is published in, which are
    known only once every locale has been tried: hence two passes (HTML is cheap, only
    PDFs are costly). The first pass names every locale, so it looks up at least the
    texts of the second. With ``drafts``, an incomplete locale is rendered as a draft;
    an ``unapproved`` leaflet is a draft in every locale.
    """
    locales = [locale for locale in site.project.locales() if locale in site.translations]

    def render(locale, others, draft=False):
        return problems.run(render_html, environment, site.project, leaflet, site.brand,
                            site.translations[locale], others, draft=draft, variant=variant,
                            unapproved=unapproved,
                            formats=published_formats(site.brand, locale))

    first = {locale: render(locale, [other for other in locales if other != locale])
             for locale in locales}
    published = [locale for locale, rendered in first.items()
                 if rendered and not rendered.missing]
    for locale, trial in first.items():
        if trial is None:
            continue
        if len(published) == len(locales) or unapproved:  # the first pass is final
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


def sliced(planned: list[Planned], shard: tuple[int, int] | None) -> list[Planned]:
    """Return the K-th of N slices of the planned PDFs: every N-th, in a fixed order.

    The standard PDFs, each with its web page, are dealt out first and then the others,
    so that each shard gets as many PDFs and as many pages as any other, give or take one.
    """
    if not shard:
        return planned
    number, count = shard
    order = sorted(planned, key=lambda item: (VARIANTS.index(item.rendered.variant), item.path))
    return order[number - 1::count]
