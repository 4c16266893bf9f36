"""The preview server on its own: what it serves, what it refuses, what it tells open tabs,
and which leaflets a change touches (the whole loop is in test_preview.py)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from leafpress.preview import (EVENTS_PATH, PREVIEW_DIR, SCRIPT_PATH, Hub, Selection,
                               serve_forever, touched)
from leafpress.project import Project


@pytest.fixture
def served(tmp_path):
    dist = tmp_path / "dist"
    (dist / "en" / "leaf").mkdir(parents=True)
    (dist / "en" / "leaf" / "index.html").write_text("<html><body><p>old</p></body></html>")
    (dist / "en" / "leaf.pdf").write_bytes(b"%PDF-1.7 test")
    (tmp_path / "secret.txt").write_text("outside dist")
    hub = Hub()
    server = serve_forever(dist, hub, 0)
    yield dist, hub, f"http://127.0.0.1:{server.server_address[1]}"
    hub.close()
    server.shutdown()
    server.server_close()


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_pages_are_served_with_the_live_script_and_preview_copies_first(served):
    dist, _, base = served
    status, kind, body = get(f"{base}/en/leaf/")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert body == f'<html><body><p>old</p><script src="{SCRIPT_PATH}"></script></body></html>'\
        .encode()
    preview = dist / PREVIEW_DIR / "en" / "leaf" / "index.html"
    preview.parent.mkdir(parents=True)
    preview.write_text("<html><body><p>new</p></body></html>")
    assert b"<p>new</p>" in get(f"{base}/en/leaf/index.html")[2]
    assert get(f"{base}{SCRIPT_PATH}")[1] == "text/javascript"


def test_a_pdf_opens_in_a_page_that_can_reload_and_raw_on_request(served):
    _, _, base = served
    status, kind, body = get(f"{base}/en/leaf.pdf")
    assert kind == "text/html; charset=utf-8"
    assert b'<iframe title="leaf.pdf" src="/en/leaf.pdf?raw" data-leafpress="/en/leaf.pdf">' \
        in body
    assert get(f"{base}/en/leaf.pdf?raw") == (200, "application/pdf", b"%PDF-1.7 test")


@pytest.mark.parametrize("path", ["/../secret.txt", "/en/../../secret.txt", "/%2e%2e/secret.txt",
                                  "/missing.html"])
def test_nothing_outside_dist_is_served(served, path):
    _, _, base = served
    status, _, body = get(base + path)
    assert status == 404 and b"outside dist" not in body


def test_open_tabs_are_told_each_change_and_the_problems(served):
    _, hub, base = served
    received = []

    def listen():
        with urllib.request.urlopen(base + EVENTS_PATH, timeout=10) as response:
            for line in response:
                if line.startswith(b"data: "):
                    received.append(json.loads(line[6:]))
                    if len(received) == 3:
                        return

    def until(count):
        for _ in range(200):
            if len(received) >= count:
                return
            threading.Event().wait(0.05)

    listener = threading.Thread(target=listen)
    listener.start()
    until(1)
    hub.publish(problems=["leaflets/x.yaml:3: title: expected a text"])
    until(2)
    hub.publish(problems=[], changed=["en/leaf/index.html"])
    listener.join(10)
    assert [(state["version"], state["problems"], state["changed"]) for state in received] == [
        (0, [], []), (1, ["leaflets/x.yaml:3: title: expected a text"], []),
        (2, [], ["/en/leaf/index.html"])]


def test_a_busy_tab_is_told_every_path_changed_since_it_last_looked():
    hub = Hub()
    hub.publish(problems=[], changed=["en/a/index.html"])
    hub.publish(problems=[], changed=["en/a.pdf", "en/a/index.html"])
    hub.publish(problems=["x.yaml:1: wrong"], changed=[])
    state = hub.wait(0)
    assert (state.version, state.problems, state.changed) == (
        3, ["x.yaml:1: wrong"], ["/en/a/index.html", "/en/a.pdf"])
    assert hub.wait(3, timeout=0.01).version == 3


def test_a_change_touches_its_leaflet_its_language_or_everything(tmp_path):
    project = Project.at(tmp_path)
    brand = tmp_path / "brand"
    for folder in (project.leaflets_dir, project.locales_dir / "zh_Hans" / "LC_MESSAGES",
                   project.templates_dir, brand):
        folder.mkdir(parents=True, exist_ok=True)
    leaflet = project.leaflets_dir / "leaf.yaml"
    catalog = project.locales_dir / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    assert touched(project, brand, [leaflet]) == Selection(frozenset({"leaf"}), None)
    assert touched(project, brand, [catalog]) == Selection(None, frozenset({"zh_Hans"}))
    assert touched(project, brand, [leaflet, catalog]) == Selection()
    assert touched(project, brand, [project.templates_dir / "leaflet.css"]) == Selection()
    assert touched(project, brand, [brand / "logo.svg"]) == Selection()
    assert touched(project, brand, [project.leaflets_dir / ".leaf.yaml.swp",
                                    project.leaflets_dir / "leaf.yaml~",
                                    project.locales_dir / "messages.pot"]) is None
