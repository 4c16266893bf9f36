"""Measure how long Ctrl-C takes to end a build, from the signal to the exit.

    .venv/bin/python bench/interrupt.py [--project DIR] [--runs 5] [--delay 3]

Each run starts ``build.py build --force`` on a copy of the project (the shipped one by
default) in a session of its own, waits ``--delay`` seconds after its first PDF, sends
SIGINT to the whole group as a terminal does, and times until the build has exited
and no process of its session is left. Issue 13 asks for less than a second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("leaflets", "locales", "templates", "brand")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=3.0,
                        help="seconds from the first PDF to the signal")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch)
        for part in PARTS:
            shutil.copytree(arguments.project / part, project / part)
        times = [_interrupt(project, arguments.delay) for _ in range(arguments.runs)]
    print(" ".join(f"{seconds:.2f}" for seconds in times))
    print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    return 0


def _interrupt(project: Path, delay: float) -> float:
    """Run one build, interrupt it, and return the seconds from SIGINT to its end."""
    build = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--project", str(project), "build",
         "--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    for line in build.stdout:
        if line.startswith("built ") and ".pdf" in line:
            break
    time.sleep(delay)
    sent = time.monotonic()
    os.killpg(build.pid, signal.SIGINT)
    code = build.wait()
    while _alive_in_session(build.pid):
        time.sleep(0.01)
    elapsed = time.monotonic() - sent
    build.stdout.read()
    stderr = build.stderr.read().strip()
    print(f"{elapsed:.2f} s, exit {code}: {stderr}", file=sys.stderr)
    return elapsed


def _alive_in_session(session: int) -> bool:
    """Return whether any process of ``session`` is still running (from /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] not in "ZX":
            return True
    return False


if __name__ == "__main__":
    raise SystemExit(main())
