"""Digests of files and of the libraries that draw them, for the keys of every cache.

Standard library only: the build that finds nothing to do imports this and nothing heavy.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

from .project import TEMPORARY_SUFFIX

# The libraries whose versions change the bytes of a PDF or of a thumbnail.
RENDERING_PACKAGES = ("weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2",
                      "tinyhtml5", "pyphen", "segno", "jinja2", "babel", "markdown-it-py",
                      "pillow", "pypdfium2", "uharfbuzz")

@functools.lru_cache(maxsize=1)
def versions() -> str:
    """Return the rendering libraries' versions, as one string (30 ms: read once)."""
    return ";".join(f"{name}={metadata.version(name)}" for name in RENDERING_PACKAGES)


# The package's own folder: its source is an input of every output too.
PACKAGE = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=None)
def code_digest(*parts: str, package: Path = PACKAGE) -> str:
    """Return a digest of leafpress's own source: all of it, or only the subpackages and
    modules named in ``parts`` (``"rendering"``, ``"build/workers.py"``). A new version of
    the code may draw the same HTML differently, so it is part of the cache keys."""
    paths = [package / part for part in parts] if parts else sorted(package.rglob("*.py"))
    return files_digest(paths, package)


def files_digest(paths, root: Path) -> str:
    """Return a hash of the contents of ``paths`` (files; folders recursively) and of their
    names relative to ``root``: the same project in another folder has the same digest."""
    digest = hashlib.sha256()
    for path in sorted(_files(paths)):
        if path.name.startswith(".") and path.name.endswith(TEMPORARY_SUFFIX):
            continue  # a file being written (write_atomically): its own name follows
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            continue  # gone since the folder was listed: renamed into place, or deleted
        digest.update(relative_name(path, root).encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def relative_name(path: Path, root: Path) -> str:
    """Return ``path`` relative to ``root`` if it is inside, else as it is."""
    path, root = Path(path).absolute(), Path(root).absolute()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _files(paths):
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from (child for child in path.rglob("*")
                        if child.is_file() and "__pycache__" not in child.parts)
        elif path.is_file():
            yield path
