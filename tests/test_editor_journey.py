"""The editor end to end, as a user meets it: the real ``build.py serve`` in its own
process, headless Chromium, and only what a user has (clicks, typing, the keyboard); each
result read back from disk (load_leaflet, Babel, msgfmt, pdftotext, ``build.py check``).

One journey per test. They share one serve (starting it and its first build is most of
the time) on one copy of the small project, each on its own leaflet or file where they
would otherwise meet. The pages each leaves on screen are saved to /tmp/shots/ for a
person to look at.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from PIL import Image
from pypdf import PdfReader

from helpers import (FUZZY_AFTER, FUZZY_BEFORE, ROOT, UNTRANSLATED, Chromium, cli,
                     fixture_chinese, flat, leave_work_for_a_translator, pdftotext,
                     small_project, structure_elements, until)
from leafpress.content import schema
from leafpress.content.leaflet import load_leaflet
from leafpress.content.yamlfile import read_yaml

SHOTS = Path("/tmp/shots")
NEW_ID, NEW_TITLE = "journey", "A journey through the editor"
CATALOG = "locales/zh_Hans/LC_MESSAGES/messages.po"
# Two texts of the fixture's catalog made untranslated, and one whose English changes so
# that `update` marks it fuzzy; their Chinese is the fixture's own.
FIRST, SECOND = UNTRANSLATED
CHANGED_BEFORE, CHANGED_AFTER = FUZZY_BEFORE, FUZZY_AFTER
APPROVER, SUMMARY = "A Tester, Clinical Lead", "The callout says always"
BUILT = re.compile(r"^\d+ PDFs? built in ")


def _git(root: Path, *arguments: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                    *arguments], cwd=root, check=True, capture_output=True)


CHINESE = fixture_chinese()


class Serve:
    """``build.py serve --port 0`` on a project, its output lines collected as they come."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", str(ROOT / "build.py"), "--project", str(root),
             "--variant", "standard", "serve", "--port", "0", "--jobs", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        first = self.process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert found, first
        self.address, self.port = found[0].rstrip("/"), int(found[1])
        self.lines: list[str] = [first]
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def builds(self) -> int:
        """How many builds have ended (each ends with 'N PDFs built in …')."""
        return sum(bool(BUILT.match(line)) for line in self.lines)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The small project, committed (the approval page's pack compares with git), then
    with two texts untranslated and one fuzzy in Chinese, as `update` leaves them."""
    project = small_project(tmp_path_factory.mktemp("journey") / "small")
    _git(project.root, "init", "-q")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-q", "-m", "Approved")
    leave_work_for_a_translator(project)
    return project


@pytest.fixture(scope="module")
def serve(project):
    served = Serve(project.root)
    until(lambda: served.builds() >= 1, 120, what="serve's first build")
    yield served
    served.stop()
    print("serve said:", *served.lines, sep="\n")  # shown with a failure, for its cause


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    SHOTS.mkdir(exist_ok=True)
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


# What a user does ----------------------------------------------------------------------

def visit(browser, url: str) -> None:
    """Open ``url`` (leaving the page before without being asked: a test of its own)."""
    browser.evaluate("typeof leafletForm === 'undefined' || (leafletForm.dirty = () => "
                     "false, true)")
    errors = browser.open(url)
    assert [error for error in errors if "favicon.ico" not in error] == []


def click(browser, selector: str, at_start: bool = False) -> None:
    """Click the element with the mouse, where it is on the screen (scrolled to first):
    in its middle, or ``at_start``, just inside its left edge (a date's first part)."""
    box = browser.evaluate(f"""(() => {{
        const element = document.querySelector({json.dumps(selector)});
        element.scrollIntoView({{block: "center"}});
        const box = element.getBoundingClientRect();
        const x = {"box.left + 10" if at_start else "box.left + box.width / 2"};
        const y = box.top + box.height / 2;
        const hit = document.elementFromPoint(x, y);
        return {{x, y, hit: !!hit && (element === hit || element.contains(hit) ||
                                     (element.labels && [...element.labels].includes(hit)))}};
    }})()""")
    assert box["hit"], f"{selector} is hidden under another element"
    for kind in ("mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", session=True, type=kind, x=box["x"],
                     y=box["y"], button="left", clickCount=1)


def press(browser, key: str, code: int, text: str = "", modifiers: int = 0) -> None:
    for kind in ("keyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", session=True, type=kind, key=key, code=key,
                     windowsVirtualKeyCode=code, modifiers=modifiers,
                     **({"text": text} if kind == "keyDown" and text else {}))


def type_into(browser, selector: str, words: str) -> None:
    """Click into a field, select what it holds (Ctrl+A) and type ``words`` over it."""
    click(browser, selector)
    press(browser, "a", 65, modifiers=2)
    if words:
        browser.send("Input.insertText", session=True, text=words)
    else:
        press(browser, "Delete", 46)


def type_date(browser, selector: str, day: datetime.date) -> None:
    """Click into a date field and type the date's digits, in the order the browser's
    language writes a date (a date field takes keys, not pasted text)."""
    order = browser.evaluate("new Intl.DateTimeFormat(navigator.language).formatToParts("
                             "new Date(2027, 0, 31)).filter(p => p.type !== 'literal')"
                             ".map(p => p.type)")
    digits = {"year": f"{day.year:04d}", "month": f"{day.month:02d}", "day": f"{day.day:02d}"}
    click(browser, selector, at_start=True)
    for key in "".join(digits[part] for part in order):
        press(browser, key, 48 + int(key), key)
    wanted = day.isoformat()
    assert browser.evaluate(f"document.querySelector({json.dumps(selector)}).value") == wanted


def choose(browser, selector: str) -> None:
    """Pick the first choice of a list that is not the one shown, with the keyboard."""
    click(browser, selector)
    press(browser, "Escape", 27)  # the opened list closed: the keys move the choice
    press(browser, "ArrowDown", 40)


def upload(browser, selector: str, path: Path) -> None:
    found = browser.send("Runtime.evaluate", session=True,
                         expression=f"document.querySelector({json.dumps(selector)})")
    browser.send("DOM.setFileInputFiles", session=True, files=[str(path)],
                 objectId=found["result"]["objectId"])


def wait(browser, expression: str, timeout: float = 30):
    return until(lambda: browser.evaluate(expression), timeout, 0.05, expression)


def shown(browser, element_id: str) -> str:
    return browser.evaluate(f"document.getElementById({json.dumps(element_id)}).innerText")


def accessible(browser) -> None:
    assert browser.accessibility_violations() == []


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the project but serve's output and git's, with its digest."""
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file() and
            path.relative_to(root).parts[0] not in ("dist", ".git")}


def confirm_next_dialog(browser, selector: str) -> str:
    """Click ``selector`` and accept the dialog it opens; return the dialog's question."""
    box = browser.evaluate(f"""(() => {{ const element = document.querySelector(
        {json.dumps(selector)}); element.scrollIntoView({{block: "center"}});
        const box = element.getBoundingClientRect();
        return {{x: box.left + box.width / 2, y: box.top + box.height / 2}}; }})()""")
    browser.send("Input.dispatchMouseEvent", session=True, type="mousePressed", x=box["x"],
                 y=box["y"], button="left", clickCount=1)
    # The release opens the dialog, and is answered only once the dialog is: send it
    # without waiting for its answer.
    browser._next_id += 1  # noqa: SLF001 - one message the helper's send() would block on
    os.write(browser._to_browser, json.dumps({  # noqa: SLF001
        "id": browser._next_id, "sessionId": browser.session,  # noqa: SLF001
        "method": "Input.dispatchMouseEvent", "params": {
            "type": "mouseReleased", "x": box["x"], "y": box["y"], "button": "left",
            "clickCount": 1}}).encode() + b"\0")
    question = browser.wait_for("Page.javascriptDialogOpening")["params"]["message"]
    browser.send("Page.handleJavaScriptDialog", session=True, accept=True)
    return question


# The journeys --------------------------------------------------------------------------

def test_a_writer_makes_a_leaflet_with_every_block_and_serve_builds_its_draft(
        project, serve, browser, tmp_path):
    visit(browser, f"{serve.address}/edit/")
    accessible(browser)
    click(browser, "details.new summary")
    type_into(browser, "#new-id", NEW_ID)
    type_into(browser, "#new-title", NEW_TITLE)
    browser.screenshot(SHOTS / "start.png")
    click(browser, ".new-leaflet button[type=submit]")
    browser.wait_for("Page.loadEventFired")
    wait(browser, f"location.pathname === '/edit/leaflets/{NEW_ID}'")
    wait(browser, "document.getElementById('preview').srcdoc.startsWith('<!DOCTYPE html>')")

    picture = tmp_path / "journey-drawing.png"
    Image.new("RGB", (400, 300), "navy").save(picture, "PNG")
    typed, alts, number = [], [], 0
    blocks = "[data-where='sections[0].blocks']"
    for kind in schema.BLOCK_TYPES:
        index = browser.evaluate(f"document.querySelector(\"{blocks}\").querySelectorAll("
                                 "':scope > fieldset > ol > [data-item]').length")
        # The keyboard picks the type in the list (closed again): Home, then down to it.
        names = browser.evaluate(f"[...document.querySelector(\"{blocks} > fieldset > "
                                 ".add-block [data-new-type]\").options].map(o => o.value)")
        click(browser, f"{blocks} > fieldset > .add-block [data-new-type]")
        press(browser, "Escape", 27)
        press(browser, "Home", 36)
        for _ in range(names.index(kind)):
            press(browser, "ArrowDown", 40)
        click(browser, f"{blocks} > fieldset > .add-block [data-do='add-block']")
        where = f"sections[0].blocks[{index}]"
        block = f"[data-where='{where}']"
        assert browser.evaluate(f"document.querySelector(\"{block}\").dataset.type") == kind
        if kind == "table":  # a 2x2 table: the new one has two columns and one row
            click(browser, f"{block} [data-key='rows'] > fieldset > [data-do='add-row']")
        # Every field of the block, each with a text of its own.
        for field in browser.evaluate(f"""[...document.querySelector("{block}")
                .querySelectorAll("[data-node]")].filter(node => ["text", "markup", "date",
                "choice", "figure"].includes(node.dataset.kind)).map(node => ({{
                where: node.dataset.where, kind: node.dataset.kind,
                control: node.querySelector("[data-control]").id}}))"""):
            control = f"#{field['control']}"
            if field["kind"] == "figure":
                upload(browser, f"{control}-file", picture)
                wait(browser, f"document.querySelector('{control}').value === "
                              f"'{picture.name}'")
            elif field["kind"] == "choice":
                choose(browser, control)
            elif field["kind"] == "date":
                type_date(browser, control, datetime.date(2027, 1, 31))
            else:
                number += 1
                words = f"Journey text {number} of the {kind} block."
                type_into(browser, control, words)
                (alts if field["where"].endswith(".alt") else typed).append(words)
    assert {"table", "figure"} <= set(schema.BLOCK_TYPES)
    click(browser, "#save")
    wait(browser, "document.getElementById('status').textContent.startsWith('Saved')")
    accessible(browser)

    path = project.leaflets_dir / f"{NEW_ID}.yaml"
    leaflet = load_leaflet(path, project.root)
    texts = [item.text for item in leaflet.texts]
    assert [words for words in typed + alts if words not in texts] == []
    kinds = [schema.block_type(block) for block in
             load_data(project, NEW_ID)["sections"][0]["blocks"]]
    assert set(schema.BLOCK_TYPES) <= set(kinds)
    assert (project.leaflets_dir / picture.name).read_bytes() == picture.read_bytes()
    # The POT follows the saved texts, as `build.py extract` would have it: check agrees.
    checked = cli(project, "check").stderr
    assert "messages.pot" not in checked and f"leaflets/{NEW_ID}.yaml" in checked
    assert [line for line in checked.splitlines() if line.startswith(
        f"error: leaflets/{NEW_ID}.yaml")] == []

    # serve rebuilds the leaflet: its draft PDF holds every text and the picture.
    pdf = project.root / "dist" / "drafts" / "en" / f"{NEW_ID}.pdf"
    until(lambda: pdf.is_file() and all(words in flat(pdftotext(pdf)) for words in typed),
          90, 0.5, lambda: f"the draft PDF with every text typed: {serve.lines}, "
                           f"{sorted(map(str, (project.root / 'dist').rglob('*.pdf')))}")
    reader = PdfReader(pdf)
    assert sum(len(page.images) for page in reader.pages) >= 1
    # The alternative text is no text of the page: it is the figure's, in the tags.
    assert alts and set(alts) <= {str(element["/Alt"]) for element in
                                  structure_elements(reader)
                                  if element["/S"] == "/Figure" and "/Alt" in element}
    assert [line for line in serve.lines if line.startswith("error: ")] == []


def test_a_mistake_is_shown_beside_its_field_and_goes_once_put_right(project, serve,
                                                                      browser):
    path = project.leaflets_dir / "beta.yaml"
    before = path.read_bytes()
    visit(browser, f"{serve.address}/edit/leaflets/beta")
    wait(browser, "document.getElementById('preview').srcdoc.startsWith('<!DOCTYPE html>')")
    type_into(browser, "#f-title", "")
    message = wait(browser, "document.getElementById('f-title-problems').innerText")
    # check's own words, as `build.py check` says them of the same file.
    twin = small_project(project.root.parent / "twin-b")
    twin_file = twin.leaflets_dir / "beta.yaml"
    twin_file.write_text(re.sub(r"(?m)^title: .*$", 'title: ""', twin_file.read_text("utf-8")),
                         "utf-8")
    said = [line for line in cli(twin, "check").stderr.splitlines()
            if line.startswith("error: ") and ": title: " in line]
    assert len(said) == 1 and message == "Error: " + said[0].split(": title: ", 1)[1]
    accessible(browser)
    browser.screenshot(SHOTS / "form.png")
    type_into(browser, "#f-title", "Beta test briefing, put right")
    wait(browser, "document.getElementById('f-title-problems').innerText === ''")
    wait(browser, "document.getElementById('preview').srcdoc.includes('put right')")
    assert path.read_bytes() == before  # nothing saved: the form only checked


def test_a_file_changed_on_disk_is_not_overwritten_and_what_was_typed_stays(project, serve,
                                                                            browser):
    path = project.leaflets_dir / "beta.yaml"
    visit(browser, f"{serve.address}/edit/leaflets/beta")
    # A text editor changes the file (a date: no text to approve again).
    changed = path.read_text("utf-8").replace("review_by: 2028-", "review_by: 2029-")
    assert changed != path.read_text("utf-8")
    path.write_text(changed, "utf-8")
    type_into(browser, "#f-title", "Typed in the browser")
    click(browser, "#save")
    wait(browser, "!document.getElementById('conflict').hidden")
    assert shown(browser, "conflict-message") == (
        "leaflets/beta.yaml was changed by someone else since this page was opened; your "
        "changes are kept on the page: reload the file to see the other change, then make "
        "yours again")
    assert path.read_text("utf-8") == changed
    assert browser.evaluate("document.getElementById('f-title').value") == \
        "Typed in the browser"
    question = confirm_next_dialog(browser, "#reload")
    assert question.startswith("Reload the file from disk?")
    browser.wait_for("Page.loadEventFired")
    wait(browser, "(document.getElementById('f-review-by')?.value || '').startsWith('2029-')")
    assert browser.evaluate("document.getElementById('f-title').value") != \
        "Typed in the browser"
    assert path.read_text("utf-8") == changed


def test_a_translator_translates_two_texts_and_clears_a_fuzzy_one(project, serve, browser):
    po = project.po_file("zh_Hans")
    visit(browser, f"{serve.address}/edit/translations/alpha/zh_Hans")
    fuzzy = f"li[data-msgid=\"{CHANGED_AFTER}\"]"
    assert browser.evaluate(f"document.querySelector('{fuzzy}').dataset.state") == "fuzzy"
    accessible(browser)
    browser.evaluate(f"document.querySelector('{fuzzy}').scrollIntoView(); true")
    browser.screenshot(SHOTS / "translate.png")
    for english in (FIRST, SECOND):
        type_into(browser, f"li[data-msgid=\"{english}\"] textarea", CHINESE[english])
    click(browser, f"{fuzzy} input.done")
    click(browser, "#translations button[type=submit]")
    wait(browser, "!['', 'Saving…'].includes(document.getElementById('message').textContent)")
    assert shown(browser, "message") == "Saved 3 texts."

    assert subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(po)],
                          capture_output=True, text=True).returncode == 0
    with po.open("rb") as handle:
        catalog = read_po(handle)
    for english in (FIRST, SECOND, CHANGED_AFTER):
        message = catalog.get(english)
        assert (message.string, message.fuzzy) == (CHINESE[english], False), english
    visit(browser, f"{serve.address}/edit/translations/alpha/zh_Hans")
    assert browser.evaluate("[...document.querySelectorAll('li.text')].filter(row => "
                            "row.dataset.state !== 'translated').length") == 0


def test_an_approver_records_the_approval_and_the_next_build_publishes(project, serve,
                                                                         browser):
    published = project.root / "dist" / "en" / "alpha.pdf"
    draft = project.root / "dist" / "drafts" / "en" / "alpha.pdf"
    assert draft.is_file()  # the changed callout is not approved yet: a draft
    old = published.stat().st_mtime_ns if published.exists() else None
    visit(browser, f"{serve.address}/edit/approvals/alpha")
    wait(browser, "!document.querySelector('.pack-frame').hidden", 120)
    wait(browser, "(() => { const d = document.querySelector('.pack-frame').contentDocument;"
                  " return d && d.readyState === 'complete' && !!d.querySelector('ins'); })()")
    accessible(browser)
    # The button and the link beside it do not touch (they did: one control to the eye).
    assert browser.evaluate("document.querySelector('.pack-link').getBoundingClientRect()"
                            ".left - document.querySelector('.pack-make')"
                            ".getBoundingClientRect().right") >= 8
    browser.screenshot(SHOTS / "approve.png")
    type_into(browser, "#approver", APPROVER)
    type_into(browser, "#summary", SUMMARY)
    today = datetime.date.today()
    type_date(browser, "#patient_review", today)
    click(browser, ".approval button[type=submit]")
    browser.wait_for("Page.loadEventFired")
    done = wait(browser, "document.querySelector('#done')?.textContent || ''")
    assert done == (f"leaflets/alpha.yaml: version 1.11 approved by {APPROVER} on "
                    f"{today.isoformat()}")
    accessible(browser)
    newest = load_leaflet(project.leaflets_dir / "alpha.yaml", project.root).leaflet.history[0]
    assert (newest.version, newest.date, newest.summary, newest.approver,
            newest.patient_review) == ("1.11", today, SUMMARY, APPROVER, today)

    assert cli(project, "check").returncode == 0
    until(lambda: published.is_file() and published.stat().st_mtime_ns != old and
          "always stays in one piece" in flat(pdftotext(published)), 90, 0.5,
          "the published PDF with the approved text")
    assert "Not approved" not in pdftotext(published)


def test_the_server_refuses_what_is_not_its_own_page_and_writes_nothing(project, serve):
    before = snapshot(project.root)
    page = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=30)
    page.request("GET", "/edit/leaflets/beta")
    body = page.getresponse().read().decode()
    token = re.search(r'name="leafpress-token" content="([^"]+)"', body)[1]
    host = f"127.0.0.1:{serve.port}"
    own = {"Host": host, "Origin": f"http://{host}", "X-Leafpress-Token": token,
           "Content-Type": "application/json"}
    data = load_data(project, "beta")

    def post(path, body, **headers):
        connection = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=30)
        connection.request("POST", path, body=body, headers={**own, **headers})
        response = connection.getresponse()
        return response.status, response.read().decode()

    save = json.dumps({"leaflet": data, "base": digest(project.leaflets_dir / "beta.yaml")})
    for path in ("/edit/", "/edit/leaflets/beta", "/en/beta/"):  # DNS rebinding
        connection = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=30)
        connection.request("GET", path, headers={"Host": f"evil.example:{serve.port}"})
        assert connection.getresponse().status == 400, path
    status, said = post("/edit/leaflets/beta/save", save, Host="evil.example")
    assert (status, said.split(":")[0]) == (400, "400 Bad Request")
    assert "refused: the request is for 'evil.example'" in said
    status, said = post("/edit/leaflets/beta/save", save, **{"X-Leafpress-Token": ""})
    assert status == 403 and "does not carry the editor's token" in said
    status, said = post("/edit/leaflets/beta/save", save, Origin="http://evil.example")
    assert status == 403 and "comes from http://evil.example (Origin)" in said
    # A figure named outside the leaflet's folder: check's refusal, beside the field.
    outside = json.loads(save)
    outside["leaflet"]["sections"][0]["blocks"].append(
        {"figure": "../brand/logo.svg", "alt": "The logo"})
    status, said = post("/edit/leaflets/beta/save", json.dumps(outside))
    assert status == 422 and "../brand/logo.svg" in said
    status, said = post("/edit/leaflets/..%2Fbrand%2Fbrand/save", save)
    assert status == 404
    status, said = post("/edit/translations/alpha/xx_Evil/save",
                        json.dumps({"base": "", "entries": []}))
    assert status == 404
    status, said = post("/edit/leaflets/beta/figures", b"x" * (5 * 1024 * 1024),
                        **{"Content-Type": "multipart/form-data; boundary=x"})
    assert status == 413
    assert snapshot(project.root) == before


def load_data(project, leaflet: str) -> dict:
    document, problems = read_yaml(project.leaflets_dir / f"{leaflet}.yaml")
    assert problems == []
    return document.data


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
