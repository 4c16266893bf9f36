"""The editor's guard (leafpress/editor/guard.py) and its start page, through werkzeug's
test client: a foreign Host, a write without the token or from another origin are each
refused with their message, and nothing is written."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule
from werkzeug.test import Client
from werkzeug.wrappers import Response

from leafpress.build.plan import BuildOptions
from leafpress.editor import start
from leafpress.editor.app import Editor
from leafpress.editor.guard import TOKEN_HEADER, Guard

from helpers import small_project

PORT = 8765
HOST = f"127.0.0.1:{PORT}"
ORIGIN = f"http://{HOST}"


@pytest.fixture
def editor(tmp_path, monkeypatch):
    project = small_project(tmp_path / "small")
    written = []
    # A route that writes, to see that a refused request never reaches its endpoint.
    monkeypatch.setattr(start, "RULES", [*start.RULES, Rule(
        "/written", endpoint=lambda editor, request: written.append(1) or Response("done"),
        methods=["POST"])])
    editor = Editor(project, BuildOptions(brand=project.brand_file), Guard(PORT))
    editor.written = written
    return editor


def test_the_start_page_lists_every_leaflet_with_its_version(editor):
    response = Client(editor).get("/edit/", headers={"Host": HOST})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path in editor.project.leaflet_files():
        assert f'href="/edit/leaflets/{path.stem}"' in page
    assert f'<meta name="leafpress-token" content="{editor.token}">' in page


def test_a_request_for_another_host_is_refused(editor):
    response = Client(editor).get("/edit/", headers={"Host": f"attacker.example:{PORT}"})
    assert response.status_code == 400
    assert response.get_data(as_text=True) == (
        f"400 Bad Request: refused: the request is for 'attacker.example:{PORT}', not for "
        f"this server (127.0.0.1:{PORT}, localhost:{PORT})\n")


@pytest.mark.parametrize(("headers", "message"), [
    ({"Origin": ORIGIN}, "refused: the change does not carry the editor's token; reload the "
                         "page and try again"),
    ({"Origin": "https://attacker.example", TOKEN_HEADER: "token"},
     "refused: a change must come from the editor's own page, but this one comes from "
     "https://attacker.example (Origin)"),
    ({TOKEN_HEADER: "token"}, "refused: a change must come from the editor's own page, but "
                              "this one comes from no page (Origin)"),
    ({"Origin": ORIGIN, TOKEN_HEADER: "another token"},
     "refused: the change does not carry the editor's token; reload the page and try again"),
])
def test_a_write_without_the_token_or_from_another_origin_is_refused(editor, headers, message):
    headers = {key: editor.token if value == "token" else value for key, value in headers.items()}
    response = Client(editor).post("/edit/written", headers={"Host": HOST, **headers})
    assert response.status_code == 403
    assert response.get_data(as_text=True) == f"403 Forbidden: {message}\n"
    assert editor.written == []


def test_a_write_with_the_token_from_the_editor_page_is_done(editor):
    response = Client(editor).post("/edit/written", headers={
        "Host": HOST, "Origin": ORIGIN, TOKEN_HEADER: editor.token})
    assert response.status_code == 200 and editor.written == [1]


def test_a_save_outside_the_edited_folders_is_refused(editor):
    from werkzeug.exceptions import Forbidden

    from leafpress.editor.saving import save

    project, target = editor.project, editor.project.templates_dir / "leaflet.html.j2"
    before = target.read_bytes()
    with pytest.raises(Forbidden) as refused:
        save(project, project.brand_file, target, b"{{ evil }}", "")
    assert refused.value.description == (
        f"refused: {target} is outside the folders the editor writes (leaflets/, locales/ "
        "and the brand's folder)")
    assert target.read_bytes() == before


def test_a_save_over_a_file_changed_since_it_was_read_is_refused(editor):
    from werkzeug.exceptions import Conflict

    from leafpress.editor.saving import digest, save

    project = editor.project
    path = project.leaflet_files()[0]
    base = digest(path)
    path.write_text(path.read_text("utf-8") + "# changed in a text editor\n", "utf-8")
    changed = path.read_bytes()
    with pytest.raises(Conflict) as refused:
        save(project, project.brand_file, path, b"id: x\n", base)
    assert refused.value.description == (
        f"leaflets/{path.name} was changed by someone else since this page was opened; your "
        "changes are kept on the page: reload the file to see the other change, then make "
        "yours again")
    assert path.read_bytes() == changed
    assert save(project, project.brand_file, path, b"id: x\n", digest(path)) == digest(path)
    assert path.read_bytes() == b"id: x\n"


@pytest.mark.parametrize("path", ["/", "/en/leaf.pdf", "/__leafpress/events",
                                  "/__leafpress/live.js", "/__leafpress/view/en/leaf.pdf"])
def test_a_preview_route_for_another_host_is_refused(tmp_path, path):
    """serve's own routes (dist/, the event stream) check the Host as the editor's do: a
    page that DNS-rebinds its name to 127.0.0.1 reads nothing of the leaflets."""
    from leafpress.preview.server import Hub, Preview

    dist = tmp_path / "dist"
    (dist / "en").mkdir(parents=True)
    (dist / "index.html").write_text("<html><body>catalogue</body></html>")
    (dist / "en" / "leaf.pdf").write_bytes(b"%PDF-1.7 test")
    preview = Client(Preview(dist, Hub(), Guard(PORT)))
    response = preview.get(path, headers={"Host": f"attacker.example:{PORT}"})
    assert response.status_code == 400
    assert response.get_data(as_text=True) == (
        f"400 Bad Request: refused: the request is for 'attacker.example:{PORT}', not for "
        f"this server (127.0.0.1:{PORT}, localhost:{PORT})\n")
    assert preview.get("/en/leaf.pdf", headers={"Host": HOST}).get_data() == b"%PDF-1.7 test"


def test_serve_hands_the_editor_every_request_under_edit(tmp_path, editor):
    from leafpress.preview.server import Hub, Preview

    preview = Client(Preview(tmp_path, Hub(), editor.guard, editor))
    page = preview.get("/edit/", headers={"Host": HOST}).get_data(as_text=True)
    assert f'<meta name="leafpress-token" content="{editor.token}">' in page
    assert preview.get("/edit/", headers={"Host": f"attacker.example:{PORT}"}).status_code == 400
    assert preview.post("/edit/written", headers={"Host": HOST, "Origin": ORIGIN}
                        ).status_code == 403
    assert editor.written == []
