"""Reading a locale's PO catalog, checking each translation, and looking texts up.

A translation is used only when it is translated, not fuzzy, and passes the checks
below; anything else is reported with the PO file's line, and the text counts as
missing, so a leaflet is never published with a stale or broken translation.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po

from ..content import markup
from ..core.errors import LeafletError, Problem
from ..core.project import SOURCE_LOCALE, Project, project_file

CITATION = re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]")
HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
LOCALE_NAME = re.compile(r"[a-z]{2,3}(_[A-Z][a-z]{3})?(_([A-Z]{2}|[0-9]{3}))?")
# The only placeholders in the templates' texts (Jinja's newstyle gettext), and %% for %.
# Leaflet and brand texts have none: they are looked up, never formatted.
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")
NOT_TRANSLATED = "not translated yet"
CHARSET = re.compile(rb'^"Content-Type:[^"\n]*?charset=([^\s;"\\]*)', re.MULTILINE)
STATES = ("translated", "fuzzy", "untranslated", "invalid")


@dataclass(frozen=True)
class Translations:
    """The usable translations of one locale, and why the others are not usable."""

    locale: str
    strings: dict[str, str] = field(default_factory=dict)
    unusable: dict[str, Problem] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # each usable msgid's line

    @classmethod
    def source(cls) -> Translations:
        return cls(SOURCE_LOCALE)

    def lookup(self, message_id: str) -> str | None:
        """Return the translation of ``message_id``, or ``None`` if there is none."""
        if self.locale == SOURCE_LOCALE:
            return message_id
        return self.strings.get(message_id)

    def state(self, message_id: str) -> str:
        """Return 'translated', 'fuzzy', 'untranslated' or 'invalid' for ``message_id``."""
        if self.lookup(message_id) is not None:
            return "translated"
        problem = self.unusable.get(message_id)
        if problem is None or problem.message == NOT_TRANSLATED:
            return "untranslated"
        return "fuzzy" if problem.message.startswith("fuzzy") else "invalid"


def load_translations(project: Project, locale: str) -> tuple[Translations, list[Problem]]:
    """Read a locale's catalog; return its usable translations and the invalid ones.

    Raises `LeafletError` when the catalog as a whole cannot be used.
    """
    if locale == SOURCE_LOCALE:
        return Translations.source(), []
    catalog = read_catalog(project, locale)
    shown = project.relative(project.po_file(locale))
    templates = project.relative(project.templates_dir) + "/"
    strings, unusable, problems, lines = {}, {}, [], {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        where = f'msgid "{shorten(message.id)}"'
        if not message.string:
            unusable[message.id] = Problem(shown, message.lineno, NOT_TRANSLATED, where)
        elif message.fuzzy:
            unusable[message.id] = Problem(
                shown, message.lineno, "fuzzy: the English changed or the translation needs "
                "review; check it, then remove the fuzzy flag", where)
        elif reason := translation_problem(catalog, message,
                                           is_template_text(message, templates)):
            if any(str(path).startswith(templates) for path, _ in message.locations):
                reason += ("; this text is in the template, so no leaflet is published in "
                           "this language until it is fixed")
            unusable[message.id] = Problem(shown, message.lineno, reason, where)
            problems.append(unusable[message.id])
        else:
            strings[message.id] = message.string
            lines[message.id] = message.lineno
    return Translations(locale, strings, unusable, lines), problems


def is_template_text(message: Message, templates: str) -> bool:
    """Return whether a message is a template's format string, not a leaflet or brand text.

    ``templates`` is the templates folder + "/". A message without a location is taken
    for a format string: the stricter checks apply.
    """
    return not message.locations or any(str(path).startswith(templates)
                                        for path, _ in message.locations)


def translation_problem(catalog: Catalog, message: Message,
                        template: bool = True) -> str | None:
    """Return what is wrong with a translation (markup, links, placeholders), or ``None``.

    Only a ``template`` text is a format string; a leaflet's "50%" is translated "50%".
    """
    source, target = message.id, message.string
    if not template:
        # Babel's reader flags "50% of" python-format again, whatever the POT says.
        message.flags -= {"python-format", "python-brace-format"}
    for error in message.check(catalog):
        return f"placeholders differ from the English: {error}"
    problem = _placeholder_problem(source, target) if template else None
    if problem:
        return problem
    if HTML_TAG.search(target) and not HTML_TAG.search(source):
        return "a translation must not contain HTML tags"
    problem = markup.markup_problem(target.replace("%%", "%") if template else target)
    if problem:
        return problem
    expected, found = markup.emphasis_count(source), markup.emphasis_count(target)
    if expected != found:
        return (f"the emphasis (**…**) must match the English: expected {expected} "
                f"emphasised part{'s' if expected != 1 else ''}, got {found}")
    expected, found = markup.link_targets(source), markup.link_targets(target)
    if Counter(expected) != Counter(found):
        return (f"the links must have the same targets as the English: expected "
                f"{_listing(expected)}, got {_listing(found)}")
    expected, found = CITATION.findall(source), CITATION.findall(target)
    if Counter(expected) != Counter(found):
        return (f"the citation markers must match the English: expected "
                f"{_listing(expected)}, got {_listing(found)}")
    return None


def _placeholder_problem(source: str, target: str) -> str | None:
    """Check what msgfmt checks only for entries flagged python-format."""
    if "%" in PLACEHOLDER.sub("", target) and "%" not in PLACEHOLDER.sub("", source):
        return "a percent sign must be written %% unless it starts a placeholder like %(page)s"
    expected = [found for found in PLACEHOLDER.findall(source) if found != "%%"]
    found = [found for found in PLACEHOLDER.findall(target) if found != "%%"]
    if Counter(expected) != Counter(found):
        return (f"the placeholders must match the English: expected {_listing(expected)}, "
                f"got {_listing(found)}")
    return None


def read_catalog(project: Project, locale: str) -> Catalog:
    """Parse a PO file strictly: GNU msgfmt's checks, then Babel, then the Language header."""
    _check_locale_name(project, locale)
    path = project.po_file(locale)
    shown = project.relative(path)
    if not path.is_file():
        raise LeafletError.at(shown, None, f"no catalog for locale '{locale}'")
    project_file(path, project.root, shown)
    problems = _encoding_problems(path.read_bytes(), shown)
    if problems:
        raise LeafletError(problems)
    _msgfmt_check(project, path)
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except (PoFileError, UnknownLocaleError, ValueError) as error:
        raise LeafletError.at(shown, getattr(error, "lineno", None),
                              f"cannot read the catalog: {error}") from None
    line, header = _header(path)
    if header != locale:
        got = repr(header) if header else "none"
        raise LeafletError.at(shown, line, f"the Language header must be '{locale}' (the "
                                           f"folder's name), got {got}")
    return catalog


def _encoding_problems(raw: bytes, shown: str) -> list[Problem]:
    """Refuse a catalog that is not UTF-8, or declares another charset (issue 20).

    Babel decodes a catalog by the charset its header declares, so a wrong declaration
    prints mojibake in the PDFs. The project's catalogs are UTF-8, as GNU gettext, Poedit
    and Weblate write them; msgfmt finds nothing wrong with UTF-8 bytes declared ISO-8859-1.
    """
    problems = []
    declared = CHARSET.search(raw)
    if declared and declared[1].decode("ascii", "replace").lower() not in ("utf-8", "utf8"):
        problems.append(Problem(shown, raw[: declared.start()].count(b"\n") + 1, (
            f"the catalog must be UTF-8: declare charset=UTF-8 in the Content-Type header and "
            f"save the file as UTF-8, got charset={declared[1].decode('ascii', 'replace')}")))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(shown, raw[: error.start].count(b"\n") + 1,
                                "the file is not UTF-8 text; save it with UTF-8 encoding"))
    return problems


def is_locale_name(locale: str) -> bool:
    """Return whether ``locale`` is a gettext locale name as folders are named (``zh_Hans``)."""
    try:
        return bool(LOCALE_NAME.fullmatch(locale)) and str(Locale.parse(locale)) == locale
    except (ValueError, UnknownLocaleError):
        return False


def _check_locale_name(project: Project, locale: str) -> None:
    """Refuse a locale folder whose name is not a gettext locale, before it is in any path."""
    if not is_locale_name(locale):
        raise LeafletError.at(project.relative(project.locales_dir / locale), None,
                              f"expected a locale folder named like 'fr', 'pt_BR' or 'zh_Hans', "
                              f"got {locale!r}")


def _msgfmt_check(project: Project, path: Path) -> None:
    """Run GNU msgfmt's checks, which catch damage Babel's lenient parser lets through."""
    if not shutil.which("msgfmt"):
        raise LeafletError.at("system", None, "GNU gettext's msgfmt is not installed; install "
                                              "the Debian package gettext (scripts/setup.sh does)")
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-domain", "--output-file", os.devnull,
         project.relative(path)], cwd=project.root, capture_output=True, text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"})
    if result.returncode == 0:
        return
    problems = []
    for line in result.stderr.splitlines():
        match = re.match(r"(.+?):(\d+):(?:\d+:)? (.*)", line)
        if match and not line.startswith("msgfmt:"):
            number, message = int(match[2]), match[3]
            if message == "end-of-line within string":
                number -= 1  # msgfmt counts the line break it stopped at
            problem = Problem(match[1], number, message)
            if problem not in problems:
                problems.append(problem)
    raise LeafletError(problems or [Problem(project.relative(path), None, result.stderr.strip())])


def _header(path: Path) -> tuple[int | None, str | None]:
    """Return the line and value of the PO header's Language field."""
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.startswith('"Language:'):
            return number, line[len('"Language:'):].strip().removesuffix('"') \
                .removesuffix("\\n").strip() or None
    return None, None


def locale_name(locale: str, in_locale: str) -> str:
    """Return the name of ``locale`` written in ``in_locale`` (from Babel's CLDR data)."""
    names = Locale.parse(in_locale).languages
    return names.get(locale) or Locale.parse(locale).get_display_name(Locale.parse(in_locale))


def text_direction(locale: str) -> str:
    """Return ``"rtl"`` or ``"ltr"``, the HTML ``dir`` of text in ``locale``."""
    return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"


def shorten(text: str, width: int = 50) -> str:
    """Return ``text`` cut at a word boundary near ``width`` characters."""
    if len(text) <= width:
        return text
    cut = text[:width].rsplit(" ", 1)[0]
    return f"{cut}…"


def _listing(items: list[str]) -> str:
    return ", ".join(items) if items else "none"
