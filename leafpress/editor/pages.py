"""The editor's pages: its own Jinja templates (in ``templates/`` beside this file), its
stylesheet and script (``static/``), and the layout every page shares.

The pages are the tool's, not the leaflet's: they are always in English, with the
leaflet's own texts marked with their language where they are shown.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.wrappers import Response

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".txt": "text/plain; charset=utf-8"}
HTML = "text/html; charset=utf-8"


@cache
def environment() -> Environment:
    """Return the environment of the editor's templates (autoescaped, strict)."""
    return Environment(loader=FileSystemLoader(HERE / "templates"), undefined=StrictUndefined,
                       autoescape=select_autoescape(default=True), trim_blocks=True,
                       lstrip_blocks=True, keep_trailing_newline=True)


def page(template: str, token: str, status: int = 200, **context) -> Response:
    """Return the editor page ``template`` filled with ``context``; every page carries the
    token its scripts and forms send back with each change."""
    text = environment().get_template(template).render(token=token, **context)
    return Response(text, status=status, content_type=HTML,
                    headers={"Cache-Control": "no-store"})


def static(name: str) -> Response | None:
    """Return the editor's static file ``name`` (a plain file name), or None."""
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file() or \
            path.suffix not in STATIC_TYPES:
        return None
    return Response(path.read_bytes(), content_type=STATIC_TYPES[path.suffix],
                    headers={"Cache-Control": "no-store"})
