"""What a build remembers from one build to the next, under a digest of what it was made
from: each leaflet as loaded and each catalog as read (remembered.py), each leaflet's
HTML in every language and variant (plan.py), the texts extracted from each file
(messages.py).

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

from .digests import code_digest, versions
from .errors import LeafletError
from .project import write_atomically


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

    def _path(self, kind: str, name: str) -> Path:
        return self.folder / f"{kind}-{name}.pickle"


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
    loaders = ";".join(f"{name}={metadata.version(name)}" for name in ("pydantic", "pyyaml"))
    return code_digest() + versions() + loaders
