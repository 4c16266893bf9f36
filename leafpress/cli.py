"""Command line: ``build.py [build|check|extract|schema]``.

Exit codes: 0 success; 1 problems in content, translations or the build; 2 bad usage.
This is the only place that turns a `LeafletError` into an exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .catalog import init_locale, update_catalogs, write_pot
from .errors import LeafletError
from .leaflet import leaflet_json_schema
from .brand import Brand
from .pipeline import VARIANTS, build, check, translation_stats
from .translation import STATES
from .project import Project, write_atomically

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    project = Project.at(arguments.project)
    if not project.leaflets_dir.is_dir():
        parser.error(f"{arguments.project} is not a leaflet project (it has no leaflets/ folder)")
    if arguments.brand and not arguments.brand.is_file():
        parser.error(f"--brand: no such file: {arguments.brand}")
    if arguments.output and arguments.output.exists() and not arguments.output.is_dir():
        parser.error(f"--output: {arguments.output} is a file, not a folder")
    try:
        return arguments.command(project, arguments)
    except LeafletError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found.", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build multilingual patient leaflets as accessible PDFs.")
    parser.add_argument("--project", type=Path, default=ROOT, metavar="DIR",
                        help="the project folder (default: the one holding build.py)")
    parser.set_defaults(command=_build, brand=None, output=None, strict=False, draft=False,
                        variant=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build_parser = commands.add_parser("build", help="build every leaflet in every locale "
                                                     "(the default)")
    build_parser.set_defaults(command=_build)
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
    for command in (parser, build_parser, check_parser):
        default = None if command is parser else argparse.SUPPRESS
        command.add_argument("--brand", type=Path, metavar="FILE", default=default,
                             help="brand file to use (default: brand/brand.yaml)")
        if command is not check_parser:
            command.add_argument("--output", type=Path, metavar="DIR", default=default,
                                 help="output folder (default: dist/ in the project)")

    commands.add_parser("extract", help="write locales/messages.pot").set_defaults(
        command=_extract)
    commands.add_parser("update", help="extract, then merge the template into every "
                                       "catalog (changed texts become fuzzy)").set_defaults(
        command=_update)
    init_parser = commands.add_parser("init", help="start a catalog for a new language")
    init_parser.add_argument("locale", metavar="LOCALE", help="e.g. fr, pt_BR, zh-Hans")
    init_parser.set_defaults(command=_init)
    stats_parser = commands.add_parser("stats", help="translated, fuzzy and untranslated "
                                                     "texts per locale and leaflet")
    stats_parser.add_argument("--format", choices=("table", "json"), default="table")
    stats_parser.set_defaults(command=_stats)
    commands.add_parser("schema", help="write the JSON Schemas editors use").set_defaults(
        command=_schema)
    return parser


def _build(project: Project, arguments) -> int:
    started = time.perf_counter()
    dist = (arguments.output or project.root / "dist").resolve()
    if arguments.strict and arguments.draft:
        print("build.py: error: --strict and --draft cannot be used together", file=sys.stderr)
        return 2
    result = build(project, dist, arguments.brand, strict=arguments.strict,
                   draft=arguments.draft, variants=tuple(arguments.variant or VARIANTS),
                   warn=lambda line: print(line, file=sys.stderr))
    seconds = time.perf_counter() - started
    skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
    print(f"{len(result.outputs)} PDFs{skipped} in {dist} ({seconds:.1f} s); list in "
          f"{dist / 'manifest.json'}")
    return 0


def _check(project: Project, arguments) -> int:
    check(project, arguments.brand)
    print("All leaflets, translations and templates are valid.")
    return 0


def _extract(project: Project, arguments) -> int:
    changed = write_pot(project)
    state = "updated" if changed else "already up to date"
    print(f"{project.relative(project.pot_file)} {state}.")
    return 0


def _update(project: Project, arguments) -> int:
    for locale, changed in update_catalogs(project):
        state = "updated" if changed else "already up to date"
        print(f"{project.relative(project.po_file(locale))} {state}.")
    return 0


def _init(project: Project, arguments) -> int:
    locale = init_locale(project, arguments.locale)
    print(f"Started {project.relative(project.po_file(locale))}: translate it, then run "
          "'build.py check' and 'build.py'.")
    return 0


def _stats(project: Project, arguments) -> int:
    rows = translation_stats(project)
    if arguments.format == "json":
        print(json.dumps({"stats": rows}, indent=2, ensure_ascii=False))
        return 0
    header = ("locale", "leaflet", *STATES, "complete")
    table = [header] + [(row["locale"], row["leaflet"], *(str(row[state]) for state in STATES),
                         f"{row['percent']:.1f}%") for row in rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) if column < 2 else cell.rjust(width)
                        for column, (cell, width) in enumerate(zip(line, widths))).rstrip())
    return 0


def _schema(project: Project, arguments) -> int:
    for path, schema in ((project.leaflets_dir / "leaflet.schema.json", leaflet_json_schema()),
                         (project.brand_file.with_name("brand.schema.json"),
                          Brand.model_json_schema())):
        write_atomically(path, (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode())
        print(f"wrote {project.relative(path)}")
    return 0
