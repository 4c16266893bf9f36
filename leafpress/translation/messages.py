"""Translations: extracting the POT, merging it into the catalogs, starting new ones.

Leaflet and brand texts are not format strings: their msgid is the text as written
(``50%``), without a python-format flag, and a translator types ``50%`` too; they are
looked up, never %-formatted (see document.py). Only the templates' own strings go
through Jinja's newstyle gettext, keep named placeholders (``%(page)s``), and write a
literal percent sign ``%%``.
"""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from pathlib import Path

from babel import Locale, UnknownLocaleError

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from ..content.brand import load_brand
from ..content.leaflet import SourceText, load_leaflet
from ..core.errors import LeafletError, Problem, ProblemCollector
from ..core.memo import Memo, digest
from ..core.project import SOURCE_LOCALE, Project, project_file, write_atomically
from .lineage import carry_translations, place_note

PROJECT_NAME = "Patient leaflets"
POT_HEADER = """\
# Texts of the patient leaflets, their brand and their templates, to translate.
# Written by 'build.py extract' from leaflets/, brand/ and templates/: do not edit.
# Texts from leaflets and brands are plain text: "50%" is translated as "50%".
# Texts from templates are format strings: keep %(name)s, and write a percent sign %%."""
# One set of Jinja i18n options, used both to extract and to render (see document.py):
# if they differ, extracted msgids silently stop matching the runtime lookups.
JINJA_I18N_OPTIONS = {"trimmed": True, "newstyle_gettext": True}
_JINJA_EXTRACT_OPTIONS = {**{key: str(value).lower() for key, value in JINJA_I18N_OPTIONS.items()},
                          "silent": "false"}


def extract_leaflet(fileobj, keywords, comment_tags, options):
    """Babel extractor for leaflet YAML: one message per heading, paragraph, list item…"""
    root = Path(options["root"]) if options.get("root") else None
    shown = options.get("shown") or fileobj.name
    for text in load_leaflet(Path(fileobj.name), root).texts:
        yield text.line, None, text.text, _comments(text, shown)


def extract_brand(fileobj, keywords, comment_tags, options):
    """Babel extractor for the brand file's translatable texts."""
    shown = options.get("shown") or fileobj.name
    for text in load_brand(Path(fileobj.name), options.get("shown")).texts:
        yield text.line, None, text.text, _comments(text, shown)


def _comments(text: SourceText, shown: str) -> list[str]:
    """Return the translators' note and the text's place (``FILE: KEY``, see lineage.py)."""
    return [text.comment, place_note(shown, text.key)]


def extract_catalog(project: Project, creation_date: datetime.datetime,
                    loaded: dict | None = None, brands: tuple[Path, ...] = (),
                    memo: Memo | None = None) -> Catalog:
    """Return a template catalog of every text in leaflets, brands and templates.

    Every brand file of the project is read (`Project.brand_files`), and ``brands``
    besides, so that a second brand's texts are translated too and never obsoleted.
    ``loaded`` maps files already loaded to their texts, which are then used as
    they are instead of being read and validated a second time; ``memo`` remembers the
    texts of the others (templates) while their files are unchanged.
    """
    loaded = loaded or {}
    catalog = Catalog(project=PROJECT_NAME, version="1", charset="utf-8",
                      creation_date=creation_date, header_comment=POT_HEADER, fuzzy=False)
    sources = [(path, "leafpress.translation.messages:extract_leaflet",
                {"root": str(project.root), "shown": project.relative(path)})
               for path in project.leaflet_files()]
    sources += [(path, "leafpress.translation.messages:extract_brand",
                 {"shown": project.relative(path)})
                for path in project.brand_files(brands)]
    sources += [(path, "jinja2.ext:babel_extract", _JINJA_EXTRACT_OPTIONS)
                for path in project.template_files()]
    problems = ProblemCollector()
    for path, method, options in sources:
        if path in loaded:
            results = [(text.line, text.text, _comments(text, project.relative(path)), None)
                       for text in loaded[path]]
        else:
            results = problems.run(_extracted, memo or Memo(None), method, path, options,
                                   project.relative(path))
        for line, message, comments, context in results or ():
            catalog.add(message, None, [(project.relative(path), line)],
                        auto_comments=comments, context=context)
            if not method.startswith("jinja2"):
                # Babel flags a text that looks like "%s" ("50% of") or "{0}" as a format
                # string, and msgfmt then rejects a translation that keeps "50%" as it is.
                catalog.get(message, context).flags -= {"python-format", "python-brace-format"}
    problems.raise_if_any()
    return catalog


def _extracted(memo: Memo, method, path, options, shown):
    """Return `_extract_file`, remembered while the file is unchanged (a template's
    extraction is a tenth of a second that an edit-rebuild need not pay again)."""
    key = digest(method, repr(sorted(options.items())), path.read_bytes())
    found = memo.recall("texts", path.name, key)
    if found is None:
        found = list(_extract_file(method, path, options, shown))
        memo.remember("texts", path.name, key, found)
    return found


def _extract_file(method, path, options, shown):
    try:
        return extract_from_file(method, path, comment_tags=("Translators:",), options=options)
    except LeafletError:
        raise
    except Exception as error:  # a Jinja syntax error in a template, for example
        line = getattr(error, "lineno", None)
        raise LeafletError.at(shown, line, f"cannot extract messages: {error}") from None


def render_pot(catalog: Catalog) -> bytes:
    """Return the POT file's bytes: locations without line numbers, so diffs stay quiet.

    Lines are not wrapped: Babel and GNU gettext wrap differently (Babel never breaks
    Chinese), so the one layout every tool can keep is none, ``msgmerge --no-wrap``.
    """
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, include_lineno=False)
    return buffer.getvalue()


def write_pot(project: Project, brands: tuple[Path, ...] = ()) -> bool:
    """Write ``locales/messages.pot``; return whether it changed.

    The creation date is only renewed when a message changed, so running this
    twice, or on another day, leaves the file byte-identical.
    """
    existing = project.pot_file.read_bytes() if project.pot_file.exists() else None
    previous_date = _creation_date(existing) if existing else None
    if previous_date:
        content = render_pot(extract_catalog(project, previous_date, brands=brands))
        if content == existing:
            return False
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    content = render_pot(extract_catalog(project, now, brands=brands))
    write_atomically(project.pot_file, content)
    return True


def pot_is_current(project: Project, loaded: dict | None = None,
                   brands: tuple[Path, ...] = (), memo: Memo | None = None) -> bool:
    """Return whether the POT matches the leaflets, brands and templates."""
    if not project.pot_file.exists():
        return False
    existing = project.pot_file.read_bytes()
    date = _creation_date(existing)
    return date is not None and render_pot(
        extract_catalog(project, date, loaded, brands, memo)) == existing


def _digest(paths: list[Path], root: Path) -> str:
    """A digest of ``paths`` and of leafpress's code (memo.py): the POT's texts and notes
    come from the leaflet and brand schemas as much as from the files."""
    from ..core.digests import files_digest

    return digest(files_digest([path for path in paths if path.exists()], root))[:24]


def _creation_date(content: bytes) -> datetime.datetime | None:
    return read_po(io.BytesIO(content)).creation_date


def check_pot(project: Project, loaded: dict | None = None, brands: tuple[Path, ...] = (),
              cache: Path | None = None) -> list[Problem]:
    """Return a problem if the POT does not match the leaflets, brands and templates.

    With ``cache`` (a folder), the answer is remembered by the digest of every file the
    POT is made from: extracting a hundred leaflets again costs a build about a second,
    which an edit-rebuild should not pay again while nothing it reads has changed.
    """
    sources = [project.pot_file, *project.leaflet_files(), *project.brand_files(brands),
               *project.template_files()]
    remembered = cache and cache / f"pot-{_digest(sources, project.root)}"
    if remembered and remembered.exists():
        current = remembered.read_bytes() == b"current"
    else:
        try:
            current = pot_is_current(project, loaded, brands, Memo.in_cache(cache))
        except LeafletError:
            return []  # a source that does not load is reported where it is loaded
        if remembered:
            try:  # a memo that cannot be written (a full disk) is not the build's problem
                for old in cache.glob("pot-*"):
                    old.unlink()
                write_atomically(remembered, b"current" if current else b"stale")
            except (OSError, LeafletError):
                pass
    if current:
        return []
    return [Problem(project.relative(project.pot_file), None,
                    "out of date with the leaflets and templates; "
                    "run 'build.py extract' and update the translations")]


def update_catalogs(project: Project, brands: tuple[Path, ...] = ()
                    ) -> list[tuple[str, bool]]:
    """Merge the POT into every locale's catalog with GNU msgmerge; return what changed.

    msgmerge (not Babel) because it writes the previous English of a changed message
    as ``#| msgid`` correctly, which Poedit and Weblate show the translator; Babel's
    reader drops those lines and its writer mangles them on the next round.
    """
    write_pot(project, brands)
    return [(locale, _merge(project, project.po_file(locale))) for locale in
            project.translated_locales()]


def init_locale(project: Project, name: str) -> str:
    """Start a catalog for a new language from the POT; return its folder name."""
    locale = parse_locale(name)
    folder = str(locale)
    path = project.po_file(folder)
    if folder == SOURCE_LOCALE or path.exists():
        raise LeafletError.at(project.relative(path), None,
                              f"the locale '{folder}' already exists")
    write_pot(project)
    with project.pot_file.open("rb") as handle:
        catalog = read_po(handle)
    catalog.locale = locale  # also sets the Plural-Forms header from CLDR
    catalog.fuzzy = False
    catalog.revision_date = catalog.creation_date
    catalog.language_team = f"{locale.english_name} <>"
    catalog.header_comment = f"# {locale.english_name} translation of the patient leaflets."
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, include_lineno=False)
    write_atomically(path, buffer.getvalue())
    _merge(project, path)  # so that the first 'update' changes nothing but real changes
    return folder


def parse_locale(name: str) -> Locale:
    """Return the Babel locale for ``zh_Hans`` or ``zh-Hans``; raise `LeafletError` if unknown."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        raise LeafletError.at("command line", None,
                              f"unknown locale {name!r}; expected a language code like "
                              "'fr', 'pt_BR' or 'zh_Hans'") from None


def _merge(project: Project, path: Path) -> bool:
    project_file(path, project.root, project.relative(path))
    if not shutil.which("msgmerge"):
        raise LeafletError.at("system", None, "GNU gettext's msgmerge is not installed; install "
                                              "the Debian package gettext (scripts/setup.sh does)")
    # Merged to standard output, then written atomically: the translators' work is never
    # left half-written, which msgmerge --update, writing in place, does not promise.
    # --no-fuzzy-matching: a new text is never pre-filled from an unrelated one; the
    # translation of a text whose English changed is carried by lineage.py instead.
    result = subprocess.run(
        ["msgmerge", "--quiet", "--previous", "--no-wrap", "--no-fuzzy-matching",
         "--output-file=-", project.relative(path), project.relative(project.pot_file)],
        cwd=project.root, capture_output=True)
    if result.returncode != 0:
        raise LeafletError.at(project.relative(path), None,
                              f"msgmerge failed: {result.stderr.decode(errors='replace').strip()}")
    before = path.read_bytes()
    # An obsolete entry keeps no previous English: msgmerge writes it as "#~|" lines
    # (a fuzzy text changed again), which Babel's reader refuses; nobody translates it.
    output = b"".join(line for line in result.stdout.splitlines(keepends=True)
                      if not line.startswith(b"#~|"))
    merged = carry_translations(before, output, project.relative(project.templates_dir) + "/")
    if merged == before:
        return False
    write_atomically(path, merged)
    return True
