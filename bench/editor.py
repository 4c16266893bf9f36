"""Benchmark the browser editor of ``serve`` against the targets of issue 22.

    .venv/bin/python bench/editor.py [--copies 100] [--repeat 10] [--output bench/editor]

Copies the real leaflets ``--copies`` times into a scratch project (as bench/run.py
does), starts ``build.py serve`` on it, waits for its first build, and then times, as a
browser would ask them (the token from the page, the editor's own ``Origin``):

- the start page (target 0.3 s) and one leaflet's form (0.3 s);
- ``/check`` after an edit: the problems and the preview a keystroke's pause sends for
  (0.5 s);
- ``/save`` of that edit, validated and on disk (0.3 s);
- ``/pdf``: the PDF preview of the edited leaflet (2.0 s).

Each figure is the median of ``--repeat`` requests, with the slowest beside it. Results
go to ``OUTPUT.json`` and ``OUTPUT.md``. Each save makes serve rebuild the leaflet (its
pages, then its PDFs, about 2 s on 2 cores); the next save and the PDF previews are timed
once that rebuild is over, as a writer saves again after a while, not ten times a second.

With ``--corpus DIR`` the corpus is kept there (made if absent), and so is its build: a
second run (say, after a change to the code) then starts serve on a build already done,
instead of spending minutes on a cold build of every PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import PYTHON, make_corpus  # noqa: E402 (bench/run.py, beside this file)

TARGETS = {"start page": 0.3, "leaflet form": 0.3, "check and preview": 0.5, "save": 0.3,
           "PDF preview": 2.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "editor")
    parser.add_argument("--corpus", type=Path,
                        help="keep the corpus and its build in this folder (made if absent)")
    parser.add_argument("--note", default="", help="a line to say what was measured")
    parser.add_argument("--before", type=Path,
                        help="the JSON of an earlier run, shown beside this one")
    arguments = parser.parse_args()
    if arguments.corpus:
        if not (arguments.corpus / "leaflets").is_dir():
            make_corpus(arguments.corpus, arguments.copies)
        rows = measure(arguments.corpus, arguments.repeat)
    else:
        with tempfile.TemporaryDirectory() as folder:
            project = Path(folder) / "corpus"
            make_corpus(project, arguments.copies)
            rows = measure(project, arguments.repeat)
    results = {"copies": arguments.copies, "repeat": arguments.repeat,
               "cores": len(os.sched_getaffinity(0)), "note": arguments.note, "rows": rows}
    if arguments.before:
        earlier = json.loads(arguments.before.read_text())
        results["before"] = {"note": earlier.get("note", ""), "rows": earlier["rows"]}
    arguments.output.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    arguments.output.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))
    return 0 if all(row["median_s"] <= row["target_s"] for row in rows) else 1


def measure(project: Path, repeat: int) -> list[dict]:
    """Start serve on ``project``; return the timings of each request kind."""
    process = subprocess.Popen([PYTHON, str(ROOT / "build.py"), "--project", str(project),
                                "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    log = Log(process.stdout)
    try:
        address = log.wait(" at ").split(" at ")[1].split()[0].rstrip("/")
        log.wait(" built in ")  # the first build, to its PDFs
        leaflet = sorted((project / "leaflets").glob("*.yaml"))[0].stem
        client = Client(address)
        timings = {"start page": [client.time("GET", "/edit/") for _ in range(repeat)]}
        form = f"/edit/leaflets/{leaflet}"
        timings["leaflet form"] = [client.time("GET", form) for _ in range(repeat)]
        data, base = client.form_data(form)
        for kind, route in (("check and preview", "check"), ("save", "save"),
                            ("PDF preview", "pdf")):
            timings[kind] = []
            for number in range(repeat):
                if route != "check":  # a save's rebuild over, as after a pause to read
                    log.quiet()
                edited = _edited(data, f"bench {route} {number}")
                seconds, reply = client.post(f"{form}/{route}", {"leaflet": edited,
                                                                  "base": base})
                if route == "save":
                    base = json.loads(reply)["base"]
                timings[kind].append(seconds)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return [{"request": kind, "median_s": round(statistics.median(times), 3),
             "slowest_s": round(max(times), 3), "target_s": TARGETS[kind]}
            for kind, times in timings.items()]


class Log:
    """Serve's output, read in a thread (so that it never fills the pipe) as it comes."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait(self, text: str, after: int = 0) -> str:
        """Return the first line from number ``after`` on that holds ``text``."""
        with self.changed:
            while True:
                for line in self.lines[after:]:
                    if text in line:
                        return line
                if not self.changed.wait(timeout=900):
                    raise TimeoutError(f"serve did not say {text!r}")

    def quiet(self, seconds: float = 2.0) -> None:
        """Wait until serve's last line ends a rebuild and it has said nothing since for
        ``seconds`` (a save's rebuild starts a moment after the save)."""
        with self.changed:
            while self.changed.wait(timeout=seconds) or \
                    not self.lines[-1].rstrip().endswith(" s"):
                pass


class Client:
    """Requests as the editor's pages send them: its token and its own origin."""

    def __init__(self, address: str) -> None:
        self.address = address
        page = self._open(urllib.request.Request(address + "/edit/")).decode()
        self.token = re.search(r'name="leafpress-token" content="([^"]+)"', page)[1]

    def time(self, method: str, path: str) -> float:
        started = time.perf_counter()
        self._open(urllib.request.Request(self.address + path, method=method))
        return time.perf_counter() - started

    def form_data(self, path: str) -> tuple[dict, str]:
        """Return the leaflet data and base digest that the form page embeds."""
        page = self._open(urllib.request.Request(self.address + path)).decode()
        found = re.search(r'<script type="application/json" id="leaflet-page">(.*?)</script>',
                          page, re.S)
        embedded = json.loads(found[1])
        return embedded["data"], embedded["base"]

    def post(self, path: str, body: dict) -> tuple[float, bytes]:
        request = urllib.request.Request(
            self.address + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Origin": self.address,
                     "X-Leafpress-Token": self.token})
        started = time.perf_counter()
        reply = self._open(request)
        return time.perf_counter() - started, reply

    @staticmethod
    def _open(request) -> bytes:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read()


def _edited(data: dict, words: str) -> dict:
    """Return ``data`` with ``words`` added to its first paragraph."""
    edited = json.loads(json.dumps(data))
    for section in edited["sections"]:
        for block in section["blocks"]:
            if "paragraph" in block:
                block["paragraph"] += f" ({words})"
                return edited
    raise ValueError("the leaflet has no paragraph to edit")


def markdown(results: dict) -> str:
    before = {row["request"]: row for row in results.get("before", {}).get("rows", ())}
    lines = [f"# The editor on {results['copies']} leaflets (median of {results['repeat']})",
             "", f"{results['cores']} cores; produced by `bench/editor.py`. "
                 f"{results.get('note', '')}".rstrip(), "",
             "| request | median (s) | slowest (s) | target (s) |"
             + (" before: median (s) | before: slowest (s) |" if before else ""),
             "|---|---|---|---|" + ("---|---|" if before else "")]
    for row in results["rows"]:
        line = f"| {row['request']} | {row['median_s']} | {row['slowest_s']} | " \
               f"{row['target_s']} |"
        if before:
            earlier = before.get(row["request"], {})
            line += f" {earlier.get('median_s', '–')} | {earlier.get('slowest_s', '–')} |"
        lines.append(line)
    if before and results["before"].get("note"):
        lines += ["", f"Before: {results['before']['note']}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
