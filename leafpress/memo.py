"""What a build remembers from one build to the next: each leaflet as loaded, each
catalog as read, and each leaflet's HTML in every language and variant.

Loading a leaflet (YAML, validation) and rendering its HTML cost about 60 ms a leaflet,
so a build after editing one leaflet of a hundred spent 6 s redoing work whose inputs
had not changed. Each result is remembered in ``dist/.cache/memo/``, one file per
leaflet and kind, under a digest of everything it is made from and of this package's
code and libraries: a change to any of them (the leaflet, a figure, a catalog, a
template, the brand, an option, the project's folder) gives another digest, and the
result is made again. Only results that came without a problem are remembered, so every
problem is found again on every build. Files are written atomically; one that does not
load is ignored.
"""

from __future__ import annotations

import hashlib
import pickle
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .errors import LeafletError
from .incremental import files_digest, versions
from .leaflet import LeafletFile, figure_folders, load_leaflet
from .project import (SOURCE_LOCALE, Project, inside_project, project_file,
                      write_atomically)
from .translation import load_translations


class Memo:
    """Remembered results in ``folder``, or none at all when ``folder`` is None. With
    ``recall`` false (``--force``), nothing is taken from it, and all is made again."""

    def __init__(self, folder: Path | None, recall: bool = True) -> None:
        self.folder, self.recalls = folder, recall

    @classmethod
    def in_cache(cls, cache: Path | None, recall: bool = True) -> Memo:
        """Return the memo in the build cache ``cache`` (``dist/.cache``), if any."""
        return cls(cache and cache / "memo", recall)

    def recall(self, kind: str, name: str, key: str):
        """Return what was remembered as ``kind`` of ``name`` under ``key``, or None."""
        if self.folder is None or not self.recalls:
            return None
        try:
            remembered_key, value = pickle.loads((self._path(kind, name)).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError,
                AttributeError, ImportError):
            return None
        return value if remembered_key == key else None

    def remember(self, kind: str, name: str, key: str, value) -> None:
        """Keep ``value`` as ``kind`` of ``name`` under ``key``, replacing the last one. A
        memo that cannot be written (a full disk) is not a problem of the build: the value
        is made again next time."""
        if self.folder is None:
            return
        try:
            write_atomically(self._path(kind, name), pickle.dumps((key, value), protocol=5))
        except LeafletError:
            pass

    def load_leaflet(self, path: Path, root: Path) -> LeafletFile:
        """Return the leaflet at ``path`` as `load_leaflet` does, remembered while its file
        is unchanged. A leaflet with figures is remembered with what is at every place
        its figures may be (`figure_folders`): a figure changed, added beside the leaflet
        or made a link, and it is loaded (and its figures checked) again."""
        project_file(path, root, path.relative_to(root))  # before a remembered answer
        key = digest(str(root.resolve()), str(path.relative_to(root)), path.read_bytes())
        found = self.recall("leaflet", path.stem, key)
        if found is not None and found[0] == _figure_places(found[1], root):
            return found[1]
        leaflet = load_leaflet(path, root)
        self.remember("leaflet", path.stem, key, (_figure_places(leaflet, root), leaflet))
        return leaflet

    def load_translations(self, project: Project, locale: str):
        """Return `load_translations` of ``locale``, remembered while its catalog is
        unchanged (the invalid entries with it, so they are reported every time)."""
        path = project.po_file(locale)
        if locale == SOURCE_LOCALE or not path.is_file():
            return load_translations(project, locale)
        project_file(path, project.root, project.relative(path))  # before a remembered answer
        key = digest(str(project.root.resolve()), locale, path.read_bytes())
        found = self.recall("catalog", locale, key)
        if found is None:
            found = load_translations(project, locale)
            self.remember("catalog", locale, key, found)
        return found

    def _path(self, kind: str, name: str) -> Path:
        return self.folder / f"{kind}-{name}.pickle"


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
    return tuple(places)


def digest(*parts: str | bytes) -> str:
    """Return a digest of ``parts`` and of this package's code and libraries."""
    found = hashlib.sha256(_code().encode())
    for part in parts:
        part = part if isinstance(part, bytes) else part.encode()
        found.update(len(part).to_bytes(8, "big") + part)  # no two lists of parts alike
    return found.hexdigest()


@lru_cache(maxsize=1)
def _code() -> str:
    """This package's source and the libraries' versions: a new version of either may
    load or render a leaflet differently."""
    package = Path(__file__).parent
    loaders = ";".join(f"{name}={metadata.version(name)}" for name in ("pydantic", "pyyaml"))
    return files_digest(sorted(package.glob("*.py")), package) + versions() + loaders
