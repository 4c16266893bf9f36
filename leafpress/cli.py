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

from .catalog import write_pot
from .errors import LeafletError
from .leaflet import leaflet_json_schema
from .brand import Brand
from .pipeline import build, check
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
    parser.set_defaults(command=_build, brand=None, output=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build_parser = commands.add_parser("build", help="build every leaflet in every locale "
                                                     "(the default)")
    build_parser.set_defaults(command=_build)
    check_parser = commands.add_parser("check", help="validate leaflets, brand, catalogs and "
                                                     "templates without rendering")
    check_parser.set_defaults(command=_check)
    # The options may stand before or after the command: SUPPRESS keeps a sub-command
    # from overwriting a value given before it with its own default.
    for command in (parser, build_parser, check_parser):
        default = None if command is parser else argparse.SUPPRESS
        command.add_argument("--brand", type=Path, metavar="FILE", default=default,
                             help="brand file to use (default: brand/brand.yaml)")
        if command is not check_parser:
            command.add_argument("--output", type=Path, metavar="DIR", default=default,
                                 help="output folder (default: dist/ in the project)")

    commands.add_parser("extract", help="write locales/messages.pot").set_defaults(
        command=_extract)
    commands.add_parser("schema", help="write the JSON Schemas editors use").set_defaults(
        command=_schema)
    return parser


def _build(project: Project, arguments) -> int:
    started = time.perf_counter()
    dist = (arguments.output or project.root / "dist").resolve()
    outputs = build(project, dist, arguments.brand)
    seconds = time.perf_counter() - started
    print(f"{len(outputs)} PDFs in {dist} ({seconds:.1f} s); list in "
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


def _schema(project: Project, arguments) -> int:
    for path, schema in ((project.leaflets_dir / "leaflet.schema.json", leaflet_json_schema()),
                         (project.brand_file.with_name("brand.schema.json"),
                          Brand.model_json_schema())):
        write_atomically(path, (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode())
        print(f"wrote {project.relative(path)}")
    return 0
