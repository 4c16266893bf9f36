"""The approval page: a leaflet's state and its review pack, and the form that records
its approval as ``build.py release`` does (docs/approvers.md), or, once approved, the
transcriber's check of its braille as ``build.py release ID --amend --braille-checked-by``.

The approval is the text `release` makes (governance/release.py `released_text`),
written through saving.py: only if the file is still the one the page showed, so that
a page left open while someone edited the leaflet cannot approve a text its approver
never saw. The review pack, which builds PDFs, is made in a process of its own, one at
a time: the server's other requests go on, and the long-lived server's memory is not
the pack's (the build freezes what it loaded, for speed).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.exceptions import BadRequest, Conflict, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..content.history import approval_gap, next_version
from ..content.leaflet import LeafletFile, load_leaflet
from ..content.schema import ID_PATTERN, Release
from ..core.errors import LeafletError, Problem
from ..core.project import DATE_EXPECTED, Project
from ..governance.release import Approval, braille_checked_text, released_line, released_text
from ..governance.review_pack import NOTHING_CHANGED, write_pack_since_approval
from . import pages
from .saving import digest, save

# The form's fields, and where `release` reports a problem with each (the history entry
# it adds is history[0]).
FIELDS = {"approver": "history[0].approver", "summary": "history[0].summary",
          "patient_review": "history[0].patient_review",
          "braille_checked_by": "history[0].braille_checked_by"}
# The form that records the braille check of an approved version, on the same page.
BRAILLE_FIELDS = {"braille_check": "history[0].braille_checked_by"}
# One review pack at a time: each builds its PDFs on one core, leaving the other to serve.
_ONE_PACK = threading.Lock()
PACK_TIMEOUT = 600  # seconds; a pack of one leaflet takes a few


@dataclass(frozen=True)
class ApprovalForm:
    """What the approver typed, as the page sends it back."""

    approver: str = ""
    summary: str = ""
    change: str = "minor"
    patient_review: str = ""
    braille_checked_by: str = ""  # optional: "" records no check
    braille_check: str = ""  # the form that records it alone, once the version is approved
    errors: dict[str, list[str]] = field(default_factory=dict)  # field -> messages
    general: list[str] = field(default_factory=list)  # problems of no field of the form


def approval_page(editor, request: Request, leaflet_id: str) -> Response:
    """Show the leaflet's state, its review pack (made once the page is shown) and the
    approval form."""
    return _page(editor, leaflet_id, ApprovalForm(), auto_pack=True)


def record_approval(editor, request: Request, leaflet_id: str) -> Response:
    """Record the approval the form describes, as ``build.py release`` does, dated today."""
    path = _leaflet_path(editor.project, leaflet_id)
    form = _read_form(request)
    base = request.form.get("base", "")
    date_problem, patient_review = _date(form.patient_review)
    approval = Approval(form.approver, form.summary, datetime.date.today(),
                        form.change == "major", patient_review,
                        form.braille_checked_by or None)
    problems = []
    try:
        _, text = released_text(editor.project, leaflet_id, approval)
    except LeafletError as error:
        problems = error.problems
    if problems or date_problem:
        errors, general = _by_field(problems)
        if date_problem:
            errors.setdefault("patient_review", []).append(date_problem)
        form = ApprovalForm(form.approver, form.summary, form.change, form.patient_review,
                            form.braille_checked_by, errors=errors, general=general)
        return _page(editor, leaflet_id, form, status=422, base=base)
    return _write(editor, leaflet_id, path, text, form, base)


def record_braille_check(editor, request: Request, leaflet_id: str) -> Response:
    """Record who checked the approved version's braille, as ``build.py release ID --amend
    --braille-checked-by`` does."""
    path = _leaflet_path(editor.project, leaflet_id)
    form = ApprovalForm(braille_check=request.form.get("braille_check", "").strip())
    base = request.form.get("base", "")
    try:
        _, text = braille_checked_text(editor.project, leaflet_id, form.braille_check)
    except LeafletError as error:
        errors, general = _by_field(error.problems, BRAILLE_FIELDS)
        return _page(editor, leaflet_id, ApprovalForm(braille_check=form.braille_check,
                                                      errors=errors, general=general),
                     status=422, base=base)
    return _write(editor, leaflet_id, path, text, form, base)


def _write(editor, leaflet_id: str, path: Path, text: str, form: ApprovalForm, base: str
           ) -> Response:
    """Write ``text`` if the file is still the one the page showed; show the outcome."""
    try:
        save(editor.project, editor.options.brand or editor.project.brand_file, path,
             text.encode("utf-8"), base)
    except Conflict as conflict:
        return _page(editor, leaflet_id, form, status=409, base=base,
                     conflict=conflict.description)
    try:
        written = load_leaflet(path, editor.project.root)
    except LeafletError as error:  # written, as `release` writes it; its figures failed
        return _page(editor, leaflet_id, ApprovalForm(general=[str(problem) for problem
                                                               in error.problems]), status=422)
    return _page(editor, leaflet_id, ApprovalForm(),
                 done=released_line(editor.project, written))  # as `build.py release` says


def make_pack(editor, request: Request, leaflet_id: str) -> Response:
    """Make the leaflet's review pack into serve's output folder; answer where it is (its
    address on the preview server), that nothing changed, or the problems, as JSON."""
    _leaflet_path(editor.project, leaflet_id)
    dist = Path(editor.dist or editor.project.root / "dist").resolve()
    with _ONE_PACK:
        reply = _pack_in_a_process(editor.project, leaflet_id, dist)
    return Response(json.dumps(reply), content_type="application/json",
                    headers={"Cache-Control": "no-store"})


RULES = [Rule("/approvals/<leaflet_id>", endpoint=approval_page, methods=["GET"]),
         Rule("/approvals/<leaflet_id>", endpoint=record_approval, methods=["POST"]),
         Rule("/approvals/<leaflet_id>/braille", endpoint=record_braille_check,
              methods=["POST"]),
         Rule("/approvals/<leaflet_id>/pack", endpoint=make_pack, methods=["POST"])]


def _page(editor, leaflet_id: str, form: ApprovalForm, status: int = 200, *,
          auto_pack: bool = False, done: str | None = None, conflict: str | None = None,
          base: str | None = None) -> Response:
    """Return the page; its form sends back ``base``, the digest of the file as the
    approver's page showed it (a refused form keeps the one it was sent with: only a
    page read anew may approve a file changed since)."""
    project = editor.project
    path = _leaflet_path(project, leaflet_id)
    if base is None:
        base = digest(path)  # before reading: a change made in between makes the page stale
    try:
        leaflet, problems = load_leaflet(path, project.root), []
    except LeafletError as error:
        leaflet, problems = None, [str(problem) for problem in error.problems]
    return pages.page("approve.html.j2", editor.token, status=status, leaflet_id=leaflet_id,
                      leaflet=leaflet and _state(leaflet), problems=problems, form=form,
                      base=base, hints=_hints(), today=datetime.date.today().isoformat(),
                      auto_pack=auto_pack, done=done, conflict=conflict)


def _state(leaflet: LeafletFile) -> dict:
    """Return what the page shows of the leaflet: its version, history and approval state."""
    metadata = leaflet.leaflet
    gap = approval_gap(leaflet)
    history = metadata.history or []
    approved = history[0] if history and gap is None else None
    return {"title": metadata.title, "version": metadata.version, "gap": gap,
            "approved": approved, "history": history, "first": not history,
            "minor": next_version(metadata.version),
            "major": next_version(metadata.version, major=True)}


def _hints() -> dict[str, str]:
    """Return the schema's description of each field of a history entry."""
    hints = {name: Release.model_fields[name].description for name in FIELDS}
    return {**hints, "braille_check": hints["braille_checked_by"]}


def _leaflet_path(project: Project, leaflet_id: str) -> Path:
    path = project.leaflets_dir / f"{leaflet_id}.yaml"
    if not re.fullmatch(ID_PATTERN, leaflet_id) or not path.is_file():
        known = ", ".join(item.stem for item in project.leaflet_files())
        # The words of `release` for an unknown leaflet (governance/release.py `_load`).
        raise NotFound(f"{project.relative(path)}: no such leaflet; the leaflets are: {known}")
    return path


def _read_form(request: Request) -> ApprovalForm:
    change = request.form.get("change", "minor")
    if change not in ("minor", "major"):
        raise BadRequest(f"expected the change to be minor or major, got {change!r}")
    return ApprovalForm(request.form.get("approver", ""), request.form.get("summary", ""),
                        change, request.form.get("patient_review", "").strip(),
                        request.form.get("braille_checked_by", "").strip())


def _date(text: str) -> tuple[str | None, datetime.date | None]:
    """Return the problem with a date typed as YYYY-MM-DD, or the date ("" is none)."""
    if not text:
        return None, None
    try:
        return None, datetime.date.fromisoformat(text)
    except ValueError:  # the words of `build.py release --patient-review`
        return DATE_EXPECTED.format(text), None


def _by_field(problems: list[Problem], form_fields: dict[str, str] = FIELDS
              ) -> tuple[dict[str, list[str]], list[str]]:
    """Sort `release`'s problems by the field of the form they concern."""
    fields = {where: name for name, where in form_fields.items()}
    errors, general = {}, []
    for problem in problems:
        name = fields.get(problem.where)
        if name:
            errors.setdefault(name, []).append(str(problem))
        else:
            general.append(str(problem))
    return errors, general


def _pack_in_a_process(project: Project, leaflet_id: str, dist: Path) -> dict:
    """Run `make_pack_here` in a new Python process; return its reply."""
    package_parent = str(Path(__file__).resolve().parents[2])
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [package_parent, os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run([sys.executable, "-m", __name__, str(project.root), leaflet_id,
                               str(dist)], capture_output=True, text=True, env=environment,
                              timeout=PACK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"problems": [f"the review pack was not made in {PACK_TIMEOUT} s"]}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:  # a bug, not a mistake in the leaflet: say what broke
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return {"problems": [f"the review pack could not be made: {last}"]}
    return json.loads(lines[-1])


def make_pack_here(project: Project, leaflet_id: str, dist: Path) -> dict:
    """Write the leaflet's review pack (`write_pack_since_approval`); return the reply of
    `make_pack`. A pack written despite problems (``diff`` writes it all the same) is
    given with them."""
    target = dist / "review" / f"{leaflet_id}.html"
    before = _modified(target)
    try:
        written = write_pack_since_approval(project, leaflet_id, dist)
    except LeafletError as error:
        reply = {"problems": [str(problem) for problem in error.problems]}
        if _modified(target) != before:
            reply["address"] = "/" + target.relative_to(dist).as_posix()
        return reply
    if written is None:
        return {"nothing": NOTHING_CHANGED}
    return {"address": "/" + written.relative_to(dist).as_posix()}


def _modified(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


if __name__ == "__main__":  # the process `_pack_in_a_process` starts
    root, name, folder = sys.argv[1:]
    print(json.dumps(make_pack_here(Project.at(root), name, Path(folder))))
