"""Command line: ``build.py [build|serve|check|report|extract|update|init|new|stats|schema|
release|diff]``.

Exit codes: 0 success; 1 problems in content, translations or the build; 2 bad usage.
This is the only place that turns a `LeafletError` into an exit code. The heavy
modules are imported inside the commands, so that a build with nothing to do
(see incremental.py) starts and ends in a fraction of a second.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

from .build import incremental
from .core.errors import LeafletError
from .core.project import (DATE_EXPECTED, VARIANTS, Project, format_names, gettext_name,
                           unknown_locales, write_atomically)

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    project = Project.at(arguments.project)
    if not project.leaflets_dir.is_dir():
        parser.error(f"{arguments.project} is not a leaflet project (it has no leaflets/ folder)")
    for brand in [arguments.brand, *getattr(arguments, "brands", [])]:
        if brand and not brand.is_file():
            parser.error(f"--brand: no such file: {brand}")
    if arguments.output and arguments.output.exists() and not arguments.output.is_dir():
        parser.error(f"--output: {arguments.output} is a file, not a folder")
    try:
        if arguments.command not in (_init, _schema, _release):
            _check_brand(project, arguments)
        return arguments.command(project, arguments)
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        # One line, and the shell's code for SIGINT (128 + 2); every file was written
        # atomically, and a build first wrote a manifest of what is on disk.
        print(f"{chr(10) if sys.stderr.isatty() else ''}interrupted: stopped at once; every "
              "file written so far is complete", file=sys.stderr)
        return 130
    except LeafletError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found.", file=sys.stderr)
        return 1


def _check_brand(project: Project, arguments) -> None:
    """Every command but init, schema and release (which edits leaflets only) reads the
    brand: stop at once if there is none.

    The path is shown as the user named the project (``--project DIR``).
    """
    given = arguments.brand or next(iter(getattr(arguments, "brands", [])), None)
    if given or project.brand_file.is_file():
        return  # a --brand file was checked above
    from .content.brand import missing_brand

    raise LeafletError([missing_brand(str(arguments.project / "brand" / "brand.yaml"))])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build multilingual patient leaflets as accessible PDFs.")
    parser.add_argument("--project", type=Path, default=ROOT, metavar="DIR",
                        help="the project folder (default: the one holding build.py)")
    parser.set_defaults(command=_build, brand=None, output=None, strict=False, draft=False,
                        variant=None, jobs=None, force=False, shard=None, format=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build_parser = commands.add_parser("build", help="build every leaflet in every locale "
                                                     "(the default), or the leaflets named")
    build_parser.add_argument("leaflets", nargs="*", metavar="ID",
                              help="build only these leaflets (default: all); every other "
                                   "file in the output folder stays as it is")
    build_parser.add_argument("--locale", action="append", metavar="LOCALE",
                              help="build only this language (repeatable; e.g. zh-Hans)")
    build_parser.set_defaults(command=_build)
    serve_parser = commands.add_parser("serve", help="build, serve the output on 127.0.0.1 "
                                                     "and rebuild what each edit touches")
    serve_parser.add_argument("--port", type=int, default=8000,
                              help="the port to listen on (default: 8000; 0: any free port)")
    serve_parser.add_argument("--open", action="store_true",
                              help="open the editor (/edit/) in the web browser once it listens")
    serve_parser.set_defaults(command=_serve)
    check_parser = commands.add_parser("check", help="validate leaflets, brand, catalogs and "
                                                     "templates without rendering")
    check_parser.set_defaults(command=_check)
    # The options may stand before or after the command: SUPPRESS keeps a sub-command
    # from overwriting a value given before it with its own default.
    for flag, meaning in (("--strict", "treat a skipped output or an out-of-date template as a "
                                       "failure (for CI)"),
                          ("--draft", "build incomplete translations too, with English for "
                                      "the missing texts and a draft mark on every page")):
        for command in (parser, build_parser):
            command.add_argument(flag, action="store_true",
                                 default=False if command is parser else argparse.SUPPRESS,
                                 help=meaning)
    for command in (parser, build_parser):
        command.add_argument("--variant", choices=VARIANTS, action="append",
                             default=None if command is parser else argparse.SUPPRESS,
                             help="build only this variant (repeatable; default: all)")
        command.add_argument("--jobs", type=_positive, metavar="N",
                             default=None if command is parser else argparse.SUPPRESS,
                             help="render N PDFs at a time (default: the number of cores)")
        command.add_argument("--format", metavar="NAMES",
                             default=None if command is parser else argparse.SUPPRESS,
                             help="make only these other formats, comma-separated: braille, "
                                  "epub (default: the brand file's formats; PDFs and web "
                                  "pages are always made)")
        command.add_argument("--force", action="store_true",
                             default=False if command is parser else argparse.SUPPRESS,
                             help="render every output again, even if it is up to date")
        command.add_argument("--shard", type=_shard, metavar="K/N",
                             default=None if command is parser else argparse.SUPPRESS,
                             help="render only the K-th of N slices of the outputs (for a "
                                  "CI matrix; the N slices together are the full build)")
    serve_parser.add_argument("--jobs", type=_positive, metavar="N",
                              default=argparse.SUPPRESS,
                              help="render N PDFs at a time (default: the number of cores)")
    for command in (parser, build_parser, check_parser, serve_parser):
        default = None if command is parser else argparse.SUPPRESS
        command.add_argument("--brand", type=Path, metavar="FILE", default=default,
                             help="brand file to use (default: brand/brand.yaml)")
        if command is not check_parser:
            command.add_argument("--output", type=Path, metavar="DIR", default=default,
                                 help="output folder (default: dist/ in the project)")

    extract_parser = commands.add_parser("extract", help="write locales/messages.pot")
    extract_parser.set_defaults(command=_extract)
    update_parser = commands.add_parser("update", help="extract, then merge the template into "
                                                       "every catalog (changed texts become "
                                                       "fuzzy)")
    update_parser.set_defaults(command=_update)
    for command in (extract_parser, update_parser):
        command.add_argument("--brand", type=Path, metavar="FILE", action="append",
                             dest="brands", default=[],
                             help="also read this brand file's texts (repeatable; every "
                                  "brand file in brand/ is always read)")
    init_parser = commands.add_parser("init", help="start a catalog for a new language")
    init_parser.add_argument("locale", metavar="LOCALE", help="e.g. fr, pt_BR, zh-Hans")
    init_parser.set_defaults(command=_init)
    new_parser = commands.add_parser("new", help="start leaflets/ID.yaml from "
                                                 "templates/new-leaflet.yaml")
    new_parser.add_argument("leaflet", metavar="ID", help="e.g. knee-pain: also its file name")
    new_parser.add_argument("--title", required=True, metavar="TEXT")
    new_parser.add_argument("--audience", default="patient", metavar="patient|clinician",
                            help="who it is for (default: patient)")
    new_parser.set_defaults(command=_new)
    stats_parser = commands.add_parser("stats", help="translated, fuzzy and untranslated "
                                                     "texts per locale and leaflet")
    stats_parser.add_argument("--format", choices=("table", "json"), default="table")
    stats_parser.add_argument("--missing", action="store_true",
                              help="list each untranslated, fuzzy or invalid text with its "
                                   "catalog file and line")
    stats_parser.add_argument("--locale", action="append", metavar="LOCALE",
                              help="only this language (repeatable; e.g. zh-Hans)")
    stats_parser.set_defaults(command=_stats)
    report_parser = commands.add_parser("report", help="every leaflet with its version, "
                                                       "review date, owner and translations")
    report_parser.add_argument("--format", choices=("table", "json"), default="table")
    report_parser.set_defaults(command=_report)
    check_parser.add_argument("--strict", action="store_true", default=argparse.SUPPRESS,
                              help="treat the quality gates' warnings as failures")
    for command in (check_parser, report_parser):
        command.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                             default=datetime.date.today(),
                             help="the date to judge review dates by (default: today)")
    new_parser.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                            default=datetime.date.today(),
                            help="its publication date; review by two years later "
                                 "(default: today)")
    commands.add_parser("schema", help="write the JSON Schemas editors use").set_defaults(
        command=_schema)
    _release_parser(commands)
    diff_parser = commands.add_parser("diff", help="write dist/review/ID.html: what changed "
                                                   "since the last approved version")
    diff_parser.add_argument("leaflets", nargs="*", metavar="ID",
                             help="the leaflets (default: every leaflet whose text changed)")
    diff_parser.add_argument("--since", metavar="VERSION|GIT-REF", default=None,
                             help="compare with this version or git commit (default: the "
                                  "last approved version)")
    diff_parser.set_defaults(command=_diff)
    return parser


def _release_parser(commands) -> None:
    parser = commands.add_parser("release", help="record the approval of a new version")
    parser.add_argument("leaflets", nargs="+", metavar="ID")
    parser.add_argument("--approver", metavar='"NAME, ROLE"', help="who approved it")
    parser.add_argument("--summary", metavar="TEXT", help="one line: what changed")
    parser.add_argument("--major", action="store_true", help="2.0 after 1.3, not 1.4")
    parser.add_argument("--date", type=_date, metavar="YYYY-MM-DD", default=None,
                        help="the day of the approval (default: today)")
    parser.add_argument("--patient-review", type=_date, metavar="YYYY-MM-DD", default=None,
                        help="the day a patient panel or user testing reviewed it")
    parser.add_argument("--braille-checked-by", metavar='"NAME, ROLE"', default=None,
                        help="the qualified transcriber who checked the braille of the "
                             "version (with --amend: of the current, approved version)")
    parser.add_argument("--amend", action="store_true",
                        help="record the current text as the current version's, without a "
                             "new version (after merging text edits made before approval); "
                             "with --braille-checked-by, record only that check")
    parser.set_defaults(command=_release)


def _build(project: Project, arguments) -> int:
    started = time.perf_counter()
    dist = (arguments.output or project.root / "dist").resolve()
    if arguments.strict and arguments.draft:
        print("build.py: error: --strict and --draft cannot be used together", file=sys.stderr)
        return 2
    variants = tuple(arguments.variant or VARIANTS)
    formats = _formats(arguments)
    brand_file = (arguments.brand or project.brand_file).resolve()
    leaflets = getattr(arguments, "leaflets", None) or None
    locales = getattr(arguments, "locale", None) or None
    if not arguments.force and not leaflets and not locales:
        manifest = _nothing_to_do(project, dist, brand_file, arguments, variants, formats)
        if manifest is not None:
            for line in incremental.remembered_warnings(dist / ".cache"):  # as a build would
                print(line, file=sys.stderr)
            count = len(manifest["outputs"]) + len(manifest.get("drafts", []))
            print(f"0 built, {count} reused, {len(manifest.get('skipped', []))} skipped, "
                  f"0 failed in {time.perf_counter() - started:.2f} s: everything in {dist} "
                  "is up to date")
            return 0

    from .build.pipeline import build

    progress = _Progress() if sys.stdout.isatty() else None
    try:
        result = build(project, dist, _options(project, arguments, leaflets, locales),
                       warn=lambda line: print(line, file=sys.stderr), progress=progress)
    finally:
        if progress:
            progress.finish()
    built = len(result.outputs) + len(result.drafts) - len(result.reused) - \
        len(result.untouched)
    kept = f", {len(result.kept)} kept from earlier builds" if result.kept else ""
    print(f"{built} built, {len(result.reused)} reused, {len(result.skipped)} skipped, "
          f"{len(result.failed)} failed{kept} in {time.perf_counter() - started:.1f} s; "
          f"list in {dist / 'manifest.json'}")
    return 0


def _options(project: Project, arguments, leaflets=None, locales=None):
    """Return the `BuildOptions` the command line asks for."""
    from .build.plan import BuildOptions
    from .build.workers import default_jobs

    return BuildOptions(
        brand=(arguments.brand or project.brand_file).resolve(), strict=arguments.strict,
        draft=arguments.draft, variants=tuple(arguments.variant or VARIANTS),
        jobs=arguments.jobs or default_jobs(), force=arguments.force, shard=arguments.shard,
        formats=_formats(arguments),
        leaflets=frozenset(leaflets) if leaflets else None,
        # zh-Hans or zh_Hans: the folder's name is the gettext one
        locales=frozenset(map(gettext_name, locales)) if locales else None)


def _formats(arguments) -> tuple[str, ...] | None:
    """Return the formats ``--format`` names (None without it: the brand's)."""
    if arguments.format is None:
        return None
    try:
        return format_names([name.strip() for name in arguments.format.split(",")
                             if name.strip()])
    except ValueError as error:
        raise LeafletError.at("command line", None, f"--format: {error}") from None


def _serve(project: Project, arguments) -> int:
    from .preview.server import serve

    dist = (arguments.output or project.root / "dist").resolve()
    serve(project, dist, _options(project, arguments), arguments.port,
          log=lambda line: print(line, flush=True), open_editor=arguments.open)
    return 0


def _nothing_to_do(project: Project, dist: Path, brand_file: Path, arguments, variants,
                   formats):
    """Return the last manifest if no input changed and every file it lists is intact."""
    cache = dist / ".cache"
    options = incremental.build_options(project.root, brand_file, arguments.strict,
                                        arguments.draft, variants, arguments.shard,
                                        formats)
    digest = incremental.build_digest(project.root, brand_file, options,
                                      incremental.remembered_system_files(cache))
    return incremental.up_to_date(dist, cache, digest)


class _Progress:
    """A one-line progress bar with the current output, for terminals."""

    def __init__(self) -> None:
        self.width = 0

    def __call__(self, done: int, total: int, output, verb: str) -> None:
        filled = round(24 * done / total) if total else 24
        line = f"[{'#' * filled}{'.' * (24 - filled)}] {done}/{total} {verb} {output.path}"
        sys.stdout.write("\r" + line.ljust(self.width))
        sys.stdout.flush()
        self.width = len(line)

    def finish(self) -> None:
        if self.width:
            sys.stdout.write("\r" + " " * self.width + "\r")
            sys.stdout.flush()


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(DATE_EXPECTED.format(text)) from None


def _shard(text: str) -> tuple[int, int]:
    number, _, count = text.partition("/")
    if not (number.isdigit() and count.isdigit() and 1 <= int(number) <= int(count)):
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, such as 1/4; "
                                         f"got {text!r}")
    return int(number), int(count)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _check(project: Project, arguments) -> int:
    from .build.pipeline import check

    warnings = check(project, arguments.brand, today=arguments.today, strict=arguments.strict,
                     warn=lambda line: print(line, file=sys.stderr))
    gates = f"; the quality gates found {warnings} thing{'s' if warnings != 1 else ''} to " \
            "improve (--strict fails on them)" if warnings else ""
    print(f"All leaflets, translations and templates are valid, and no review date has "
          f"passed{gates}.")
    return 0


def _report(project: Project, arguments) -> int:
    from .governance.reports import leaflet_report, report_text

    rows, problems = leaflet_report(project, arguments.today)
    if arguments.format == "json":
        print(json.dumps({"today": arguments.today.isoformat(), "leaflets": rows}, indent=2,
                         ensure_ascii=False))
        return _afterwards(problems)
    print(report_text(rows, arguments.today))
    return _afterwards(problems)


def _afterwards(problems) -> int:
    """Raise the problems a report found after it printed what it could (exit code 1)."""
    if problems:
        raise LeafletError(problems)
    return 0


def _extract(project: Project, arguments) -> int:
    from .translation.messages import write_pot

    changed = write_pot(project, _brands(arguments))
    state = "updated" if changed else "already up to date"
    print(f"{project.relative(project.pot_file)} {state}.")
    return 0


def _update(project: Project, arguments) -> int:
    from .translation.messages import update_catalogs

    for locale, changed in update_catalogs(project, _brands(arguments)):
        state = "updated" if changed else "already up to date"
        print(f"{project.relative(project.po_file(locale))} {state}.")
    return 0


def _brands(arguments) -> tuple[Path, ...]:
    """Return the brand files given with --brand, before or after the command."""
    return tuple([arguments.brand] if arguments.brand else []) + tuple(arguments.brands)


def _init(project: Project, arguments) -> int:
    from .translation.messages import init_locale

    locale = init_locale(project, arguments.locale)
    print(f"Started {project.relative(project.po_file(locale))}: translate it, then run "
          "'build.py check' and 'build.py'.")
    from .core.typefaces import installed_families
    from .rendering.writing import font_warning

    warning = font_warning(locale, installed_families())
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _new(project: Project, arguments) -> int:
    from .content.brand import load_brand
    from .content.template import new_leaflet
    from .translation.messages import write_pot

    brand_file = arguments.brand or project.brand_file
    made = new_leaflet(project, load_brand(brand_file, project.relative(brand_file)),
                       arguments.leaflet, arguments.title, arguments.audience, arguments.today)
    write_atomically(made.path, made.content)
    print(f"Started {project.relative(made.path)}: write its text, then run 'build.py check' "
          "(or open it in the editor: 'make edit').")
    write_pot(project, (brand_file,))  # its texts, for translators (as extract writes them)
    return 0


def _stats(project: Project, arguments) -> int:
    from .governance.reports import missing_line, missing_texts, stats_text, translation_stats

    locales = {gettext_name(name) for name in arguments.locale or ()} or None
    if unknown := unknown_locales(project, locales):
        raise LeafletError(unknown)
    if arguments.missing:
        entries, problems = missing_texts(project, locales=locales)
        if arguments.format == "json":
            print(json.dumps({"missing": entries}, indent=2, ensure_ascii=False))
        for entry in entries if arguments.format != "json" else ():
            print(missing_line(entry))
        return _afterwards(problems)
    rows, problems = translation_stats(project, locales=locales)
    if arguments.format == "json":
        print(json.dumps({"stats": rows}, indent=2, ensure_ascii=False))
        return _afterwards(problems)
    print(stats_text(rows))
    return _afterwards(problems)


def _release(project: Project, arguments) -> int:
    from .core.errors import ProblemCollector
    from .governance.release import (Approval, amend, record_braille_check, release,
                                     released_line)

    if not arguments.amend and not (arguments.approver and arguments.summary):
        # A braille check alone is recorded for the version already approved: --amend.
        alone = " with --braille-checked-by" if arguments.braille_checked_by is not None else ""
        print("build.py: error: release needs --approver \"Name, Role\" and --summary "
              f"\"…\" (or --amend{alone})", file=sys.stderr)
        return 2
    problems = ProblemCollector()
    for leaflet_id in arguments.leaflets:
        if arguments.amend and arguments.braille_checked_by is not None:
            done = problems.run(record_braille_check, project, leaflet_id,
                                arguments.braille_checked_by)
        elif arguments.amend:
            done = problems.run(amend, project, leaflet_id)
        else:
            approval = Approval(arguments.approver, arguments.summary,
                                arguments.date or datetime.date.today(), arguments.major,
                                arguments.patient_review, arguments.braille_checked_by)
            done = problems.run(release, project, leaflet_id, approval)
        if done:
            print(released_line(project, done))
    problems.raise_if_any()
    return 0


def _diff(project: Project, arguments) -> int:
    from .governance.review_pack import NOTHING_CHANGED, write_review_packs

    written = write_review_packs(project, arguments.leaflets, arguments.since,
                                 (arguments.output or project.root / "dist").resolve())
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(NOTHING_CHANGED)
    return 0


def _schema(project: Project, arguments) -> int:
    from .content.brand import Brand
    from .content.schema import leaflet_json_schema

    for path, schema in ((project.leaflets_dir / "leaflet.schema.json", leaflet_json_schema()),
                         (project.brand_file.with_name("brand.schema.json"),
                          Brand.model_json_schema())):
        write_atomically(path, (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode())
        print(f"wrote {project.relative(path)}")
    return 0
