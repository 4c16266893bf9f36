"""A new leaflet, made from the project's template of one (``templates/new-leaflet.yaml``,
not a Jinja template): ``build.py new`` and the editor's "New leaflet" both use it.

The template is a leaflet file the team can change: every key, comment and text of it is
copied as it is (a round-trip YAML library, ruamel.yaml, keeps them), except the values
that belong to the new leaflet: its id, reference, title, audience, the day it was
started as ``published``, a ``review_by`` two years later (as the shipped leaflets have
it), the brand's department and contact as its owner, and no history (nothing approved
yet). The made leaflet is checked as ``check`` checks a leaflet file before anything is
written; a mistake is told in the same words.
"""

from __future__ import annotations

import datetime
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from ..core.errors import LeafletError
from ..core.project import Project
from .leaflet import load_leaflet
from .schema import ID_PATTERN, PATTERN_MEANINGS
from .yamlfile import read_yaml

TEMPLATE = "new-leaflet.yaml"  # in the project's templates/ folder
REVIEW_YEARS = 2


@dataclass(frozen=True)
class NewLeaflet:
    """A leaflet file not yet written: where it goes and what it holds."""

    path: Path
    content: bytes


def new_leaflet(project: Project, brand, leaflet_id: str, title: str, audience: str,
                today: datetime.date) -> NewLeaflet:
    """Return the leaflet ``leaflet_id`` made from the template, checked as ``check`` checks
    it; raise `LeafletError` for a bad or taken id, or any other mistake, writing nothing.

    ``brand`` is the loaded `BrandFile` (its department and contact become the owner).
    """
    path = project.leaflets_dir / f"{leaflet_id}.yaml"
    shown = f"{project.relative(project.leaflets_dir)}/{leaflet_id}.yaml"
    template = project.templates_dir / TEMPLATE
    if not template.is_file():
        raise LeafletError.at(project.relative(template), None,
                              "the template of a new leaflet is missing; restore it from git")
    document, problems = read_yaml(template, project.relative(template))
    if document is None:  # a team's edit broke it: in the words check uses for a leaflet
        raise LeafletError(problems)
    data = _yaml().load(template.read_text("utf-8"))
    id_line = data.lc.key("id")[0] + 1 if "id" in data else 1
    if not re.fullmatch(ID_PATTERN, leaflet_id):  # before the id becomes a file name
        raise LeafletError.at(shown, id_line, f"expected {PATTERN_MEANINGS[ID_PATTERN]}, got "
                                              f"{leaflet_id!r}", "id")
    if path.exists():
        raise LeafletError.at(shown, None, f"a leaflet with the id '{leaflet_id}' already "
                                           "exists; open it instead", "id")
    _fill(data, leaflet_id, title, audience, today, brand.brand)
    output = io.StringIO()
    _yaml().dump(data, output)
    content = output.getvalue().encode("utf-8")
    made = _checked(project, shown, content)
    _check_reference(project, made, shown)
    return NewLeaflet(path, content)


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, order and quotes stay
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line of the template
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _fill(data, leaflet_id: str, title: str, audience: str, today: datetime.date,
          brand) -> None:
    data["id"] = leaflet_id
    data["reference"] = leaflet_id.upper()
    data["title"] = title
    data["audience"] = audience
    data["published"] = today
    data["review_by"] = _years_after(today, REVIEW_YEARS)
    owner = data.get("owner")
    if not isinstance(owner, dict):
        data["owner"] = owner = {}
    owner["department"] = brand.department
    owner["contact"] = brand.contact
    data.pop("history", None)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year + years, day=28)


def _checked(project: Project, shown: str, content: bytes):
    """Return the leaflet ``content`` loaded as ``check`` loads a file of leaflets/.

    It is read from a folder of its own that mirrors the project's, so that every
    message names the file it will be (``leaflets/ID.yaml``), and nothing is written in
    the project. Its figures are not looked for there: the template has none (a team
    that adds one to it sees ``check`` ask for the file).
    """
    with tempfile.TemporaryDirectory(prefix="leafpress-new-") as folder:
        path = Path(folder) / shown
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        return load_leaflet(path, Path(folder), figures=False)


def _check_reference(project: Project, made, shown: str) -> None:
    """Refuse a reference another leaflet has, in ``check``'s words."""
    for path in project.leaflet_files():
        try:
            other = load_leaflet(path, project.root, figures=False)
        except LeafletError:
            continue  # check tells what is wrong with it
        if other.leaflet.reference == made.leaflet.reference:
            raise LeafletError.at(shown, made.key_lines["reference"],
                                  f"'{made.leaflet.reference}' is already the reference of "
                                  f"{project.relative(path)}", "reference")
