"""The translation page: a leaflet's texts in English and in one language, side by side,
and saving what a translator typed into the language's PO catalog.

The texts are the ones the leaflet's page uses (its own, then the template's and the
brand's), found by rendering it as the build does; their states are the build's. A
save rewrites only the entries that changed (translation/entries.py), is checked as the
build checks the catalog, and is written by saving.py, never over a newer file.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup
from werkzeug.exceptions import BadRequest, Conflict, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..content.brand import load_brand
from ..content.leaflet import load_leaflet
from ..core.errors import LeafletError
from ..core.project import SOURCE_LOCALE, bcp47
from ..governance.review_pack import word_diff
from ..rendering.document import render_html, template_environment
from ..translation.entries import Change, Entry, check_catalog_text, entries, find, rewrite
from ..translation.translations import load_translations, locale_name, text_direction
from . import pages, saving

STATE_WORDS = {"translated": "translated", "fuzzy": "fuzzy: check it against the new English",
               "untranslated": "not translated yet", "invalid": "cannot be used"}


@dataclass(frozen=True)
class Row:
    """One text of the page: its English, its entry in the catalog, and its state."""

    number: int
    msgid: str
    entry: Entry | None
    state: str
    problem: str | None
    old: Markup | None = None  # a fuzzy text's previous English, words removed marked
    new: Markup | None = None  # and its English now, words added marked


def translation_page(editor, request: Request, id: str, locale: str) -> Response:
    """Show every text of leaflet ``id`` with its translation into ``locale``."""
    project, path = editor.project, _catalog_path(editor, id, locale)
    raw = path.read_bytes()
    try:
        title, rows = _rows(editor, id, locale, raw)
    except LeafletError as error:
        return pages.page("translate.html.j2", editor.token, status=422, leaflet=id,
                          locale=locale, problems=[str(problem) for problem in error.problems],
                          rows=[], language=locale_name(locale, SOURCE_LOCALE))
    counts = Counter(row.state for row in rows)
    return pages.page(
        "translate.html.j2", editor.token, leaflet=id, locale=locale, problems=[],
        rows=rows, counts=counts, total=len(rows), base=hashlib.sha256(raw).hexdigest(),
        language=locale_name(locale, SOURCE_LOCALE), tag=bcp47(locale),
        direction=text_direction(locale), catalog=project.relative(path),
        percent=round(100 * counts["translated"] / len(rows), 1) if rows else 100.0,
        words=STATE_WORDS, title=title)


def save_translations(editor, request: Request, id: str, locale: str) -> Response:
    """Write the changed texts into the catalog: 422 with the build's messages if the
    result would not pass the build's checks, 409 if the file changed meanwhile."""
    project, path = editor.project, _catalog_path(editor, id, locale)
    base, changes = _changes(request)
    raw = path.read_bytes()
    brand = editor.options.brand or project.brand_file
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # told in the build's words
        return _json({"problems": check_catalog_text(project, locale, raw, [])}, 422)
    try:
        # Made from the file as it is now; if that is not the page's base, save() refuses.
        content = rewrite(text, changes, project.relative(path)).encode("utf-8")
        problems = check_catalog_text(project, locale, content, changes)
        if problems:
            return _json({"problems": problems}, 422)
        digest = saving.save(project, brand, path, content, base)
    except LeafletError as error:
        return _json({"problems": [str(problem) for problem in error.problems]}, 422)
    except Conflict as error:
        return _json({"conflict": error.description}, 409)
    return _json({"base": digest, "saved": len(changes)})


def _catalog_path(editor, id: str, locale: str):
    project = editor.project
    if locale not in project.translated_locales():
        raise NotFound(f"no catalog for the language {locale!r} in "
                       f"{project.relative(project.locales_dir)}/")
    if project.leaflets_dir / f"{id}.yaml" not in project.leaflet_files():
        raise NotFound(f"no leaflet {id!r} in {project.relative(project.leaflets_dir)}/")
    return project.po_file(locale)


def _rows(editor, id: str, locale: str, raw: bytes) -> tuple[str, list[Row]]:
    """Return the leaflet's title and a row for each text its page uses, in reading order:
    the leaflet's texts, then the template's and the brand's."""
    project = editor.project
    leaflet = load_leaflet(project.leaflets_dir / f"{id}.yaml", project.root)
    brand_path = (editor.options.brand or project.brand_file).resolve()
    brand = load_brand(brand_path, project.relative(brand_path))
    translations, _ = load_translations(project, locale)
    # The printed page of the standard variant, as the start page and 'stats' count it.
    used = render_html(template_environment(project), project, leaflet, brand, translations,
                       []).used
    order = dict.fromkeys([*(text.text for text in leaflet.texts if text.text in used), *used])
    found = entries(raw.decode("utf-8"))
    rows = []
    for number, msgid in enumerate(order, start=1):
        entry = find(found, msgid, None)
        state = translations.state(msgid)
        unusable = translations.unusable.get(msgid)
        old = new = None
        if entry is not None and entry.fuzzy and entry.previous is not None:
            old, new = (_spoken(part) for part in word_diff(entry.previous, msgid))
        rows.append(Row(number, msgid, entry, state,
                        unusable.message if unusable and state == "invalid" else None,
                        old, new))
    return leaflet.leaflet.title, rows


def _spoken(html: Markup) -> Markup:
    """Give each <del> and <ins> of a word diff words a screen reader says (word_diff's
    HTML has no other tags, and its text is escaped, so the tags are found as they are)."""
    return Markup(str(html).replace("<del>", '<del><span class="hidden">removed: </span>')
                  .replace("<ins>", '<ins><span class="hidden">added: </span>'))


def _changes(request: Request) -> tuple[str, list[Change]]:
    """Read the save's JSON: ``{"base": digest, "entries": [{msgid, msgctxt, msgstr,
    fuzzy}]}``; refuse anything else."""
    body = request.get_json(silent=True)
    try:
        base, rows = body["base"], body["entries"]
        changes = [Change(row["msgid"], row.get("msgctxt"), row["msgstr"], row["fuzzy"])
                   for row in rows]
        if not isinstance(base, str) or not all(
            isinstance(change.msgid, str) and isinstance(change.msgstr, str) and
            isinstance(change.fuzzy, bool) and
            (change.context is None or isinstance(change.context, str)) for change in changes):
            raise TypeError
    except (TypeError, KeyError, AttributeError):
        raise BadRequest('expected JSON {"base": "…", "entries": [{"msgid": "…", "msgctxt": '
                         'null, "msgstr": "…", "fuzzy": false}]}') from None
    return base, changes


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status=status,
                    content_type="application/json", headers={"Cache-Control": "no-store"})


RULES = [Rule("/translations/<id>/<locale>", endpoint=translation_page, methods=["GET"]),
         Rule("/translations/<id>/<locale>/save", endpoint=save_translations,
              methods=["POST"])]
