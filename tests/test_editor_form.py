"""The leaflet form (leafpress/editor/form.py, fields.py, static/form.js) in Chromium, as a
user would use it: what it collects is the leaflet's data exactly; adding, moving,
removing and retyping blocks, a table's rows and columns, the Bold and Link buttons;
axe-core finds nothing, with problems shown too; the keyboard reaches every control.

The tests of checking, saving, the PDF and uploads need the draft's routes
(leafpress/editor/draft.py) and are skipped without them.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time

from types import SimpleNamespace
from typing import ClassVar

import pytest
from markupsafe import escape
from pydantic import Field as SchemaField
from werkzeug.serving import make_server
from werkzeug.test import Client

from leafpress.build.plan import BuildOptions
from leafpress.content import schema
from leafpress.content.leaflet import load_leaflet
from leafpress.content.yamlfile import read_yaml
from leafpress.editor import fields, form
from leafpress.editor.app import Editor
from leafpress.editor.guard import Guard
from leafpress.editor.saving import digest

from helpers import Chromium, small_project, until

DRAFT = importlib.util.find_spec("leafpress.editor.draft") is not None
# Kept as read, not shown as fields: a key the schema lacks, an empty value, a block of an
# unknown type, a list written as a text.
ODD = """\
id: odd
reference: TEST-009
title: Odd test leaflet
summary:
colour: blue
audience: patient
version: "1.0"
published: 2026-11-21
review_by: 2028-11-21
owner:
  department: Test Team
  contact: Test Team
sources:
  - citation: A made-up source.
    url:
sections:
  - heading: Odd blocks
    blocks:
      - quote: A block of a type no one made.
      - bullets: A text where a list belongs.
      - paragraph: ""
"""


class Quote(schema._Model):  # noqa: SLF001 - a block type as schema.py would add one
    """A quotation, with who said it."""

    kind: ClassVar[str] = "quote"

    quote: schema.Text
    by: schema.Text | None = SchemaField(None, description="Who said it")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = small_project(tmp_path_factory.mktemp("form") / "small")
    (project.leaflets_dir / "odd.yaml").write_text(ODD, "utf-8")
    return project


@pytest.fixture(scope="module")
def served(project):
    """The editor of ``project`` on a free port (the server answers for ``served.editor``,
    which a test may replace with one of another project)."""
    served = SimpleNamespace()
    server = make_server("127.0.0.1", 0, lambda environ, start: served.editor(environ, start),
                         threaded=True)
    served.port = server.server_port
    served.editor = editor_of(project, served.port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()


def editor_of(project, port):
    return Editor(project, BuildOptions(brand=project.brand_file), Guard(port))


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def open_form(chromium, served, leaflet: str) -> None:
    # Leave the page a test left with changes without being asked (a test of its own),
    # for a blank one: the loads it leaves unfinished (its preview's) fail there.
    chromium.evaluate("typeof leafletForm === 'undefined' || (leafletForm.dirty = () => false)")
    chromium.open("about:blank")
    errors = chromium.open(f"http://127.0.0.1:{served.port}/edit/leaflets/{leaflet}")
    # Without draft.py (before the merge) the page's first check is answered 404; the
    # preview's stylesheet and pictures are serve's (dist/assets/), and only the editor is
    # served here.
    assert [error for error in errors if "favicon.ico" not in error and
            f":{served.port}/assets/" not in error and (DRAFT or "/check" not in error)] == []
    if DRAFT:  # the page's first check answered, so that it cannot overwrite what follows
        wait(chromium, "!leafletForm.busy && leafletForm.shown > 0")


def wait(chromium, condition: str, timeout: float = 20):
    """Wait until the JavaScript ``condition`` is true; return its value."""
    return until(lambda: chromium.evaluate(condition), timeout, 0.05, condition)


def collected(chromium):
    return chromium.evaluate("leafletForm.collect()")


def data_of(project, leaflet: str):
    document, problems = read_yaml(project.leaflets_dir / f"{leaflet}.yaml")
    return document.data


def block(where: str) -> str:
    return f"document.querySelector('[data-where=\"{where}\"]')"


def tool(where: str, action: str) -> str:
    """The selector of the button ``action`` (up, down, remove) of the item at ``where``."""
    return ", ".join(f"[data-where='{where}'] > {inside}.item-tools > [data-do='{action}']"
                     for inside in ("fieldset > ", ""))


def click(chromium, selector: str) -> None:
    chromium.evaluate(f"document.querySelector({json.dumps(selector)}).click(); true")


def press(chromium, key: str, code: int, text: str = "") -> None:
    """Press and release ``key`` as a keyboard would (``text``: what it types)."""
    chromium.send("Input.dispatchKeyEvent", session=True, type="keyDown" if text else
                  "rawKeyDown", key=key, code=key, windowsVirtualKeyCode=code, text=text)
    chromium.send("Input.dispatchKeyEvent", session=True, type="keyUp", key=key, code=key,
                  windowsVirtualKeyCode=code)


# The fields, from the schema --------------------------------------------------------------

def test_the_fields_follow_the_schema():
    found = {field.name: field for field in fields.leaflet_fields()}
    assert (found["review_by"].label, found["review_by"].kind) == ("Review by", "date")
    assert found["audience"].choices == ("patient", "clinician")
    assert found["id"].hint == ("Also the file name, without .yaml; "
                                + schema.PATTERN_MEANINGS[schema.ID_PATTERN])
    assert found["summary"].required is False and found["title"].kind == "markup"
    assert found["history"].kind == "record"
    blocks = found["sections"].item.fields[1]
    assert list(blocks.types) == list(schema.BLOCK_TYPES)
    table = blocks.types["table"].fields[0]
    assert table.kind == "grid" and [inner.name for inner in table.fields] == ["header", "rows"]
    figure = {inner.name: inner for inner in blocks.types["figure"].fields}
    assert (figure["figure"].kind, figure["caption"].required) == ("figure", False)


def test_a_new_block_type_appears_in_the_form_with_no_editor_change(project, monkeypatch):
    monkeypatch.setattr(schema, "BLOCK_TYPES", {**schema.BLOCK_TYPES, "quote": Quote})
    editor = editor_of(project, 8765)
    page = Client(editor).get("/edit/leaflets/alpha", headers={"Host": "127.0.0.1:8765"})
    text = page.get_data(as_text=True)
    assert '<template data-schema="sections[].blocks[]:quote">' in text
    assert '<option value="quote">Quote</option>' in text
    assert '<p class="hint" id="f-new-0-by-hint">Who said it</p>' in text


def test_the_figure_field_suggests_the_figures_beside_the_leaflet_and_the_brand(project):
    page = Client(editor_of(project, 8765)).get("/edit/leaflets/alpha",
                                                headers={"Host": "127.0.0.1:8765"})
    assert ('<datalist id="figure-files"><option value="logo.svg"></option>'
            '<option value="square.svg"></option></datalist>') in page.get_data(as_text=True)


def test_a_leaflet_that_cannot_be_read_is_shown_with_its_problem(project):
    broken = project.leaflets_dir / "broken.yaml"
    broken.write_text("id: broken\ntitle: [unclosed\n", "utf-8")
    (problem,) = read_yaml(broken, "leaflets/broken.yaml")[1]
    try:
        page = Client(editor_of(project, 8765)).get("/edit/leaflets/broken",
                                                     headers={"Host": "127.0.0.1:8765"})
    finally:
        broken.unlink()
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"<strong>Error:</strong> {escape(str(problem))}</li>" in text
    assert "once the mistake above is put right in a text editor" in text


def test_an_unknown_leaflet_is_not_found(project):
    page = Client(editor_of(project, 8765)).get("/edit/leaflets/nothing",
                                                headers={"Host": "127.0.0.1:8765"})
    assert page.status_code == 404
    assert page.get_data(as_text=True) == (
        "404 Not Found: there is no leaflet 'nothing' in leaflets/\n")


# What the form collects ---------------------------------------------------------------------

def test_every_leaflet_comes_back_from_its_form_exactly_as_read(project, served, chromium):
    for path in project.leaflet_files():
        open_form(chromium, served, path.stem)
        assert collected(chromium) == data_of(project, path.stem), path.stem
        assert chromium.evaluate("leafletForm.dirty()") is False


def test_a_block_of_each_type_can_be_added(project, served, chromium, monkeypatch):
    monkeypatch.setattr(schema, "BLOCK_TYPES", {**schema.BLOCK_TYPES, "quote": Quote})
    open_form(chromium, served, "beta")
    expected = data_of(project, "beta")
    for kind, kind_type in fields.block_types().items():
        chromium.evaluate(f"""{{
            const list = {block("sections[0].blocks")};
            list.querySelector("[data-new-type]").value = {json.dumps(kind)};
            list.querySelector("[data-do='add-block']").click(); true }}""")
        number = len(expected["sections"][0]["blocks"])
        where = f"sections[0].blocks[{number}]"
        assert chromium.evaluate("document.activeElement.id") == \
            f"f-sections-0-blocks-{number}-type"
        # Every field the block needs, in order, with a text of its own.
        chromium.evaluate(f"""{{
            let n = 0;
            for (const field of {block(where)}.querySelectorAll(
                    "[data-required] > [data-control]")) field.value = `Text ${{++n}}`;
            true }}""")
        expected["sections"][0]["blocks"].append(_filled(form.starter_block(kind_type)))
        assert collected(chromium) == expected, kind
    assert expected["sections"][0]["blocks"][-1] == {"quote": "Text 1"}
    assert {"table": {"header": ["Text 1", "Text 2"], "rows": [["Text 3", "Text 4"]]}} in \
        expected["sections"][0]["blocks"]
    assert chromium.evaluate("leafletForm.dirty()") is True


def _filled(value, counter=None):
    """``value`` with each empty text replaced by 'Text 1', 'Text 2'… in order."""
    counter = counter if counter is not None else iter(range(1, 100))
    if value is None:
        return f"Text {next(counter)}"
    if isinstance(value, list):
        return [_filled(item, counter) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, counter) for key, item in value.items()}
    return value


def test_blocks_move_and_are_removed_and_change_type(project, served, chromium):
    open_form(chromium, served, "alpha")
    expected = data_of(project, "alpha")
    blocks = expected["sections"][0]["blocks"]
    click(chromium, tool("sections[0].blocks[0]", "down"))
    blocks[0], blocks[1] = blocks[1], blocks[0]
    assert collected(chromium) == expected
    assert chromium.evaluate("document.activeElement.getAttribute('aria-label')") == \
        "Move block 2 down"
    click(chromium, tool("sections[0].blocks[2]", "up"))
    blocks[1], blocks[2] = blocks[2], blocks[1]
    assert collected(chromium) == expected
    assert chromium.evaluate(
        "document.querySelector('[data-where=\"sections[0].blocks[1]\"] legend').textContent"
    ) == "Block 2: Steps"
    # A paragraph becomes bullets (its text the one item), steps a paragraph (joined).
    chromium.evaluate(f"""{{
        const block = {block("sections[0].blocks[2]")};
        block.querySelector("[data-type-choice]").value = "bullets";
        block.querySelector("[data-do='retype']").click(); true }}""")
    blocks[2] = {"bullets": [blocks[2]["paragraph"]]}
    assert collected(chromium) == expected
    assert chromium.evaluate("document.activeElement.id") == "f-sections-0-blocks-2-type"
    chromium.evaluate(f"""{{
        const block = {block("sections[0].blocks[1]")};
        block.querySelector("[data-type-choice]").value = "paragraph";
        block.querySelector("[data-do='retype']").click(); true }}""")
    blocks[1] = {"paragraph": " ".join(blocks[1]["steps"])}
    assert collected(chromium) == expected
    click(chromium, tool("sections[0].blocks[0]", "remove"))
    del blocks[0]
    assert collected(chromium) == expected
    assert chromium.evaluate("document.activeElement.id") == "f-sections-0-blocks-0-type"
    assert chromium.evaluate("document.getElementById('status').textContent") == \
        "Removed block 1."
    # Items of a list, and a whole section.
    click(chromium, "[data-where='sections[0].blocks[1].bullets'] [data-do='add']")
    assert chromium.evaluate("document.activeElement.id") == \
        "f-sections-0-blocks-1-bullets-1"
    chromium.evaluate("document.activeElement.value = 'A new item.'; true")
    blocks[1]["bullets"].append("A new item.")
    click(chromium, tool("sections[0].blocks[1].bullets[1]", "up"))
    blocks[1]["bullets"].reverse()
    click(chromium, tool("sections[1]", "remove"))
    del expected["sections"][1]
    assert collected(chromium) == expected
    click(chromium, "[data-key='sections'] > fieldset > [data-do='add']")
    expected["sections"].append({"heading": None, "blocks": [{"paragraph": None}]})
    assert collected(chromium) == expected
    assert chromium.evaluate("document.activeElement.id") == "f-sections-2-heading"


def test_a_table_gains_and_loses_rows_and_columns(project, served, chromium):
    open_form(chromium, served, "alpha")
    expected = data_of(project, "alpha")
    table = expected["sections"][2]["blocks"][3]["table"]
    at = "sections[2].blocks[3].table"
    click(chromium, f"[data-where='{at}'] [data-do='add-column']")
    assert chromium.evaluate("document.activeElement.id") == \
        "f-sections-2-blocks-3-table-header-2"
    chromium.evaluate("document.activeElement.value = 'Where'; true")
    table["header"].append("Where")
    for row in table["rows"]:
        row.append(None)
    assert collected(chromium) == expected
    click(chromium, f"[data-where='{at}'] [data-do='add-row']")
    table["rows"].append([None, None, None])
    assert collected(chromium) == expected
    assert chromium.evaluate("document.activeElement.id") == \
        "f-sections-2-blocks-3-table-rows-2-0"
    click(chromium, f"[data-where='{at}.header[0]'] [data-do='remove-column']")
    table["header"].pop(0)
    for row in table["rows"]:
        row.pop(0)
    click(chromium, tool(f"{at}.rows[0]", "remove"))
    table["rows"].pop(0)
    assert collected(chromium) == expected
    assert chromium.evaluate(
        f"{block(at + '.rows[0]')}.querySelector('legend').textContent") == "Row 1"


def test_bold_and_link_write_the_leaflet_markup(project, served, chromium):
    open_form(chromium, served, "beta")
    field = "document.getElementById('f-sections-0-blocks-0-paragraph')"
    # "A briefing made up for the tests, with one paragraph."; select "briefing ".
    chromium.evaluate(f"{field}.focus(); {field}.setSelectionRange(2, 11); true")  # + space
    click(chromium, "[data-where='sections[0].blocks[0].paragraph'] [data-do='bold']")
    assert chromium.evaluate(f"{field}.value") == \
        "A **briefing** made up for the tests, with one paragraph."
    assert chromium.evaluate(f"document.activeElement === {field}")
    chromium.evaluate(f"const at = {field}.value.indexOf('tests'); "
                      f"{field}.setSelectionRange(at, at + 5); true")
    click(chromium, "[data-where='sections[0].blocks[0].paragraph'] [data-do='link']")
    assert chromium.evaluate("document.getElementById('link-dialog').open")
    assert chromium.evaluate("document.activeElement.id") == "link-address"
    chromium.evaluate("document.activeElement.value = 'https://example.org/tests'; true")
    click(chromium, "#link-dialog button[value='add']")
    wait(chromium, f"{field}.value.includes('[tests]')")  # once the dialog's close is handled
    assert collected(chromium)["sections"][0]["blocks"][0]["paragraph"] == (
        "A **briefing** made up for the [tests](https://example.org/tests), with one paragraph.")
    assert chromium.evaluate(f"document.activeElement === {field}")


def test_odd_values_are_kept_and_shown_read_only(project, served, chromium):
    open_form(chromium, served, "odd")
    assert collected(chromium) == data_of(project, "odd")
    shown = chromium.evaluate("document.getElementById('leaflet-form').innerText")
    assert "Kept as they are (not in the leaflet schema): colour" in shown
    assert "A block of the type 'quote', which the form does not know" in shown
    assert "A value the form cannot show here" in shown


def test_leaving_with_unsaved_changes_asks_first(project, served, chromium):
    leaving = ("(() => { const event = new Event('beforeunload', {cancelable: true}); "
               "window.dispatchEvent(event); return event.defaultPrevented; })()")
    open_form(chromium, served, "beta")
    assert chromium.evaluate(leaving) is False
    chromium.evaluate("const t = document.getElementById('f-title'); t.value += '!'; "
                      "t.dispatchEvent(new Event('input', {bubbles: true})); true")
    assert chromium.evaluate(leaving) is True


# Accessibility ------------------------------------------------------------------------------

PROBLEMS = [
    {"where": "sections[0].blocks[0].paragraph", "line": 18, "severity": "error",
     "message": "leaflets/beta.yaml:18: sections[0].blocks[0].paragraph: expected some text, "
                "got an empty value", "text": "expected some text, got an empty value"},
    {"where": "sections[0]", "line": 15, "severity": "warning",
     "message": "leaflets/beta.yaml:15: sections[0]: a warning", "text": "a warning"},
    {"where": "", "line": None, "severity": "error",
     "message": "leaflets/beta.yaml: a file-level problem", "text": "a file-level problem"},
]


def test_the_form_has_no_accessibility_violations_with_problems_shown(served, chromium):
    for leaflet in ("alpha", "odd"):
        open_form(chromium, served, leaflet)
        assert chromium.accessibility_violations() == [], leaflet
    open_form(chromium, served, "beta")
    chromium.evaluate(f"showProblems({json.dumps(PROBLEMS)}); showGrades({{'0': 9.5}}, 8); true")
    paragraph = "document.getElementById('f-sections-0-blocks-0-paragraph')"
    assert chromium.evaluate(f"{paragraph}.getAttribute('aria-describedby')") == \
        "f-sections-0-blocks-0-paragraph-problems"
    assert chromium.evaluate(f"{paragraph}.getAttribute('aria-invalid')") == "true"
    assert chromium.evaluate(
        "document.getElementById('f-sections-0-blocks-0-paragraph-problems').innerText") == \
        "Error: expected some text, got an empty value"
    assert chromium.evaluate("document.getElementById('file-problems').innerText") == \
        "Problems in the file\nError: leaflets/beta.yaml: a file-level problem"
    assert chromium.evaluate("document.getElementById('f-sections-0-problems').innerText") == \
        "Warning: a warning"
    assert chromium.evaluate("document.querySelector('.grade').innerText") == \
        "Reading grade  9.5 (aim: 8 or lower): above the aim"
    assert chromium.accessibility_violations() == []


def test_the_keyboard_reaches_every_control_in_order(served, chromium):
    open_form(chromium, served, "alpha")
    count = chromium.evaluate("""(() => {
        const controls = [...document.querySelectorAll(
            "a[href], button, input, select, textarea, iframe")]
            .filter(element => !element.disabled && element.getClientRects().length);
        controls.forEach((element, n) => element.dataset.tab = n);
        document.activeElement.blur();
        return controls.length; })()""")
    reached = []
    for _ in range(count * 3):
        press(chromium, "Tab", 9)
        at = chromium.evaluate("document.activeElement.dataset.tab ?? null")
        if at is not None and (not reached or reached[-1] != int(at)):
            reached.append(int(at))
        if len(set(reached)) == count:
            break
    assert reached == list(range(count))
    # A block moves with the keyboard alone: Enter on its Down button.
    chromium.evaluate("document.querySelector(\"[aria-label='Move block 1 down']\").focus(); true")
    press(chromium, "Enter", 13, "\r")
    assert chromium.evaluate("document.activeElement.getAttribute('aria-label')") == \
        "Move block 2 down"


# With the draft's routes (draft.py) ----------------------------------------------------------

@pytest.fixture
def draft_editor(tmp_path, served):
    """A fresh copy of the small project, served in place of the module's (it is written)."""
    pytest.importorskip("leafpress.editor.draft")
    project = small_project(tmp_path / "small")
    kept = served.editor
    served.editor = editor_of(project, served.port)
    yield served.editor
    served.editor = kept


def type_into(chromium, field_id: str, text: str) -> None:
    chromium.evaluate(f"""{{ const field = document.getElementById({json.dumps(field_id)});
        field.focus(); field.value = {json.dumps(text)};
        field.dispatchEvent(new Event("input", {{bubbles: true}})); true }}""")


def test_a_mistake_is_shown_beside_its_field_and_the_preview_follows(draft_editor, served,
                                                                    chromium):
    open_form(chromium, served, "alpha")
    wait(chromium, "document.getElementById('preview').srcdoc.startsWith('<!DOCTYPE html>')")
    wait(chromium, "document.querySelectorAll('.grade').length === 3")
    type_into(chromium, "f-sections-0-blocks-0-paragraph", "A new **paragraph.")
    slot = "document.getElementById('f-sections-0-blocks-0-paragraph-problems')"
    message = wait(chromium, f"{slot}.innerText")
    assert message.startswith("Error: ") and "**" in message
    # A leaflet with an error has no web page: the last one stays, and the page says so.
    assert chromium.evaluate("document.getElementById('preview').srcdoc").startswith(
        "<!DOCTYPE html>")
    assert chromium.evaluate("document.getElementById('preview-status').textContent"
                             ).startswith("Not updated: ")
    assert chromium.accessibility_violations() == []
    type_into(chromium, "f-sections-0-blocks-0-paragraph", "A new paragraph, typed here.")
    wait(chromium, "document.getElementById('preview').srcdoc.includes('typed here')")
    assert chromium.evaluate(f"{slot}.innerText") == ""


def test_saving_writes_the_leaflet(draft_editor, served, chromium):
    project = draft_editor.project
    open_form(chromium, served, "alpha")
    type_into(chromium, "f-sections-0-blocks-0-paragraph", "A paragraph typed in the form.")
    click(chromium, "#save")
    wait(chromium, "document.getElementById('status').textContent.startsWith('Saved')")
    path = project.leaflets_dir / "alpha.yaml"
    assert data_of(project, "alpha") == collected(chromium)
    load_leaflet(path, project.root)  # raises if the saved file does not load
    assert "A paragraph typed in the form." in path.read_text("utf-8")
    assert chromium.evaluate("leafletForm.dirty()") is False
    assert chromium.evaluate("JSON.parse(document.getElementById('leaflet-page')"
                             ".textContent).base") != digest(path)  # the page's first base
    assert chromium.evaluate("leafletForm.page.base") == digest(path)


def test_a_save_with_a_mistake_writes_nothing_and_says_where(draft_editor, served, chromium):
    path = draft_editor.project.leaflets_dir / "beta.yaml"
    before = path.read_bytes()
    open_form(chromium, served, "beta")
    type_into(chromium, "f-version", "two")
    click(chromium, "#save")
    wait(chromium, "document.getElementById('status').textContent.startsWith('Not saved')")
    assert chromium.evaluate("document.getElementById('status').textContent") == (
        "Not saved: 1 error to put right first, each shown beside its field (nothing was "
        "written).")
    beside = chromium.evaluate("document.getElementById('f-version-problems').innerText")
    assert beside == "Error: expected " + schema.PATTERN_MEANINGS[schema.VERSION_PATTERN] + \
        ", got 'two'"
    assert path.read_bytes() == before
    assert chromium.evaluate("leafletForm.dirty()") is True


def test_a_file_changed_on_disk_is_not_overwritten_and_nothing_typed_is_lost(
        draft_editor, served, chromium):
    path = draft_editor.project.leaflets_dir / "beta.yaml"
    open_form(chromium, served, "beta")
    type_into(chromium, "f-title", "Typed in the browser")
    changed = path.read_text("utf-8").replace("Beta test briefing", "Changed on disk")
    path.write_text(changed, "utf-8")
    click(chromium, "#save")
    wait(chromium, "!document.getElementById('conflict').hidden")
    assert chromium.evaluate("document.getElementById('conflict-message').textContent") == (
        "leaflets/beta.yaml was changed by someone else since this page was opened; your "
        "changes are kept on the page: reload the file to see the other change, then make "
        "yours again")
    assert path.read_text("utf-8") == changed
    assert chromium.evaluate("document.getElementById('f-title').value") == \
        "Typed in the browser"
    chromium.evaluate("window.confirm = () => false; true")
    click(chromium, "#reload")
    assert chromium.evaluate("document.getElementById('f-title').value") == \
        "Typed in the browser"
    chromium.evaluate("window.confirm = () => true; true")
    click(chromium, "#reload")
    chromium.wait_for("Page.loadEventFired")
    wait(chromium, "document.getElementById('f-title')?.value === 'Changed on disk'")


def test_the_pdf_is_shown_on_request(draft_editor, served, chromium):
    open_form(chromium, served, "beta")
    type_into(chromium, "f-sections-0-blocks-0-paragraph", "A paragraph only in the PDF.")
    click(chromium, "#show-pdf")
    wait(chromium, "!document.getElementById('pdf-area').hidden", timeout=60)
    head = chromium.evaluate("fetch(document.getElementById('pdf').src).then(r => r.text())"
                             ".then(text => text.slice(0, 5))")
    assert head == "%PDF-"


def test_a_figure_is_uploaded_and_its_name_fills_the_field(draft_editor, served, chromium,
                                                           tmp_path):
    picture = tmp_path / "drawn.svg"
    picture.write_text((draft_editor.project.leaflets_dir / "square.svg").read_text("utf-8"),
                       "utf-8")
    open_form(chromium, served, "alpha")
    found = chromium.send("Runtime.evaluate", session=True, expression=(
        "document.getElementById('f-sections-2-blocks-1-figure-file')"))
    chromium.send("DOM.setFileInputFiles", session=True, files=[str(picture)],
                  objectId=found["result"]["objectId"])
    wait(chromium, "document.getElementById('status').textContent === 'Uploaded drawn.svg.'")
    assert chromium.evaluate("document.getElementById('f-sections-2-blocks-1-figure').value") \
        == "drawn.svg"
    assert (draft_editor.project.leaflets_dir / "drawn.svg").read_bytes() == \
        picture.read_bytes()


def test_a_figure_check_refuses_is_refused_beside_the_field(draft_editor, served, chromium,
                                                            tmp_path):
    text = tmp_path / "bag.png"
    text.write_text("a shopping list\n", "utf-8")
    open_form(chromium, served, "alpha")
    found = chromium.send("Runtime.evaluate", session=True, expression=(
        "document.getElementById('f-sections-2-blocks-1-figure-file')"))
    chromium.send("DOM.setFileInputFiles", session=True, files=[str(text)],
                  objectId=found["result"]["objectId"])
    beside = wait(chromium, "document.getElementById("
                            "'f-sections-2-blocks-1-figure-problems').innerText")
    assert beside == ("Error: the figure file 'bag.png' is text, not a PNG image; export the "
                      "figure as PNG or SVG")
    assert chromium.evaluate("document.getElementById('f-sections-2-blocks-1-figure').value") \
        == "square.svg"
    assert not (draft_editor.project.leaflets_dir / "bag.png").exists()


@pytest.mark.skipif(not DRAFT, reason="needs leafpress/editor/draft.py")
def test_a_slow_check_of_older_text_does_not_wipe_out_what_a_save_said(draft_editor, served,
                                                                        chromium):
    """A check sent before a save but answered after it (a slow server) shows nothing."""
    open_form(chromium, served, "beta")
    # Every check is answered 1.5 s late, as by a busy server.
    chromium.evaluate("""{ const send = leafpress.send;
        leafpress.send = async (url, body) => {
            const answer = await send(url, body);
            if (url.endsWith('/check')) await new Promise(done => setTimeout(done, 1500));
            return answer; }; true }""")
    chromium.evaluate("leafletForm.check(); true")  # sent now, with the version as it is
    type_into(chromium, "f-version", "two")
    click(chromium, "#save")
    wait(chromium, "document.getElementById('status').textContent.startsWith('Not saved')")
    time.sleep(2.5)  # the late check has been answered, and the one typing asked for
    assert chromium.evaluate("document.getElementById('f-version-problems').innerText") == \
        "Error: expected " + schema.PATTERN_MEANINGS[schema.VERSION_PATTERN] + ", got 'two'"
