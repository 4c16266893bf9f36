"""Published files: the record of a file in ``dist/`` (path, SHA-256, size), and the cache
entries that let a build reuse one while it is intact.

Standard library only, like incremental.py: a build that finds nothing to do uses it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..core.project import write_atomically


@dataclass(frozen=True)
class File:
    """A file the web pages or the catalogue need, as listed under ``"files"``."""

    path: str
    sha256: str
    bytes: int


def intact(dist: Path, record: dict) -> bool:
    """Return whether the file that ``record`` describes is on disk, unchanged."""
    path = dist / record["path"]
    try:
        content = path.read_bytes()
    except OSError:
        return False
    return len(content) == record["bytes"] and \
        hashlib.sha256(content).hexdigest() == record["sha256"]


def cached_output(cache: Path, key: str, dist: Path) -> dict | None:
    """Return the record cached for ``key`` if the file it describes is intact."""
    try:
        record = json.loads((cache / "outputs" / f"{key}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None  # absent, or half-written by an interrupted build
    return record if isinstance(record, dict) and intact(dist, record) else None


def store_output(cache: Path, key: str, record: dict) -> None:
    write_atomically(cache / "outputs" / f"{key}.json",
                     json.dumps(record, sort_keys=True).encode("utf-8"))
