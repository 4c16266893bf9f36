"""Two braille files of a leaflet in one language, line by line: what changed in the
braille, for the review pack (issue 24).

Each side is the BRF that ``formats/braille.py`` makes of the leaflet's print HTML, as
the build makes it, from the same copy of the project the pack builds the PDFs from. The
lines are compared without the page numbers' lines and the blank lines, and without
their indents: a page break that moved, or a paragraph that starts a line later, is
not a change of the braille. Lines that differ are grouped, so that an approver sees
a reflowed paragraph as the words that changed in it (review_pack.py marks them).

Beside the cells, for sighted approvers, is what the cells say in print: liblouis's
back-translation of the same lines, rather than the source text, because it is the
braille that is being approved, and an error of contraction shows there. Chinese braille
spells each character's sound and tone, which many characters share: read back, it
gives other characters of the same sound, so no print is given beside it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..core.errors import Problem, ProblemCollector
from ..core.project import SOURCE_LOCALE, Project
from ..formats.braille import braille_file, braille_table, unicode_braille
from ..translation.translations import locale_name

# liblouis's display table for BRF, as the braille module writes it.
BRF_DISPLAY = "en-us-brf.dis"
# Tables whose back-translation is not print an approver could read (see above).
NO_PRINT = ("zh",)


@dataclass(frozen=True)
class BrailleChange:
    """Braille lines added, removed or changed: the cells of the old and the new lines
    (Unicode braille, the lines joined by a blank cell; "" for none) and what they say
    in print (``None``: the table does not read back as print)."""

    where: str
    old: str
    new: str
    old_print: str | None
    new_print: str | None

    @property
    def kind(self) -> str:
        return "added" if not self.old else "removed" if not self.new else "changed"


@dataclass(frozen=True)
class _Line:
    page: int
    number: int
    cells: str  # as in the BRF: ASCII braille, without its indent


def leaflet_braille(project: Project, leaflet_id: str
                    ) -> tuple[dict[str, tuple[str, bytes]], list[Problem], list[str]]:
    """Return the BRF of the leaflet in each locale that has a braille table and a
    complete translation, with its table, as ``{locale: (table, brf)}``; what stopped one
    from being made; and the languages whose braille cannot hold a text, with why (as
    notes for the pack: formats/braille.py raises a ValueError for them).

    The title page's note on the transcriber's check is left out: it says nothing of the
    text, and the pack states the check on its own. So is the line naming the other
    languages (``others``, empty): each language's own name, which English braille cannot
    hold (简体中文 becomes 8-dot cells that a BRF has no room for), and no text of the
    leaflet's that an approver approves.
    """
    from ..build.pipeline import gather
    from ..rendering.document import render_html, template_environment

    problems = ProblemCollector()
    site = gather(project, None, problems, pot=False)
    leaflet = next((item for item in site.leaflets if item.id == leaflet_id), None) \
        if site else None
    if leaflet is None:
        return {}, problems.problems, []
    environment, settings = template_environment(project), site.brand.brand.braille
    found, notes = {}, []
    for locale in project.locales():
        table = braille_table(locale, settings.grade)
        if locale not in site.translations or table is None:
            continue  # not translated, or published without braille
        rendered = problems.run(render_html, environment, project, leaflet, site.brand,
                                site.translations[locale], [])
        if rendered is None or rendered.missing:
            continue  # not published in this language
        try:
            brf = problems.run(braille_file, rendered.html, locale, settings, None)
        except ValueError as error:  # a text in a script the table has no 6-dot cells for
            notes.append(f"no braille in {locale_name(locale, SOURCE_LOCALE)}: {error}")
            continue
        if brf is not None:
            found[locale] = (table, brf)
    return found, problems.problems, notes


def compare_brf(old: bytes | None, new: bytes | None, table: str) -> list[BrailleChange]:
    """Return what changed from the ``old`` BRF to the ``new`` one (either may be
    missing: all its lines are then added or removed), in the order of the file."""
    before, after = _lines(old), _lines(new)
    matcher = difflib.SequenceMatcher(None, [line.cells for line in before],
                                      [line.cells for line in after], autojunk=False)
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        was, now = before[i1:i2], after[j1:j2]
        changes.append(BrailleChange(_where(now or was, "" if now else "old file, "),
                                     _cells(was), _cells(now), _print(was, table),
                                     _print(now, table)))
    return changes


def _lines(brf: bytes | None) -> list[_Line]:
    """The lines of a BRF with text, numbered as on their page (the page number's line is
    line 1 of each page)."""
    if brf is None:
        return []
    pages = brf.decode("ascii").split("\f")[:-1]
    return [_Line(page, number, line.strip())
            for page, text in enumerate(pages, start=1)
            for number, line in enumerate(text.split("\r\n")[1:-1], start=2) if line.strip()]


def _where(lines: list[_Line], side: str) -> str:
    first, last = lines[0], lines[-1]
    if first.page != last.page:
        return f"{side}braille pages {first.page}–{last.page}"
    numbers = f"line {first.number}" if first.number == last.number \
        else f"lines {first.number}–{last.number}"
    return f"{side}braille page {first.page}, {numbers}"


def _cells(lines: list[_Line]) -> str:
    return unicode_braille(" ".join(line.cells for line in lines))


def _print(lines: list[_Line], table: str) -> str | None:
    """Return liblouis's reading of ``lines`` in print, or ``None`` (see `NO_PRINT`)."""
    if table.startswith(NO_PRINT):
        return None
    if not lines:
        return ""
    import louis  # braille_file made the cells with it: it is there

    return louis.backTranslateString([BRF_DISPLAY, table],
                                     " ".join(line.cells for line in lines))
