"""Benchmark the build against the alternatives, side by side, on a synthetic corpus.

    .venv/bin/python bench/run.py [--sizes 25 100] [--output bench/results]

For each corpus size N it copies the real leaflets N times (new ids and reference
codes; all locales and variants, so 4 PDFs a copy) into a scratch project, then
measures, each as its own process, wall time, CPU time (user + system, workers
included) and peak memory:

1. naive: the ``weasyprint`` command line once per HTML file, in sequence;
2. raw: WeasyPrint in one process, in sequence, on the same HTML (the one-core floor);
3. ``build.py build --force --jobs 1`` and ``--jobs`` = every core;
4. a no-op rebuild, and a rebuild after editing one leaflet;
5. the editing loop (``--editing``): after editing one paragraph, ``build`` and
   ``build ID``; with ``serve`` running, the time from saving the file to the reload
   event of the web page and of its PDFs; a no-op build with skipped outputs; and how
   many PDFs a new character in one leaflet re-renders.

The HTML for 1 and 2 is the pipeline's own, with the same fonts, so all four do the
same rendering work. Results go to ``OUTPUT.json`` and ``OUTPUT.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WEASYPRINT = str(Path(sys.executable).with_name("weasyprint"))

RAW_RENDER = """
import sys, time
from pathlib import Path
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
folder = Path(sys.argv[1])
for html in sorted(folder.glob("*.html")):
    font_config = FontConfiguration()
    css = CSS(filename=str(folder / "fonts.css"), font_config=font_config)
    HTML(filename=str(html)).write_pdf(str(html.with_suffix(".pdf")), stylesheets=[css],
                                       font_config=font_config, pdf_variant="pdf/ua-1")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 100])
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--editing", action="store_true",
                        help="measure only the editing loop (one cold build, then edits)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="rounds of runs, each contender once a round; the fastest "
                             "run counts (this VM is noisy)")
    arguments = parser.parse_args()
    if arguments.editing and arguments.output == ROOT / "bench" / "results":
        arguments.output = ROOT / "bench" / "editing"
    cores = len(os.sched_getaffinity(0))
    rows = []
    with tempfile.TemporaryDirectory(prefix="leafpress-bench-") as scratch:
        for size in arguments.sizes:
            measure = measure_editing if arguments.editing else measure_corpus
            rows += measure(Path(scratch) / f"corpus-{size}", size, cores, arguments.repeat)
    results = {"date": datetime.date.today().isoformat(), "cores": cores,
               "repeat": arguments.repeat,
               "machine": f"{platform.machine()}, {platform.python_implementation()} "
                          f"{platform.python_version()}", "rows": rows}
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    arguments.output.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))
    return 0


def measure_corpus(project: Path, copies: int, cores: int, repeat: int) -> list[dict]:
    make_corpus(project, copies)
    dist = project / "dist"
    build = [PYTHON, str(ROOT / "build.py"), "--project", str(project), "build",
             "--output", str(dist)]
    # Warm the CJK font subset and write the HTML the other contenders render.
    run(build + ["--jobs", str(cores)])
    html_dir = project / "html"
    outputs = export_html(project, html_dir)
    rows = []

    def row(name, runs, **extra):
        measured = min(runs, key=lambda run: run["wall_s"])
        measured.update(corpus=copies, outputs=outputs, contender=name, **extra)
        measured["per_output_s"] = round(measured["wall_s"] / outputs, 3) if outputs else None
        rows.append(measured)
        print(f"{copies:>4} copies, {name:<34} {measured['wall_s']:8.2f} s wall", flush=True)

    naive = ("for f in " + " ".join(sorted(str(p) for p in html_dir.glob("*.html"))) +
             f"; do {WEASYPRINT} --pdf-variant pdf/ua-1 -s {html_dir / 'fonts.css'} "
             '"$f" "${f%.html}.pdf" || exit 1; done')
    contenders = {
        "naive: weasyprint CLI per file": ["bash", "-c", naive],
        "raw WeasyPrint, one process": [PYTHON, "-c", RAW_RENDER, str(html_dir)],
        "build --force --jobs 1": build + ["--force", "--jobs", "1"],
        f"build --force --jobs {cores}": build + ["--force", "--jobs", str(cores)],
    }
    # Round by round, each contender once a round: a slow spell of this shared machine
    # then costs every contender alike instead of whichever ran during it.
    runs = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, command in contenders.items():
            runs[name].append(timed(command))
    for name in contenders:
        row(name, runs[name])
    rows[-1]["worker_peak_mb"] = worker_peak(project, dist, cores)
    run(build)  # a clean build for the no-op one to follow
    row("no-op rebuild", [timed(build) for _ in range(repeat)])
    edit_one(project)
    row("rebuild after editing one leaflet", [timed(build)])
    return rows


def measure_editing(project: Path, copies: int, cores: int, repeat: int) -> list[dict]:
    """Measure the editing loop of issue 14 on a built corpus."""
    make_corpus(project, copies)
    build = [PYTHON, str(ROOT / "build.py"), "--project", str(project), "build"]
    rows = []

    def row(name, runs, **extra):
        measured = min(runs, key=lambda run: run["wall_s"])
        measured.update(corpus=copies, outputs=4 * copies, contender=name, per_output_s=None,
                        **extra)
        rows.append(measured)
        print(f"{copies:>4} copies, {name:<48} {measured['wall_s']:8.2f} s wall", flush=True)

    row("cold build (--force)", [timed(build + ["--force"])])
    first = sorted((project / "leaflets").glob("*.yaml"))[0]
    runs = []
    for number in range(repeat):
        edit_paragraph(first, f"edit {number}")
        runs.append(timed(build))
    row("build after editing one paragraph", runs)
    runs = []
    for number in range(repeat):
        edit_paragraph(first, f"named {number}")
        runs.append(timed(build + [first.stem]))
    row(f"build {first.stem} after editing it", runs)
    rows += serve_latency(project, first, copies, repeat)
    new = sorted((project / "leaflets").glob("*.yaml"))[1]
    edit_paragraph(new, "✓")
    log = subprocess.run(build, capture_output=True, text=True, check=True).stdout
    rerendered = sum(line.startswith("built ") and line.split()[1].endswith(".pdf")
                     for line in log.splitlines())
    row("new character (✓) in one leaflet", [{"wall_s": 0, "cpu_s": 0, "peak_mb": 0}],
        pdfs_rendered=rerendered)
    subprocess.run(build[:-1] + ["init", "fr"], check=True, capture_output=True)
    run(build)
    row("no-op build with skipped outputs", [timed(build) for _ in range(repeat)])
    return rows


def serve_latency(project: Path, leaflet: Path, copies: int, repeat: int) -> list[dict]:
    """Return the time from saving ``leaflet`` to the reload events of ``serve``."""
    import urllib.request

    process = subprocess.Popen([PYTHON, str(ROOT / "build.py"), "--project", str(project),
                                "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    address = process.stdout.readline().split(" at ")[1].split()[0]
    while " built in " not in process.stdout.readline():  # the first build, to its PDFs
        pass
    page, pdf = [], []
    try:
        events = urllib.request.urlopen(address + "__leafpress/events", timeout=300)
        events.readline(), events.readline()  # the state before the edit
        for number in range(repeat):
            saved = time.perf_counter()
            edit_paragraph(leaflet, f"served {number}")
            seen = {}
            while "pdf" not in seen:
                line = events.readline().decode()
                if not line.startswith("data: "):
                    continue
                changed = json.loads(line[6:])["changed"]
                kind = "pdf" if any(path.endswith(".pdf") for path in changed) else "page"
                seen.setdefault(kind, time.perf_counter() - saved)
            page.append(seen.get("page", seen["pdf"]))
            pdf.append(seen["pdf"])
    finally:
        process.terminate()
        process.wait(timeout=30)
    return [{"corpus": copies, "outputs": 4 * copies, "per_output_s": None, "cpu_s": 0,
             "peak_mb": 0, "contender": name, "wall_s": round(min(times), 3)}
            for name, times in (("serve: saved → web page reloaded", page),
                                ("serve: saved → its PDFs reloaded", pdf))]


def edit_paragraph(path: Path, words: str) -> None:
    """Add ``words`` to the first paragraph of the leaflet at ``path``."""
    text = path.read_text("utf-8")
    marker = "      - paragraph: >-\n"
    start = text.index(marker) + len(marker)
    end = text.index("\n", start)
    path.write_text(text[:end] + f" ({words})" + text[end:], "utf-8")


def make_corpus(project: Path, copies: int) -> None:
    """Copy the real project, with the leaflets repeated under new ids."""
    if project.exists():
        shutil.rmtree(project)
    for part in ("locales", "templates", "brand"):
        shutil.copytree(ROOT / part, project / part)
    (project / "leaflets").mkdir(parents=True)
    originals = sorted((ROOT / "leaflets").glob("*.yaml"))
    for number in range(copies):
        source = originals[number % len(originals)]
        text = source.read_text("utf-8")
        new_id = f"{source.stem}-{number:03d}"
        text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.M)
        text = re.sub(r"^reference: (.*)$", rf"reference: \g<1>-{number:03d}", text, count=1,
                      flags=re.M)
        (project / "leaflets" / f"{new_id}.yaml").write_text(text, "utf-8")


def export_html(project: Path, html_dir: Path) -> int:
    """Write every output's HTML and the build's font rules, as the pipeline makes them."""
    sys.path.insert(0, str(ROOT))
    from leafpress.core.errors import ProblemCollector
    from leafpress.rendering.fonts import cache_dir, subset_font_faces
    from leafpress.build.pipeline import gather
    from leafpress.build.plan import BuildOptions, make_plan
    from leafpress.core.project import Project

    problems = ProblemCollector()
    dist = project / "dist"
    site = gather(Project.at(project), None, problems, warn=lambda message: None)
    plan = make_plan(site, BuildOptions(), problems, lambda message: None,
                     cache_dir(dist).parent / "cmaps")
    html_dir.mkdir(parents=True, exist_ok=True)
    (html_dir / "fonts.css").write_text(subset_font_faces(set().union(*plan.characters.values()),
                                                          cache_dir(dist)))
    for item in plan.outputs:  # the PDFs; web pages are not rendered by WeasyPrint
        name = f"{item.leaflet.id}.{item.translations.locale}.{item.rendered.variant}.html"
        (html_dir / name).write_text(item.rendered.html, "utf-8")
    return len(plan.outputs)


def edit_one(project: Path) -> None:
    path = sorted((project / "leaflets").glob("*.yaml"))[0]
    path.write_text(path.read_text("utf-8").replace('version: "1.0"', 'version: "1.1"'),
                    "utf-8")


def timed(command: list[str]) -> dict:
    """Run ``command``; return its wall time, CPU time and peak memory (workers included)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command[:6])}…\n{stderr}")
    return {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024)}


def worker_peak(project: Path, dist: Path, cores: int) -> int:
    """Return the peak memory of one render worker, in MB, from a --force build."""
    script = (
        "import resource, sys; from pathlib import Path; "
        f"sys.path.insert(0, {str(ROOT)!r}); "
        "from leafpress.build.pipeline import build; from leafpress.core.project import Project; "
        f"build(Project.at({str(project)!r}), Path({str(dist)!r}), jobs={cores}, force=True, "
        "log=lambda line: None, warn=lambda line: None); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    result = subprocess.run([PYTHON, "-c", script], capture_output=True, text=True, check=True)
    return round(int(result.stdout.split()[-1]) / 1024)


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def markdown(results: dict) -> str:
    lines = [f"# Build benchmark, {results['date']}",
             "",
             f"{results['cores']} cores; {results['machine']}. Each copy of a leaflet makes "
             "4 PDFs (2 locales × 2 variants); \"outputs\" counts PDFs. The build also writes "
             "each copy's 2 web pages and 2 thumbnails and the catalogue page, which the other "
             "contenders do not. The contenders run in turn, round by round; each figure is the "
             f"fastest of {results['repeat']} runs (one for the edit). Produced by "
             "`bench/run.py`.",
             "",
             "| corpus | outputs | contender | wall (s) | per output (s) | CPU (s) | "
             "peak memory (MB) |",
             "| ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for row in results["rows"]:
        peak = f"{row['peak_mb']}" if row["peak_mb"] else "–"
        if "worker_peak_mb" in row:
            peak += f" (worker {row['worker_peak_mb']})"
        per = "–" if row["per_output_s"] is None else f"{row['per_output_s']:.3f}"
        if "pdfs_rendered" in row:
            name, wall = f"{row['contender']}: {row['pdfs_rendered']} PDFs re-rendered", "–"
        else:
            name, wall = row["contender"], f"{row['wall_s']:.2f}"
        cpu = f"{row['cpu_s']:.1f}" if row["cpu_s"] else "–"
        lines.append(f"| {row['corpus']} | {row['outputs']} | {name} | {wall} | {per} | {cpu} | "
                     f"{peak} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
