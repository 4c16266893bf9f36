"""Style warnings: what the format allows but a reader should not meet.

In the English leaflet texts: a bare web or e-mail address that is not a link; a
callout or warning that types the label the template already prints; emphasis
written other than ``**…**`` (CommonMark makes ``*x*``, ``_x_`` and ``__x__``
emphasis, and leaflets show every emphasis in bold); HTML tags, which are printed
as text; the same heading twice in a leaflet. In a Chinese catalog: the spacing
between Chinese characters and Latin letters or digits, which follows one rule
everywhere (`CHINESE_LATIN_SPACE`).
"""

from __future__ import annotations

import re

from ..content import markup
from ..core.errors import Problem
from ..translation.translations import shorten
from .texts import PlacedText, plain

URL = re.compile(r"\b(?:https?://|www\.)[^\s)\]>]*[^\s)\]>.,;:!?]")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
LABEL = re.compile(r"^\W*(important|warning|caution|note|attention)\s*[:：]", re.IGNORECASE)
HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>?")
# The rule for Chinese catalogs: one space between a Chinese character and a Latin
# letter or digit, either way round ("NMDA 受体", "持续 8 小时"), as in the source
# tutorial's "NMDA 受体" and "C 纤维" and the template's "%(page)s 页".
CHINESE_LATIN_SPACE = " "
HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
LATIN = r"[A-Za-z0-9]"
MISSING_SPACE = re.compile(rf"(?<={HAN})(?={LATIN})|(?<={LATIN})(?={HAN})")
# A run of Latin letters and digits (7.5, 30–50, mg/kg) with the characters beside it.
LATIN_RUN = re.compile(rf"{HAN}?{LATIN}(?:[A-Za-z0-9.,/%–-]*{LATIN})?{HAN}?")


def leaflet_problems(shown: str, texts: list[PlacedText]) -> list[Problem]:
    """Return the style warnings for one leaflet's English texts."""
    found = []
    headings: dict[str, int] = {}
    for text in texts:
        for message in _text_problems(text):
            found.append(Problem(shown, text.line, f"style: {message}", text.where))
        if text.kind == "heading":
            key = plain(text.text).casefold()
            if key in headings:
                found.append(Problem(shown, text.line, f"style: the heading "
                                     f"'{plain(text.text)}' is already used at line "
                                     f"{headings[key]}; give each section its own heading",
                                     text.where))
            headings.setdefault(key, text.line)
    return found


def _text_problems(text: PlacedText):
    outside_links = markup.unlinked_text(text.text)
    for address in URL.findall(outside_links):
        yield f"the address {address} is not a link; write it as [words to show]({address})"
    for address in EMAIL.findall(outside_links):
        yield (f"the e-mail address {address} is not a link; write it as "
               f"[{address}](mailto:{address})")
    label = LABEL.match(plain(text.text))
    if label and text.kind in ("callout", "warning"):
        yield (f"the {text.kind} starts with '{label[0].strip()}', which the template already "
               "prints before it; remove it")
    for mark in dict.fromkeys(mark for mark in markup.emphasis_marks(text.text) if mark != "**"):
        yield (f"'{mark}…{mark}' is emphasis, which leaflets show in bold (never in italics); "
               f"write **…** for emphasis, or \\{mark[0]} for a literal {mark[0]}")
    for tag in HTML_TAG.findall(text.text):
        yield (f"'{tag}' is HTML, which is printed as text; use **…** for emphasis and "
               "[text](https://…) for links")


def catalog_problems(shown: str, locale: str, catalog) -> list[Problem]:
    """Return the spacing warnings of a Chinese catalog (other locales have none yet)."""
    if not locale.startswith("zh"):
        return []
    found = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not message.string \
                or message.fuzzy:
            continue
        text = markup.plain_text(message.string)
        spots = [match[0] for match in LATIN_RUN.finditer(text)
                 if MISSING_SPACE.search(match[0])]
        if spots:
            fixes = ", ".join(f"'{spot}' → '{_spaced(spot)}'" for spot in dict.fromkeys(spots))
            found.append(Problem(shown, message.lineno, "spacing: put one space between "
                                 f"Chinese characters and Latin letters or digits: {fixes}",
                                 f'msgid "{shorten(message.id)}"'))
    return found


def _spaced(spot: str) -> str:
    return MISSING_SPACE.sub(CHINESE_LATIN_SPACE, spot)
