"""Character coverage: every character a leaflet prints must be in one of its fonts.

An output's fonts are read from its own print HTML, as WeasyPrint will see them: the
stylesheets it links and its ``<style>`` (the brand's font), the ``font-family`` of the
root element for the document's language (custom properties resolved), and the
``@font-face`` rules, whose files are read directly; other named families are found
with fontconfig (``fc-match``). Generic families (``sans-serif``) are left out: what they
stand for differs from machine to machine, so a character only they could draw would
print differently, or as an empty box, elsewhere. A family that fontconfig does not
know (``Leaflet CJK``, the build's subset of an installed font that follows it in the
stack) is left out too. A family covers a character when each of its faces does.

The characters of each font come from its ``cmap`` (fontTools), kept per font file in
the cache folder (``cmaps/``), so ``check`` reads each font once. fontTools is imported
only when a font is read for the first time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..content.brand import BrandFile
from ..content.leaflet import LeafletFile
from ..content.schema import Leaflet
from ..content.yamlfile import dotted, read_yaml
from ..core.errors import LeafletError, Problem
from ..core.project import SOURCE_LOCALE, Project, bcp47, write_atomically
from ..translation.translations import Translations, shorten
from .document import Rendered, render_html

GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui",
                    "emoji", "math", "fangsong", "ui-sans-serif", "ui-serif"}
# Drawn as nothing by Pango, whatever the font: controls, format characters (zero-width
# space, word joiner, soft hyphen), separators and variation selectors.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_LANG = re.compile(r'<html lang="([^"]+)"')


@dataclass(frozen=True)
class Face:
    """One font file (and face index in a collection) of a family."""

    path: Path
    index: int = 0


@dataclass(frozen=True, eq=False)
class Family:
    """A named font family and the characters every one of its faces can draw.

    Compared by identity (each is made once, see `_families`): comparing the character
    sets of a CJK font, 30,000 and more, on every cache lookup cost seconds a build.
    """

    name: str
    characters: frozenset[int]


def output_fonts(html: str, cache: Path) -> tuple[Family, ...]:
    """Return the font families of the print HTML ``html``, in the order of its stack."""
    sheets = tuple((href, _read_stylesheet(href)) for href in _STYLESHEET.findall(html))
    styles = tuple(("", style) for style in _STYLE.findall(html))
    found = _LANG.search(html)
    return _families(sheets + styles, found[1] if found else "", cache)


def undrawable(text: str, families: tuple[Family, ...]) -> list[str]:
    """Return each character of ``text`` that none of ``families`` can draw, once, in order."""
    return list(_undrawable(text, families))


@functools.lru_cache(maxsize=16384)
def _undrawable(text: str, families: tuple[Family, ...]) -> tuple[str, ...]:
    # Cached: a text is checked once per font stack, not once per output that prints it.
    missing = {}
    for char in text:
        if char in missing or _invisible(char):
            continue
        if not any(ord(char) in family.characters for family in families):
            missing[char] = None
    return tuple(missing)


def describe(char: str, families: tuple[Family, ...], language: str) -> str:
    """Return the message for a character no font of the ``language`` output can draw."""
    names = ", ".join(family.name for family in families) or "none"
    return (f"U+{ord(char):04X} {char} cannot be drawn by any font of the leaflet in "
            f"{language} ({names}); remove it or use another character")


def output_problems(project: Project, brand_file: BrandFile, leaflet_file: LeafletFile,
                    translations: Translations, rendered: Rendered, cache: Path) -> list[Problem]:
    """Return a problem for each character of one output that none of its fonts can draw.

    Each translation the output uses is checked at its line in the PO file; the leaflet's
    and the brand's own texts wherever the output prints them (all of them in the source
    language; in a translation, those it does not replace, such as citations).
    """
    families = output_fonts(rendered.html, cache)
    language = bcp47(translations.locale)
    translated: frozenset[str] = frozenset()
    problems = []
    if translations.locale != SOURCE_LOCALE:
        shown = project.relative(project.po_file(translations.locale))
        in_file_order = sorted(rendered.used, key=lambda used: translations.lines.get(used, 0))
        for message_id in in_file_order:
            string = translations.lookup(message_id)
            for char in undrawable(string or "", families):
                problems.append(Problem(shown, translations.lines.get(message_id),
                                        describe(char, families, language),
                                        f'msgid "{shorten(message_id)}"'))
        translated = frozenset(source.text for source in (*leaflet_file.texts,
                                                          *brand_file.texts)
                               if translations.lookup(source.text) is not None)
    for path in (leaflet_file.path, brand_file.path):
        problems.extend(file_problems(path, project.relative(path), families, language,
                                      translated))
    return problems


def unloaded_leaflet_problems(project: Project, brand_file: BrandFile, paths: list[Path],
                              environment, cache: Path) -> list[Problem]:
    """Return a problem for each character of the leaflets at ``paths``, which did not
    validate, that no font of their English print can draw, so that `check` reports them
    with their other mistakes (issue 20). Their texts are read from the YAML as they are
    (none from a file that does not parse).

    Those fonts are the same for every leaflet (the template's stylesheet, the brand's
    font, the language): they are read from a stand-in leaflet rendered in English.
    """
    if not paths:
        return []
    stand_in = LeafletFile(paths[0], _stand_in(), (), {})
    rendered = render_html(environment, project, stand_in, brand_file, Translations.source(),
                           [])
    families = output_fonts(rendered.html, cache)
    return [problem for path in paths for problem in file_problems(
        path, project.relative(path), families, bcp47(SOURCE_LOCALE))]


@functools.cache
def _stand_in() -> Leaflet:
    text = {"paragraph": "Text."}
    return Leaflet.model_validate({
        "id": "stand-in", "reference": "STAND-IN", "title": "Title", "audience": "patient",
        "version": "1.0", "published": "2000-01-01", "review_by": "2000-01-02",
        "owner": {"department": "Department", "contact": "Contact"},
        "sources": [{"citation": "Source."}],
        "sections": [{"heading": "Heading", "blocks": [text]}]})


def file_problems(path: Path, shown: str, families: tuple[Family, ...], language: str,
                  skip: frozenset[str] = frozenset()) -> list[Problem]:
    """Check every text of a YAML file (a leaflet or the brand), each at its line and key.

    Texts in ``skip`` (those a translation replaces) are not checked.
    """
    problems = []
    for location, line, text in _file_strings(path, shown, *_stamp(path)):
        if " ".join(text.split()) in skip:
            continue
        for char in undrawable(text, families):
            problems.append(Problem(shown, line, describe(char, families, language),
                                    dotted(location)))
    return problems


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=1024)
def _file_strings(path: Path, shown: str, *stamp) -> tuple:
    """Return ``(location, line, text)`` for every string of a YAML file, read once for as
    long as the file is unchanged (``stamp``), not once for each output of it."""
    document, _ = read_yaml(path, shown)  # its mistakes are the loader's to report
    if document is None:
        return ()
    return tuple((location, document.line_of(location), text)
                 for location, text in _strings(document.data, ()))


def _strings(data, location: tuple):
    """Yield ``(location, text)`` for every string in ``data``, depth first, in order."""
    if isinstance(data, str):
        yield location, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*location, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*location, index))


def _invisible(char: str) -> bool:
    code = ord(char)
    return (unicodedata.category(char) in _INVISIBLE_CATEGORIES or 0xFE00 <= code <= 0xFE0F
            or 0xE0100 <= code <= 0xE01EF)


@functools.lru_cache(maxsize=64)
def _read_stylesheet(href: str) -> str:
    parts = urlsplit(href)
    return Path(unquote(parts.path)).read_text("utf-8") if parts.scheme == "file" else ""


@functools.lru_cache(maxsize=64)
def _families(sheets: tuple[tuple[str, str], ...], language: str, cache: Path) -> tuple[Family, ...]:
    stack, faces = _root_stack(sheets, language)
    families = []
    for name in stack:
        if name.lower() in GENERIC_FAMILIES:
            continue
        files = faces.get(name) or _installed_faces(name)
        if files:
            families.append(_family(name, tuple(files), cache))
    return tuple(families)


@functools.lru_cache(maxsize=64)
def _family(name: str, files: tuple, cache: Path) -> Family:
    """Return the family ``name`` of font ``files``: one object for every output using it."""
    return Family(name, functools.reduce(frozenset.intersection,
                                         (_characters(face, cache) for face in files)))


def _root_stack(sheets: tuple[tuple[str, str], ...], language: str) -> tuple[list[str], dict]:
    """Return the root's font stack for ``language`` and the ``@font-face`` files by family.

    ``sheets`` are ``(address, text)`` pairs; the address resolves relative ``url()``s.
    """
    import tinycss2

    properties: dict[str, str] = {}
    family = ""
    faces: dict[str, list[Face]] = {}
    primary = language.split("-")[0].lower()
    for base, sheet in sheets:
        for rule in _parsed(sheet):
            if rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
                face = _font_face(rule, base)
                if face:
                    faces.setdefault(face[0], []).append(face[1])
            elif rule.type == "qualified-rule" and _applies_to_root(
                    tinycss2.serialize(rule.prelude).strip(), primary):
                for declaration in tinycss2.parse_declaration_list(
                        rule.content, skip_comments=True, skip_whitespace=True):
                    if declaration.type != "declaration":
                        continue
                    value = tinycss2.serialize(declaration.value).strip()
                    if declaration.name.startswith("--"):
                        properties[declaration.name] = value
                    elif declaration.lower_name == "font-family":
                        family = value
    resolved = family
    for _ in range(len(properties)):  # a custom property may use another (--latin-text)
        resolved = re.sub(r"var\((--[\w-]+)\)", lambda found: properties.get(found[1], ""),
                          resolved)
    return [name.strip().strip("\"'") for name in resolved.split(",") if name.strip()], faces


@functools.lru_cache(maxsize=256)
def _parsed(sheet: str) -> tuple:
    """Return the rules of a stylesheet, parsed once (leaflet.css is every output's)."""
    import tinycss2

    return tuple(tinycss2.parse_stylesheet(sheet, skip_comments=True, skip_whitespace=True))


def _applies_to_root(selectors: str, language: str) -> bool:
    """Return whether one of ``selectors`` (a comma-separated list) is the root element,
    for every language or for ``language``."""
    for selector in (part.strip() for part in selectors.split(",")):
        found = re.fullmatch(r":root:lang\(([\w-]+)\)", selector)
        if selector == ":root" or (found and found[1].lower() == language):
            return True
    return False


def _font_face(rule, base: str) -> tuple[str, Face] | None:
    """Return the family and file of an ``@font-face`` rule with a local ``url()``."""
    import tinycss2

    family, path = None, None
    for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                       skip_whitespace=True):
        if declaration.type != "declaration":
            continue
        if declaration.lower_name == "font-family":
            family = tinycss2.serialize(declaration.value).strip().strip("\"'")
        elif declaration.lower_name == "src":
            for token in declaration.value:
                url = token.value if token.type == "url" else (
                    token.arguments[0].value if token.type == "function"
                    and token.lower_name == "url" and token.arguments else None)
                url = urljoin(base, url) if url else None
                if url and urlsplit(url).scheme == "file":
                    path = Path(unquote(urlsplit(url).path))
    return (family, Face(path)) if family and path else None


@functools.lru_cache(maxsize=64)
def _installed_faces(name: str) -> tuple[Face, ...]:
    """Return the regular and bold faces fontconfig has for ``name``; none if it has not."""
    faces = []
    for style in ("regular", "bold"):
        try:
            result = subprocess.run(["fc-match", "--format", "%{file}\n%{index}\n%{family}",
                                     f"{name}:{style}"], capture_output=True, text=True)
        except FileNotFoundError:
            return ()
        lines = result.stdout.split("\n")
        if result.returncode or len(lines) < 3 or name not in lines[2].split(","):
            return ()
        faces.append(Face(Path(lines[0]), int(lines[1] or 0)))
    return tuple(dict.fromkeys(faces))


@functools.lru_cache(maxsize=64)
def _characters(face: Face, cache: Path) -> frozenset[int]:
    """Return the code points ``face`` maps to a glyph, from the cache or its ``cmap``."""
    stat = face.path.stat()
    key = hashlib.sha256(f"{face.path}:{face.index}:{stat.st_size}:{stat.st_mtime_ns}"
                         .encode()).hexdigest()[:24]
    stored = cache / f"{key}.json"
    try:
        ranges = json.loads(stored.read_text("utf-8"))
        return frozenset(code for first, last in ranges for code in range(first, last + 1))
    except (OSError, ValueError, TypeError):
        pass
    from fontTools.ttLib import TTFont

    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    codes = sorted(code for code, glyph in font.getBestCmap().items() if glyph != ".notdef")
    ranges = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    try:
        write_atomically(stored, json.dumps(ranges).encode())
    except LeafletError:
        pass  # only a cache: a read-only folder makes the next check read the font again
    return frozenset(codes)
