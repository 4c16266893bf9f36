"""Terminology: each language's glossary, and the catalog entries that stray from it.

``locales/<locale>/glossary.yaml`` lists English terms with the translation to use
and, optionally, variants to avoid::

    terms:
      - english: perioperative
        use: 围手术期
        avoid: [围术期]

A translated entry whose English contains the term (any case, singular or plural)
is reported, with its line in the PO file, when its translation contains a variant
to avoid, or else when it lacks ``use``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..content import markup
from ..content.yamlfile import dotted, load_yaml
from ..core.errors import LeafletError, Problem
from ..translation.translations import shorten


@dataclass(frozen=True)
class Term:
    english: str
    use: str
    avoid: tuple[str, ...]
    pattern: re.Pattern


def read_glossary(path: Path, shown: str) -> tuple[Term, ...]:
    """Load a glossary; a locale without one has no terms. Mistakes raise `LeafletError`."""
    if not path.is_file():
        return ()
    document = load_yaml(path, shown)
    data = document.data
    if set(data) != {"terms"} or not isinstance(data["terms"], list):
        raise LeafletError.at(shown, 1, "expected one key, 'terms', holding a list of terms")
    terms, problems = [], []
    for index, entry in enumerate(data["terms"]):
        where = ("terms", index)
        problem = _entry_problem(entry)
        if problem:
            problems.append(Problem(shown, document.line_of(where), problem, dotted(where)))
            continue
        avoid = tuple(entry.get("avoid", ()))
        pattern = re.compile(rf"(?<![\w-]){re.escape(entry['english'])}(?:s|es)?(?![\w-])",
                             re.IGNORECASE)
        terms.append(Term(entry["english"], entry["use"], avoid, pattern))
    if problems:
        raise LeafletError(problems)
    return tuple(terms)


def _entry_problem(entry) -> str | None:
    if not isinstance(entry, dict):
        return "expected a mapping with 'english', 'use' and optionally 'avoid'"
    unknown = sorted(set(entry) - {"english", "use", "avoid"})
    if unknown:
        return f"unknown key '{unknown[0]}'; expected english, use and avoid"
    for key in ("english", "use"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            return f"'{key}' must be some text, got {entry.get(key)!r}"
    avoid = entry.get("avoid", [])
    if not isinstance(avoid, list) or not all(isinstance(item, str) and item for item in avoid):
        return f"'avoid' must be a list of texts, got {avoid!r}"
    return None


def problems(shown: str, catalog, terms: tuple[Term, ...]) -> list[Problem]:
    """Return a warning for each translated entry that does not follow the glossary."""
    found = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not message.string \
                or message.fuzzy:
            continue
        english, translation = markup.plain_text(message.id), message.string
        where = f'msgid "{shorten(message.id)}"'
        for term in terms:
            used = term.pattern.search(english)
            if not used:
                continue
            variants = [variant for variant in term.avoid if variant in translation]
            if variants:
                found.append(Problem(shown, message.lineno, f"glossary: '{used[0]}' is "
                                     f"translated '{variants[0]}', a variant to avoid; write "
                                     f"'{term.use}'", where))
            elif term.use not in translation:
                found.append(Problem(shown, message.lineno, f"glossary: the English has "
                                     f"'{used[0]}', so the translation must have "
                                     f"'{term.use}', and it has not", where))
    return found
