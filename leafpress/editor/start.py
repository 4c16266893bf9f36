"""The editor's start page: every leaflet of the project, with its state."""

from __future__ import annotations

import datetime

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..governance.reports import leaflet_report
from . import pages


def start_page(editor, request: Request) -> Response:
    """List every leaflet (the ones that cannot be read too, with why)."""
    rows, problems = leaflet_report(editor.project, datetime.date.today(), editor.options.brand)
    return pages.page("start.html.j2", editor.token, leaflets=rows,
                      problems=[str(problem) for problem in problems])


RULES = [Rule("/", endpoint=start_page, methods=["GET"])]
