"""Incremental builds: render only the outputs whose inputs changed.

Two levels, both under ``dist/.cache/``:

- Each output has a key: a hash of its HTML (which holds the leaflet's text and
  every translation it uses), the font rules, every file of the templates and the
  brand, the variant, and the versions of the libraries and of leafpress's own
  rendering code that draw it. An entry
  ``outputs/KEY.json`` records the PDF that key produced; when it parses and the PDF
  on disk still has its size and SHA-256, the PDF is reused instead of rendered.
  A PDF's thumbnail is keyed the same way, by the PDF's SHA-256 (see catalogue.py);
  files.py reads and writes the entries.
- A whole build has a digest of every input file and option, and of leafpress's code. When it equals the
  last clean build's and all its outputs and files (web pages, thumbnails, the
  catalogue and what they link) are intact, nothing is loaded at all: this
  module imports only the standard library (and digests.py and files.py, which do
  the same), so a no-op build never pays for WeasyPrint, pydantic, Babel or Jinja.

Every entry is written atomically after its PDF; a half-written entry does not parse
and is ignored, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..core.digests import code_digest, files_digest, relative_name, versions
from ..publishing.files import intact

STATE = "last-build.json"


def output_key(html: str, font_faces: str, assets: str, variant: str, draft: bool) -> str:
    """Return the cache key of one output."""
    digest = hashlib.sha256()
    for part in (html, font_faces, assets, variant, str(draft)):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def build_options(root: Path, brand_file: Path, strict: bool, draft: bool, variants,
                  shard: tuple[int, int] | None = None, formats=None) -> dict:
    """Return the options that change what a build produces (part of its digest);
    ``formats`` None: the brand's."""
    return {"brand": relative_name(brand_file, root), "strict": strict, "draft": draft,
            "variants": list(variants), "shard": list(shard) if shard else None,
            "formats": None if formats is None else list(formats)}


def build_digest(root: Path, brand_file: Path, options: dict, system_files: list[Path]) -> str:
    """Return a digest of every input of a build: files, options, library versions.

    ``system_files`` (the installed CJK font, 20 MB) count by path, size and time.
    """
    inputs = [root / "leaflets", root / "locales", root / "templates", brand_file.parent]
    system = [[str(path), *_stat(path)] for path in system_files]
    return hashlib.sha256(json.dumps(
        {"files": files_digest(inputs, root), "system": system, "options": options,
         "versions": versions(), "code": code_digest()}, sort_keys=True).encode()).hexdigest()


def _stat(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


def up_to_date(dist: Path, cache: Path, digest: str) -> dict | None:
    """Return the last build's manifest if it was clean, had this digest and is intact.

    Intact: every output, draft and file it lists still has its size and SHA-256,
    ``dist/drafts/`` holds no file it does not list (a normal build clears it), and no
    half-written file of a killed build is left (a build clears them, under its lock).
    """
    from ..core.project import TEMPORARY_SUFFIX

    if next(dist.rglob(f".*{TEMPORARY_SUFFIX}"), None):
        return None
    try:
        state = json.loads((cache / STATE).read_text("utf-8"))
        manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("digest") != digest or manifest != state.get(
            "manifest"):
        return None
    listed = ("outputs", "drafts", "files")
    if all(intact(dist, record) for key in listed for record in manifest.get(key, [])) and \
            _only_listed_drafts(dist, manifest):
        return manifest
    return None


def _only_listed_drafts(dist: Path, manifest: dict) -> bool:
    """Return whether ``dist/drafts/`` holds nothing but the drafts the manifest lists."""
    from ..core.project import DRAFTS_DIR

    folder = dist / DRAFTS_DIR
    if not folder.exists():
        return True
    listed = {record.get("path") for record in manifest.get("drafts", [])
              if isinstance(record, dict)}
    return all(str(path.relative_to(dist)) in listed
               for path in folder.rglob("*") if not path.is_dir())


def remember(cache: Path, digest: str, manifest: dict, system_files: list[Path],
             warnings: list[str] = ()) -> None:
    """Record a clean build, and the warnings it gave, for the no-op check of the next one."""
    from ..core.project import write_atomically

    write_atomically(cache / STATE, json.dumps(
        {"digest": digest, "manifest": manifest, "warnings": list(warnings),
         "system_files": [str(path) for path in system_files]}, sort_keys=True).encode())


def remembered_warnings(cache: Path) -> list[str]:
    """Return the warnings of the last clean build, for a no-op build to say again."""
    try:
        warnings = json.loads((cache / STATE).read_text("utf-8"))["warnings"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [line for line in warnings if isinstance(line, str)] \
        if isinstance(warnings, list) else []


def remembered_system_files(cache: Path) -> list[Path]:
    """Return the system files (fonts) the last build depended on."""
    try:
        state = json.loads((cache / STATE).read_text("utf-8"))
        return [Path(path) for path in state["system_files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
