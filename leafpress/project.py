"""Where a project's files are, and which locales it has."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

SOURCE_LOCALE = "en"
# English text is written in British English; dates and numbers follow en_GB.
SOURCE_FORMAT_LOCALE = "en_GB"
DOMAIN = "messages"
# Every leaflet is also built in large print: re-flowed at 18 pt, not enlarged (the
# Accessible Information Standard asks for alternative formats on request).
VARIANTS = ("standard", "large-print")
# The folder in dist/ with the stylesheet, fonts and logo that the web pages use.
ASSETS_DIR = "assets"


@dataclass(frozen=True)
class Project:
    """The fixed layout of a leaflet project (see the README)."""

    root: Path

    @classmethod
    def at(cls, root: Path | str) -> Project:
        return cls(Path(root).resolve())

    @property
    def leaflets_dir(self) -> Path:
        return self.root / "leaflets"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def brand_file(self) -> Path:
        return self.root / "brand" / "brand.yaml"

    @property
    def pot_file(self) -> Path:
        return self.locales_dir / f"{DOMAIN}.pot"

    def leaflet_files(self) -> list[Path]:
        return sorted(self.leaflets_dir.glob("*.yaml"))

    def template_files(self) -> list[Path]:
        return sorted(path for path in self.templates_dir.rglob("*.j2"))

    def po_file(self, locale: str) -> Path:
        return self.locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"

    def translated_locales(self) -> list[str]:
        """Return the locales with a catalog, as folder names (``zh_Hans``)."""
        return sorted(path.parent.parent.name
                      for path in self.locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))

    def locales(self) -> list[str]:
        """Return every locale a leaflet is built in, the source language first."""
        return [SOURCE_LOCALE, *self.translated_locales()]

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the project, for messages."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def bcp47(locale: str) -> str:
    """Return the BCP 47 tag for a gettext locale name: ``zh_Hans`` → ``zh-Hans``."""
    return locale.replace("_", "-")


def format_locale(locale: str) -> str:
    """Return the Babel locale used for dates and numbers in ``locale``."""
    return SOURCE_FORMAT_LOCALE if locale == SOURCE_LOCALE else locale


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            # mkstemp creates the file readable by its owner only; published files are
            # read by web servers and colleagues, so give them the usual umask mode.
            os.fchmod(file.fileno(), 0o666 & ~_umask())
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def publish(path: Path, content: bytes, force: bool = False) -> bool:
    """Write ``content`` atomically unless ``path`` already holds it; return whether written.

    An unchanged file keeps its modification time, so a copy to a web server stays small.
    """
    if not force:
        try:
            if path.read_bytes() == content:
                return False
        except OSError:
            pass
    write_atomically(path, content)
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
