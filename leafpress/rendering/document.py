"""Render one leaflet in one locale to HTML with the Jinja2 templates."""

from __future__ import annotations

import base64
import datetime
import functools
import re
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from babel.dates import format_date
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from markupsafe import Markup, escape

from ..content import markup
from ..content.brand import BrandFile
from ..content.figure import check_figure, describe, natural_width
from ..content.figure_versions import language_key
from ..content.leaflet import LeafletFile
from ..core.errors import LeafletError, Problem
from ..core.project import (ASSETS_DIR, FORMATS, OUTSIDE, SOURCE_LOCALE, Project, bcp47,
                            format_locale, inside_project, output_path, page_address,
                            relative_link)
from ..translation.messages import JINJA_I18N_OPTIONS
from ..translation.translations import Translations, locale_name, text_direction

TEMPLATE = "leaflet.html.j2"
# Printed on every page of a draft, in English beside the translation; the template
# asks for its translation with this same msgid.
DRAFT_MARK = "Draft translation — not for patient use"
# Printed instead on every page of a leaflet whose text is not approved (history.py).
UNAPPROVED_MARK = "Not approved — not for patient use"
# Unicode bidirectional controls (UAX #9), the plain-text form of <bdi> and dir="auto":
# they work the same in WeasyPrint's text (Pango, FriBidi), in CSS strings and in <title>.
LEFT_TO_RIGHT_MARK = "\u200e"
FIRST_STRONG_ISOLATE, POP_ISOLATE = "\u2068", "\u2069"
_PLACEHOLDER = re.compile(r"(%\(\w+\)s)")


@dataclass(frozen=True)
class Rendered:
    """A leaflet's HTML in one locale, with the texts it looked up and those it lacked."""

    html: str
    used: tuple[str, ...]
    missing: tuple[str, ...]
    variant: str
    medium: str = "print"
    others: tuple[str, ...] = ()
    draft: bool = False


@dataclass
class Lookup:
    """Translate texts for one document, remembering every text and the missing ones."""

    translations: Translations
    medium: str = "print"
    used: dict[str, None] = field(default_factory=dict)
    missing: dict[str, None] = field(default_factory=dict)
    direction: str = "ltr"

    def text(self, message_id: str) -> str:
        self.used[message_id] = None
        found = self.translations.lookup(message_id)
        if found is None:
            self.missing[message_id] = None
            # Only a draft is ever rendered with the English (see pipeline.py). In a
            # right-to-left page its full stop and colon would land at its left (".to
            # talk about your pain", ":Important"): a left-to-right mark at each end
            # keeps them in place on every line (WeasyPrint lays lines out one by one,
            # so an isolate opened on the first line would not reach the last).
            if self.direction == "rtl":
                return f"{LEFT_TO_RIGHT_MARK}{message_id}{LEFT_TO_RIGHT_MARK}"
            return message_id
        return found

    def content(self, text: str) -> Markup:
        """Return a leaflet text, translated, as HTML (only emphasis and links).

        Looked up, never %-formatted: leaflet texts are not format strings ("50%").
        An English fallback in a draft is marked as English (issue 23), so that a
        screen reader reads it in English, not in the page's language.
        """
        found = self.text(text)
        if text in self.missing:
            return self.in_english(markup.render_inline(found, self.medium))
        return markup.render_inline(found, self.medium, self.direction)

    def labelled(self, label: str, message_id: str, text: str) -> Markup:
        """Return a callout's or a warning's label (``label``, what ``_()`` gave for
        ``message_id``) and its leaflet ``text``, as HTML.

        When both fell back to English in a right-to-left page, they are one English
        run, the label at its left ("Warning: Tell the staff…"); marked one by one, the
        label stood at the line's right end, after the English (issue 23). Otherwise
        each keeps its own direction, the label at the start of the page's.
        """
        body = self.content(text)
        if message_id in self.missing and text in self.missing and self.direction == "rtl":
            return self.in_english(Markup('<strong class="label">{}</strong>{}').format(
                message_id, markup.render_inline(text, self.medium)))
        return Markup('<strong class="label">{}</strong>{}').format(Markup(label), body)

    def in_english(self, html: Markup) -> Markup:
        """Return ``html`` in a span marked as English, with its direction where the
        page's differs; unchanged on an English page."""
        if self.translations.locale == SOURCE_LOCALE:
            return html
        return Markup("{}{}</span>").format(foreign_span(SOURCE_LOCALE, self.direction), html)

    def plain(self, text: str) -> str:
        """Return a leaflet text, translated, without markup (titles, metadata)."""
        return markup.plain_text(self.text(text))

    def gettext(self, message_id: str) -> str:
        # Jinja marks what gettext returns as safe HTML; escaping here keeps a
        # translation as text, so a translator can never inject markup. A template
        # text that fell back to English is marked as English like a leaflet text; where
        # the template needs it as text (CSS strings, attributes) it strips the tags.
        text = self.text(message_id)
        if message_id not in self.missing:
            return str(escape(text))
        # Jinja %-formats what this returns: a bad format in the English must fail with
        # the message it gives for the text itself, not for the text inside its marks
        # (whose index would be another, and `check` would report it twice).
        message_id % _ANY_VALUE
        # Only the English words are marked: a placeholder's value (a translated
        # department, the language names) keeps its own language.
        words = [part for part in _PLACEHOLDER.split(text) if not _PLACEHOLDER.fullmatch(part)]
        if self.direction != "rtl" or not any(map(str.isalpha, "".join(words))):
            return "".join(str(self.in_english(escape(part)) if any(map(str.isalpha, part))
                               and not _PLACEHOLDER.fullmatch(part) else escape(part))
                           for part in _PLACEHOLDER.split(text))
        # In a right-to-left page the English sentence is one left-to-right run, or its
        # colon and full stop part from its words (":Also available in", issue 23); each
        # value in it keeps the page's language and direction.
        value = Markup('<span lang="{}" dir="rtl">').format(bcp47(self.translations.locale))
        return str(self.in_english(Markup("").join(
            value + part + Markup("</span>") if _PLACEHOLDER.fullmatch(part) else escape(part)
            for part in _PLACEHOLDER.split(text) if part)))

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        return self.gettext(singular if number == 1 else plural)


# Every placeholder's value, for trying a template text's format before it is marked.
_ANY_VALUE = defaultdict(str)


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
    environment.filters["address"] = markup.printed_address
    return environment


def render_html(environment: Environment, project: Project, leaflet_file: LeafletFile,
                brand_file: BrandFile, translations: Translations,
                other_locales: list[str], draft: bool = False,
                variant: str = "standard", medium: str = "print",
                unapproved: bool = False, formats: tuple[str, ...] | None = None) -> Rendered:
    """Render ``leaflet_file`` in the translations' locale, for print or for screen.

    ``medium`` is ``"print"`` for the HTML WeasyPrint lays out, ``"screen"`` for the
    web page written beside the PDFs. An ``unapproved`` leaflet is a draft, with its
    own mark.

    A text without a usable translation is rendered in English and listed in
    ``missing``; the caller publishes such HTML only as a marked ``draft``. Print HTML
    links the project's own files; screen HTML links the copies in ``dist/assets/``.
    ``formats`` are the other formats the leaflet is published in, in this locale
    (braille, epub; default: the brand's): named in its "Also available as" line, and
    linked from a published web page.
    """
    locale = translations.locale
    draft = draft or unapproved
    lookup = Lookup(translations, medium, direction=text_direction(locale))
    environment.install_gettext_callables(lookup.gettext, lookup.ngettext,
                                          newstyle=JINJA_I18N_OPTIONS["newstyle_gettext"])
    leaflet = leaflet_file.leaflet
    if medium == "print":
        stylesheet = (project.templates_dir / "leaflet.css").as_uri()
        brand_folder = brand_file.path.parent.as_uri()
        logo = brand_file.logo_path.as_uri()
    else:
        # The page finds the stylesheet, fonts and logo that catalogue.py copies to
        # dist/assets/ by relative links: it works offline, from a file: URL, too.
        page = output_path(leaflet.id, bcp47(locale), variant, medium, draft)
        assets = relative_link(page, ASSETS_DIR)
        stylesheet, brand_folder = f"{assets}/leaflet.css", f"{assets}/brand"
        logo = f"{brand_folder}/{quote(brand_file.brand.logo)}"
    try:
        html = environment.get_template(TEMPLATE).render(
            leaflet=leaflet,
            brand=brand_file.brand,
            logo=logo,
            brand_folder=brand_folder,
            tr=lookup.content,
            plain=lookup.plain,
            inline=functools.partial(markup.render_inline, medium=medium),
            lang=bcp47(locale),
            source_lang=bcp47(SOURCE_LOCALE),
            dir=text_direction(locale),
            date=lambda value: format_date(value, "long", locale=format_locale(locale)),
            iso=datetime.date.isoformat,
            also_available=_language_names(other_locales, locale),
            formats=_formats(brand_file.brand.formats if formats is None else formats,
                             leaflet.id, medium, draft),
            listed=lambda items, names: _listed(
                [(names[name], link) for name, link in items], locale),
            stylesheet=stylesheet,
            online=_online_page(brand_file, leaflet, locale),
            draft=draft,
            draft_mark_english=DRAFT_MARK,
            english=lookup.in_english,
            labelled=lookup.labelled,
            unapproved_mark=UNAPPROVED_MARK if unapproved else None,
            variant=variant,
            medium=medium,
            figure=lambda block: figure_image(leaflet_file, brand_file, block, locale,
                                              project.relative(leaflet_file.path)),
        )
    except TEMPLATE_ERRORS as error:
        raise template_problem(error, project) from None
    return Rendered(html, tuple(lookup.used), tuple(lookup.missing), variant, medium,
                    tuple(other_locales), draft)


def foreign_span(locale: str, page_direction: str) -> Markup:
    """Return the opening tag of a span of text in ``locale`` on a page written in
    ``page_direction``: its language, and its direction where that differs."""
    direction = text_direction(locale)
    shown = "" if direction == page_direction else Markup(' dir="{}"').format(direction)
    return Markup('<span lang="{}"{}>').format(bcp47(locale), shown)


def _language_names(other_locales: list[str], locale: str) -> Markup:
    """Return "English, 简体中文": each language named in itself, marked with its language
    (issue 23: read aloud in the page's language otherwise), in the page's list style.

    Each name is isolated in its own direction (UAX #9 first-strong isolate, like
    dir="auto"): "العربية" among Latin names keeps the list's commas in place, in
    WeasyPrint too, which does not isolate a span with a dir attribute.
    """
    page_direction = text_direction(locale)
    names = [Markup("{}{}{}{}</span>").format(foreign_span(other, page_direction),
                                              FIRST_STRONG_ISOLATE, locale_name(other, other),
                                              POP_ISOLATE)
             for other in other_locales]
    # format_list joins with the locale's separators, which contain no markup.
    return Markup(format_list([str(name) for name in names], locale=format_locale(locale)))


@dataclass(frozen=True)
class FigureImage:
    """What a page shows of a figure block: its file (``src``, a data: URI), the width it
    is drawn at by itself (CSS, or None), and whether it is mirrored."""

    src: str
    width: str | None
    mirrored: bool


def figure_image(leaflet_file: LeafletFile, brand_file: BrandFile, block, locale: str,
                 shown: str = "") -> FigureImage:
    """Return the figure of ``block`` as a page in ``locale`` shows it: the language's own
    version if it has one (figure_versions.py), else the default file, mirrored on a
    right-to-left page if the block says ``mirror``."""
    own = leaflet_file.figure_versions.get(block.figure, {}).get(language_key(locale))
    name = own or block.figure
    content = _figure_file(leaflet_file, brand_file, name, shown).read_bytes()
    return FigureImage(_data_uri(name, content), natural_width(content, name),
                       bool(block.mirror and not own and text_direction(locale) == "rtl"))


def _formats(formats: tuple[str, ...], leaflet_id: str, medium: str, draft: bool
             ) -> list[tuple[str, str | None]]:
    """Return ``(format, link)`` for each format a leaflet is published in, large print
    first: a published web page links its braille and EPUB, beside it in ``dist/``."""
    linked = medium == "screen" and not draft
    return [("large-print", None)] + [
        (name, f"../{quote(leaflet_id)}.{FORMATS[name]}" if linked else None)
        for name in formats]


def _listed(items: list[tuple[str, str | None]], locale: str) -> Markup:
    """Return "large print, braille and an e-book (EPUB)" from ``(name, link)`` pairs,
    joined in the locale's list style; a name with a link is a link."""
    names = [str(Markup('<a href="{}">{}</a>').format(link, name) if link else escape(name))
             for name, link in items]
    return Markup(format_list(names, locale=format_locale(locale)))


def figure_source(leaflet_file: LeafletFile, brand_file: BrandFile, name: str,
                  shown: str = "") -> str:
    """Return a figure's file as a data: URI, from beside the leaflet or the brand in use.

    Inline, like the QR code: the PDF and the web page need nothing more, and the image
    is part of the HTML that keys the output (an edited figure rebuilds its leaflet).
    """
    path = _figure_file(leaflet_file, brand_file, name, shown)
    return _data_uri(name, path.read_bytes())


def _figure_file(leaflet_file: LeafletFile, brand_file: BrandFile, name: str,
                 shown: str) -> Path:
    """Return the file of the figure ``name``: the one found with the leaflet, or one beside
    the brand in use. The first was checked with the leaflet (figure.py); one beside a
    brand given with --brand, which the leaflet did not know of, is checked here."""
    path = leaflet_file.figures[name]
    beside_brand = brand_file.path.parent / name
    if path.parent != leaflet_file.path.parent and beside_brand.is_file() \
            and beside_brand != path:
        path = beside_brand
        if not inside_project(path, brand_file.path.parent):
            raise LeafletError.at(shown, None, f"the figure file {name!r} beside the brand "
                                  f"file is {OUTSIDE}")
        stat = path.stat()
        problems = _brand_figure_problems(name, path, stat.st_size, stat.st_mtime_ns)
        if problems:
            raise LeafletError([Problem(shown, None, message) for message in problems])
    return path


def _data_uri(name: str, content: bytes) -> str:
    kind = "image/svg+xml" if name.endswith(".svg") else "image/png"
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


@functools.lru_cache(maxsize=64)
def _brand_figure_problems(name: str, path: Path, size: int, mtime_ns: int) -> tuple[str, ...]:
    """Return what is wrong with a figure beside a --brand brand file: checked once while
    the file is unchanged, not at every rendering that uses it."""
    return tuple(describe(name, finding) for finding in check_figure(path).errors)


# What rendering a template may raise for a mistake in it: Jinja's errors, and those of
# the Python its expressions run (``{{ lang / 0 }}``, a format string's missing argument).
TEMPLATE_ERRORS = (TemplateError, ArithmeticError, LookupError, TypeError, ValueError)


def template_problem(error: Exception, project: Project, template: str = TEMPLATE
                     ) -> LeafletError:
    """Return the `LeafletError` for a mistake in ``template`` (or a template it includes):
    ``templates/X.j2:LINE: template error: …``."""
    path, line = _template_location(error, project, template)
    return LeafletError.at(path, line, f"template error: {_template_message(error)}")


def _template_message(error: Exception) -> str:
    if isinstance(error, TemplateNotFound):
        return f"expected a template in the templates folder, got {error.name!r}"
    if isinstance(error, KeyError):  # newstyle gettext formats with the call's arguments
        return f"no value is given for the placeholder %({error.args[0]})s"
    if isinstance(error, ValueError) and "format" in str(error):
        return f"{error}; a literal percent sign in a translated text is written %%"
    # Jinja names an object by its class's module ("'leafpress.content.schema.Leaflet
    # object' has no attribute …"): a template's author needs the class, not where the
    # code keeps it, and the message must not change when the code moves.
    return _MODULE_PATH.sub("", str(error))


_MODULE_PATH = re.compile(r"(?<=')leafpress(?:\.\w+)+\.(?=\w+ object')")


def _template_location(error: Exception, project: Project, template: str
                       ) -> tuple[str, int | None]:
    """Return the template and line an error comes from, relative to the project.

    A syntax error carries them; an error while rendering (an undefined name) has them
    only in its traceback, whose template frames Jinja maps to template lines.
    """
    filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    if not filename:
        for frame, number in traceback.walk_tb(error.__traceback__):
            if Path(frame.f_code.co_filename).is_relative_to(project.templates_dir):
                filename, line = frame.f_code.co_filename, number
    path = Path(filename) if filename else project.templates_dir / template
    return project.relative(path), line


def _online_page(brand_file: BrandFile, leaflet, locale: str) -> dict | None:
    """Return the leaflet's web address in ``locale`` and its QR code, if the brand has a site.

    The address is that of the folder whose index.html is the published web page. The
    QR code is named by its address (``qr:`` + the address quoted), and drawn by the
    worker that renders the PDF (pdf.py): choosing its best mask costs ~20 ms, which a
    build that renders only a few PDFs does not pay for all the others. The address
    alone is the code's whole input, so the HTML still says exactly what is printed.
    """
    if not brand_file.brand.website:
        return None
    address = f"{brand_file.brand.website.rstrip('/')}/{page_address(bcp47(locale), leaflet.id)}"
    return {"address": address, "qr": QR_SCHEME + ":" + quote(address, safe="")}


QR_SCHEME = "qr"


def qr_code(address: str) -> str:
    """Return a vector QR code for ``address`` as a data: URI, which WeasyPrint draws."""
    import segno

    return segno.make(address, error="m").svg_data_uri(scale=1, border=0, xmldecl=False)


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
