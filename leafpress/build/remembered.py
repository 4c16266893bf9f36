"""Leaflets and catalogs as a build loads them, remembered in the memo while their files
are unchanged (loading a leaflet, YAML and validation, costs about 60 ms).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..content.figure_versions import version_files
from ..content.leaflet import LeafletFile, figure_folders, load_leaflet
from ..core.memo import Memo, digest
from ..core.project import SOURCE_LOCALE, Project, inside_project, project_file
from ..translation.translations import load_translations


def remembered_leaflet(memo: Memo, path: Path, root: Path) -> LeafletFile:
    """Return the leaflet at ``path`` as `load_leaflet` does, remembered while its file
    is unchanged. A leaflet with figures is remembered with what is at every place
    its figures may be (`figure_folders`): a figure changed, added beside the leaflet
    or made a link, a language's version of it added or removed (figure_versions.py), and
    it is loaded (and its figures checked) again."""
    project_file(path, root, path.relative_to(root))  # before a remembered answer
    key = digest(str(root.resolve()), str(path.relative_to(root)), path.read_bytes())
    found = memo.recall("leaflet", path.stem, key)
    if found is not None and found[0] == _figure_places(found[1], root):
        return found[1]
    leaflet = load_leaflet(path, root)
    memo.remember("leaflet", path.stem, key, (_figure_places(leaflet, root), leaflet))
    return leaflet


def remembered_translations(memo: Memo, project: Project, locale: str):
    """Return `load_translations` of ``locale``, remembered while its catalog is
    unchanged (the invalid entries with it, so they are reported every time)."""
    path = project.po_file(locale)
    if locale == SOURCE_LOCALE or not path.is_file():
        return load_translations(project, locale)
    project_file(path, project.root, project.relative(path))  # before a remembered answer
    key = digest(str(project.root.resolve()), locale, path.read_bytes())
    found = memo.recall("catalog", locale, key)
    if found is None:
        found = load_translations(project, locale)
        memo.remember("catalog", locale, key, found)
    return found


def _figure_places(leaflet: LeafletFile, root: Path) -> tuple:
    """Return what each place a leaflet's figures may be holds: the file a link leads
    to, and a digest of its content."""
    places = []
    for name in leaflet.figures:
        for folder in figure_folders(leaflet.path, root):
            place = folder / name
            readable = place.is_file() and inside_project(place, root)
            places.append((str(place.resolve()), hashlib.sha256(place.read_bytes()).digest()
                           if readable else None))
    for name in leaflet.figure_versions:
        for folder in figure_folders(leaflet.path, root):
            places.append(tuple(sorted(path.name for same in version_files(folder / name).values()
                                       for path in same)))
    return tuple(places)
