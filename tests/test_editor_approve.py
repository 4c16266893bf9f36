"""The editor's approval page (leafpress/editor/approve.py): a leaflet's state and review
pack, and its approval recorded as ``build.py release`` records it, in Chromium with the
keyboard; bad input and a stale page refused with their messages, nothing written."""

from __future__ import annotations

import datetime
import html
import re
import subprocess
import threading
import time

import pytest
from markupsafe import escape
from werkzeug.exceptions import NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import make_server
from werkzeug.test import Client

from leafpress.build.plan import BuildOptions
from leafpress.content.leaflet import load_leaflet
from leafpress.editor.app import Editor
from leafpress.editor.guard import TOKEN_HEADER, Guard
from leafpress.editor.saving import digest
from leafpress.governance.review_pack import NOTHING_CHANGED

from helpers import Chromium, run, small_project, until

PORT = 8765
HOST = f"127.0.0.1:{PORT}"
APPROVER, SUMMARY = "Dr A Jones, Consultant in Pain Medicine", "Clearer first paragraph"
CHECKER = "Ann Reader, Braille Transcriber"


def _git(project, *arguments) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                    *arguments], cwd=project.root, check=True, capture_output=True)


def _committed_project(target, changed: bool = True):
    """The small project, approved and committed; with ``changed``, alpha's first
    paragraph changed since (so alpha is no longer approved)."""
    project = small_project(target)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "Approved")
    if changed:
        path = project.leaflets_dir / "alpha.yaml"
        path.write_text(path.read_text("utf-8").replace("This text is", "This changed text is"),
                        "utf-8")
        assert run(project, "extract") == 0 and run(project, "update") == 0
    return project


def _editor(project, port: int = PORT) -> Editor:
    return Editor(project, BuildOptions(brand=project.brand_file), Guard(port),
                  dist=project.root / "dist")


def _client(editor: Editor):
    host = f"127.0.0.1:{editor.guard.port}"
    headers = {"Host": host, "Origin": f"http://{host}", TOKEN_HEADER: editor.token}
    return Client(editor), headers


def _form(path, **fields) -> dict:
    return {"approver": APPROVER, "summary": SUMMARY, "change": "minor",
            "patient_review": "", "braille_checked_by": "", "base": digest(path), **fields}


@pytest.fixture
def changed(tmp_path):
    return _committed_project(tmp_path / "small")


def test_the_page_shows_the_state_and_a_form_with_the_schemas_hints(changed):
    client, headers = _client(_editor(changed))
    page = client.get("/edit/approvals/alpha", headers=headers)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ('<dd id="approval-state">not approved: the text changed since version 1.10 was '
            'approved (1 text)</dd>') in text
    assert str(escape("Who approved it: 'Name, Role'")) in text
    assert "Minor: version 1.10 becomes 1.11" in text and "Major: version 1.10 becomes 2.0" in text
    assert f'name="base" value="{digest(changed.leaflets_dir / "alpha.yaml")}"' in text
    missing = client.get("/edit/approvals/gamma", headers=headers)
    assert missing.status_code == 404
    assert missing.get_data(as_text=True) == ("404 Not Found: leaflets/gamma.yaml: no such "
                                              "leaflet; the leaflets are: alpha, beta\n")


def test_a_leaflet_unchanged_since_its_approval_says_so_as_diff_does(tmp_path, capsys):
    project = _committed_project(tmp_path / "small", changed=False)
    client, headers = _client(_editor(project))
    page = client.get("/edit/approvals/alpha", headers=headers).get_data(as_text=True)
    assert ('<dd id="approval-state">approved: version 1.10 approved by A Tester, Clinical '
            'Lead on 2026-11-21</dd>') in page
    reply = client.post("/edit/approvals/alpha/pack", headers=headers)
    assert reply.status_code == 200 and reply.json == {"nothing": NOTHING_CHANGED}
    assert not (project.root / "dist" / "review").exists()
    capsys.readouterr()
    assert run(project, "diff") == 0
    assert capsys.readouterr().out.splitlines() == [NOTHING_CHANGED]


def test_a_first_approval_approves_the_version_the_leaflet_has(tmp_path, capsys):
    project = small_project(tmp_path / "small", approved=False)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "Not approved yet")
    path = project.leaflets_dir / "beta.yaml"
    client, headers = _client(_editor(project))
    page = client.get("/edit/approvals/beta", headers=headers).get_data(as_text=True)
    version = load_leaflet(path, project.root).leaflet.version
    assert (f'<dd id="approval-state">not approved: no approval of version {version} is '
            'recorded</dd>') in page
    assert 'type="radio"' not in page
    assert f"it approves version {version} as it is" in page
    # No earlier version to compare with: the pack says so, in the words of `diff beta`.
    assert client.post("/edit/approvals/beta/pack", headers=headers).json == {"problems": [
        "leaflets/beta.yaml:7: version: no earlier approved version to compare with; give "
        "--since GIT-REF"]}
    reply = client.post("/edit/approvals/beta", headers=headers, data=_form(path))
    today = datetime.date.today().isoformat()
    assert re.search(r'<p id="done">(.*?)</p>', reply.get_data(as_text=True))[1] == (
        f"leaflets/beta.yaml: version {version} approved by {APPROVER} on {today}")
    capsys.readouterr()
    run(project, "check")
    assert "leaflets/beta.yaml" not in capsys.readouterr().err


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"approver": "Dr Nobody"}, "approver",
     "leaflets/alpha.yaml:45: history[0].approver: expected the approver's name and role, "
     "like 'Dr A Jones, Consultant in Pain Medicine', got 'Dr Nobody'"),
    ({"summary": ""}, "summary",
     "leaflets/alpha.yaml:44: history[0].summary: expected some text, got an empty value"),
    ({"patient_review": "2026-13-01"}, "patient_review",
     "expected a date as YYYY-MM-DD, got '2026-13-01'"),
    ({"braille_checked_by": "Ann Reader"}, "braille_checked_by",
     "leaflets/alpha.yaml:46: history[0].braille_checked_by: expected the transcriber's name and "
     "role, like 'A Reader, Qualified Braille Transcriber', got 'Ann Reader'"),
])
def test_a_bad_approval_is_refused_beside_its_field_and_nothing_is_written(
        changed, capsys, fields, field, message):
    path = changed.leaflets_dir / "alpha.yaml"
    before = path.read_bytes()
    client, headers = _client(_editor(changed))
    reply = client.post("/edit/approvals/alpha", headers=headers, data=_form(path, **fields))
    assert reply.status_code == 422
    errors = re.findall(rf'<p class="error" id="{field}-error-1"><span class="visually-hidden">'
                        r'Error: </span>(.*?)</p>', reply.get_data(as_text=True))
    assert [html.unescape(error) for error in errors] == [message]
    assert path.read_bytes() == before
    # `build.py release` says the same, and writes nothing either.
    # `build.py release` says the same, and writes nothing either (an empty --summary it
    # refuses as usage: a blank one reaches the same check as the form's empty field).
    given = {"approver": APPROVER, "summary": SUMMARY, **fields}
    arguments = ["--approver", given["approver"], "--summary", given["summary"] or " "]
    if "patient_review" in fields:
        arguments += ["--patient-review", fields["patient_review"]]
    if "braille_checked_by" in fields:
        arguments += ["--braille-checked-by", fields["braille_checked_by"]]
    capsys.readouterr()
    try:
        assert run(changed, "release", "alpha", *arguments) == 1
    except SystemExit as usage:  # argparse refuses a bad date itself
        assert usage.code == 2
    assert message in capsys.readouterr().err
    assert path.read_bytes() == before


def test_an_approval_from_a_page_older_than_the_file_is_refused(changed):
    path = changed.leaflets_dir / "alpha.yaml"
    client, headers = _client(_editor(changed))
    page = client.get("/edit/approvals/alpha", headers=headers).get_data(as_text=True)
    base = re.search(r'name="base" value="(\w+)"', page)[1]
    path.write_text(path.read_text("utf-8") + "# changed in a text editor\n", "utf-8")
    edited = path.read_bytes()
    reply = client.post("/edit/approvals/alpha", headers=headers,
                        data={**_form(path), "base": base})
    assert reply.status_code == 409
    conflict = re.search(r'<p id="conflict">(.*?)</p>', reply.get_data(as_text=True))[1]
    assert html.unescape(conflict) == (
        "leaflets/alpha.yaml was changed by someone else since this page was opened; your "
        "changes are kept on the page: reload the file to see the other change, then make "
        "yours again")
    assert f'value="{APPROVER}"' in reply.get_data(as_text=True)  # nothing typed is lost
    # The refused page's form is still the old page's: sent again, it is refused again.
    assert f'name="base" value="{base}"' in reply.get_data(as_text=True)
    again = client.post("/edit/approvals/alpha", headers=headers,
                        data={**_form(path), "base": base})
    assert again.status_code == 409
    assert path.read_bytes() == edited


class _Site:
    """The editor at /edit/ and the files of its dist/ elsewhere, as ``serve`` answers."""

    def __init__(self, project) -> None:
        (project.root / "dist").mkdir(exist_ok=True)
        files = SharedDataMiddleware(NotFound(), {"/": str(project.root / "dist")})
        self.server = make_server("127.0.0.1", 0, lambda environ, start: (
            self.editor if environ["PATH_INFO"].startswith("/edit") else files)(environ, start),
            threaded=True)
        self.editor = _editor(project, self.server.server_port)
        self.address = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _press(chromium: Chromium, key: str, code: int, text: str = "") -> None:
    for kind in ("keyDown", "keyUp"):
        chromium.send("Input.dispatchKeyEvent", session=True, type=kind, key=key, code=key,
                      windowsVirtualKeyCode=code, **({"text": text} if kind == "keyDown" and
                                                     text else {}))


def _tab_to(chromium: Chromium, element: str, most: int = 40) -> None:
    for _ in range(most):
        _press(chromium, "Tab", 9)
        if chromium.evaluate("document.activeElement.id") == element:
            return
    pytest.fail(f"Tab never reached #{element}")


def _wait_for(chromium: Chromium, expression: str, timeout: float = 120):
    return until(lambda: chromium.evaluate(expression), timeout, 0.2, expression)


def test_an_approval_recorded_in_chromium_with_the_keyboard_passes_check(
        changed, tmp_path, capsys):
    path = changed.leaflets_dir / "alpha.yaml"
    assert run(changed, "check") == 1  # the changed text is not approved
    assert [line for line in capsys.readouterr().err.splitlines()
            if line.startswith("error: ")] == [
        "error: leaflets/alpha.yaml:8: version: the text changed since version 1.10 was "
        "approved (1 text); approve it with 'build.py release alpha --approver \"Name, Role\" "
        "--summary \"…\"' or on the editor's approval page"]
    site = _Site(changed)
    chromium = Chromium(tmp_path / "profile")
    try:
        assert chromium.open(f"{site.address}/edit/approvals/alpha") == []
        # The pack, made once the page is shown, shows the changed paragraph word by word.
        _wait_for(chromium, "!document.querySelector('.pack-frame').hidden")
        inserted = _wait_for(chromium, "(() => { const d = document.querySelector("
                                       "'.pack-frame').contentDocument; return d && "
                                       "d.readyState === 'complete' && [...d.querySelectorAll("
                                       "'ins')].map(e => e.textContent).join('|'); })()")
        assert " changed" in inserted.split("|")
        assert chromium.accessibility_violations() == []
        _tab_to(chromium, "approver")
        chromium.send("Input.insertText", session=True, text=APPROVER)
        _press(chromium, "Tab", 9)
        chromium.send("Input.insertText", session=True, text=SUMMARY)
        _tab_to(chromium, "change-minor", most=3)
        _press(chromium, "ArrowDown", 40)  # major, then back to minor
        _press(chromium, "ArrowUp", 38)
        assert chromium.evaluate("document.activeElement.checked") is True
        _tab_to(chromium, "braille_checked_by", most=6)  # past the date's parts
        chromium.send("Input.insertText", session=True, text=CHECKER)
        chromium.events.clear()
        _press(chromium, "Enter", 13, "\r")
        done = _wait_for(chromium, "document.querySelector('#done')?.textContent || ''")
        # On the answer to the form, the pack is made on request: no empty frame meanwhile.
        assert chromium.evaluate("document.querySelector('.pack-frame').offsetHeight") == 0
        assert chromium.accessibility_violations() == []
    finally:
        chromium.close()
        site.server.shutdown()
    today = datetime.date.today().isoformat()
    assert done == (f"leaflets/alpha.yaml: version 1.11 approved by {APPROVER} on {today}; "
                    f"its braille checked by {CHECKER}")
    capsys.readouterr()
    assert run(changed, "check") == 0
    newest = load_leaflet(path, changed.root).leaflet.history[0]
    assert (newest.version, newest.date.isoformat(), newest.summary, newest.approver,
            newest.patient_review, newest.braille_checked_by) == (
        "1.11", today, SUMMARY, APPROVER, None, CHECKER)
    # The file is the one `build.py release` writes, and it prints the same line.
    twin = _committed_project(tmp_path / "twin")
    capsys.readouterr()
    assert run(twin, "release", "alpha", "--approver", APPROVER, "--summary", SUMMARY,
               "--braille-checked-by", CHECKER) == 0
    assert capsys.readouterr().out.strip() == done
    assert path.read_bytes() == (twin.leaflets_dir / "alpha.yaml").read_bytes()


def test_the_pack_is_made_in_its_own_process_while_the_server_answers(changed):
    editor = _editor(changed)
    client, headers = _client(editor)
    replies, waits = [], []
    maker = threading.Thread(target=lambda: replies.append(
        client.post("/edit/approvals/alpha/pack", headers=headers).json))
    maker.start()
    while maker.is_alive():  # meanwhile the other pages come at once
        started = time.perf_counter()
        assert _client(editor)[0].get("/edit/approvals/beta", headers=headers).status_code == 200
        waits.append(time.perf_counter() - started)
        time.sleep(0.2)
    assert replies == [{"address": "/review/alpha.html"}]
    assert len(waits) >= 3  # answered while the pack was made (how fast: bench/, not here)
    made = (changed.root / "dist" / "review" / "alpha.html").read_text("utf-8")
    assert "<ins> changed</ins>" in made


def test_the_braille_check_of_an_approved_version_is_recorded_as_release_amend_does(
        tmp_path, capsys):
    project = _committed_project(tmp_path / "small", changed=False)
    path = project.leaflets_dir / "alpha.yaml"
    before = path.read_bytes()
    client, headers = _client(_editor(project))
    page = client.get("/edit/approvals/alpha", headers=headers).get_data(as_text=True)
    assert ('<dd id="braille-state">not checked by a qualified transcriber: the braille says '
            'so</dd>') in page
    assert 'action="/edit/approvals/alpha/braille"' in page
    refused = client.post("/edit/approvals/alpha/braille", headers=headers,
                          data={"braille_check": "Ann Reader", "base": digest(path)})
    assert refused.status_code == 422
    errors = re.findall(r'<p class="error" id="braille_check-error-1"><span class='
                        r'"visually-hidden">Error: </span>(.*?)</p>',
                        refused.get_data(as_text=True))
    assert [html.unescape(error) for error in errors] == [
        "leaflets/alpha.yaml:46: history[0].braille_checked_by: expected the transcriber's "
        "name and role, like 'A Reader, Qualified Braille Transcriber', got 'Ann Reader'"]
    assert path.read_bytes() == before
    reply = client.post("/edit/approvals/alpha/braille", headers=headers,
                        data={"braille_check": CHECKER, "base": digest(path)})
    done = html.unescape(re.search(r'<p id="done">(.*?)</p>', reply.get_data(as_text=True))[1])
    assert done == ("leaflets/alpha.yaml: version 1.10 approved by A Tester, Clinical Lead on "
                    f"2026-11-21; its braille checked by {CHECKER}")
    assert f'<dd id="braille-state">checked by {CHECKER}</dd>' in reply.get_data(as_text=True)
    twin = _committed_project(tmp_path / "twin", changed=False)
    capsys.readouterr()
    assert run(twin, "release", "alpha", "--amend", "--braille-checked-by", CHECKER) == 0
    assert capsys.readouterr().out.strip() == done
    assert path.read_bytes() == (twin.leaflets_dir / "alpha.yaml").read_bytes()


def test_the_braille_check_of_a_text_changed_since_its_approval_is_refused(changed):
    path = changed.leaflets_dir / "alpha.yaml"
    before = path.read_bytes()
    client, headers = _client(_editor(changed))
    page = client.get("/edit/approvals/alpha", headers=headers).get_data(as_text=True)
    assert "/edit/approvals/alpha/braille" not in page  # only an approved version's form
    reply = client.post("/edit/approvals/alpha/braille", headers=headers,
                        data={"braille_check": CHECKER, "base": digest(path)})
    assert reply.status_code == 422
    assert html.unescape(reply.get_data(as_text=True)).count(
        "leaflets/alpha.yaml:8: version: the text changed since version 1.10 was approved (1 "
        "text), so its braille is not the approved version's; record the check with the "
        "approval of the change: 'build.py release alpha --approver \"Name, Role\" --summary "
        "\"…\" --braille-checked-by \"Name, Role\"'") == 1
    assert path.read_bytes() == before
