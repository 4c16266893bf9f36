"""Saving a file from the editor: only into the folders people edit, never over a change
made since the page was opened, and atomically.

Every page that saves sends back the digest of the file as it was when the page was
made (its *base*). The file is replaced only if it still has that digest, checked and
written under one lock, so that of two tabs saving the same file, or a tab and a
``build.py release`` in a terminal, the later one is told and nothing typed is lost: the
page keeps its text and offers to reload.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from werkzeug.exceptions import Conflict, Forbidden

from ..core.errors import LeafletError, Problem
from ..core.project import Project, inside_project, write_atomically

_LOCK = threading.Lock()  # one check-and-write at a time: serve answers in threads


def digest(path: Path) -> str:
    """Return the SHA-256 of the file at ``path``, or "" if there is none."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def follow_the_english(project: Project, brand_file: Path) -> list[Problem]:
    """Merge the English texts into every catalog, as ``build.py update`` does, after a
    leaflet was saved or made: a changed text is fuzzy for its translators at once, a new
    one waits for them, and ``check`` finds the POT current. Return what stopped it.

    Under the lock every save takes: msgmerge reads a catalog and writes it back, and a
    translator's save between the two would be lost.
    """
    from ..translation.messages import update_catalogs

    with _LOCK:
        try:
            update_catalogs(project, (brand_file,))
        except LeafletError as error:
            return list(error.problems)
    return []


def writable_folders(project: Project, brand_file: Path) -> list[Path]:
    """Return the folders the editor may write into: leaflets, locales and the brand's."""
    return [project.leaflets_dir, project.locales_dir, brand_file.resolve().parent]


def save(project: Project, brand_file: Path, path: Path, content: bytes, base: str) -> str:
    """Replace ``path`` with ``content`` if the file still has the digest ``base`` ("" for
    a file that must not exist yet); return the new digest.

    Raise `Forbidden` for a path outside the folders people edit, `Conflict` if the file
    changed since ``base`` was read.
    """
    folders = writable_folders(project, brand_file)
    if not any(path.resolve().is_relative_to(folder.resolve()) and
               inside_project(path, project.root) for folder in folders):
        raise Forbidden(f"refused: {path} is outside the folders the editor writes "
                        "(leaflets/, locales/ and the brand's folder)")
    with _LOCK:
        current = digest(path)
        if current != base:
            raise Conflict(f"{project.relative(path)} was changed by someone else since this "
                           "page was opened; your changes are kept on the page: reload the "
                           "file to see the other change, then make yours again")
        write_atomically(path, content)
    return hashlib.sha256(content).hexdigest()
