"""The review pack, ``dist/review/ID.html``: what changed in a leaflet since a version.

For each language: the texts added, removed and changed (word by word, the old and the
new side by side), the translations that changed while their English did not, the
braille lines that changed, in cells and in print (see braille_comparison.py), and then
each changed page of the standard PDF, old and new side by side with the changed
regions boxed (see page_comparison.py). The old version is built from a copy of the
project's content at the earlier commit (see revisions.py), with this code. The page
is one file, images included as data: URIs: no JavaScript, nothing from the network.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from ..content.figure_versions import version_files
from ..content.history import approval_gap
from ..content.leaflet import LeafletFile, load_leaflet
from ..core.errors import LeafletError, Problem, ProblemCollector
from ..core.project import SOURCE_LOCALE, Project, bcp47, inside_project, write_atomically
from ..translation.translations import load_translations, locale_name
from .braille_comparison import BrailleChange, compare_brf, leaflet_braille
from .page_comparison import Comparison, compare_pdfs
from .revisions import (PROJECT_PARTS, Revision, changed_leaflets, earlier_revision, project_at,
                        unreleased_problem)

REVIEW_DIR = "review"
# What ``build.py diff`` says when no leaflet has a pack to write.
NOTHING_CHANGED = "No leaflet's text or translation changed: no review pack to write."
# Chinese is written without spaces: each Han character or CJK punctuation mark is a word.
_TOKEN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]|\w+|\s+|[^\w\s]")
# A braille word runs between blank cells (U+2800), which are not spaces to Python.
_CELL_WORD = re.compile("\u2800+|[^\u2800]+")


@dataclass(frozen=True)
class TextChange:
    """One text in one language: before and after (``None``: absent or untranslated)."""

    where: str
    old: str | None
    new: str | None

    @property
    def kind(self) -> str:
        if self.old is None and self.new is not None:
            return "added"
        if self.new is None and self.old is not None:
            return "removed"
        return "changed"


def write_review_packs(project: Project, leaflet_ids: list[str], since: str | None,
                       dist: Path) -> list[Path]:
    """Write a review pack for each leaflet asked for (default: each that changed).

    With ``since``, a leaflet whose English text differs from that commit's while its
    version does not is a problem, raised once every pack is written.
    """
    problems = ProblemCollector()
    paths = [project.leaflets_dir / f"{name}.yaml" for name in leaflet_ids] \
        or project.leaflet_files()
    leaflets = [leaflet for path in paths
                if (leaflet := problems.run(load_leaflet, path, project.root))]
    problems.raise_if_any()
    if leaflet_ids:
        pairs = [(leaflet, problems.run(_revision, project, leaflet, since))
                 for leaflet in leaflets]
        problems.raise_if_any()
    else:
        pairs = changed_leaflets(project, leaflets, since)
    written = []
    for leaflet, revision in pairs:
        path = dist / REVIEW_DIR / f"{leaflet.id}.html"
        write_atomically(path, review_pack(project, leaflet, revision, problems).encode("utf-8"))
        written.append(path)
        if since is not None:
            problem = unreleased_problem(project, leaflet, revision)
            if problem:
                problems.add(problem)
    problems.raise_if_any()
    return written


def write_pack_since_approval(project: Project, leaflet_id: str, dist: Path) -> Path | None:
    """Write the review pack of what changed in a leaflet since its last approval; return
    it, or None if nothing did (`NOTHING_CHANGED`).

    A leaflet whose text changed since its version was approved gets the pack of
    ``build.py diff ID``. One whose text is the approved one is compared with its own
    version's commit: its pack shows the translations changed since, if any.
    """
    leaflet = load_leaflet(project.leaflets_dir / f"{leaflet_id}.yaml", project.root)
    if approval_gap(leaflet) is not None:
        return write_review_packs(project, [leaflet_id], None, dist)[0]
    version = leaflet.leaflet.version
    if not changed_leaflets(project, [leaflet], version):
        return None
    return write_review_packs(project, [leaflet_id], version, dist)[0]


def _revision(project: Project, leaflet: LeafletFile, since: str | None) -> Revision:
    revision = earlier_revision(project, leaflet, since)
    if revision is None:
        raise LeafletError.at(project.relative(leaflet.path), leaflet.key_lines.get("version"),
                              "no earlier approved version to compare with; give --since "
                              "GIT-REF", "version")
    return revision


def review_pack(project: Project, leaflet: LeafletFile, revision: Revision,
                problems: ProblemCollector) -> str:
    """Return the review pack of ``leaflet`` against the project at ``revision``.

    What stops the new version from building is a problem (``problems``) besides a note
    in the pack; the old version may not build with today's code, which the pack notes.
    """
    with tempfile.TemporaryDirectory(prefix="leafpress-review-") as folder:
        folder = Path(folder)
        old_project = project_at(project, revision, folder / "old")
        old_path = old_project.leaflets_dir / f"{leaflet.id}.yaml"
        # Its texts: its figures are built below, and noted there if they fail.
        old = load_leaflet(old_path, old_project.root, figures=False) \
            if old_path.is_file() else None
        locales = project.locales()
        old_pdfs, old_notes, _ = _pdfs(old_project, old, folder / "old-build")
        new_pdfs, new_notes, failures = _pdfs(project, leaflet, folder / "new-build")
        old_brfs, old_failures, old_gaps = _braille(old, folder / "old-build")
        new_brfs, new_failures, new_gaps = _braille(leaflet, folder / "new-build")
        old_notes += [str(problem) for problem in old_failures] + old_gaps
        new_notes += [str(problem) for problem in new_failures] + new_gaps
        problems.extend(failures + new_failures)
        notes = [f"the {side} version: {'; '.join(found)}" for side, found
                 in (("old", old_notes), ("new", new_notes)) if found]
        check = braille_check(leaflet)
        sections = []
        for locale in locales:
            changes, translation_only = text_changes(old_project, old, project, leaflet, locale)
            comparison = compare_pdfs(old_pdfs.get(locale), new_pdfs.get(locale))
            braille = _braille_changes(old_brfs.get(locale), new_brfs.get(locale))
            sections.append(_section(locale, changes, translation_only, comparison,
                                     braille, check))
    return _page(leaflet, revision, sections, notes)


def _braille(leaflet: LeafletFile | None, folder: Path):
    """Return the BRFs of the leaflet in the copy `_pdfs` built in ``folder``, by locale."""
    if leaflet is None:
        return {}, [], []
    return leaflet_braille(Project.at(folder / "project"), leaflet.id)


def _braille_changes(old, new) -> tuple[str, list[BrailleChange]] | None:
    """Return the table and the changed lines of one locale's braille, or ``None`` where
    neither version has braille in it."""
    if old is None and new is None:
        return None
    table = (new or old)[0]
    return table, compare_brf(old and old[1], new and new[1], table)


def braille_check(leaflet: LeafletFile) -> str:
    """Return whether the transcriber's check of the new version's braille is recorded,
    as the pack says it."""
    history = leaflet.leaflet.history or []
    version = leaflet.leaflet.version
    if approval_gap(leaflet) is not None:
        return (f"The text of version {version} is not approved yet, so no qualified "
                "transcriber's check of its braille is recorded: its braille file says it is "
                "unchecked.")
    if history[0].braille_checked_by:
        return (f"The braille of version {version} was checked by a qualified transcriber: "
                f"{history[0].braille_checked_by}.")
    return (f"No qualified transcriber's check of the braille of version {version} is "
            "recorded: its braille file says it is unchecked. Once it is checked, record it "
            f"with 'build.py release {leaflet.id} --amend --braille-checked-by \"Name, "
            "Role\"'.")


def text_changes(old_project: Project, old: LeafletFile | None, new_project: Project,
                 new: LeafletFile, locale: str) -> tuple[list[TextChange], list[TextChange]]:
    """Return the changed texts in ``locale``, and the translations changed on their own."""
    old_texts = list(old.texts) if old else []
    old_lookup, new_lookup = _lookup(old_project, locale), _lookup(new_project, locale)
    matcher = difflib.SequenceMatcher(None, [text.text for text in old_texts],
                                      [text.text for text in new.texts], autojunk=False)
    changes, translation_only = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        before, after = old_texts[i1:i2], list(new.texts[j1:j2])
        if tag == "equal":
            for was, now in zip(before, after):
                if old_lookup(was.text) != new_lookup(now.text):
                    translation_only.append(TextChange(_where(now), old_lookup(was.text),
                                                       new_lookup(now.text)))
            continue
        for index in range(max(len(before), len(after))):
            was = before[index] if index < len(before) else None
            now = after[index] if index < len(after) else None
            changes.append(TextChange(_where(now or was), was and old_lookup(was.text),
                                      now and new_lookup(now.text)))
    return changes, translation_only


def _where(text) -> str:
    return f"line {text.line}: {text.comment}"


def _lookup(project: Project, locale: str):
    if locale == SOURCE_LOCALE or not project.po_file(locale).is_file():
        return (lambda text: text) if locale == SOURCE_LOCALE else (lambda text: None)
    translations, _ = load_translations(project, locale)

    def lookup(text: str) -> str | None:
        return translations.lookup(text)  # leaflet texts are looked up as written
    return lookup


def _pdfs(project: Project, leaflet: LeafletFile | None, folder: Path
          ) -> tuple[dict[str, Path], list[str], list[Problem]]:
    """Build the standard PDFs of one leaflet from a copy of ``project`` holding only it
    and its figures; return them, what the build noted, and the problems that stopped it.

    A link that leads out of the project stays a link in the copy, refused there as it
    is in the project: what it leads to is never read.
    """
    from ..build.pipeline import build

    if leaflet is None:
        return {}, [], []
    copy = folder / "project"
    for part in PROJECT_PARTS:
        if part != "leaflets" and (project.root / part).is_dir():
            shutil.copytree(project.root / part, copy / part,
                            copy_function=lambda source, target: _copy(source, target, project))
    (copy / "leaflets").mkdir(parents=True)
    for source in [leaflet.path, *_figure_files(project, leaflet)]:
        if source.is_file() or source.is_symlink():
            _copy(source, copy / "leaflets" / source.name, project)
    dist, notes, problems = folder / "dist", [], []
    try:
        build(Project.at(copy), dist, variants=("standard",), jobs=1, log=lambda line: None,
              warn=notes.append, approved_only=False)
    except LeafletError as error:
        problems = error.problems
    notes = [line.removeprefix("warning: ") for line in notes if " not built: " in line
             or not line.startswith("warning: ")]
    notes += [str(problem) for problem in problems]
    pdfs = {locale: dist / bcp47(locale) / f"{leaflet.id}.pdf" for locale in project.locales()}
    return {locale: path for locale, path in pdfs.items() if path.is_file()}, notes, problems


def _copy(source, target, project: Project) -> None:
    if inside_project(Path(source), project.root):
        shutil.copy2(source, target)
    else:
        os.symlink(os.readlink(source) if os.path.islink(source) else source, target)


def _figure_files(project: Project, leaflet: LeafletFile) -> list[Path]:
    """Return the figure files beside a leaflet: each figure's, and each language's version
    of it (figure_versions.py)."""
    found = []
    for name in dict.fromkeys(block.figure for section in leaflet.leaflet.sections
                              for block in section.blocks if block.kind == "figure"):
        default = project.leaflets_dir / name
        found += [default, *(path for same in version_files(default).values() for path in same)]
    return found


def word_diff(old: str, new: str, tokens=_TOKEN.findall) -> tuple[Markup, Markup]:
    """Return both texts as HTML, the removed words in <del>, the added ones in <ins>
    (words as ``tokens`` cuts them: `_CELL_WORD` for braille)."""
    before, after = tokens(old), tokens(new)
    old_html, new_html = [], []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = escape("".join(before[i1:i2])), escape("".join(after[j1:j2]))
        if tag == "equal":
            old_html.append(removed)
            new_html.append(added)
            continue
        if removed:
            old_html.append(Markup("<del>{}</del>").format(removed))
        if added:
            new_html.append(Markup("<ins>{}</ins>").format(added))
    return Markup("").join(old_html), Markup("").join(new_html)


def _section(locale: str, changes, translation_only, comparison: Comparison, braille,
             check: str) -> Markup:
    tag = bcp47(locale)
    name = escape(locale_name(locale, SOURCE_LOCALE))
    parts = [Markup('<section id="{}"><h2>{}</h2>').format(tag, name)]
    parts.append(_changes_table(f"Texts added, removed and changed ({len(changes)})",
                                changes, tag))
    if locale != SOURCE_LOCALE:
        parts.append(_changes_table(f"Translations changed without a change in English "
                                    f"({len(translation_only)})", translation_only, tag))
    if braille and braille[1]:  # nothing where the braille did not change
        parts.append(_braille_table(*braille, tag, check))
    parts.append(_pages(comparison))
    parts.append(Markup("</section>"))
    return Markup("").join(parts)


def _changes_table(title: str, changes: list[TextChange], tag: str) -> Markup:
    heading = Markup("<h3>{}</h3>").format(title)
    if not changes:
        return heading + Markup('<p class="none">None.</p>')
    rows = []
    for change in changes:
        old, new = word_diff(change.old or "", change.new or "")
        rows.append(Markup('<tr class="{kind}"><th scope="row">{kind}<br><small>{where}</small>'
                           '</th><td lang="{tag}">{old}</td><td lang="{tag}">{new}</td></tr>'
                           ).format(kind=change.kind, where=change.where, tag=tag,
                                    old=old or _absent(change.old),
                                    new=new or _absent(change.new)))
    return heading + Markup('<table><thead><tr><th scope="col">text</th><th scope="col">old'
                            '</th><th scope="col">new</th></tr></thead><tbody>{}</tbody>'
                            '</table>').format(Markup("").join(rows))


def _braille_table(table: str, changes: list[BrailleChange], tag: str, check: str) -> Markup:
    """The braille lines that changed: cells and print, old and new side by side."""
    rows = []
    for change in changes:
        old, new = word_diff(change.old, change.new, _CELL_WORD.findall)
        # Braille in the language's braille script (BCP 47 "Brai"): "zh-Brai", not
        # "zh-Hans-Brai", which would name two scripts.
        sides = [Markup('<p class="cells" lang="{}-Brai">{}</p>').format(
            tag.split("-")[0], cells or _absent(None)) for cells in (old, new)]
        if change.old_print is not None:
            printed = word_diff(change.old_print, change.new_print)
            sides = [side + Markup('<p class="print" lang="{}">{}</p>').format(tag, text)
                     for side, text in zip(sides, printed)]
        rows.append(Markup('<tr class="{kind}"><th scope="row">{kind}<br><small>{where}</small>'
                           '</th><td>{old}</td><td>{new}</td></tr>').format(
            kind=change.kind, where=change.where, old=sides[0], new=sides[1]))
    reading = ("below the cells, what liblouis reads them as in print (within what "
               "contraction loses)") if changes[0].old_print is not None else (
        "no print beside them: Chinese braille spells sounds and tones, which liblouis reads "
        "back as other characters of the same sound; the texts are in the tables above")
    return Markup('<h3>Braille ({count})</h3><p class="braille-about">The braille file '
                  '(liblouis table {table}), line by line without its page numbers and '
                  'indents, as Unicode braille; {reading}.</p><p class="braille-check">{check}'
                  '</p><table class="braille"><thead><tr><th scope="col">lines</th>'
                  '<th scope="col">old</th><th scope="col">new</th></tr></thead><tbody>{rows}'
                  '</tbody></table>').format(count=len(changes), table=table, reading=reading,
                                              check=check, rows=Markup("").join(rows))


def _absent(text: str | None) -> Markup:
    return Markup('<span class="absent" lang="en">{}</span>').format(
        "(none)" if text is None else "(empty)")


def _pages(comparison: Comparison) -> Markup:
    parts = [Markup("<h3>Pages of the standard PDF</h3>")]
    if not comparison.changed and not comparison.unchanged:
        return parts[0] + Markup('<p class="none">Neither version could be built in this '
                                 'language.</p>')
    for page in comparison.changed:
        regions = f"{page.regions} changed region{'s' if page.regions != 1 else ''}" \
            if page.old and page.new else ("a new page" if page.new else "a page removed")
        parts.append(Markup('<figure class="page"><figcaption>Page {} ({})</figcaption>'
                            '<div class="pair">{}{}</div></figure>').format(
            page.number, regions, _image(page.old, "old", page.number),
            _image(page.new, "new", page.number)))
    unchanged = ", ".join(str(number) for number in comparison.unchanged) or "none"
    parts.append(Markup('<p class="unchanged">Unchanged pages: {}.</p>').format(unchanged))
    if comparison.furniture_only:
        parts.append(Markup('<p class="furniture">Pages whose running header or footer alone '
                            'changed (such as the version number): {}.</p>').format(
            ", ".join(str(number) for number in comparison.furniture_only)))
    return Markup("").join(parts)


def _image(uri: str | None, side: str, number: int) -> Markup:
    if uri is None:
        return Markup('<p class="side absent">No page {} in the {} version.</p>').format(
            number, side)
    return Markup('<div class="side"><p>{side}</p><img src="{uri}" alt="Page {number} of the '
                  '{side} version, changed regions boxed"></div>').format(
        side=side, uri=uri, number=number)


STYLE = """
body { font-family: sans-serif; margin: 1.5rem; line-height: 1.4; color: #1d1d1b; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { border: 1px solid #b0b0b0; padding: .4rem; vertical-align: top; text-align: left; }
td { width: 42%; }
del { background: #ffd7d5; color: #82071e; }
ins { background: #ccf0d6; color: #055d20; text-decoration: none; }
.absent, .none { color: #595959; font-style: italic; }
.cells { font-size: 1.4rem; line-height: 1.6; word-break: break-all; margin: 0 0 .3rem; }
.print { margin: 0; color: #3d3d3d; }
.pair { display: flex; gap: 1rem; flex-wrap: wrap; }
.side { flex: 1 1 20rem; }
.side img { max-width: 100%; height: auto; border: 1px solid #b0b0b0; }
"""


def _page(leaflet: LeafletFile, revision: Revision, sections, notes) -> str:
    metadata = leaflet.leaflet
    history = Markup("").join(
        Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            entry.version, entry.date.isoformat(), entry.summary, entry.approver)
        for entry in metadata.history or ())
    note = Markup("").join(Markup('<p class="note">Not built from {}</p>').format(text)
                           for text in notes)
    return Markup("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Review: {title} — {old} to {new}</title>
<style>{style}</style>
</head>
<body>
<h1>Review: {title}</h1>
<p>{id} ({reference}): the working copy, version {new}, compared with {old}.</p>
{note}
<table><caption>History</caption><thead><tr><th scope="col">version</th><th scope="col">date
</th><th scope="col">change</th><th scope="col">approved by</th></tr></thead>
<tbody>{history}</tbody></table>
{sections}
</body>
</html>
""").format(title=metadata.title, old=revision.label, new=metadata.version, id=leaflet.id,
            reference=metadata.reference, style=Markup(STYLE), note=note, history=history,
            sections=Markup("\n").join(sections))
