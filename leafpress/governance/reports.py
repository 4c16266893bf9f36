"""The report and the translation statistics: every leaflet they can read, and why not
the others.

One broken leaflet or catalog must not hide the rest (issue 13): the reports list every
leaflet, mark the ones they cannot read as ``invalid: …``, and return the problems for
the command line to print afterwards (exit code 1).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..build.pipeline import gather
from ..build.plan import renderings
from ..content.history import approval_gap
from ..content.leaflet import LeafletFile, load_leaflet
from ..content.review import ReviewState
from ..core.digests import files_digest
from ..core.errors import Problem, ProblemCollector
from ..core.memo import Memo, digest
from ..core.project import Project, bcp47
from ..rendering.document import template_environment
from ..translation.translations import NOT_TRANSLATED, STATES, Translations, shorten


@dataclass(frozen=True)
class Surveyed:
    """One leaflet file: what it uses in each locale, or why it could not be read."""

    path: Path
    leaflet: LeafletFile | None
    invalid: str | None = None
    # locale tag -> (translations, the texts the leaflet uses), or why it has none
    locales: dict[str, tuple[Translations, tuple[str, ...]] | str] = field(default_factory=dict)


def survey(project: Project, brand_path: Path | None = None, locales=None,
           cache: Path | None = None) -> tuple[list[Surveyed], list[Problem]]:
    """Read every leaflet and catalog; return what could be read, and every problem.

    ``locales`` (gettext names) narrows what is told of each leaflet to those languages.
    With ``cache`` (a build's ``dist/.cache``), what is unchanged since the build read it
    is not read again (memo.py), and the texts each leaflet uses in each language are
    remembered there while nothing they are made from changes (the leaflet, where its
    figures are, the catalogs, templates and brand): the editor's start page, shown again
    and again, renders only the leaflets changed since it was last shown.
    """
    problems = ProblemCollector()
    memo = Memo.in_cache(cache)
    # Read before the files are loaded: a file saved meanwhile is rendered again next time.
    files = files_digest([project.locales_dir, project.templates_dir,
                          (brand_path or project.brand_file).parent], project.root
                         ) if memo.folder else ""
    # Not the POT: whether it is current is check's to say, and a report shows nothing of it.
    site = gather(project, brand_path, problems, warn=lambda message: None, cache=cache,
                  pot=False)
    leaflets = {leaflet.path: leaflet for leaflet in site.leaflets} if site else {
        path: leaflet for path in project.leaflet_files()
        if (leaflet := problems.run(load_leaflet, path, project.root))}
    tags = [bcp47(locale) for locale in project.translated_locales()
            if locales is None or locale in locales]
    texts = _Texts(site, memo, files, problems) if site else None
    found = []
    for path in project.leaflet_files():
        leaflet = leaflets.get(path)
        if leaflet is None:
            found.append(Surveyed(path, None, _first(problems, project.relative(path))))
            continue
        states: dict = {tag: _why_not(project, site, tag, problems) for tag in tags}
        if texts:
            for locale, used in texts.used(leaflet).items():
                if bcp47(locale) in states:
                    states[bcp47(locale)] = (site.translations[locale], used)
        found.append(Surveyed(path, leaflet, None, states))
    return found, problems.problems


class _Texts:
    """The texts a leaflet uses in each language it renders in, as `renderings` finds them,
    remembered in ``memo`` under a digest of what they are made from (memo.py)."""

    def __init__(self, site, memo: Memo, files: str, problems: ProblemCollector) -> None:
        """``files``: the digest of the catalogs, templates and brand folder, or "" for no
        memo."""
        self.site, self.memo, self.problems = site, memo, problems
        self.environment = None  # made for the first leaflet not remembered
        self.inputs = files and "\0".join([
            str(site.project.root.resolve()), files, str(site.brand.path.resolve()),
            repr(sorted(site.translations))])

    def used(self, leaflet: LeafletFile) -> dict[str, tuple[str, ...]]:
        """Return the texts ``leaflet`` uses, by locale (gettext name)."""
        # The leaflet as loaded, not its file: the file may have been saved since.
        key = self.inputs and digest(self.inputs, str(leaflet.path), repr(leaflet.leaflet),
                                     repr(sorted((name, str(path)) for name, path
                                                 in leaflet.figures.items())))
        found = self.memo.recall("texts", leaflet.id, key) if key else None
        if found is not None:
            return found
        if self.environment is None:
            self.environment = template_environment(self.site.project)
        before = len(self.problems.problems)
        found = {translations.locale: rendered.used for translations, rendered in
                 renderings(self.site, self.environment, leaflet, self.problems)}
        if key and len(self.problems.problems) == before:  # a problem is found every time
            self.memo.remember("texts", leaflet.id, key, found)
        return found


def _first(problems: ProblemCollector, shown: str,
           otherwise: str = "see the errors below") -> str:
    """Return ``invalid: `` and the first problem of the file ``shown``."""
    mine = [problem for problem in problems.problems if str(problem.path) == shown]
    return f"invalid: {mine[0] if mine else otherwise}"


def _why_not(project: Project, site, tag: str, problems: ProblemCollector) -> str:
    """Return why a locale has no counts for a leaflet (replaced when it has them)."""
    if site is None:
        return _first(problems, project.relative(project.brand_file))
    po = project.relative(project.po_file(tag.replace("-", "_")))
    return _first(problems, po, "the leaflet cannot be rendered; see the errors below")


def translation_stats(project: Project, brand_path: Path | None = None, locales=None
                      ) -> tuple[list[dict], list[Problem]]:
    """Count, for each locale (of ``locales``, default all) and leaflet, the texts it uses
    by translation state."""
    surveyed, problems = survey(project, brand_path, locales)
    rows = []
    for item in surveyed:
        name = item.leaflet.id if item.leaflet else item.path.stem
        if item.invalid:
            rows.append({"locale": None, "leaflet": name, "error": item.invalid})
        for tag, state in item.locales.items():
            row = _counts(*state) if isinstance(state, tuple) else {"error": state}
            rows.append({"locale": tag, "leaflet": name, **row})
    return rows, problems


def _counts(translations: Translations, used: tuple[str, ...]) -> dict:
    counts = Counter(translations.state(message_id) for message_id in used)
    return {**{state: counts[state] for state in STATES}, "total": len(used),
            "percent": round(100 * counts["translated"] / len(used), 1)}


def leaflet_report(project: Project, today: datetime.date, brand_path: Path | None = None,
                   cache: Path | None = None, readability: bool = True
                   ) -> tuple[list[dict], list[Problem]]:
    """Describe every leaflet: version, review date and state, approval, owner,
    translations, and unless not ``readability`` its readability figures (the editor's
    start page shows none: they are most of the time it takes); ``cache``: see `survey`."""
    from ..gates.quality import readability_figures

    surveyed, problems = survey(project, brand_path, cache=cache)
    readable = [item for item in surveyed if item.leaflet]
    translations = {state[0].locale: state[0] for item in readable
                    for state in item.locales.values() if isinstance(state, tuple)}
    figures = readability_figures(project, [item.leaflet for item in readable], translations
                                  ) if readability else {}
    report = []
    for item in surveyed:
        if item.leaflet is None:
            report.append({"leaflet": item.path.stem, "error": item.invalid})
            continue
        metadata = item.leaflet.leaflet
        review = ReviewState.of(metadata.review_by, today)
        report.append({
            "leaflet": item.leaflet.id, "reference": metadata.reference,
            "title": metadata.title, "audience": metadata.audience,
            "version": metadata.version, "published": metadata.published.isoformat(),
            "review_by": metadata.review_by.isoformat(),
            "review": {"state": review.state, "days": review.days, "text": review.describe()},
            "approval": _approval(item.leaflet),
            "owner": metadata.owner.department,
            "translations": {tag: _counts(*state) if isinstance(state, tuple)
                             else {"error": state} for tag, state in item.locales.items()},
            **({"readability": figures[item.leaflet.id]} if readability else {}),
            "history": [{"version": entry.version, "date": entry.date.isoformat(),
                         "summary": entry.summary, "approver": entry.approver,
                         "patient_review": entry.patient_review and
                         entry.patient_review.isoformat()}
                        for entry in metadata.history or ()],
        })
    return report, problems


def _approval(leaflet: LeafletFile) -> dict:
    """Return whether the leaflet's current text is the approved one, and if not why
    (`approval_gap`, the judgment ``check`` and the build share)."""
    gap = approval_gap(leaflet)
    state = "approved" if gap is None else "changed" if leaflet.leaflet.history else "never"
    return {"state": state, "text": gap or f"version {leaflet.leaflet.version} approved"}


def missing_texts(project: Project, brand_path: Path | None = None, locales=None
                  ) -> tuple[list[dict], list[Problem]]:
    """List each text a leaflet uses that is untranslated, fuzzy or invalid, with its PO
    line (in ``locales``, default all)."""
    surveyed, problems = survey(project, brand_path, locales)
    entries: dict[tuple[str, str], dict] = {}
    for item in surveyed:
        for tag, state in item.locales.items():
            if not isinstance(state, tuple):
                continue
            translations, used = state
            for message_id in used:
                status = translations.state(message_id)
                if status == "translated":
                    continue
                entry = entries.setdefault((tag, message_id), _missing(
                    project, translations, message_id, status))
                entry["leaflets"].append(item.leaflet.id)
    return sorted(entries.values(), key=lambda entry: (entry["path"], entry["line"] or 0)
                  ), problems


def _missing(project: Project, translations: Translations, message_id: str, status: str
             ) -> dict:
    problem = translations.unusable.get(message_id)
    path = project.relative(project.po_file(translations.locale))
    if problem is None:
        reason = "not in the catalog; run 'build.py update'"
    else:
        reason = "" if problem.message == NOT_TRANSLATED or status == "fuzzy" \
            else problem.message
    return {"locale": bcp47(translations.locale), "path": path,
            "line": problem.line if problem else None, "msgid": message_id, "state": status,
            "reason": reason, "leaflets": []}


def missing_line(entry: dict) -> str:
    """Return ``PO:LINE: msgid "…": STATE[: why] (leaflets)`` for one missing text."""
    location = f"{entry['path']}:{entry['line']}" if entry["line"] else entry["path"]
    why = f": {entry['reason']}" if entry["reason"] else ""
    return (f'{location}: msgid "{shorten(entry["msgid"])}": {entry["state"]}{why} '
            f"({', '.join(entry['leaflets'])})")


def report_text(rows: list[dict], today: datetime.date) -> str:
    """Return `leaflet_report`'s rows as ``report`` prints them: three Markdown tables."""
    locales = sorted({locale for row in rows for locale in row.get("translations", ())})
    leaflets = _markdown_table(
        ("leaflet", "version", "review by", "review", "owner", *locales),
        [(row["leaflet"], row["error"], *[""] * (3 + len(locales))) if "error" in row else
         (row["leaflet"], row["version"], row["review_by"], row["review"]["text"],
          row["owner"], *(translation_state(row["translations"].get(locale))
                          for locale in locales)) for row in rows])
    history = _markdown_table(
        ("leaflet", "version", "approved", "change", "approved by", "patient review"),
        [(row["leaflet"], entry["version"], entry["date"], entry["summary"], entry["approver"],
          entry["patient_review"] or "-") for row in rows for entry in row.get("history", ())])
    return (f"Leaflets on {today.isoformat()}\n\n{leaflets}\n\nVersion history\n\n{history}\n"
            "\nReadability: Flesch–Kincaid grade and Flesch reading ease of the English, per "
            "leaflet and section; for Chinese, characters a sentence (average / longest)\n\n"
            f"{_markdown_table(*_readability_table(rows))}")


def stats_text(rows: list[dict]) -> str:
    """Return `translation_stats`'s rows as ``stats`` prints them: a table lined up in
    columns, then the leaflets and catalogs that could not be read."""
    header = ("locale", "leaflet", *STATES, "complete")
    table = [header] + [(row["locale"], row["leaflet"], *(str(row[state]) for state in STATES),
                         f"{row['percent']:.1f}%") for row in rows if "error" not in row]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) if column < 2 else cell.rjust(width)
                       for column, (cell, width) in enumerate(zip(line, widths))).rstrip()
             for line in table]
    lines += [f"{(row['locale'] or '-').ljust(widths[0])}  {row['leaflet'].ljust(widths[1])}  "
              f"{row['error']}" for row in rows if "error" in row]
    return "\n".join(lines)


def _readability_table(rows: list[dict]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    locales = sorted({locale for row in rows if "error" not in row
                      for locale in row["readability"]["sentence_length"]})
    header = ("leaflet / section", "audience", "grade", "reading ease", "sentences", "words",
              *(bcp47(locale) for locale in locales))
    table = []
    for row in rows:
        if "error" in row:
            continue  # listed, with why, in the table above
        figures = row["readability"]
        chinese = [figures["sentence_length"].get(locale) for locale in locales]
        table.append((row["leaflet"], row["audience"], *_scores(figures),
                      *(f"{found['average']:.1f} / {found['longest']}" if found else ""
                        for found in chinese)))
        table += [(f"  {section['heading']}", "", *_scores(section), *("" for _ in locales))
                  for section in figures["sections"]]
    return header, table


def _scores(figures: dict) -> tuple[str, ...]:
    return (f"{figures['grade']:.1f}", f"{figures['reading_ease']:.1f}",
            str(figures["sentences"]), str(figures["words"]))


def translation_state(counts: dict | None) -> str:
    """Return "complete", or what is missing ("1 fuzzy, 2 untranslated"), or why none: the
    words of ``report``'s table and of the editor's start page."""
    if counts is None:
        return "not loaded"
    if "error" in counts:
        return counts["error"]
    if counts["translated"] == counts["total"]:
        return "complete"
    return ", ".join(f"{counts[state]} {state}" for state in STATES
                     if state != "translated" and counts[state])


def _markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Return a Markdown table, padded to line up in a terminal too."""
    table = [header, *rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |"
             for line in table]
    lines.insert(1, "| " + " | ".join("-" * width for width in widths) + " |")
    return "\n".join(lines)
