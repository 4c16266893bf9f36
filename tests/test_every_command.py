"""Generated leaflets, every command: no command ends in a traceback on a leaflet the
schema accepts; each exits 0, or 1 with ``file:line:`` messages (issue 20).

The leaflets come from Hypothesis strategies written against the pydantic models of
leafpress/content/schema.py, one per model and one per block type in `BLOCK_TYPES`, and each is
validated by `Leaflet.model_validate` before a command sees it. Not hypothesis-jsonschema
over leaflets/leaflet.schema.json: that schema is written from the same models but cannot
say what their validators add (the markup of a text, "Name, Role", a review date after
publication, the history's order), so most of what it generates is a leaflet `check`
rejects on its first line; and its strings are characters at random, which no font of
the project draws. Here texts are Latin, Chinese and right-to-left words the fonts draw,
long words, ``**emphasis**`` and links, with now and then a character no font draws.

``make test`` runs a few examples (``EXAMPLES``), the same on every run; the scheduled
job of .github/workflows/leaflets.yml runs many more, new ones each week
(``LEAFPRESS_EXAMPLES``).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import re
import subprocess
import zlib
from pathlib import Path

import yaml
from babel.messages.pofile import read_po, write_po
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from leafpress.build.pipeline import build_pages
from leafpress.build.plan import BuildOptions
from leafpress.content.history import fingerprint
from leafpress.content.leaflet import load_leaflet
from leafpress.content.schema import BLOCK_TYPES, FIGURE_PATTERN, ID_PATTERN, Leaflet
from leafpress.core.errors import LeafletError
from leafpress.core.project import Project
from leafpress.preview.server import PREVIEW_DIR

from helpers import make_project, run

EXAMPLES = int(os.environ.get("LEAFPRESS_EXAMPLES", "0")) or 4
# Shrinking a failure runs the commands hundreds of times: in the scheduled job only.
PHASES = tuple(Phase) if "LEAFPRESS_EXAMPLES" in os.environ else (
    Phase.explicit, Phase.generate)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, phases=PHASES,
                    derandomize="LEAFPRESS_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

# Words ------------------------------------------------------------------------------------

LATIN = ["the", "infusion", "pain", "nurse", "appointment", "morning", "drip", "arm", "dose",
         "magnesium", "clinic", "hours", "you", "may", "feel", "warm", "tell", "staff", "50%",
         "7.6 mg", "24", "01632 960 418", "(IV)", "café", "naïve", "co-operate", "e.g.",
         "don’t", "“quoted”", "—", "x-ray", "Ketamine"]
LONG = st.text("abcdefghijklmnopqrstuvwxyz", min_size=30, max_size=90)
CHINESE = ["疼痛", "医院", "护士", "输液", "镁", "药物", "治疗", "问题", "医生", "麻醉",
           "预约", "小时", "请告诉我们", "。", "，", "（静脉注射）"]
ARABIC = ["ألم", "مستشفى", "ممرضة", "دواء", "علاج", "سؤال", "طبيب", "موعد", "ساعات", "،"]
HEBREW = ["כאב", "בית", "חולים", "אחות", "תרופה", "טיפול", "שאלה", "רופא", "תור"]
# What a text may hold that is neither a word nor markup: escapes, characters that mean
# something to HTML, YAML, gettext or Jinja, invisible ones.
ODD = ["<b>", "&", "&amp;", '"', "'", "#", ": ", "%", "%%", "%(page)s", "{{ x }}", "{%", "\\*",
       "\u00ad", "\u200b", "\u00a0", "…", "→", "±", "µg", "≥"]
# Characters no font of an English leaflet draws: check and build must say where they are.
UNDRAWABLE = ["💊", "ألم", "כאב", "\U0001d400", "\u2ff0"]
ADDRESSES = ["https://example.org/", "https://example.org/leaflets/a-very-long-path/with/many/"
             "segments-and-hyphens-that-must-wrap-somewhere?query=1&b=2#part",
             "http://example.org/x", "mailto:team@example.org", "tel:+441632960000"]

WORD = st.one_of(st.sampled_from(LATIN), st.sampled_from(LATIN), st.sampled_from(CHINESE),
                 LONG)
PHRASE = st.lists(WORD, min_size=1, max_size=4).map(" ".join)


@st.composite
def text(draw, undrawable: bool = False) -> str:
    """A text of a leaflet: words, emphasis, links, odd characters; maybe an undrawable one."""
    token = st.one_of(
        WORD, WORD, WORD, WORD,
        PHRASE.map(lambda phrase: f"**{phrase}**"),
        st.tuples(PHRASE | st.sampled_from(ADDRESSES), st.sampled_from(ADDRESSES)).map(
            lambda link: f"[{link[0]}]({link[1]})"),
        st.sampled_from(ODD),
        *([st.sampled_from(UNDRAWABLE)] if undrawable else []))
    # A word first: a text of a no-break space alone is empty, which the schema refuses.
    return " ".join([draw(WORD), *draw(st.lists(token, max_size=11))])


# The models, one strategy each -----------------------------------------------------------

FIGURE_NAME = st.from_regex(FIGURE_PATTERN, fullmatch=True).filter(lambda name: len(name) < 60)


def blocks(texts, figures: list[str]):
    """One strategy per block type of `BLOCK_TYPES`: every block the schema has."""
    items = st.lists(texts, min_size=1, max_size=4)
    table = st.integers(1, 4).flatmap(lambda columns: st.fixed_dictionaries({
        "header": st.lists(texts, min_size=columns, max_size=columns),
        "rows": st.lists(st.lists(texts, min_size=columns, max_size=columns), min_size=1,
                         max_size=4)}))
    return {
        "paragraph": st.fixed_dictionaries({"paragraph": texts}),
        "bullets": st.fixed_dictionaries({"bullets": items}),
        "steps": st.fixed_dictionaries({"steps": items}),
        "callout": st.fixed_dictionaries({"callout": texts}),
        "warning": st.fixed_dictionaries({"warning": texts}),
        "question": st.fixed_dictionaries({"question": texts, "answer": texts}),
        "subheading": st.fixed_dictionaries({"subheading": texts}),
        "figure": st.fixed_dictionaries({"figure": st.sampled_from(figures), "alt": texts},
                                        optional={"caption": texts, "mirror": st.booleans()}),
        "table": st.fixed_dictionaries({"table": table}),
    }


def test_every_block_type_is_generated():
    assert set(blocks(st.just("x"), ["x.svg"])) == set(BLOCK_TYPES)


TODAY = datetime.date.today()
APPROVED = "ffffffff"  # replaced by the fingerprint of the leaflet's texts
VERSION = st.lists(st.integers(0, 40), min_size=1, max_size=3).map(tuple)
APPROVER = st.tuples(PHRASE, PHRASE).map(", ".join)


@st.composite
def history(draw, version: tuple, published: datetime.date, texts) -> list[dict]:
    """Approved versions, newest first: the leaflet's own, then older ones."""
    older = sorted(draw(st.lists(VERSION.filter(lambda old: old < version), max_size=2,
                                 unique=True)), reverse=True)
    days = sorted(draw(st.lists(st.integers(0, 900), min_size=len(older),
                                max_size=len(older))))
    entries = []
    for number, date in [(version, published),
                         *((old, published - datetime.timedelta(days=d))
                           for old, d in zip(older, days))]:
        entry = {"version": ".".join(map(str, number)), "date": date,
                 "summary": draw(texts), "approver": draw(APPROVER),
                 "fingerprint": draw(st.from_regex(r"\A[0-9a-f]{8}( [0-9a-f]{8}){0,3}\Z"))}
        if draw(st.booleans()):
            entry["patient_review"] = draw(st.dates(date - datetime.timedelta(days=90), date))
        entries.append(entry)
    return entries


@st.composite
def leaflet(draw, leaflet_id: str, number: int, figures: list[str]) -> dict:
    """A valid leaflet, as the data of its YAML file."""
    texts = text(undrawable=draw(st.integers(0, 9)) == 0)
    block_types = blocks(texts, figures)
    if not figures:
        del block_types["figure"]
    block = st.one_of(*block_types.values())
    version = draw(VERSION)
    published = draw(st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31))
                     | st.dates(TODAY - datetime.timedelta(days=700), TODAY))
    data = {
        "id": leaflet_id,
        "reference": f"GEN-{number}{draw(st.from_regex(r'[A-Z0-9]{0,4}', fullmatch=True))}",
        "title": draw(texts),
        "audience": draw(st.sampled_from(["patient", "clinician"])),
        "version": ".".join(map(str, version)),
        "published": published,
        "review_by": published + datetime.timedelta(days=draw(st.integers(1, 4000))),
        "owner": {"department": draw(texts), "contact": draw(texts)},
        "sources": draw(st.lists(st.fixed_dictionaries(
            {"citation": texts}, optional={"url": st.sampled_from(ADDRESSES[:3])}),
            min_size=1, max_size=3)),
        "sections": draw(st.lists(st.fixed_dictionaries(
            {"heading": texts, "blocks": st.lists(block, min_size=1, max_size=5)}),
            min_size=1, max_size=4)),
    }
    if draw(st.booleans()):
        data["summary"] = draw(texts)
    if draw(st.booleans()):
        data["history"] = draw(history(version, published, texts))
    Leaflet.model_validate(data)  # a leaflet the schema accepts, or a bug of this test
    if data.get("history") and draw(st.booleans()):
        data["history"][0]["fingerprint"] = APPROVED  # see lay_out
    return data


LOCALES = {"zh_Hans": CHINESE, "ar": ARABIC, "he": HEBREW}


@st.composite
def projects(draw) -> dict:
    """What a project holds: figures, leaflets, and a state for each translated locale."""
    figures = draw(st.lists(FIGURE_NAME, max_size=3, unique_by=str.lower))
    ids = draw(st.lists(st.from_regex(ID_PATTERN, fullmatch=True).filter(
        lambda name: len(name) < 40), min_size=1, max_size=3, unique=True))
    return {
        # Each figure's size, whether it is beside the brand file rather than the leaflet,
        # whether it has text, and its versions beside it: for a language of the project
        # or not, its name written as in locales/ or as a BCP 47 tag (figure_versions.py).
        "figures": {name: (draw(st.integers(1, 120)), draw(st.booleans()), draw(st.booleans()),
                           draw(st.lists(st.sampled_from(["zh_Hans", "zh-hans", "ar", "he",
                                                          "cy"]),
                                         max_size=2, unique_by=lambda tag: tag[:2])))
                    for name in figures},
        # How the YAML is written: one key a line, {…} for the innermost mappings, or all {…}.
        "style": draw(st.sampled_from([False, None, True])),
        "width": draw(st.sampled_from([80, 30, 10_000])),
        "leaflets": {name: draw(leaflet(name, number, figures))
                     for number, name in enumerate(ids)},
        "locales": draw(st.dictionaries(st.sampled_from(sorted(LOCALES)),
                                        st.sampled_from(["complete", "partial", "empty"]),
                                        max_size=2)),
        "salt": draw(st.integers(0, 2)),
    }


# Laying the project out -----------------------------------------------------------------

LABEL = '<text x="1" y="10" font-size="8">Drip</text>'


def write_figure(path: Path, size: int, label: bool = False) -> None:
    """A small valid SVG or PNG of a few shapes (an SVG with a ``label`` as text too)."""
    if path.suffix == ".png":
        image = Image.new("RGBA" if size % 2 else "RGB", (size, max(1, size // 2)), "#005eb8")
        image.putpixel((0, 0), (255, 255, 255) if size % 2 == 0 else (255, 0, 0, 128))
        image.save(path, "PNG")
        return
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size * 2}" height="{size}" '
        f'viewBox="0 0 {size * 2} {size}"><rect width="{size}" height="{size}" '
        f'fill="#005eb8"/><circle cx="{size * 1.5}" cy="{size / 2}" r="{size / 3}" '
        'fill="none" stroke="#000" stroke-width="2"/>'
        f'{LABEL if label else ""}</svg>\n', "utf-8")


def translated(message: str, words: list[str]) -> str:
    """``message`` with each Latin word in ``words``' script; markup and placeholders kept."""
    def word(match):
        if match[1]:
            return match[1]
        return words[zlib.crc32(match[2].encode()) % len(words)]

    return re.sub(r"(\]\([^)]*\)|%\([a-z_]+\)s|%%)|([A-Za-zÀ-ÿ]+)", word, message)


def translate(project: Project, locale: str, state: str, salt: int) -> None:
    """Fill ``locale``'s catalog: every text, some of them, or none."""
    if state == "empty":
        return
    path = project.po_file(locale)
    with path.open("rb") as file:
        catalog = read_po(file)
    for message in catalog:
        if message.id and (state == "complete" or zlib.crc32(
                f"{salt}{message.id}".encode()) % 3):
            message.string = translated(message.id, LOCALES[locale])
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    path.write_bytes(buffer.getvalue())


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # a date used twice is written twice, as people do
        return True


def lay_out(root: Path, content: dict) -> Project:
    # Each generated leaflet has the history it was given: approved, stale or none.
    project = make_project(root, {
        name: yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                        default_flow_style=content["style"], width=content["width"])
        for name, data in content["leaflets"].items()}, approved=False)
    for name, (size, in_brand, label, versions) in content["figures"].items():
        folder = project.brand_file.parent if in_brand else project.leaflets_dir
        write_figure(folder / name, size, label)
        stem, suffix = name.rsplit(".", 1)
        for tag in versions:
            write_figure(folder / f"{stem}.{tag}.{suffix}", size + 1)
    for path in project.leaflet_files():  # the text as approved: check finds no change
        text = path.read_text("utf-8")
        if APPROVED in text:
            texts = [item.text for item in load_leaflet(path, project.root).texts]
            path.write_text(text.replace(APPROVED, fingerprint(texts)), "utf-8")
    return project


# Running the commands -------------------------------------------------------------------

LOCATED = re.compile(r"error: [^:\n]+:\d+: ")


def command(project: Project, *arguments: str, must_succeed: bool = False) -> int:
    """Run a command in this process: 0, or 1 with located messages, never a traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = run(project, *arguments)
        except SystemExit as exit:  # argparse's, for bad usage
            code = exit.code
    errors = [line for line in err.getvalue().splitlines() if line.startswith("error: ")]
    assert code in (0, 1), (arguments, code, err.getvalue())
    if code == 1:
        assert errors and all(LOCATED.match(line) for line in errors), (arguments,
                                                                        err.getvalue())
    if must_succeed:
        assert code == 0, (arguments, err.getvalue())
    return code


def git(project: Project, *arguments: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                    *arguments], cwd=project.root, check=True, capture_output=True)


def every_command(project: Project, content: dict) -> None:
    leaflets = list(content["leaflets"])
    command(project, "extract", must_succeed=True)
    for locale, state in content["locales"].items():
        command(project, "init", locale, must_succeed=True)
        translate(project, locale, state, content["salt"])
    command(project, "update", must_succeed=True)
    for arguments in (["check"], ["check", "--strict"], ["report"],
                      ["report", "--format", "json"], ["stats"], ["stats", "--missing"],
                      ["stats", "--format", "json"],
                      ["stats", "--missing", "--format", "json"]):
        command(project, *arguments)
    standard = ["--variant", "standard"]
    command(project, "build", *standard)
    command(project, "build", leaflets[0], *standard)
    command(project, "build", "--draft", *standard)
    command(project, "build", "--shard", "2/2", *standard)
    dist = project.root / "dist"
    try:  # as serve shows an edited leaflet's web pages (server.py), with a full plan
        build_pages(project, dist / PREVIEW_DIR, BuildOptions(variants=("standard",)),
                    dist / ".cache")
    except LeafletError as error:  # what serve shows in the page instead
        assert all(problem.line for problem in error.problems), error
    command(project, "init", "cy", must_succeed=True)
    command(project, "stats", "--missing")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated")
    for name, data in content["leaflets"].items():
        # A leaflet written all in {…}: release says it cannot edit it (test_history.py).
        command(project, "release", name, "--approver", "Dr A Jones, Consultant",
                "--summary", "Generated", "--date", data["published"].isoformat(),
                must_succeed=content["style"] is not True)
    git(project, "commit", "-q", "--allow-empty", "-am", "released")
    command(project, "diff", leaflets[0], "--since", "HEAD~1")
    command(project, "diff")  # each leaflet whose text changed since it was approved
    command(project, "new", "started-here", "--title", "Started here")
    command(project, "check")


@SETTINGS
@given(content=projects())
def test_every_command_on_generated_leaflets(tmp_path_factory, content):
    project = lay_out(tmp_path_factory.mktemp("generated") / "project", content)
    every_command(project, content)


def test_every_command_on_the_machinery_fixture(fixture_built):
    """The small project, with every block type in English and Chinese: every command
    succeeds on it (the other machinery tests check what each writes)."""
    project, dist = fixture_built
    # Its figure with a Chinese version, and marked to be mirrored (issue 23).
    (project.leaflets_dir / "square.zh_Hans.svg").write_bytes(
        (project.leaflets_dir / "square.svg").read_bytes().replace(b"#005eb8", b"#c00000"))
    alpha = project.leaflets_dir / "alpha.yaml"
    alpha.write_text(alpha.read_text("utf-8").replace(
        "caption: A picture drawn for the test.\n",
        "caption: A picture drawn for the test.\n        mirror: true\n"), "utf-8")
    output = ["--output", str(dist)]
    # Its callout says 'callout', which the spelling gate does not know: strict fails.
    assert command(project, "check", "--strict") == 1
    for arguments in (["check"], ["report"], ["report", "--format", "json"], ["stats"],
                      ["stats", "--missing"], ["extract"], ["update"], ["build", *output],
                      ["build", "alpha", *output], ["build", "--draft", *output],
                      ["build", "--shard", "1/2", *output]):
        command(project, *arguments, must_succeed=True)
    build_pages(project, dist / PREVIEW_DIR, BuildOptions(), dist / ".cache")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "fixture")
    for name in ("alpha", "beta"):
        command(project, "release", name, "--approver", "Dr A Jones, Consultant",
                "--summary", "First version", "--date", "2026-11-21", must_succeed=True)
        command(project, *output, "diff", name, "--since", "HEAD", must_succeed=True)
    command(project, "init", "cy", must_succeed=True)
    assert [path.name for path in sorted((dist / "review").glob("*.html"))] == [
        "alpha.html", "beta.html"]
    command(project, "new", "gamma", "--title", "Gamma", "--audience", "clinician",
            must_succeed=True)
    command(project, "check", must_succeed=True)
