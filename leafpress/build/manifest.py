"""The manifest, ``dist/manifest.json``: what a build published, kept, skipped and drafted.

A build reads the last manifest, accounts for every file it listed that this build did
not write (kept with the reason, or deleted when its leaflet, language or place is gone
or it is a draft), clears ``dist/drafts/`` of everything but this build's drafts, and
then writes the new manifest, so that it always describes the files on disk.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..core.project import DRAFTS_DIR, VARIANTS, Project, bcp47, output_path, write_atomically
from ..publishing.files import intact
from ..publishing.files import File

MANIFEST = "manifest.json"
INTERRUPTED = "the build was interrupted"
OUTPUT_FIELDS = ("leaflet", "locale", "variant", "path", "sha256", "bytes", "draft")


def read_manifest(dist: Path) -> dict:
    """Return the last build's manifest, or an empty one if there is none that parses."""
    try:
        manifest = json.loads((dist / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def carry_over(project: Project, dist: Path, previous: dict, result, errors: str | None,
               log, interrupted: bool = False) -> None:
    """Account for every file the last manifest listed that this build did not write.

    A file this build failed or skipped, did not publish (its leaflet's text is not
    approved: the file is the last approved one), or did not try (``--variant``), stays
    on disk, as it was, and is listed under ``"kept"`` with the reason; so does the web
    page of a standard PDF that failed, since a page is published only with its PDF. A
    file whose leaflet or language is gone from the project, a file this build wrote
    elsewhere (an older layout of ``dist/``), and every draft are deleted, so that
    ``dist/`` never offers a withdrawn leaflet, a stale copy or an unmarked draft.
    ``errors`` says why nothing else was rebuilt, if errors stopped the build. When the
    build was ``interrupted`` (Ctrl-C), that is the reason, and the files it did not get to
    that were published (the PDFs, and the pages whose PDF is kept too) are still
    published: `BuildResult.standing` lists them for the catalogue (issue 20).
    """
    errors = INTERRUPTED if interrupted else errors
    written = {output.path for output in [*result.outputs, *result.drafts]}
    places = {_identity(asdict(output)): output.path for output in result.outputs}
    failed = set(result.failed)
    skipped = {(item.leaflet, item.locale, item.variant): item.reason for item in result.skipped}
    leaflets = {path.stem for path in project.leaflet_files()}
    locales = {bcp47(locale) for locale in project.locales()}
    records = [*previous.get("outputs", []), *previous.get("kept", []),
               *previous.get("drafts", [])]
    for record in records:
        # What this build wrote is accounted for: not read and hashed a second time.
        if _path_of(record) in written or not _listed_file(dist, record):
            continue
        written.add(record["path"])
        gone = _why_gone(record, leaflets, locales, places)
        if gone:
            remove(dist, record["path"])
            result.removed.append(record["path"])
            log(f"removed {record['path']} ({gone})")
            continue
        which = (record["leaflet"], record["locale"], record["variant"])
        if record["path"] in failed:
            why = "it failed in this build"
        elif output_path(record["leaflet"], record["locale"], record["variant"],
                         "print") in failed:
            what = "a web page is" if record.get("format") == "html" else \
                "a leaflet's braille and EPUB are"
            why = f"its PDF failed in this build, and {what} published only with it"
        elif which in skipped:
            why = skipped[which]
        elif record["leaflet"] in result.unapproved:
            why = f"{result.unapproved[record['leaflet']]}, so it is not published"
        elif errors:
            why = errors
        else:
            why = "not part of this build"
        result.kept.append({**record, "reason": _kept_reason(why)})
        if why == INTERRUPTED and _published(record, previous):
            result.standing.append(_output(record))
    _pages_with_their_pdfs(result.standing)


def _kept_reason(why: str) -> str:
    return f"not rebuilt: {why}; this file is from an earlier build"


def _published(record: dict, previous: dict) -> bool:
    """Return whether the last build published ``record``: listed it as an output, or
    kept it because it too was interrupted before this file's turn."""
    return any(record is listed for listed in previous.get("outputs", [])) or \
        record.get("reason") == _kept_reason(INTERRUPTED)


def _output(record: dict):
    from .plan import Output

    return Output(**{name: record[name] for name in (*OUTPUT_FIELDS, "format", "pages")})


def _pages_with_their_pdfs(standing: list) -> None:
    """Drop from ``standing`` each web page whose standard PDF is not in it: that PDF was
    written again, and a page is published only with its PDF."""
    pdfs = {(output.leaflet, output.locale) for output in standing
            if (output.format, output.variant) == ("pdf", VARIANTS[0])}
    standing[:] = [output for output in standing
                   if output.format == "pdf" or (output.leaflet, output.locale) in pdfs]


def untouched(dist: Path, previous: dict, selects, result) -> dict:
    """Keep the last manifest's entries outside a selective build as they are; return the
    last manifest with only the selected entries, for `carry_over` to account for.

    ``selects(leaflet, locale)`` says whether an entry is part of the build. An output,
    kept file, skipped output or draft that is not stays listed exactly as it was, and
    its file is not touched. An entry whose file is gone, or that does not parse, is
    left to `carry_over`, which drops it.
    """
    from .plan import Output, Skipped

    selected = {key: value for key, value in previous.items()}
    for key in ("outputs", "kept", "skipped", "drafts"):
        mine, others = [], []
        for record in previous.get(key, []):
            outside = isinstance(record, dict) and not selects(record.get("leaflet"),
                                                               record.get("locale"))
            if outside and key != "skipped":
                fields = OUTPUT_FIELDS + (("reason",) if key == "kept" else ("format", "pages"))
                outside = all(name in record for name in fields) and \
                    _path_of(record) is not None and (dist / record["path"]).is_file()
            (others if outside else mine).append(record)
        selected[key] = mine
        for record in others:
            if key == "outputs":
                result.outputs.append(Output(**record))
                result.untouched.append(result.outputs[-1])
            elif key == "drafts":
                result.drafts.append(Output(**record))
                result.untouched.append(result.drafts[-1])
            elif key == "skipped":
                result.skipped.append(Skipped(**record))
            else:
                result.kept.append(record)
    return selected


def _identity(record: dict) -> tuple:
    """Return what an output is, wherever it is: leaflet, locale, variant and format."""
    return (record["leaflet"], record["locale"], record["variant"], record.get("format", "pdf"))


def _why_gone(record: dict, leaflets: set, locales: set, places: dict) -> str | None:
    """Return why an earlier build's file must go, or None if it may be kept."""
    if record["leaflet"] not in leaflets or record["locale"] not in locales:
        return "its leaflet, language or draft is withdrawn"
    if record["draft"]:
        return "a draft from an earlier build; drafts are never kept"
    place = places.get(_identity(record))
    if place and place != record["path"]:
        return f"it is now {place}"
    return None


def carry_over_files(dist: Path, previous: dict, result,
                     catalogue: list[File] | None, log) -> None:
    """List the catalogue's files, and delete those of the last build it no longer needs
    (the thumbnail of a withdrawn leaflet, say). Without a new catalogue, the last one's
    files stay, as they are on disk."""
    current = {file.path for file in catalogue or []}
    for record in previous.get("files", []):
        if _path_of(record) in current or not _listed_file(dist, record,
                                                             ("path", "sha256", "bytes")):
            continue
        if catalogue is None:
            result.files.append(File(record["path"], record["sha256"], record["bytes"]))
        else:
            remove(dist, record["path"])
            log(f"removed {record['path']} (no longer used)")
    result.files.extend(catalogue or [])
    result.files.sort(key=lambda file: file.path)


def clear_drafts(dist: Path, result, log) -> None:
    """Delete everything in ``dist/drafts/`` but this build's drafts (all of it after a
    normal build), so that a draft is never left beside published files."""
    folder = dist / DRAFTS_DIR
    if not folder.is_dir():
        return
    keep = {dist / output.path for output in result.drafts}
    for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
        if path in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        else:
            path.unlink()
            log(f"removed {path.relative_to(dist)} (drafts are not kept)")
    if not any(folder.iterdir()):
        folder.rmdir()


def remove(dist: Path, relative: str) -> None:
    """Delete a file of ``dist``, and the folders it leaves empty (a page's own folder)."""
    path = dist / relative
    path.unlink()
    for folder in path.parents:
        if folder == dist or not folder.is_relative_to(dist) or any(folder.iterdir()):
            break
        folder.rmdir()


def _path_of(record) -> str | None:
    """Return the ``"path"`` of a record from an earlier manifest, if it has one."""
    path = record.get("path") if isinstance(record, dict) else None
    return path if isinstance(path, str) else None


def _listed_file(dist: Path, record, fields=OUTPUT_FIELDS) -> bool:
    """Return whether ``record`` from an earlier manifest names an intact file in ``dist``."""
    if not isinstance(record, dict) or not all(name in record for name in fields):
        return False
    path = dist / str(record["path"])
    if not path.resolve().is_relative_to(dist.resolve()):
        return False
    return intact(dist, record)


def write_manifest(dist: Path, result) -> dict:
    """Write ``dist/manifest.json`` from ``result`` atomically; return what was written."""
    manifest = {"outputs": [asdict(output) for output in result.outputs],
                "skipped": [asdict(skipped) for skipped in result.skipped],
                "kept": sorted(result.kept, key=lambda record: record["path"]),
                "drafts": [asdict(output) for output in result.drafts],
                "files": [asdict(file) for file in result.files]}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomically(dist / MANIFEST, text.encode("utf-8"))
    return manifest
