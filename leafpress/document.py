"""Render one leaflet in one locale to HTML with the Jinja2 templates."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from babel.dates import format_date
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from markupsafe import Markup, escape

from . import markup
from .brand import BrandFile
from .catalog import JINJA_I18N_OPTIONS, msgid
from .errors import LeafletError, Problem
from .leaflet import LeafletFile
from .project import Project, bcp47, format_locale
from .translation import Translations, locale_name

TEMPLATE = "leaflet.html.j2"


@dataclass
class Lookup:
    """Translate texts for one document, remembering every text that has no translation."""

    translations: Translations
    missing: list[str] = field(default_factory=list)

    def text(self, message_id: str) -> str:
        found = self.translations.lookup(message_id)
        if found is None:
            self.missing.append(message_id)
            return message_id
        return found

    def content(self, text: str) -> Markup:
        """Return a leaflet text, translated, as HTML (only emphasis and links)."""
        return markup.render_inline(self.text(msgid(text)).replace("%%", "%"))

    def plain(self, text: str) -> str:
        """Return a leaflet text, translated, without markup (titles, metadata)."""
        return markup.plain_text(self.text(msgid(text)).replace("%%", "%"))

    def gettext(self, message_id: str) -> str:
        # Jinja marks what gettext returns as safe HTML; escaping here keeps a
        # translation as text, so a translator can never inject markup.
        return str(escape(self.text(message_id)))

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        return self.gettext(singular if number == 1 else plural)


def template_environment(project: Project) -> Environment:
    """Return the Jinja environment: autoescaped, strict about undefined names."""
    environment = Environment(
        loader=FileSystemLoader(project.templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    environment.policies["ext.i18n.trimmed"] = JINJA_I18N_OPTIONS["trimmed"]
    environment.filters["css_string"] = css_string
    environment.filters["css_counters"] = css_counters
    return environment


def render_html(environment: Environment, project: Project, leaflet_file: LeafletFile,
                brand_file: BrandFile, translations: Translations,
                other_locales: list[str]) -> str:
    """Return the HTML of ``leaflet_file`` in the translations' locale.

    Raises `LeafletError` naming every text that has no usable translation: a
    leaflet is never published with English silently standing in.
    """
    locale = translations.locale
    lookup = Lookup(translations)
    environment.install_gettext_callables(lookup.gettext, lookup.ngettext,
                                          newstyle=JINJA_I18N_OPTIONS["newstyle_gettext"])
    leaflet = leaflet_file.leaflet
    try:
        html = environment.get_template(TEMPLATE).render(
            leaflet=leaflet,
            brand=brand_file.brand,
            logo=brand_file.logo_path.as_uri(),
            tr=lookup.content,
            plain=lookup.plain,
            inline=markup.render_inline,
            lang=bcp47(locale),
            date=lambda value: format_date(value, "long", locale=format_locale(locale)),
            iso=datetime.date.isoformat,
            also_available=format_list([locale_name(other, other) for other in other_locales],
                                       locale=format_locale(locale)),
            stylesheet=(project.templates_dir / "leaflet.css").as_uri(),
        )
    except TemplateError as error:
        raise LeafletError.at(getattr(error, "filename", None) or TEMPLATE,
                              getattr(error, "lineno", None), f"template error: {error}") from None
    if lookup.missing:
        missing = list(dict.fromkeys(lookup.missing))
        count = f"{len(missing)} text{'s have' if len(missing) > 1 else ' has'}"
        raise LeafletError([
            *(translations.why_missing(message_id) for message_id in missing),
            Problem(project.relative(leaflet_file.path), None,
                    f"not built in {bcp47(locale)}: {count} no usable translation "
                    "(English is never printed in its place)"),
        ])
    return html


_CSS_SAFE = re.compile(r"[\w .,:;!?()\-–—·/]", re.UNICODE)


def css_string(text: str) -> Markup:
    """Return ``text`` as a quoted CSS string, every risky character escaped."""
    escaped = "".join(char if _CSS_SAFE.fullmatch(char) else f"\\{ord(char):x} " for char in text)
    return Markup(f'"{escaped}"')


def css_counters(text: str) -> Markup:
    """Turn "Page \\x01 of \\x02" into a CSS ``content`` value with page counters."""
    parts = re.split("([\x01\x02])", str(text))
    values = []
    for part in parts:
        if part == "\x01":
            values.append("counter(page)")
        elif part == "\x02":
            values.append("counter(pages)")
        elif part:
            values.append(str(css_string(Markup(part).unescape())))
    return Markup(" ".join(values))
