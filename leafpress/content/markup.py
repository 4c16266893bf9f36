"""Inline markup in leaflet text: ``**emphasis**`` and ``[links](https://…)``, nothing else.

Parsing is markdown-it-py's (CommonMark-correct emphasis and link rules) with every
rule switched off except emphasis, links and backslash escapes. Raw HTML is never
passed through: ``<b>`` in a paragraph or a translation is printed as text.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_SCHEMES = ("http", "https", "mailto", "tel")

# What reads left to right inside right-to-left text (issue 23): a run of Latin letters
# or digits (European or Arabic-Indic), with the characters that join them inside
# addresses and numbers ("pain.team@example.nhs.uk", "www.example/pain", "24.4%",
# "+441632"), and the runs after it that only spaces separate ("01632 960 418",
# "20 mg", "lidocaine 20 mg"). A run starts with a letter, a digit or "+" and ends with a
# letter, a digit, "/" or "%": a sentence's full stop, a comma or a bracket around it
# stays in the right-to-left text. Without isolation the spaces between "01632", "960"
# and "418" take the paragraph's direction, and the number reads "418 960 01632".
_LATIN = "A-Za-z\u00c0-\u024f"
_DIGITS = "0-9\u0660-\u0669\u06f0-\u06f9"
_JOINERS = "@.:/%+\\-\u2010\u2013_#&=?~,'"
_LTR_WORD = f"\\+?[{_LATIN}{_DIGITS}](?:[{_LATIN}{_DIGITS}{_JOINERS}]*[{_LATIN}{_DIGITS}/%])?"
LEFT_TO_RIGHT_RUN = re.compile(f"{_LTR_WORD}(?:[ \u00a0]+{_LTR_WORD})*")

_parser = MarkdownIt("zero").enable(["emphasis", "link", "escape"])
# Accept every link so that a forbidden scheme becomes a reported error rather than
# silently staying as literal "[text](javascript:…)" in the output.
_parser.validateLink = lambda url: True


def link_targets(text: str) -> list[str]:
    """Return the targets of the links in ``text``, in order."""
    return [token.attrs["href"] for token in _inline_tokens(text) if token.type == "link_open"]


def emphasis_count(text: str) -> int:
    """Return how many ``**emphasised**`` spans ``text`` has."""
    return sum(token.type in ("strong_open", "em_open") for token in _inline_tokens(text))


def emphasis_marks(text: str) -> list[str]:
    """Return the mark of each emphasised span, in order: ``**``, ``__``, ``*`` or ``_``."""
    return [token.markup for token in _inline_tokens(text)
            if token.type in ("strong_open", "em_open")]


def unlinked_text(text: str) -> str:
    """Return the text of ``text`` that is not inside a link, without markup."""
    parts, depth = [], 0
    for token in _inline_tokens(text):
        depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
        parts.append(token.content if token.type == "text" and not depth else " ")
    return "".join(parts)


def markup_problem(text: str) -> str | None:
    """Return what is wrong with the markup in ``text``, or ``None``."""
    tokens = _inline_tokens(text)
    for token, following in zip(tokens, tokens[1:]):
        if token.type == "link_open":
            if not _allowed(token.attrs["href"]):
                return (f"link target {token.attrs['href']!r} is not allowed; expected a "
                        "complete address starting with https://, http://, mailto: or tel:")
            if following.type == "link_close":
                return "a link needs some text between [ and ], or readers cannot see it"
    leftover = "".join(token.content for token in tokens if token.type == "text")
    if "**" in leftover:
        return "'**' must come in pairs, around the words to emphasise"
    if re.search(r"\]\s*\(", leftover):
        return ("a link is not written correctly; write [text](address) with no space "
                "between ] and ( and no spaces in the address")
    return None


@functools.lru_cache(maxsize=8192)
def render_inline(text: str, medium: str = "screen", direction: str = "ltr") -> Markup:
    """Return ``text`` as HTML: emphasis as ``<strong>``, links as ``<a>``, the rest escaped.

    In ``medium`` "print", a link whose text is not its address is followed by the
    address in brackets, so that paper loses nothing (issue 11). In ``direction``
    "rtl", each left-to-right run (`LEFT_TO_RIGHT_RUN`) is isolated in its own direction
    (see `isolated`).

    Cached: each text is rendered once per locale and variant, twice when a translation
    is incomplete (see pipeline.py).
    """
    html = []
    tokens = _inline_tokens(text)
    rtl = direction == "rtl"
    for index, token in enumerate(tokens):
        if token.type == "text":
            inside_link = _link_open_before(tokens, index) is not None
            html.append(isolated(token.content) if rtl and not inside_link
                        else Markup.escape(token.content))
        elif token.type in ("strong_open", "em_open"):
            html.append(Markup("<strong>"))
        elif token.type in ("strong_close", "em_close"):
            html.append(Markup("</strong>"))
        elif token.type == "link_open":
            target = token.attrs["href"]
            if not _allowed(target):
                raise ValueError(f"link target {target!r} was not validated")
            # Nothing may be nested in a link (see `printed_address`): a link whose text
            # is all one left-to-right run (a phone number, an address) carries the
            # direction itself.
            shown = _link_text(tokens, index)
            html.append(Markup('<a href="{}" dir="ltr">' if rtl and LEFT_TO_RIGHT_RUN
                               .fullmatch(shown.strip()) else '<a href="{}">').format(target))
        elif token.type == "link_close":
            html.append(Markup("</a>"))
            if medium == "print":
                html.append(_printed_target(tokens, index, rtl))
        else:  # softbreak and the like: whitespace is normalised before this point
            html.append(Markup(" "))
    return Markup("").join(html)


def isolated(text: str) -> Markup:
    """Return ``text`` escaped, each left-to-right run in it in ``<span dir="ltr">``.

    The span is the isolate in both readers: Chromium isolates every element with a
    ``dir`` (HTML's own stylesheet: ``unicode-bidi: isolate``), and WeasyPrint, which
    ignores ``unicode-bidi`` and ``<bdi>``, lays out each inline box in its own
    direction and orders the boxes of a line by their parent's: the same result, on
    every line of a run that wraps (measured; Unicode isolates U+2066…U+2069 work in
    WeasyPrint only within a line, since it lays out each line on its own).
    """
    parts, start = [], 0
    for run in LEFT_TO_RIGHT_RUN.finditer(text):
        parts.append(Markup.escape(text[start:run.start()]))
        parts.append(Markup('<span dir="ltr">{}</span>').format(run.group()))
        start = run.end()
    parts.append(Markup.escape(text[start:]))
    return Markup("").join(parts)


@functools.lru_cache(maxsize=8192)
def plain_text(text: str) -> str:
    """Return ``text`` without its markup (for PDF metadata and bookmarks)."""
    return "".join(token.content for token in _inline_tokens(text) if token.type == "text")


def printed_address(address: str, medium: str = "print") -> Markup:
    """Return a web address as text that wraps after a slash rather than at a hyphen.

    In print, a zero-width space after each slash offers a break there, and a word
    joiner after each hyphen keeps a break there from reading as a hyphen that belongs
    to the address; Pango draws neither and they are not extracted as text. No element
    is nested in the link: WeasyPrint gives each element inside an ``<a>`` a link
    annotation of its own, outside the Link structure element (veraPDF, PDF/UA-1 rule
    7.18.5-1). On screen, where copied text would keep those characters, ``<wbr>``
    offers the breaks. Anything still too long for its line breaks anywhere
    (``overflow-wrap: anywhere`` in the stylesheet).
    """
    scheme, separator, rest = address.rpartition("://")
    start = Markup.escape(scheme + separator)  # never a break inside "https://"
    if medium != "print":
        joined = Markup("/<wbr>").join(Markup.escape(part) for part in rest.split("/"))
        # A break only after a slash that something follows: one at the very end let
        # WeasyPrint size the box without the last slash.
        return start + Markup(str(joined).removesuffix("<wbr>"))
    printed = str(Markup.escape(rest.replace("-", "-\u2060").replace("/", "/\u200b")))
    return start + Markup(printed.removesuffix("\u200b"))


def shown_address(target: str) -> str:
    """Return what a reader types or dials for ``target``: no ``mailto:`` or ``tel:``."""
    scheme = urlsplit(target).scheme.lower()
    return target[len(scheme) + 1:] if scheme in ("mailto", "tel") else target


def _printed_target(tokens, close: int, rtl: bool = False) -> Markup:
    """Return the address of the link that ends at ``tokens[close]``, if its text is not
    it; in right-to-left text, isolated left to right inside its brackets."""
    opening = _link_open_before(tokens, close)
    target = tokens[opening].attrs["href"]
    if _same_address(_link_text(tokens, opening), target):
        return Markup("")
    address = printed_address(shown_address(target))
    if rtl:
        address = Markup('<span dir="ltr">{}</span>').format(address)
    return Markup(' <span class="link-address">({})</span>').format(address)


def _link_open_before(tokens, index: int) -> int | None:
    """Return the index of the ``link_open`` token whose link holds ``tokens[index]``."""
    for before in range(index - 1, -1, -1):
        if tokens[before].type == "link_close":
            return None
        if tokens[before].type == "link_open":
            return before
    return None


def _link_text(tokens, opening: int) -> str:
    """Return the text of the link that opens at ``tokens[opening]``."""
    shown = []
    for token in tokens[opening + 1:]:
        if token.type == "link_close":
            break
        if token.type == "text":
            shown.append(token.content)
    return "".join(shown)


def _same_address(text: str, target: str) -> bool:
    """Return whether a link's ``text`` already shows its ``target``.

    A telephone number counts as shown when its text has the same digits, in national
    form or not ("01632 960 418" for tel:+441632960418).
    """
    address = shown_address(target)
    if urlsplit(target).scheme.lower() == "tel":
        digits = "".join(char for char in text if char.isdigit()).lstrip("0")
        number = "".join(char for char in address if char.isdigit())
        return len(digits) >= 6 and number.endswith(digits)
    compact = text.strip().rstrip("/").lower()
    return compact in (address.rstrip("/").lower(),
                       address.split("://", 1)[-1].rstrip("/").lower())


def _inline_tokens(text: str):
    blocks = _parser.parseInline(text)
    return blocks[0].children or [] if blocks else []


def _allowed(target: str) -> bool:
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https"):
        return bool(urlsplit(target).netloc)
    return scheme in ALLOWED_SCHEMES and len(target) > len(scheme) + 1
