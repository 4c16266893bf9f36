"""The editor's start page: every leaflet of the project with its state, and the form that
starts a new one.

Each leaflet is listed with what ``build.py report`` says of it (`leaflet_report`): its
version, whether its text is the approved one, its review date and each language's
translation state, with links to its form, its translations and its approval page. A
leaflet that cannot be read is listed with ``check``'s messages about it.

"New leaflet" makes ``leaflets/ID.yaml`` from the project's template, as ``build.py new``
does (content/template.py), and updates the POT as ``build.py extract`` does, so that
``check`` passes on it at once; a refused id or title is told in ``check``'s words beside
the form, and nothing is written.
"""

from __future__ import annotations

import datetime

from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..content.brand import load_brand
from ..content.template import new_leaflet
from ..core.errors import LeafletError
from ..core.project import gettext_name
from ..governance.reports import leaflet_report, translation_state
from . import pages
from .saving import follow_the_english, save

# What the start page says of each approval state (reports.py `_approval`).
APPROVAL = {"approved": "Approved", "changed": "Changed since approval",
            "never": "Never approved"}
AUDIENCES = ("patient", "clinician")


def today() -> datetime.date:
    """Return the day review dates are judged by, and new leaflets published on."""
    return datetime.date.today()


def start_page(editor, request: Request) -> Response:
    """List every leaflet (the ones that cannot be read too, with why)."""
    return _page(editor, {"id": "", "title": "", "audience": AUDIENCES[0]}, [])


def create_leaflet(editor, request: Request) -> Response:
    """Make ``leaflets/ID.yaml`` from the form, then open its form; or show why not."""
    typed = {"id": request.form.get("id", "").strip(),
             "title": request.form.get("title", "").strip(),
             "audience": request.form.get("audience", "")}
    project = editor.project
    brand_file = editor.options.brand or project.brand_file
    try:
        brand = load_brand(brand_file, project.relative(brand_file))
        made = new_leaflet(project, brand, typed["id"], typed["title"], typed["audience"],
                           today())
    except LeafletError as error:
        return _page(editor, typed, [str(problem) for problem in error.problems], status=400)
    save(project, brand_file, made.path, made.content, "")  # "": only if there is none yet
    follow_the_english(project, brand_file)  # what stops it, the form and check tell
    return redirect(f"/edit/leaflets/{typed['id']}", 303)


def _page(editor, typed: dict, refused: list[str], status: int = 200) -> Response:
    rows, problems = leaflet_report(editor.project, today(), editor.options.brand,
                                    editor.dist and editor.dist / ".cache", readability=False)
    messages = [str(problem) for problem in problems]
    leaflets = [_shown(editor.project, row, problems) for row in rows]
    listed = {message for row in leaflets for message in row.get("problems", ())}
    return pages.page("start.html.j2", editor.token, status=status, leaflets=leaflets,
                      problems=[message for message in messages if message not in listed],
                      typed=typed, refused=refused, audiences=AUDIENCES)


def _shown(project, row: dict, problems) -> dict:
    """Return a row of `leaflet_report` with what the page shows of it."""
    if "error" in row:
        path = f"{project.relative(project.leaflets_dir)}/{row['leaflet']}.yaml"
        mine = [str(problem) for problem in problems if str(problem.path) == path]
        return {"leaflet": row["leaflet"], "problems": mine or [row["error"]]}
    return {**row, "approval_label": APPROVAL[row["approval"]["state"]],
            "review_label": _review(row["review"]),
            "languages": [{"tag": tag, "locale": gettext_name(tag),
                           "state": translation_state(counts)}
                          for tag, counts in row["translations"].items()]}


def _review(review: dict) -> str:
    """Return "Review in 400 days", "Due for review in 30 days" or "Overdue by 3 days"."""
    if review["state"] == "overdue":
        return review["text"].capitalize()
    return f"{'Due for review' if review['state'] == 'due' else 'Review'} {review['text']}"


RULES = [Rule("/", endpoint=start_page, methods=["GET"]),
         Rule("/new", endpoint=create_leaflet, methods=["POST"])]
