"""The editor's start page (leafpress/editor/start.py) and the new leaflet it starts, with
``build.py new`` over the same function (leafpress/content/template.py): through
werkzeug's test client, and in Chromium through the real ``serve``, with the keyboard."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from werkzeug.test import Client

from leafpress.build.plan import BuildOptions
from leafpress.content.brand import load_brand
from leafpress.content.leaflet import load_leaflet
from leafpress.content.template import new_leaflet
from leafpress.core.errors import LeafletError
from leafpress.editor import start
from leafpress.editor.app import MAX_REQUEST_BYTES, Editor
from leafpress.editor.guard import TOKEN_HEADER, Guard

import test_preview
from helpers import run, small_project
from test_preview import until

served, browser = test_preview.served, test_preview.browser  # the fixtures of serve's tests

PORT = 8765
HOST = f"127.0.0.1:{PORT}"
ORIGIN = f"http://{HOST}"
TODAY = datetime.date(2028, 12, 1)
BAD_ID = ("leaflets/Knee Pain.yaml:4: id: expected lower-case letters, digits and single "
          "hyphens (like 'magnesium-infusion'), got 'Knee Pain'")


@pytest.fixture
def editor(tmp_path, monkeypatch):
    monkeypatch.setattr(start, "today", lambda: TODAY)
    project = small_project(tmp_path / "small")
    return Editor(project, BuildOptions(brand=project.brand_file), Guard(PORT))


def rows(page: str) -> dict[str, str]:
    """Return each leaflet's row of the start page as its text, by leaflet id."""
    found = re.findall(r'<tr[^>]*data-leaflet="([^"]+)">(.*?)</tr>', page, re.DOTALL)
    return {name: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
            for name, row in found}


def create(editor, **fields):
    form = {"token": editor.token, "id": "knee-pain", "title": "Knee pain: what to do",
            "audience": "patient", **fields}
    return Client(editor).post("/edit/new", data=form, headers={"Host": HOST,
                                                                  "Origin": ORIGIN})


def snapshot(project) -> dict:
    """Return every file the editor may write, with its content."""
    return {path: path.read_bytes() for folder in (project.leaflets_dir, project.locales_dir)
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_start_page_shows_each_leaflets_approval_review_and_translations(editor):
    project = editor.project
    alpha, beta = project.leaflets_dir / "alpha.yaml", project.leaflets_dir / "beta.yaml"
    alpha.write_text(alpha.read_text("utf-8").replace("The first item.", "The first item, "
                                                      "changed."), "utf-8")
    beta.write_text(beta.read_text("utf-8").replace("review_by: 2028-11-21",
                                                    "review_by: 2029-01-15"), "utf-8")
    po = project.po_file("zh_Hans")
    po.write_text(po.read_text("utf-8").replace(
        'msgid "A briefing made up', '#, fuzzy\nmsgid "A briefing made up'), "utf-8")
    made = new_leaflet(project, load_brand(project.brand_file), "gamma", "Gamma", "clinician",
                       datetime.date(2028, 10, 1))
    made.path.write_bytes(made.content)
    (project.leaflets_dir / "broken.yaml").write_text(
        beta.read_text("utf-8").replace("id: beta", "id: broken").replace(
            "TEST-002", "TEST-009").replace("audience: clinician", "audience: patients"),
        "utf-8")

    response = Client(editor).get("/edit/", headers={"Host": HOST})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert rows(page) == {
        "alpha": "Alpha test leaflet alpha patient 1.10 Changed since approval the text "
                 "changed since version 1.10 was approved (2 texts) Overdue by 10 days "
                 "review by 2028-11-21 zh-Hans : 2 untranslated",
        "beta": "Beta test briefing beta clinician 2.0 Approved Due for review in 45 days "
                "review by 2029-01-15 zh-Hans : 1 fuzzy",
        "broken": "broken This leaflet cannot be read: leaflets/broken.yaml:6: audience: "
                  "expected one of 'patient' or 'clinician', got 'patients'",
        "gamma": "Gamma gamma clinician 1.0 Never approved no approval of version 1.0 is "
                 "recorded Review in 669 days review by 2030-10-01 zh-Hans : 2 untranslated"}
    for name in ("alpha", "beta", "gamma"):
        for link in (f"/edit/leaflets/{name}", f"/edit/approvals/{name}",
                     f"/edit/translations/{name}/zh_Hans"):
            assert f'href="{link}"' in page


def test_the_start_page_renders_again_only_what_changed_since_it_was_last_shown(
        editor, tmp_path, monkeypatch):
    from leafpress.build import plan

    remembering = Editor(editor.project, editor.options, Guard(PORT), dist=tmp_path / "dist")
    rendered = []
    real = plan.render_html
    monkeypatch.setattr(plan, "render_html", lambda *args, **kwargs: rendered.append(
        args[2].id) or real(*args, **kwargs))

    def shown(by=remembering) -> dict[str, str]:
        rendered.clear()
        return rows(Client(by).get("/edit/", headers={"Host": HOST}).get_data(as_text=True))

    first = shown()
    assert rendered and first == shown(editor)  # the same rows as without a memo
    assert shown() == first and rendered == []  # nothing changed: nothing rendered
    project = editor.project
    alpha = project.leaflets_dir / "alpha.yaml"
    alpha.write_text(alpha.read_text("utf-8").replace("The first item.", "A new item."),
                     "utf-8")
    edited = shown()
    assert set(rendered) == {"alpha"} and edited == shown(editor) != first
    # A template's new text: one more text that each leaflet uses, not translated yet.
    template = project.templates_dir / "leaflet.html.j2"
    heading = '<h2>{{ _("Sources") }}</h2>'
    assert heading in template.read_text("utf-8")
    template.write_text(template.read_text("utf-8").replace(
        heading, '<h2>{{ _("Sources") }} {{ _("A new text") }}</h2>'), "utf-8")
    changed = shown()
    assert changed == shown(editor) != edited


def test_a_new_leaflet_is_made_from_the_template_and_passes_check(editor):
    project = editor.project
    response = create(editor)
    assert (response.status_code, response.headers["Location"]) == (
        303, "/edit/leaflets/knee-pain")
    made = load_leaflet(project.leaflets_dir / "knee-pain.yaml", project.root).leaflet
    brand = load_brand(project.brand_file).brand
    assert (made.id, made.reference, made.title, made.audience, made.version) == (
        "knee-pain", "KNEE-PAIN", "Knee pain: what to do", "patient", "1.0")
    assert (made.published, made.review_by, made.history) == (
        TODAY, datetime.date(2030, 12, 1), None)
    assert (made.owner.department, made.owner.contact) == (brand.department, brand.contact)
    assert len(made.sections) == 1
    assert "Knee pain: what to do" in project.pot_file.read_text("utf-8")  # as extract writes
    assert run(project, "check") == 0
    assert 'href="/edit/leaflets/knee-pain"' in Client(editor).get(
        "/edit/", headers={"Host": HOST}).get_data(as_text=True)


@pytest.mark.parametrize(("fields", "message"), [
    ({"id": "Knee Pain"}, BAD_ID),
    ({"id": "beta"}, "leaflets/beta.yaml: id: a leaflet with the id 'beta' already exists; "
                     "open it instead"),
    ({"id": "test-002"}, "leaflets/test-002.yaml:5: reference: 'TEST-002' is already the "
                         "reference of leaflets/beta.yaml"),
    ({"title": ""}, "leaflets/knee-pain.yaml:6: title: expected some text, got an empty value"),
    ({"audience": "patients"}, "leaflets/knee-pain.yaml:7: audience: expected one of "
                               "'patient' or 'clinician', got 'patients'"),
])
def test_a_bad_or_taken_id_is_refused_in_checks_words_and_nothing_is_written(
        editor, fields, message):
    before = snapshot(editor.project)
    response = create(editor, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    shown = re.search(r'<div class="refused" role="alert".*?</div>', page, re.DOTALL)[0]
    assert [html.unescape(text) for text in re.findall(r"<code>(.*?)</code>", shown)] == [
        message]
    assert snapshot(editor.project) == before
    typed = {"id": "knee-pain", "title": "Knee pain: what to do", **fields}
    assert f'value="{typed["id"]}"' in page  # what was typed is kept
    assert f'value="{typed["title"]}"' in page


def test_a_request_larger_than_the_limit_is_refused_and_nothing_is_written(editor):
    before = snapshot(editor.project)
    response = Client(editor).post("/edit/new", data={
        "id": "big", "title": "x" * MAX_REQUEST_BYTES, "audience": "patient"},
        headers={"Host": HOST, "Origin": ORIGIN, TOKEN_HEADER: editor.token})
    assert response.status_code == 413
    assert response.get_data(as_text=True).startswith("413 Request Entity Too Large: ")
    assert snapshot(editor.project) == before


def test_build_py_new_makes_the_same_leaflet_and_refuses_the_same_ids(tmp_path, capsys):
    project = small_project(tmp_path / "small")
    assert run(project, "new", "knee-pain", "--title", "Knee pain: what to do",
               "--today", TODAY.isoformat()) == 0
    assert capsys.readouterr().out == (
        "Started leaflets/knee-pain.yaml: write its text, then run 'build.py check' (or open "
        "it in the editor: 'make edit').\n")
    made = project.leaflets_dir / "knee-pain.yaml"
    assert load_leaflet(made, project.root).leaflet.review_by == datetime.date(2030, 12, 1)
    assert run(project, "check") == 0
    capsys.readouterr()
    before = snapshot(project)
    assert run(project, "new", "Knee Pain", "--title", "Knee pain") == 1
    assert capsys.readouterr().err == f"error: {BAD_ID}\n1 problem found.\n"
    assert snapshot(project) == before


def test_a_leaflet_born_on_29_february_is_reviewed_on_28_february(tmp_path):
    project = small_project(tmp_path / "small")
    made = new_leaflet(project, load_brand(project.brand_file), "leap", "Leap", "patient",
                       datetime.date(2028, 2, 29))
    assert b"review_by: 2030-02-28" in made.content


@pytest.mark.parametrize(("template", "message"), [
    (None, "templates/new-leaflet.yaml: the template of a new leaflet is missing; restore it "
           "from git"),
    ("id: [new-leaflet\n", "templates/new-leaflet.yaml:2: invalid YAML: expected ',' or ']', "
                           "but got '<stream end>' (while parsing a flow sequence that starts "
                           "on line 1)"),
])
def test_a_missing_or_broken_template_is_told_and_nothing_is_written(tmp_path, template,
                                                                     message):
    project = small_project(tmp_path / "small")
    path = project.templates_dir / "new-leaflet.yaml"
    if template is None:
        path.unlink()
    else:
        path.write_text(template, "utf-8")
    before = snapshot(project)
    with pytest.raises(LeafletError) as refused:
        new_leaflet(project, load_brand(project.brand_file), "knee-pain", "Knee pain",
                    "patient", TODAY)
    assert [str(problem) for problem in refused.value.problems] == [message]
    assert snapshot(project) == before


# In Chromium, through the real serve --------------------------------------------------------

def press(browser, key: str, code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", session=True, type=kind, key=key, code=key,
                     windowsVirtualKeyCode=code, **({"text": "\r"} if key == "Enter" and
                                                    kind == "keyDown" else {}))


def tab_to(browser, selector: str) -> None:
    """Press Tab until the element ``selector`` has the focus."""
    for _ in range(30):
        press(browser, "Tab", 9)
        if browser.evaluate(f"document.activeElement === document.querySelector('{selector}')"):
            return
    pytest.fail(f"Tab never reached {selector}")


def test_a_writer_starts_a_leaflet_from_the_start_page_with_the_keyboard(served, browser):
    project, address, _ = served
    assert until(lambda: browser.open(f"{address}edit/") == [] and
                 browser.evaluate("!!document.querySelector('details.new')"))
    assert browser.accessibility_violations() == []
    tab_to(browser, "details.new summary")
    press(browser, "Enter", 13)
    tab_to(browser, "#new-id")
    browser.send("Input.insertText", session=True, text="Knee Pain")
    tab_to(browser, "#new-title")
    browser.send("Input.insertText", session=True, text="Knee pain: what to do")
    tab_to(browser, ".new-leaflet button")
    press(browser, "Enter", 13)
    # Refused: check's words on the page, the form open with what was typed, nothing written.
    until(lambda: browser.evaluate("!!document.querySelector('.refused')"))
    assert browser.evaluate("document.querySelector('.refused code').textContent") == BAD_ID
    assert browser.accessibility_violations() == []
    assert not (project.leaflets_dir / "Knee Pain.yaml").exists()

    tab_to(browser, "#new-id")
    browser.evaluate("document.activeElement.select(), true")
    browser.send("Input.insertText", session=True, text="knee-pain")
    tab_to(browser, ".new-leaflet button")
    press(browser, "Enter", 13)
    until(lambda: browser.evaluate("location.pathname") == "/edit/leaflets/knee-pain")
    made = load_leaflet(project.leaflets_dir / "knee-pain.yaml", project.root).leaflet
    assert (made.title, made.audience) == ("Knee pain: what to do", "patient")
    assert run(project, "check") == 0
