"""Earlier versions of a leaflet, found in the project's git history.

``build.py diff`` compares the working copy with an earlier state of the project. By
default that is the last approved version: the newest ``history`` entry whose text is
not the working copy's (the current version's own entry while its text has unreleased
changes, otherwise the one before it). Its commit is the newest commit in which the
leaflet has that ``version`` and exactly the approved English text (the file's texts
match the entry's fingerprint); if the text was never committed exactly as approved,
it is the commit where ``version`` took that value. ``--since`` names a version from
the history or any git commit (a tag, a branch, ``HEAD~3``) instead.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from ..content.history import fingerprint, how_to_approve, release_problem
from ..content.leaflet import LeafletFile, load_leaflet
from ..core.errors import LeafletError, Problem
from ..core.project import Project

# What a build reads (docs/running.md); the code is the working copy's.
PROJECT_PARTS = ("leaflets", "locales", "templates", "brand")


@dataclass(frozen=True)
class Revision:
    """An earlier state of the project: its commit, and how to name it to a reader."""

    commit: str
    label: str


def earlier_revision(project: Project, leaflet: LeafletFile, since: str | None,
                     ) -> Revision | None:
    """Return the revision to compare ``leaflet`` with, or ``None`` if none was approved."""
    history = leaflet.leaflet.history or ()
    versions = {entry.version: entry for entry in history}
    if since is None:
        released = release_problem(leaflet, "") is None
        candidates = history[1:] if released else history[:1]
        if not candidates:
            return None
        entry = candidates[0]
    elif since in versions:
        entry = versions[since]
    else:
        commit = _git(project, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}",
                      failure=None)
        if commit is None:
            raise LeafletError.at("command line", None, f"--since: {since!r} is neither a "
                                  f"version in the history of {leaflet.id} ("
                                  f"{', '.join(versions) or 'none'}) nor a git commit")
        commit = commit.strip()
        return Revision(commit, f"{since} ({commit[:10]})")
    commit = _approved_commit(project, leaflet, entry)
    return Revision(commit, f"version {entry.version} ({commit[:10]})")


def _approved_commit(project: Project, leaflet: LeafletFile, entry) -> str:
    """Return the commit holding ``entry``'s approved text (see the module's docstring)."""
    path = _in_repository(project, leaflet.path)
    took_the_value = None
    for commit in _git(project, "log", "--format=%H", "--", path).split():
        old = _leaflet_at(project, commit, path, leaflet.id)
        if old is None or old.leaflet.version != entry.version:
            if took_the_value:
                break
            continue
        if fingerprint([text.text for text in old.texts]) == entry.fingerprint:
            return commit
        took_the_value = commit
    if took_the_value:
        return took_the_value
    raise LeafletError.at(project.relative(leaflet.path), leaflet.key_lines.get("version"),
                          f"no commit in the git history has version {entry.version}; commit "
                          "the leaflet, or give --since GIT-REF", "version")


def _leaflet_at(project: Project, commit: str, path: str, leaflet_id: str):
    content = _git(project, "show", f"{commit}:{path}", failure=None)
    if content is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "leaflets" / f"{leaflet_id}.yaml"
        copy.parent.mkdir()
        copy.write_text(content, "utf-8")
        try:  # its version and texts: its figures are not in the folder, nor needed
            return load_leaflet(copy, Path(folder), figures=False)
        except LeafletError:
            return None


def project_at(project: Project, revision: Revision, target: Path) -> Project:
    """Write the project's content as it was at ``revision`` into ``target``."""
    prefix = _git(project, "rev-parse", "--show-prefix").strip()
    parts = [prefix + part for part in PROJECT_PARTS]
    archive = subprocess.run(["git", "-C", str(project.root), "archive", "--format=tar",
                              revision.commit, "--", *parts], capture_output=True)
    if archive.returncode:
        raise LeafletError.at(project.root, None, f"git archive {revision.commit}: "
                              f"{archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # The "data" filter (Python 3.11.4+) refuses links and paths out of ``target``:
        # such a file is left out, as a link out of the working copy is refused (issue
        # 20). The archive is the project's own, so older Pythons extract it as it is.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, filter=_inside)
        else:
            tar.extractall(target)
    return Project.at(target / prefix)


def _inside(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    try:
        return tarfile.data_filter(member, path)
    except tarfile.FilterError:
        return None


def changed_leaflets(project: Project, leaflets: list[LeafletFile], since: str | None,
                     ) -> list[tuple[LeafletFile, Revision]]:
    """Return the leaflets whose file or translations differ from their earlier revision."""
    changed = []
    for leaflet in leaflets:
        revision = earlier_revision(project, leaflet, since)
        if revision is None:
            continue
        old = _git(project, "show", f"{revision.commit}:{_in_repository(project, leaflet.path)}",
                   failure=None)
        if old != leaflet.path.read_text("utf-8") or \
                _translations_changed(project, leaflet, revision):
            changed.append((leaflet, revision))
    return changed


def unreleased_problem(project: Project, leaflet: LeafletFile, revision: Revision):
    """Return a problem if the English text differs at ``revision`` but the version does not.

    `check` compares the text with the fingerprint of its own version; this compares it
    with another commit (a pull request's base), so that a fingerprint recorded again
    with ``release --amend`` cannot pass a changed text off as the approved one.
    """
    path = _in_repository(project, leaflet.path)
    old = _leaflet_at(project, revision.commit, path, leaflet.id)
    if old is None or old.leaflet.version != leaflet.leaflet.version:
        return None
    if [text.text for text in old.texts] == [text.text for text in leaflet.texts]:
        return None
    return Problem(project.relative(leaflet.path), leaflet.key_lines.get("version"),
                   f"the text changed since {revision.label} but the version is still "
                   f"{leaflet.leaflet.version}; {how_to_approve(leaflet.id)}", "version")


def _translations_changed(project: Project, leaflet: LeafletFile, revision: Revision) -> bool:
    """Return whether a translation of one of the leaflet's texts differs at ``revision``."""
    for locale in project.translated_locales():
        path = project.po_file(locale)
        old = _git(project, "show", f"{revision.commit}:{_in_repository(project, path)}",
                   failure=None)
        new = path.read_text("utf-8")
        if old == new:
            continue
        if old is None:
            return True  # a new language
        before, after = _translated(old), _translated(new)
        if any(before.get(text.text) != after.get(text.text)
               for text in leaflet.texts):
            return True
    return False


def _translated(catalog_text: str) -> dict[str, str]:
    catalog = read_po(io.BytesIO(catalog_text.encode("utf-8")))
    return {message.id: message.string for message in catalog
            if message.id and message.string and not message.fuzzy}


def _in_repository(project: Project, path: Path) -> str:
    prefix = _git(project, "rev-parse", "--show-prefix").strip()
    return prefix + path.relative_to(project.root).as_posix()


def _git(project: Project, *arguments, failure: str | None = "") -> str | None:
    """Run git in the project; on failure raise a problem, or return ``None``."""
    try:
        result = subprocess.run(["git", "-C", str(project.root), *arguments],
                                capture_output=True, text=True)
    except FileNotFoundError:
        raise LeafletError.at("system", None, "git is not installed; install the Debian "
                              "package git") from None
    if result.returncode == 0:
        return result.stdout
    if "not a git repository" in result.stderr:
        raise LeafletError.at(project.root, None, "the project is not in a git repository; "
                              "'diff' finds earlier versions in the git history")
    if failure is None:
        return None
    raise LeafletError.at(project.root, None, failure or f"git {' '.join(arguments)}: "
                          f"{result.stderr.strip()}")
