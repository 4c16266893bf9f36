"""The editor's WSGI application: its routes, and the guard every request passes first.

Each page of the editor is a module with a list of werkzeug ``Rule`` objects (``RULES``)
whose endpoints are functions ``(editor, request, **values) -> Response``; this module
only joins them, checks each request (guard.py) and turns what goes wrong into a page.
``serve`` hands it every request under ``/edit/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule, Submount
from werkzeug.wrappers import Request, Response

from ..core.project import Project
from . import approve, draft, form, pages, start, translate
from .guard import Guard

PREFIX = "/edit"
# The largest request the editor reads: a figure upload and its form (figure.py allows
# figures of up to 2 MB).
MAX_REQUEST_BYTES = 4 * 1024 * 1024


@dataclass
class Editor:
    """The editor of ``project``, answering for the server at ``guard``'s address.

    ``options`` are the `BuildOptions` of ``serve`` (the brand, the variants); ``dist`` is
    the folder serve builds into (review packs go there, as ``build.py diff`` writes
    them); ``pool``, when given, is serve's warm `RenderPool`, for PDF previews.
    """

    project: Project
    options: object
    guard: Guard
    dist: Path | None = None
    pool: object = None

    def __post_init__(self) -> None:
        # Submount copies each rule, so that every editor (a test makes many) has its own.
        self.rules = Map([Submount(PREFIX, [Rule("/static/<name>", endpoint=_static),
                                            *start.RULES, *form.RULES, *draft.RULES,
                                            *translate.RULES, *approve.RULES])])

    @property
    def token(self) -> str:
        return self.guard.token

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = MAX_REQUEST_BYTES
        request.max_form_memory_size = MAX_REQUEST_BYTES
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        """Return the answer to ``request``; a refusal or a missing page is a page too."""
        try:
            self.guard.check_host(request)
            endpoint, values = self.rules.bind_to_environ(request.environ).match()
            self.guard.check_write(request)
            return endpoint(self, request, **values)
        except HTTPException as error:
            return Response(f"{error.code} {error.name}: {error.description}\n",
                            status=error.code, content_type="text/plain; charset=utf-8",
                            headers={"Cache-Control": "no-store"})


def _static(editor: Editor, request: Request, name: str) -> Response:
    found = pages.static(name)
    if found is None:
        raise NotFound(f"no such file: {name}")
    return found
