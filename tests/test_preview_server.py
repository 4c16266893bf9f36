"""The preview server on its own: what it serves, what it refuses, what it tells open tabs,
and which leaflets a change touches (the whole loop is in test_preview.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

from leafpress.build.plan import BuildOptions
from leafpress.core.project import Project
from leafpress.preview.server import (EVENTS_PATH, PREVIEW_DIR, SCRIPT_PATH, VIEW_PATH, Hub,
                                      Selection, serve, serve_forever, touched)

from helpers import make_project

SCRIPT = f'<script src="{SCRIPT_PATH}"></script>'.encode()
CATALOGUE = ('<html><body><a href="en/leaf.pdf" type="application/pdf">PDF</a> '
             '<a href="en/leaf/index.html">page</a> <a href="/en/leaf.pdf">again</a> '
             '<a href="https://example.org/other.pdf">elsewhere</a></body></html>')
TYPES = {"pdf": "application/pdf", "png": "image/png", "css": "text/css", "ttf": "font/ttf",
         "svg": "image/svg+xml", "txt": "text/plain; charset=utf-8",
         "html": "text/html; charset=utf-8", "json": "application/json",
         "brf": "text/plain; charset=us-ascii", "epub": "application/epub+zip"}


@contextmanager
def serving(dist, hub=None):
    """Serve ``dist`` as ``serve`` does; yield its address and the server."""
    hub = hub or Hub()
    server = serve_forever(dist, hub, 0)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        hub.close()
        server.shutdown()
        server.server_close()


@pytest.fixture
def served(tmp_path):
    dist = tmp_path / "dist"
    (dist / "en" / "leaf").mkdir(parents=True)
    (dist / "en" / "leaf" / "index.html").write_text("<html><body><p>old</p></body></html>")
    (dist / "en" / "leaf.pdf").write_bytes(b"%PDF-1.7 test")
    (dist / "index.html").write_text(CATALOGUE)
    (tmp_path / "secret.txt").write_text("outside dist")
    hub = Hub()
    with serving(dist, hub) as (base, _):
        yield dist, hub, base


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


def head(url: str) -> tuple[int, dict[str, str], bytes]:
    """Send ``HEAD`` by hand; return the status, the headers and all that came after them."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(f"HEAD {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
                           "Connection: close\r\n\r\n".encode())
        answer = b"".join(iter(lambda: connection.recv(65536), b""))
    top, _, rest = answer.partition(b"\r\n\r\n")
    status, *lines = top.decode("latin-1").split("\r\n")
    return int(status.split()[1]), dict(line.split(": ", 1) for line in lines), rest


def test_a_pdf_is_served_as_it_is_and_shown_in_a_reloading_page_at_an_address_of_its_own(
        served):
    _, _, base = served
    assert get(f"{base}/en/leaf.pdf") == (200, "application/pdf", b"%PDF-1.7 test")
    status, kind, body = get(f"{base}{VIEW_PATH}/en/leaf.pdf")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert b'<iframe title="leaf.pdf" src="/en/leaf.pdf" data-leafpress="/en/leaf.pdf">' in body
    assert SCRIPT in body
    for path in ("/en/none.pdf", "/en/leaf/index.html", "/../secret.txt"):
        assert get(f"{base}{VIEW_PATH}{path}")[0] == 404, path


def test_a_served_page_links_its_pdfs_to_the_reloading_page(served):
    """A writer who opens a PDF from the catalogue in ``serve`` sees it reload, as before
    the PDF's own address served the PDF itself; other links stay as they are."""
    _, _, base = served
    assert re.findall(r'href="([^"]*)"', get(f"{base}/")[2].decode()) == [
        f"{VIEW_PATH}/en/leaf.pdf", "en/leaf/index.html", f"{VIEW_PATH}/en/leaf.pdf",
        "https://example.org/other.pdf"]


@pytest.mark.parametrize(("path", "status", "kind"), [
    ("/", 200, TYPES["html"]), ("/en/leaf/", 200, TYPES["html"]),
    ("/en/leaf.pdf", 200, TYPES["pdf"]), (f"{VIEW_PATH}/en/leaf.pdf", 200, TYPES["html"]),
    (SCRIPT_PATH, 200, "text/javascript"), ("/missing.pdf", 404, "text/plain; charset=utf-8"),
    (f"{VIEW_PATH}/missing.pdf", 404, "text/plain; charset=utf-8")])
def test_head_gives_the_headers_of_get_and_no_body(served, path, status, kind):
    _, _, base = served
    got, headers, rest = head(base + path)
    assert (got, headers["Content-Type"], rest) == (status, kind, b"")
    assert int(headers["Content-Length"]) == len(get(base + path)[2])


def test_head_of_the_event_stream_does_not_wait_for_events(served):
    _, _, base = served
    status, headers, rest = head(base + EVENTS_PATH)
    assert (status, headers["Content-Type"], rest) == (200, "text/event-stream", b"")


def test_every_file_of_a_build_is_served_as_it_is_in_dist(fixture_dist):
    """The PDFs, thumbnails, stylesheet, fonts and logo byte for byte, with their types,
    for GET and HEAD; the pages gain only the reloading script and links to it."""
    manifest = json.loads((fixture_dist / "manifest.json").read_text("utf-8"))
    paths = [item["path"] for item in manifest["outputs"] + manifest["files"]]
    assert {path.rsplit(".", 1)[1] for path in paths} >= {"pdf", "png", "css", "ttf", "html",
                                                          "brf", "epub"}
    with serving(fixture_dist) as (base, _):
        for path in paths:
            status, kind, body = get(f"{base}/{path}")
            content = (fixture_dist / path).read_bytes()
            assert (status, kind) == (200, TYPES[path.rsplit(".", 1)[1]]), path
            if path.endswith(".html"):
                content = re.sub(rb'href="([^":]+[.]pdf)"', lambda link: b'href="%s/%s"' % (
                    VIEW_PATH.encode(), link[1]), content)  # the catalogue is at the root
                content = content.replace(b"</body>", SCRIPT + b"</body>", 1)
            assert body == content, path
            headers = head(f"{base}/{path}")[1]
            assert (headers["Content-Type"], headers["Content-Length"]) == (
                kind, str(len(body))), path


def other_addresses() -> list[str]:
    """Return addresses of this machine other than 127.0.0.1: another one of the loopback
    network (Linux answers on all of 127.0.0.0/8), and those of its network interfaces."""
    try:
        found = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True,
                               text=True).stdout
    except FileNotFoundError:  # no iproute2: the loopback network tells enough
        found = ""
    return ["127.0.0.2", *(address for address in re.findall(r"inet (\S+)/", found)
                           if not address.startswith("127."))]


def test_the_server_listens_on_127_0_0_1_only(tmp_path):
    with serving(tmp_path) as (base, server):
        assert server.socket.getsockname()[0] == "127.0.0.1"
        port = urlsplit(base).port
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        for address in other_addresses():
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((address, port), timeout=5).close()


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


def test_ctrl_c_stops_serve_even_when_its_keyboard_interrupt_is_lost(tmp_path):
    # Raised inside a C library's callback (WeasyPrint's cffi callbacks), the
    # KeyboardInterrupt is printed and dropped; serve must stop all the same.
    project = make_project(tmp_path / "project")
    waited = []

    def watch(*folders, stop_event, **settings):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler runs here, and its exception is lost
        except KeyboardInterrupt:
            pass
        waited.append(stop_event.wait(timeout=5))
        return iter(())

    serve(project, tmp_path / "dist", BuildOptions(variants=("standard",), jobs=1), 0,
          log=lambda line: None, watch=watch)
    assert waited == [True]


class _Browser:
    def __init__(self, works: bool) -> None:
        self.works, self.opened = works, []

    def open(self, address):
        with urllib.request.urlopen(address, timeout=10) as response:  # it listens already
            self.opened.append((address, response.status))
        return self.works


@pytest.mark.parametrize("browser", [_Browser(True), _Browser(False), None, "terminal"],
                         ids=["opened", "failed", "none", "terminal"])
def test_serve_open_opens_the_editor_once_it_listens_or_says_there_is_no_browser(
        tmp_path, monkeypatch, browser):
    import webbrowser

    def get():
        if browser is None:
            raise webbrowser.Error("could not locate runnable browser")
        if browser == "terminal":  # lynx would take serve's terminal: never opened
            return webbrowser.GenericBrowser(["false"])
        return browser

    monkeypatch.setattr(webbrowser, "get", get)
    project = make_project(tmp_path / "project")
    lines = []
    serve(project, tmp_path / "dist", BuildOptions(variants=("standard",), jobs=1), 0,
          log=lines.append, watch=lambda *folders, **settings: iter(()), open_editor=True)
    address = re.search(r"http://127\.0\.0\.1:\d+/", lines[0])[0]
    assert lines[1] == f"The editor is at {address}edit/"
    opened = isinstance(browser, _Browser) and browser.works
    assert (f"No web browser found here: open {address}edit/ in one" in lines) is not opened
    if isinstance(browser, _Browser):
        assert browser.opened == [(f"{address}edit/", 200)]
