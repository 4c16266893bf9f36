"""Figure versions: a figure's file for one language, beside the default one, and the
warnings of ``check`` about which languages show what (issue 23).

``drip.ar.svg`` beside ``drip.svg`` is what Arabic pages show in its place: the figure's
labels in Arabic, its arrows drawn right to left. The language in the name is the
locale's folder name in ``locales/`` (``zh_Hans``), or its BCP 47 tag (``zh-Hans``), in
any case. A block with ``mirror: true`` shows the default file mirrored on right-to-left
pages; a language's own version is never mirrored. A name between that is no language
(``drip.old.svg``) is a figure of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Problem

# What may stand between a figure's name and its extension to make it a language's version.
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*")


@dataclass(frozen=True)
class FigureUse:
    """One figure block, as ``check`` warns about it: where it is, its default file, the
    languages that have a version of it, whether the default has text and is mirrored."""

    name: str
    line: int | None
    where: str
    versions: tuple[str, ...]  # language keys (`language_key`), each with a file
    labels: bool
    mirror: bool


def language_key(locale: str) -> str:
    """Return how a language is matched in a file name: ``zh-Hans`` and ``zh_hans`` alike."""
    return locale.replace("-", "_").lower()


def version_name(name: str, locale: str) -> str:
    """Return the name of the version of figure ``name`` for ``locale``: ``drip.ar.svg``."""
    stem, suffix = name.rsplit(".", 1)
    return f"{stem}.{locale}.{suffix}"


def version_files(default: Path) -> dict[str, list[Path]]:
    """Return the files beside ``default`` that are a language's version of it, by language
    key (`language_key`); more than one for a language is a mistake `check` reports."""
    stem, suffix = default.name.rsplit(".", 1)
    found: dict[str, list[Path]] = {}
    prefix = f"{stem}."
    # The schema's pattern for a figure's name leaves out every character glob reads.
    for path in sorted(default.parent.glob(f"{stem}.*.{suffix}")):
        middle = path.name[len(prefix):-len(suffix) - 1]
        if path.is_file() and path.name != default.name and is_language(middle):
            found.setdefault(language_key(middle), []).append(path)
    return found


def is_language(text: str) -> bool:
    """Return whether ``text`` names a language Babel knows (``ar``, ``zh-Hans``): so that
    ``drip.old.svg`` or ``drip.v2.svg`` is a figure of its own, never a version."""
    from babel import Locale, UnknownLocaleError

    if not LANGUAGE.fullmatch(text):
        return False
    try:
        Locale.parse(text.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


def figure_problems(shown: str, uses: tuple[FigureUse, ...], locales: list[str],
                    direction) -> list[Problem]:
    """Return ``check``'s warnings about the figures of a leaflet in ``locales`` (the
    project's languages, not the source's): a language that shows the default file of a
    figure other languages have their own version of, or whose text stays in English;
    and a mirrored figure whose text would read backwards. ``direction(locale)`` is
    ``"rtl"`` or ``"ltr"``."""
    found = []
    for use in uses:
        missing = [locale for locale in locales if language_key(locale) not in use.versions]
        versions = [locale for locale in locales if locale not in missing]
        if use.labels or versions:
            for locale in missing:
                if use.labels:
                    reason = "has text and no version for"
                else:
                    others = ", ".join(versions)
                    reason = f"has a version for {others} but none for"
                found.append(Problem(shown, use.line, (
                    f"the figure file {use.name!r} {reason} {locale}: its {locale} pages "
                    f"show {use.name!r}; add {version_name(use.name, locale)!r} beside it"),
                    use.where))
        mirrored = [locale for locale in missing if direction(locale) == "rtl"]
        if use.mirror and use.labels and (mirrored or not any(
                direction(locale) == "rtl" for locale in locales)):
            pages = f"its {', '.join(mirrored)} pages" if mirrored else "right-to-left pages"
            instead = ", ".join(repr(version_name(use.name, locale)) for locale in mirrored)
            found.append(Problem(shown, use.line, (
                f"the figure file {use.name!r} has text, which reads backwards when it is "
                f"mirrored (mirror: true) on {pages}; give each right-to-left language a "
                f"version of its own{f' ({instead})' if instead else ''} instead"),
                use.where))
    return found
