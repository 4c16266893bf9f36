"""Benchmark what braille and EPUB add to a build (issue 24: at most 10 % of a cold build).

    .venv/bin/python bench/formats.py [--output bench/formats]

Copies the shipped project (leaflets, locales, templates, brand) into a scratch folder
and times, each as its own process as a user runs it:

- a cold build with ``--format pdf`` (PDFs and web pages only), into a fresh folder;
- a cold build with every format (the default), into another fresh folder;
- after an edit of one leaflet's English text (approved again, as ``release --amend``
  records it), the build that follows: which files it made again.

Each cold build starts without a font cache, so both pay for the same font subsets.
Results go to ``OUTPUT.json`` and ``OUTPUT.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TARGET = 0.10


def _build(project: Path, dist: Path, cache: Path, *options: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(PYTHON), str(ROOT / "build.py"), "--project", str(project), "build",
                    "--output", str(dist), *options], check=True, capture_output=True,
                   env={**os.environ, "LEAFPRESS_CACHE_DIR": str(cache)})
    return time.perf_counter() - started


def _edit(project: Path) -> str:
    """Add two words to the first leaflet's first paragraph and approve it again."""
    sys.path.insert(0, str(ROOT))
    from leafpress.core.project import Project
    from leafpress.governance.release import amend

    path = sorted((project / "leaflets").glob("*.yaml"))[0]
    text = path.read_text("utf-8")
    # The first paragraph's first line, folded (">-") or plain.
    path.write_text(re.sub(r"(paragraph: (?:>-\n\s+)?)", r"\1Thank you. ", text, count=1),
                    "utf-8")
    amend(Project.at(project), path.stem)
    return path.stem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "formats")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leafpress-formats-") as scratch:
        scratch = Path(scratch)
        project = scratch / "project"
        for part in ("leaflets", "locales", "templates", "brand"):
            shutil.copytree(ROOT / part, project / part)
        without = _build(project, scratch / "without", scratch / "cache-1", "--format", "pdf")
        every = _build(project, scratch / "with", scratch / "cache-2")
        manifest = json.loads((scratch / "with" / "manifest.json").read_text("utf-8"))
        made = [record for record in manifest["outputs"]
                if record["format"] in ("braille", "epub")]
        before = {record["path"]: record["sha256"] for record in manifest["outputs"]}
        edited = _edit(project)
        again = _build(project, scratch / "with", scratch / "cache-2")
        after = json.loads((scratch / "with" / "manifest.json").read_text("utf-8"))
        remade = sorted(record["path"] for record in after["outputs"]
                        if before.get(record["path"]) != record["sha256"])
    added = every / without - 1
    results = {
        "cold build, --format pdf (s)": round(without, 1),
        "cold build, every format (s)": round(every, 1),
        "braille and EPUB add": f"{added:.1%} (target ≤ {TARGET:.0%})",
        "braille and EPUB files": len(made),
        "their bytes": sum(record["bytes"] for record in made),
        f"after editing {edited}: build (s)": round(again, 1),
        f"after editing {edited}: files changed": remade,
    }
    arguments.output.with_suffix(".json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    lines = ["# Braille and EPUB in the build (bench/formats.py)", "",
             "| measure | value |", "|---|---|"]
    lines += [f"| {name} | {', '.join(value) if isinstance(value, list) else value} |"
              for name, value in results.items()]
    arguments.output.with_suffix(".md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    return 0 if added <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
