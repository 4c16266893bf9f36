"""Benchmark what braille and EPUB add to a build (issue 24: at most 10 % of a cold build).

    .venv/bin/python bench/formats.py [--repeat 3] [--output bench/formats]

Copies the shipped project (leaflets, locales, templates, brand) into a scratch folder
and times, each as its own process as a user runs it:

- a cold build with ``--format pdf`` (PDFs and web pages only), into a fresh folder;
- a cold build with every format (the default), into another fresh folder;
- after an edit of one leaflet's English text (approved again, as ``release --amend``
  records it), the build that follows: which files it made again.

Each cold build starts without a font cache, so both pay for the same font subsets;
the two kinds alternate ``--repeat`` times, and each figure is their median. The target
is judged on processor time (user + system, the build's and its workers'): on a shared
machine the wall-clock time of one build can be off by several seconds either way.
Results go to ``OUTPUT.json`` and ``OUTPUT.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TARGET = 0.10


def _build(project: Path, dist: Path, cache: Path, *options: str) -> tuple[float, float]:
    """Return the build's wall-clock time and its processor time (its render workers'
    too: they are its children), in seconds."""
    started, before = time.perf_counter(), _processor_time()
    subprocess.run([str(PYTHON), str(ROOT / "build.py"), "--project", str(project), "build",
                    "--output", str(dist), *options], check=True, capture_output=True,
                   env={**os.environ, "LEAFPRESS_CACHE_DIR": str(cache)})
    return time.perf_counter() - started, _processor_time() - before


def _processor_time() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leafpress-formats-") as scratch:
        scratch = Path(scratch)
        project = scratch / "project"
        for part in ("leaflets", "locales", "templates", "brand"):
            shutil.copytree(ROOT / part, project / part)
        withouts, everys = [], []
        for number in range(arguments.repeat):
            withouts.append(_build(project, scratch / f"without-{number}",
                                   scratch / f"cache-without-{number}", "--format", "pdf"))
            everys.append(_build(project, scratch / f"with-{number}",
                                 scratch / f"cache-with-{number}"))
        without = statistics.median(time for time, _ in withouts)
        every = statistics.median(time for time, _ in everys)
        without_cpu = statistics.median(cpu for _, cpu in withouts)
        every_cpu = statistics.median(cpu for _, cpu in everys)
        shutil.copytree(scratch / f"with-{arguments.repeat - 1}", scratch / "with")
        shutil.copytree(scratch / f"cache-with-{arguments.repeat - 1}", scratch / "cache-2")
        manifest = json.loads((scratch / "with" / "manifest.json").read_text("utf-8"))
        made = [record for record in manifest["outputs"]
                if record["format"] in ("braille", "epub")]
        before = {record["path"]: record["sha256"] for record in manifest["outputs"]}
        edited = _edit(project)
        again, _ = _build(project, scratch / "with", scratch / "cache-2")
        after = json.loads((scratch / "with" / "manifest.json").read_text("utf-8"))
        remade = sorted(record["path"] for record in after["outputs"]
                        if before.get(record["path"]) != record["sha256"])
    added = every_cpu / without_cpu - 1
    results = {
        "cold build, --format pdf: processor time (s)": round(without_cpu, 2),
        "cold build, every format: processor time (s)": round(every_cpu, 2),
        "braille and EPUB add (processor time)": f"{added:.1%} (target ≤ {TARGET:.0%})",
        "cold build, --format pdf: wall clock (s)": round(without, 1),
        "cold build, every format: wall clock (s)": round(every, 1),
        "each pair, wall clock (s)": [f"{a[0]:.1f} / {b[0]:.1f}"
                                      for a, b in zip(withouts, everys)],
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
