"""The editor's translation page (leafpress/editor/translate.py): a translator translates
two texts and clears a fuzzy one, through werkzeug's client and in Chromium; the PO file
is read back with GNU msgfmt and Babel, every other entry byte for byte as it was, and
every refused save leaves the file as it was."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import threading

import pytest
from babel.messages.pofile import read_po
from werkzeug.serving import make_server
from werkzeug.test import Client

from leafpress.build.plan import BuildOptions
from leafpress.editor.app import Editor
from leafpress.editor.guard import TOKEN_HEADER, Guard
from leafpress.translation.entries import Change, entries, rewrite

from helpers import (FUZZY_AFTER, FUZZY_BEFORE, UNTRANSLATED, Chromium, cli, fixture_chinese,
                     leave_work_for_a_translator, make_project, run, small_project)

PORT = 8765
HOST = f"127.0.0.1:{PORT}"
PAGE = "/edit/translations/alpha/zh_Hans"
CATALOG = "locales/zh_Hans/LC_MESSAGES/messages.po"
# Two texts of the fixture's catalog, made untranslated and then translated again with
# the fixture's own Chinese, and one text whose English changes (so it turns fuzzy).
FIRST, SECOND = UNTRANSLATED
CHANGED_BEFORE, CHANGED_AFTER = FUZZY_BEFORE, FUZZY_AFTER


CHINESE = fixture_chinese()


@pytest.fixture
def project(tmp_path):
    """The small project with two texts untranslated and one fuzzy, as `update` makes it."""
    project = small_project(tmp_path / "small")
    leave_work_for_a_translator(project)
    path = project.po_file("zh_Hans")
    assert f'#, fuzzy\n#| msgid "{CHANGED_BEFORE}"\nmsgid "{CHANGED_AFTER}"' in \
        path.read_text("utf-8")
    return project


WAIT_FOR_MESSAGE = ("new Promise(done => { const wait = () => ['', 'Saving…'].includes("
                    "document.getElementById('message').textContent) ? setTimeout(wait, 50) "
                    ": done(true); wait(); })")


def editor_of(project, port: int = PORT) -> Editor:
    return Editor(project, BuildOptions(brand=project.brand_file), Guard(port))


def client_of(project) -> tuple[Client, Editor]:
    editor = editor_of(project)
    return Client(editor), editor


def headers(editor: Editor) -> dict:
    return {"Host": HOST, "Origin": f"http://{HOST}", TOKEN_HEADER: editor.token}


def digest(project) -> str:
    return hashlib.sha256(project.po_file("zh_Hans").read_bytes()).hexdigest()


def save(project, changes: list[dict], base: str | None = None):
    client, editor = client_of(project)
    return client.post(f"{PAGE}/save", headers=headers(editor),
                       json={"base": base or digest(project), "entries": changes})


def change(msgid: str, msgstr: str, fuzzy: bool = False) -> dict:
    return {"msgid": msgid, "msgctxt": None, "msgstr": msgstr, "fuzzy": fuzzy}


def entry_lines(text: str) -> dict[str, str]:
    """Return each entry's lines by its msgid (the obsolete ones by their first line)."""
    lines = text.splitlines(keepends=True)
    return {(entry.msgid, entry.obsolete): "".join(lines[entry.start:entry.end])
            for entry in entries(text)}


def msgfmt_check(path) -> subprocess.CompletedProcess:
    return subprocess.run(["msgfmt", "--check", "--output-file=/dev/null", str(path)],
                          capture_output=True, text=True)


def the_three_changes_are_in(project, before: str) -> None:
    """Read the catalog back with GNU msgfmt and Babel; every other entry as it was."""
    path = project.po_file("zh_Hans")
    assert msgfmt_check(path).returncode == 0, msgfmt_check(path).stderr
    catalog = read_po(io.BytesIO(path.read_bytes()))
    for english in (FIRST, SECOND, CHANGED_AFTER):
        message = catalog.get(english)
        assert message.string == CHINESE[english]
        assert not message.fuzzy
    assert not catalog.get(CHANGED_AFTER).previous_id
    after = path.read_text("utf-8")
    old, new = entry_lines(before), entry_lines(after)
    assert old.keys() == new.keys()
    changed = {key for key in old if old[key] != new[key]}
    assert changed == {(FIRST, False), (SECOND, False), (CHANGED_AFTER, False)}
    assert new[(CHANGED_AFTER, False)] == old[(CHANGED_AFTER, False)].replace(
        f'#, fuzzy\n#| msgid "{CHANGED_BEFORE}"\n', "")
    # Written as 'update' writes it: the next update changes nothing.
    assert run(project, "update") == 0
    assert path.read_text("utf-8") == after


def test_the_page_shows_each_text_its_state_and_a_fuzzy_ones_changed_english(project):
    client, editor = client_of(project)
    response = client.get(PAGE, headers={"Host": HOST})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('<li class="text untranslated"') == 2
    assert page.count('<li class="text fuzzy"') == 1
    assert "State: <span class=\"value\">not translated yet</span>" in page
    assert "<del>" not in page
    assert ('<span class="label">Before:</span> A callout that stays in one piece.' in page)
    assert ('<span class="label">Now:</span> A callout that<ins><span class="hidden">added: '
            '</span> always</ins> stays in one piece.' in page)
    assert '<label for="done-' in page and "Done: the translation fits the new English" in page
    assert 'lang="zh-Hans" dir="ltr"' in page
    assert re.search(r"\d+ of \d+ texts of this leaflet translated \([\d.]+%\), 1 fuzzy, "
                     r"2 untranslated\.", page)
    assert '<a href="/edit/">Back to all leaflets</a>' in page
    # Reading order: the leaflet's own texts first, then the template's (its "Contents").
    assert page.index(FIRST) < page.index(SECOND) < page.index("Sources")


def test_translating_two_texts_and_clearing_a_fuzzy_one_rewrites_only_those(project):
    before = project.po_file("zh_Hans").read_text("utf-8")
    response = save(project, [change(FIRST, CHINESE[FIRST]),
                              change(SECOND, CHINESE[SECOND]),
                              change(CHANGED_AFTER, CHINESE[CHANGED_AFTER])])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {"base": digest(project), "saved": 3}
    the_three_changes_are_in(project, before)


@pytest.mark.parametrize(("changes", "message"), [
    ([change("Page %(page)s of %(pages)s", "第 %(page)s 页")],
     f"{CATALOG}:248: a format specification for argument 'pages' doesn't exist in 'msgstr'"),
    ([change("This text is **bold** here and has [a link](https://example.org/alpha).",
             "这段文字在此处为**粗体**，并有[一个链接](https://example.org/beta)。")],
     f'{CATALOG}:50: msgid "This text is **bold** here and has [a…": the links '
     "must have the same targets as the English: expected https://example.org/alpha, got "
     "https://example.org/beta"),
    ([change(FIRST, "第一步。"), change("No such text.", "没有")],
     f'{CATALOG}: msgid "No such text.": this text is not in the catalog (its English may '
     "have changed since the page was made); reload the page"),
])
def test_a_save_the_build_would_refuse_is_refused_with_its_message(project, changes, message):
    before = project.po_file("zh_Hans").read_bytes()
    response = save(project, changes)
    assert response.status_code == 422
    assert response.json == {"problems": [message]}
    assert project.po_file("zh_Hans").read_bytes() == before
    if len(changes) == 1:  # the same words as 'build.py check' says of the same catalog
        text = before.decode("utf-8")
        project.po_file("zh_Hans").write_text(rewrite(text, [Change(
            changes[0]["msgid"], None, changes[0]["msgstr"], False)], CATALOG), "utf-8")
        result = cli(project, "check")
        assert result.returncode == 1 and f"error: {message}" in result.stderr.splitlines()


def test_a_save_over_a_catalog_changed_since_the_page_was_made_is_refused(project):
    client, editor = client_of(project)
    page = client.get(PAGE, headers={"Host": HOST}).get_data(as_text=True)
    base = re.search(r'data-base="(\w+)"', page)[1]
    path = project.po_file("zh_Hans")
    path.write_text(path.read_text("utf-8").replace('"Sources"\nmsgstr "', '"Sources"\nmsgstr "X'),
                    "utf-8")
    changed = path.read_bytes()
    response = client.post(f"{PAGE}/save", headers=headers(editor),
                           json={"base": base, "entries": [change(FIRST, "第一步。")]})
    assert response.status_code == 409
    assert response.json == {"conflict": f"{CATALOG} was changed by someone else since this "
                             "page was opened; your changes are kept on the page: reload the "
                             "file to see the other change, then make yours again"}
    assert path.read_bytes() == changed


def test_a_save_that_is_not_the_pages_json_is_refused(project):
    client, editor = client_of(project)
    before = project.po_file("zh_Hans").read_bytes()
    response = client.post(f"{PAGE}/save", headers=headers(editor),
                           json={"base": digest(project), "entries": [{"msgid": FIRST}]})
    assert response.status_code == 400
    assert project.po_file("zh_Hans").read_bytes() == before


def test_a_right_to_left_language_is_typed_right_to_left(tmp_path):
    project = make_project(tmp_path / "rtl")
    assert run(project, "init", "ar") == 0
    client, editor = client_of(project)
    response = client.get("/edit/translations/sample/ar", headers={"Host": HOST})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('lang="ar" dir="rtl"') == page.count("<textarea") > 0


def test_in_chromium_a_translator_translates_two_texts_and_clears_a_fuzzy_one(project,
                                                                            tmp_path):
    before = project.po_file("zh_Hans").read_text("utf-8")
    server = make_server("127.0.0.1", 0, lambda environ, start: editor(environ, start),
                         threaded=True)
    editor = editor_of(project, server.server_port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser = Chromium(tmp_path / "profile")
    try:
        url = f"http://127.0.0.1:{server.server_port}{PAGE}"
        assert browser.open(url) == []
        assert browser.accessibility_violations() == []
        # Keyboard: Tab reaches every control of the page, in order.
        controls = browser.evaluate("[...document.querySelectorAll('main a, textarea, input, "
                                    "button')].map(e => e.id || e.textContent)")
        reached = []
        for _ in range(len(controls) + 4):
            browser.send("Input.dispatchKeyEvent", session=True, type="keyDown", key="Tab",
                         code="Tab", windowsVirtualKeyCode=9)
            browser.send("Input.dispatchKeyEvent", session=True, type="keyUp", key="Tab",
                         code="Tab", windowsVirtualKeyCode=9)
            reached.append(browser.evaluate("document.activeElement.id || "
                                            "document.activeElement.textContent"))
        assert set(controls) <= set(reached)
        for english in (FIRST, SECOND):
            browser.evaluate(f"document.querySelector('li[data-msgid=\"{english}\"] "
                             "textarea').focus(); true")
            browser.send("Input.insertText", session=True, text=CHINESE[english])
        browser.evaluate(f"document.querySelector('li[data-msgid=\"{CHANGED_AFTER}\"] "
                         "input.done').click(); true")
        browser.evaluate("document.querySelector('button[type=submit]').click(); true")
        browser.evaluate(WAIT_FOR_MESSAGE)
        assert browser.evaluate("document.getElementById('message').textContent") == \
            "Saved 3 texts."
        assert browser.evaluate("[...document.querySelectorAll('li.text')].filter(row => "
                                "row.dataset.state !== 'translated').length") == 0
        assert browser.accessibility_violations() == []
        the_three_changes_are_in(project, before)
        # Someone changes the catalog meanwhile: the save is refused, and what was typed
        # comes back in the reloaded page.
        path = project.po_file("zh_Hans")
        path.write_text(path.read_text("utf-8").replace(f'msgstr "{CHINESE[FIRST]}"',
                                                        'msgstr "第一步"'), "utf-8")
        changed = path.read_bytes()
        browser.evaluate(f"document.querySelector('li[data-msgid=\"{SECOND}\"] "
                         "textarea').focus(); true")
        browser.send("Input.insertText", session=True, text="。")
        browser.evaluate("document.querySelector('button[type=submit]').click(); true")
        browser.evaluate(WAIT_FOR_MESSAGE)
        assert browser.evaluate("document.getElementById('message').textContent") == (
            f"{CATALOG} was changed by someone else since this page was opened; your changes "
            "are kept on the page: reload the file to see the other change, then make yours "
            "again")
        assert path.read_bytes() == changed
        browser.evaluate("document.querySelector('#problems button').click(); true")
        browser.wait_for("Page.loadEventFired")
        assert browser.evaluate(f"document.querySelector('li[data-msgid=\"{SECOND}\"] "
                                "textarea').value") == f"{CHINESE[SECOND]}。"
        assert browser.evaluate(f"document.querySelector('li[data-msgid=\"{FIRST}\"] "
                                "textarea').value") == "第一步"
    finally:
        browser.close()
        server.shutdown()


SAMPLE = '''msgid ""
msgstr ""
"Language: fr\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

#. A note
#: templates/leaflet.html.j2
#, fuzzy, python-format
#| msgid "Page %(page)s"
msgid "Page %(page)s of %(pages)s"
msgstr "Page %(page)s"

#: leaflets/x.yaml
msgctxt "menu"
msgid "Open"
msgstr ""

#: leaflets/x.yaml
msgid "Open"
msgstr ""
"Ouvrir\\n"
"maintenant"

#~ msgid "Gone"
#~ msgstr "Parti"
'''


@pytest.mark.parametrize(("change", "expected"), [
    (Change("Page %(page)s of %(pages)s", None, "Page %(page)s sur %(pages)s", False),
     '#. A note\n#: templates/leaflet.html.j2\n#, python-format\n'
     'msgid "Page %(page)s of %(pages)s"\nmsgstr "Page %(page)s sur %(pages)s"\n'),
    (Change("Page %(page)s of %(pages)s", None, "Page %(page)s sur %(pages)s", True),
     '#. A note\n#: templates/leaflet.html.j2\n#, fuzzy, python-format\n'
     '#| msgid "Page %(page)s"\nmsgid "Page %(page)s of %(pages)s"\n'
     'msgstr "Page %(page)s sur %(pages)s"\n'),
    (Change("Open", "menu", 'Ouvrir "vite"\tici\n\\', True),
     '#: leaflets/x.yaml\n#, fuzzy\nmsgctxt "menu"\nmsgid "Open"\n'
     'msgstr ""\n"Ouvrir \\"vite\\"\\tici\\n"\n"\\\\"\n'),
    (Change("Open", None, "Ouvrir", False), '#: leaflets/x.yaml\nmsgid "Open"\nmsgstr "Ouvrir"\n'),
    (Change("Open", None, "Ouvrir\u2028ici", False),
     '#: leaflets/x.yaml\nmsgid "Open"\nmsgstr "Ouvrir\u2028ici"\n'),
])
def test_one_entry_is_rewritten_as_gnu_gettext_writes_it_and_nothing_else(tmp_path, change,
                                                                           expected):
    rewritten = rewrite(SAMPLE, [change], "x.po")
    blocks, old = rewritten.split("\n\n"), SAMPLE.split("\n\n")
    assert [block for block in blocks if block not in old] == [expected.rstrip("\n")]
    assert len(blocks) == len(old)
    # GNU msgcat, reading and writing the file unwrapped, writes it exactly as it is.
    path = tmp_path / "x.po"
    path.write_text(rewritten, "utf-8")
    result = subprocess.run(["msgcat", "--no-wrap", str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == rewritten
    assert read_po(io.StringIO(rewritten)).get(change.msgid, change.context).string == \
        change.msgstr


@pytest.mark.parametrize(("address", "message"), [
    ("/edit/translations/gamma/zh_Hans", "404 Not Found: no leaflet 'gamma' in leaflets/\n"),
    ("/edit/translations/alpha/fr", "404 Not Found: no catalog for the language 'fr' in "
                                    "locales/\n"),
])
def test_a_leaflet_or_language_the_project_does_not_have_is_not_found(project, address,
                                                                       message):
    client, editor = client_of(project)
    response = client.get(address, headers={"Host": HOST})
    assert (response.status_code, response.get_data(as_text=True)) == (404, message)


def test_a_catalog_msgfmt_rejects_is_shown_with_the_builds_message(project):
    path = project.po_file("zh_Hans")
    path.write_text(path.read_text("utf-8").replace('msgid "Sources"', 'msgid "Sources'),
                    "utf-8")
    client, editor = client_of(project)
    response = client.get(PAGE, headers={"Host": HOST})
    assert response.status_code == 422
    message = next(line for line in cli(project, "check").stderr.splitlines()
                   if line.startswith(f"error: {CATALOG}")).removeprefix("error: ")
    assert f'<li class="problem">{message}</li>' in response.get_data(as_text=True)


def test_a_save_into_a_catalog_that_is_not_utf8_is_refused_with_the_builds_message(project):
    path = project.po_file("zh_Hans")
    path.write_bytes(path.read_bytes().replace("测试".encode("utf-8"), "测试".encode("gb18030")))
    broken = path.read_bytes()
    response = save(project, [change(FIRST, CHINESE[FIRST])])
    assert response.status_code == 422
    message = next(line for line in cli(project, "check").stderr.splitlines()
                   if line.startswith(f"error: {CATALOG}")).removeprefix("error: ")
    assert response.json == {"problems": [message]}
    assert path.read_bytes() == broken


def test_a_translation_with_a_line_separator_is_read_and_rewritten_whole():
    text = SAMPLE.replace('msgctxt "menu"\nmsgid "Open"\nmsgstr ""',
                          'msgctxt "menu"\nmsgid "Open"\nmsgstr "Ouvrir\u2028ici"')
    assert [entry.msgstr for entry in entries(text) if entry.context] == ["Ouvrir\u2028ici"]
    assert rewrite(text, [Change("Open", "menu", "Ouvrir", False)], "x.po") == SAMPLE.replace(
        'msgctxt "menu"\nmsgid "Open"\nmsgstr ""', 'msgctxt "menu"\nmsgid "Open"\nmsgstr "Ouvrir"')
