"""Random leaflets and catalogs find only clean, located problems, never another exception."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from leafpress.content import markup, yamlfile
from leafpress.content.leaflet import load_leaflet
from leafpress.core.errors import LeafletError
from leafpress.core.project import Project
from leafpress.translation.translations import PLACEHOLDER, load_translations

from helpers import CONTENT, ROOT, leaflets

REAL_FILE = Project.at(ROOT).leaflet_files()[0]  # any real leaflet will do
REAL, REAL_ID = REAL_FILE.read_bytes(), REAL_FILE.stem
HEADER = (ROOT / "tests" / "data" / "bad-po" / "wrong-language.po").read_text("utf-8")
HEADER = HEADER[: HEADER.index("\n\n") + 2].replace("Language: zh_CN", "Language: zh_Hans")

# Bounded and deterministic: the same examples on every run, nothing stored in the repo.
BOUNDED = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("random")


def load_cleanly(folder: Path, content: bytes) -> None:
    """Load ``content`` as a leaflet: it loads, or every problem is located in its file."""
    path = folder / "random-leaflet.yaml"
    path.write_bytes(content)
    try:
        load_leaflet(path, folder)
    except LeafletError as error:
        assert error.problems
        for problem in error.problems:
            assert str(problem).startswith("random-leaflet.yaml")
            assert problem.line is None or problem.line >= 1
            assert "Traceback" not in problem.message


@BOUNDED
@given(st.text())
def test_random_text_is_a_clean_error(folder, text):
    load_cleanly(folder, text.encode("utf-8"))


@BOUNDED
@given(st.binary())
def test_random_bytes_are_a_clean_error(folder, content):
    load_cleanly(folder, content)


KEYS = st.sampled_from(["id", "title", "titel", "sections", "blocks", "paragraph", "bullets",
                        "question", "answer", "published", "review_by", "owner", "sources",
                        "url", "<<", "1", ""]) | st.text(max_size=8)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
           | st.dates(min_value=datetime.date(1, 1, 1)).map(str) | st.dates())
DATA = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(KEYS, children, max_size=4), max_leaves=25)


@BOUNDED
@given(DATA)
def test_random_yaml_data_is_a_clean_error(folder, data):
    load_cleanly(folder, yaml.safe_dump(data, allow_unicode=True).encode("utf-8"))


def locations(data, prefix=()):
    """Yield the path of every value in ``data``."""
    yield prefix
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for key, value in items:
        yield from locations(value, (*prefix, key))


REAL_DATA = yaml.safe_load(REAL)
REAL_LOCATIONS = list(locations(REAL_DATA))[1:]


def replaced(data, location, value):
    if not location:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[location[0]] = replaced(data[location[0]], location[1:], value)
    return copy


@BOUNDED
@given(st.lists(st.tuples(st.sampled_from(REAL_LOCATIONS), DATA), min_size=1, max_size=3))
def test_a_real_leaflet_with_random_values_is_a_clean_error(folder, changes):
    data = REAL_DATA
    for location, value in changes:
        try:
            data = replaced(data, location, value)
        except (KeyError, IndexError, TypeError):  # an earlier change removed the place
            continue
    data = {**data, "id": "random-leaflet"} if isinstance(data, dict) else data
    load_cleanly(folder, yaml.safe_dump(data, allow_unicode=True).encode("utf-8"))


@BOUNDED
@given(st.lists(st.tuples(st.integers(0, len(REAL)), st.integers(0, 40), st.binary(max_size=8)),
                min_size=1, max_size=6))
def test_a_mutated_real_leaflet_is_a_clean_error(folder, mutations):
    content = REAL.replace(f"id: {REAL_ID}".encode(), b"id: random-leaflet")
    for position, deleted, inserted in mutations:
        content = content[:position] + inserted + content[position + deleted:]
    load_cleanly(folder, content)


PIECES = ["%(page)s", "%(pages)s", "%%", "**", "[link](https://example.org/)",
          "[mail](mailto:a@example.org)", "[x](javascript:alert(1))", "[3]", "[1–2]", "<b>",
          "</b>", "<script>", '"', "\\", "\\n", "\n", "\t", "\r", "页", "。", " ", "a", "#",
          "{", "}", "msgstr ", "](", "\x00", "\x7f"]


def text(pieces: list[str]):
    return st.lists(st.sampled_from(pieces) | st.text(max_size=3), max_size=8).map("".join)


# An English text without a location is checked as a template's format string: named
# placeholders, and %% for a percent sign. A translation may hold anything.
SOURCE = text(PIECES).filter(lambda source: source and "%" not in PLACEHOLDER.sub("", source))
TRANSLATION = text([*PIECES, "%", "%s", "%(name)s", "%(page)d", "%("])
# Mostly well-formed entries, so that many translations get as far as the checks.
ENTRY = st.fixed_dictionaries({
    "msgid": SOURCE, "msgstr": st.none() | TRANSLATION, "fuzzy": st.booleans(),
    "python_format": st.booleans(), "escaped": st.sampled_from([True, True, True, False])})


def po_string(text: str, escaped: bool) -> str:
    """Return ``text`` as a quoted PO string: escaped as gettext does, or written raw."""
    if escaped:
        text = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                .replace("\t", "\\t").replace("\r", "\\r"))
    return f'"{text}"'


def po_file(entries: list[dict]) -> str:
    lines = [HEADER]
    for entry in entries:
        flags = [flag for flag, wanted in (("fuzzy", entry["fuzzy"]),
                                           ("python-format", entry["python_format"])) if wanted]
        if flags:
            lines.append(f"#, {', '.join(flags)}\n")
        translation = "译" + entry["msgid"] if entry["msgstr"] is None else entry["msgstr"]
        lines.append(f"msgid {po_string(entry['msgid'], entry['escaped'])}\n"
                     f"msgstr {po_string(translation, entry['escaped'])}\n\n")
    return "".join(lines)


@pytest.fixture(scope="module")
def catalog_project(tmp_path_factory) -> Project:
    project = Project.at(tmp_path_factory.mktemp("catalog"))
    project.po_file("zh_Hans").parent.mkdir(parents=True)
    return project


@BOUNDED
@given(st.lists(ENTRY, max_size=6, unique_by=lambda entry: entry["msgid"]))
def test_random_catalog_entries_are_clean_problems(catalog_project, entries):
    """Every entry is used, or refused with its line; a used one renders without error."""
    shown = "locales/zh_Hans/LC_MESSAGES/messages.po"
    catalog_project.po_file("zh_Hans").write_text(po_file(entries), "utf-8")
    try:
        translations, problems = load_translations(catalog_project, "zh_Hans")
    except LeafletError as error:
        assert error.problems
        assert all(str(problem).startswith(shown) for problem in error.problems)
        return
    assert all(str(problem).startswith(f"{shown}:") and problem.line for problem in problems)
    for message_id, translation in translations.strings.items():
        markup.render_inline(translation.replace("%%", "%"))
        # What Jinja's newstyle gettext does with a template's translated text.
        names = [found[2:-2] for found in PLACEHOLDER.findall(message_id) if found != "%%"]
        Markup(translation) % {name: "x" for name in names}
        assert sorted(PLACEHOLDER.findall(translation.replace("%%", ""))) == sorted(
            f"%({name})s" for name in names)



def read_both_ways(path: Path) -> tuple:
    """Return what ``path`` gives read with libyaml (the fast path) and with pure Python."""
    def read():
        try:
            document = yamlfile.load_yaml(path)
        except LeafletError as error:
            return str(error)
        return document.data, document.value_lines, document.key_lines

    fast = read()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlfile, "_fast_compose", lambda text: None)
        return fast, read()


@BOUNDED
@given(DATA | st.text().map(lambda text: {"text": text}))
def test_libyaml_and_pure_python_read_the_same(folder, data):
    path = folder / "both.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    fast, slow = read_both_ways(path)
    assert fast == slow


@pytest.mark.parametrize("name", leaflets())
def test_libyaml_reads_the_real_leaflets_as_pure_python_does(name):
    fast, slow = read_both_ways(CONTENT / "leaflets" / f"{name}.yaml")
    assert isinstance(fast, tuple) and fast == slow
