"""Which earlier text a new msgid replaced, so that its translation follows it, and no other.

GNU msgmerge's fuzzy matching pre-fills a brand-new text with the translation of any
old text that looks similar ("Your appointment letter." got the translation of "Your
next appointment"), and a translator who clears the flag publishes a wrong text. So
catalogs are merged with ``--no-fuzzy-matching``, and this module carries a translation
only where it knows the lineage: the POT notes where each leaflet or brand text is
(``#. leaflets/x.yaml: sections[1].blocks[0].paragraph``), and a text whose English
changed in the same place of the same file is carried over as fuzzy, with the previous
English as ``#| msgid``, exactly as msgmerge writes it. A text in a new place starts
untranslated.

One more lineage is certain: leaflet texts used to be stored with a percent sign
doubled (``24%%``); the same text with single signs keeps its translation, with its
signs undoubled too, and its state (translated or fuzzy).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import escape, read_po

_PLACE = re.compile(r"(?P<file>\S+\.ya?ml): (?P<key>\S+)")


def place_note(shown: str, key: str) -> str:
    """Return the POT's note of where a text is: ``leaflets/x.yaml: sections[0].heading``."""
    return f"{shown}: {key}"


def places(message: Message) -> list[str]:
    """Return the places a message's notes name (see `place_note`)."""
    return [comment for comment in message.auto_comments if _PLACE.fullmatch(comment)]


@dataclass(frozen=True)
class Carried:
    """A translation carried from an earlier msgid to the one that replaced it."""

    msgid: str
    string: str
    fuzzy: bool
    previous: str | None  # written as ``#| msgid``; None keeps none
    superseded: str | None = None  # an old msgid that is the same text: not kept as obsolete


def carry_translations(old_po: bytes, merged_po: bytes, templates: str) -> bytes:
    """Return ``merged_po`` with the translations of replaced texts carried over.

    ``old_po`` is the catalog before the merge, ``merged_po`` what ``msgmerge
    --no-fuzzy-matching`` made of it; ``templates`` is the templates folder as PO
    locations name it (their strings are never carried: they are format strings).
    """
    old = read_po(io.BytesIO(old_po))
    merged = read_po(io.BytesIO(merged_po))
    carried = _lineage(old, merged, templates)
    return _rewrite(merged_po.decode("utf-8"), carried).encode("utf-8") if carried else merged_po


def _lineage(old: Catalog, merged: Catalog, templates: str) -> list[Carried]:
    by_place = {place: message for message in old if isinstance(message.id, str)
                for place in places(message) if message.string}
    current = {message.id for message in merged}
    carried = []
    for message in merged:
        if not isinstance(message.id, str) or not message.id or message.string:
            continue
        if any(str(path).startswith(templates) for path, _ in message.locations):
            continue
        doubled = old.get(message.id.replace("%", "%%"))
        if "%" in message.id and doubled is not None and doubled.string:
            carried.append(Carried(message.id, doubled.string.replace("%%", "%"),
                                   doubled.fuzzy, None, doubled.id))
            continue
        for place in places(message):
            before = by_place.get(place)
            if before is not None and before.id not in current:
                carried.append(Carried(message.id, before.string, True, before.id))
                break
    return carried


def _rewrite(text: str, carried: list[Carried]) -> str:
    """Fill each carried entry in msgmerge's own output, keeping its layout."""
    superseded = {f"#~ msgid {escape(item.superseded)}" for item in carried if item.superseded}
    blocks = [block for block in text.rstrip("\n").split("\n\n")
              if not superseded.intersection(block.split("\n"))]
    wanted = {f"msgid {escape(item.msgid)}": item for item in carried}
    for number, block in enumerate(blocks):
        lines = block.split("\n")
        for index, line in enumerate(lines[:-1]):
            item = wanted.get(line)
            if item and lines[index + 1] == 'msgstr ""':
                blocks[number] = "\n".join(_filled(lines, index, item))
                break
    return "\n\n".join(blocks) + "\n"


def _filled(lines: list[str], index: int, item: Carried) -> list[str]:
    head, tail = lines[:index], lines[index + 2:]
    if item.fuzzy:
        if head and head[-1].startswith("#, "):
            head[-1] = "#, fuzzy, " + head[-1][3:]
        else:
            head.append("#, fuzzy")
    if item.previous is not None:
        head.append(f"#| msgid {escape(item.previous)}")
    return [*head, lines[index], f"msgstr {escape(item.string)}", *tail]
