"""The leaflet form's server side (leafpress/editor/draft.py), through werkzeug's test
client: checking a draft says what ``check`` says of it, in its words; a save writes
only a draft without errors, never over a change made on disk; a figure is checked as
``check`` checks it; the PDF is the build's."""

from __future__ import annotations

import datetime
import io
import shutil

import pytest
from PIL import Image
from werkzeug.test import Client

from leafpress.build.pipeline import check
from leafpress.build.plan import BuildOptions
from leafpress.content.leaflet import load_leaflet
from leafpress.content.yamlfile import read_yaml
from leafpress.core.errors import LeafletError
from leafpress.core.project import Project
from leafpress.editor import source
from leafpress.editor.app import MAX_REQUEST_BYTES, Editor
from leafpress.editor.guard import TOKEN_HEADER, Guard
from leafpress.editor.saving import digest

from helpers import pdftotext, run, small_project

PORT = 8765
HOST = f"127.0.0.1:{PORT}"
CONFLICT = ("leaflets/alpha.yaml was changed by someone else since this page was opened; "
            "your changes are kept on the page: reload the file to see the other change, "
            "then make yours again")


@pytest.fixture
def editor(tmp_path):
    project = small_project(tmp_path / "small")
    return Editor(project, BuildOptions(brand=project.brand_file), Guard(PORT))


def _post(editor, route: str, leaflet_id: str = "alpha", **options):
    headers = {"Host": HOST, "Origin": f"http://{HOST}", TOKEN_HEADER: editor.token}
    return Client(editor).post(f"/edit/leaflets/{leaflet_id}/{route}", headers=headers,
                               **options)


def _alpha(editor):
    path = editor.project.leaflets_dir / "alpha.yaml"
    return path, read_yaml(path)[0].data


def _send(editor, route: str, data, base: str | None = None, leaflet_id: str = "alpha"):
    path = editor.project.leaflets_dir / f"{leaflet_id}.yaml"
    return _post(editor, route, leaflet_id,
                 json={"leaflet": data, "base": digest(path) if base is None else base})


def _check_lines(project, shown: str, errors_only: bool = False) -> list[str]:
    """Return what ``build.py check`` prints about the file ``shown`` (its warnings and,
    if it fails, its errors), without the 'warning: ' or 'error: ' before each."""
    warnings: list[str] = []
    errors: list[str] = []
    try:
        check(project, project.brand_file, today=datetime.date.today(), warn=warnings.append)
    except LeafletError as error:
        errors = [str(problem) for problem in error.problems]
    lines = errors + ([] if errors_only else [line.removeprefix("warning: ")
                                              for line in warnings])
    return sorted(line for line in lines if line.startswith(f"{shown}:"))


def test_checking_an_unchanged_draft_says_what_check_says(editor):
    path, data = _alpha(editor)
    response = _send(editor, "check", data)
    assert response.status_code == 200
    reply = response.get_json()
    assert sorted(problem["message"] for problem in reply["problems"]) == \
        _check_lines(editor.project, "leaflets/alpha.yaml")
    assert all(problem["severity"] == "warning" for problem in reply["problems"])
    assert set(reply["grades"]) == {str(index) for index in range(len(data["sections"]))}
    assert all(isinstance(grade, float) for grade in reply["grades"].values())
    assert reply["max_grade"] == 6.0
    page = reply["preview"]
    assert page.startswith("<!DOCTYPE html>")
    assert 'href="/assets/leaflet.css"' in page and "../assets" not in page
    assert "This text is <strong>bold</strong> here" in page
    assert "data:image/svg+xml;base64," in page  # the figure beside the real leaflet


def test_a_mistake_in_a_draft_is_the_message_check_gives_for_it_in_the_file(editor, tmp_path):
    path, data = _alpha(editor)
    data["sections"][0]["blocks"][1] = {"bulets": ["One item."]}
    data["sections"][2]["blocks"][1]["figure"] = "missing.svg"
    reply = _send(editor, "check", data).get_json()
    errors = [problem for problem in reply["problems"] if problem["severity"] == "error"]
    assert [(problem["where"], problem["line"], problem["text"]) for problem in errors] == [
        ("sections[0].blocks[1]", 21, "unknown block type 'bulets'; did you mean 'bullets'? "
         "the block types are: paragraph, bullets, steps, callout, warning, question, "
         "subheading, figure, table"),
        ("sections[2].blocks[1].figure", 33, "the figure file 'missing.svg' does not exist "
         "beside the leaflet or the brand file")]
    assert reply["preview"] == "" and reply["grades"] == {}
    # The same text in the file: check prints the same lines.
    before = path.read_bytes()
    path.write_text(source.applied(before.decode(), data), "utf-8")
    assert [problem["message"] for problem in errors] == \
        _check_lines(editor.project, "leaflets/alpha.yaml", errors_only=True)
    path.write_bytes(before)


@pytest.mark.parametrize(("data", "message"), [
    ([], "leaflets/alpha.yaml: the top level must be a mapping of keys, got a list"),
    ("alpha", "leaflets/alpha.yaml: the top level must be a mapping of keys, got the text "
              "'alpha'"),
])
def test_a_draft_that_is_not_a_mapping_is_refused(editor, data, message):
    reply = _send(editor, "check", data).get_json()
    assert [problem["message"] for problem in reply["problems"]] == [message]


def test_a_value_that_is_not_text_is_refused_where_it_is(editor):
    _, data = _alpha(editor)
    data["sections"][0]["blocks"][0]["paragraph"] = 5
    data["owner"]["department"] = True
    reply = _send(editor, "check", data).get_json()
    assert [problem["message"] for problem in reply["problems"]] == [
        "leaflets/alpha.yaml: owner.department: expected text, a list or a mapping, got the "
        "value true",
        "leaflets/alpha.yaml: sections[0].blocks[0].paragraph: expected text, a list or a "
        "mapping, got the number 5"]


def test_a_draft_nested_deeper_than_a_file_may_be_is_refused(editor):
    _, data = _alpha(editor)
    deep = "text"
    for _ in range(41):
        deep = [deep]
    data["sections"][0]["blocks"][0]["paragraph"] = deep
    reply = _send(editor, "check", data).get_json()
    assert [problem["message"] for problem in reply["problems"]] == [
        "leaflets/alpha.yaml: sections[0].blocks[0].paragraph" + "[0]" * 35 +
        ": expected at most 40 levels of nesting, got more"]
    body = '{"leaflet": ' + "[" * 100_000 + "]" * 100_000 + ', "base": ""}'
    response = _post(editor, "check", data=body, content_type="application/json")
    assert response.status_code == 400


def test_a_body_without_the_leaflet_or_for_no_leaflet_is_refused(editor):
    assert _post(editor, "check", json={"base": ""}).get_data(as_text=True) == \
        '400 Bad Request: expected a JSON body {"leaflet": …, "base": "…"}\n'
    response = _post(editor, "check", "gamma", json={"leaflet": {}, "base": ""})
    assert response.status_code == 404
    assert "no leaflet 'gamma': there is no leaflets/gamma.yaml" in response.get_data(as_text=True)


def test_a_save_writes_the_draft_and_returns_the_files_new_digest(editor):
    path, data = _alpha(editor)
    text = path.read_text("utf-8")
    data["sections"][0]["blocks"][0]["paragraph"] = "A paragraph saved from the form."
    response = _send(editor, "save", data)
    assert response.status_code == 200
    reply = response.get_json()
    assert reply["base"] == digest(path)
    assert path.read_text("utf-8") == source.applied(text, data)
    assert read_yaml(path)[0].data == data
    load_leaflet(path, editor.project.root)
    # The approval it now needs is a warning, as `check` says it.
    assert any("the text changed since version 1.10 was approved (1 text)" in problem["text"]
               for problem in reply["problems"] if problem["severity"] == "warning")


def test_a_save_takes_the_english_into_every_catalog_as_update_does(editor, tmp_path):
    """A translator in the editor sees a changed text as fuzzy at once, with the English it
    replaced, and a new one as untranslated: the catalogs are what `build.py update` makes."""
    path, data = _alpha(editor)
    old = data["sections"][0]["blocks"][0]["paragraph"]
    data["sections"][0]["blocks"][0]["paragraph"] = old.replace("here", "here, saved,")
    twin = tmp_path / "twin"
    shutil.copytree(editor.project.root, twin)
    assert _send(editor, "save", data).status_code == 200
    (twin / "leaflets" / "alpha.yaml").write_bytes(path.read_bytes())
    assert run(Project.at(twin), "update") == 0
    for locale in editor.project.translated_locales():
        catalog = editor.project.po_file(locale)
        assert catalog.read_bytes() == (twin / catalog.relative_to(editor.project.root)
                                        ).read_bytes()
    assert editor.project.pot_file.read_bytes() == (twin / "locales" / "messages.pot"
                                                    ).read_bytes()
    text = editor.project.po_file("zh_Hans").read_text("utf-8")
    assert f"#| msgid {_po_string(old)}" in text and "here, saved," in text


def _po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_a_save_with_a_mistake_writes_nothing(editor):
    path, data = _alpha(editor)
    before = path.read_bytes()
    data["review_by"] = "2020-01-01"
    response = _send(editor, "save", data)
    assert response.status_code == 422
    assert [problem["message"] for problem in response.get_json()["problems"]] == [
        "leaflets/alpha.yaml:10: review_by: the review date must be after the publication "
        "date (2026-11-21), got 2020-01-01"]
    assert path.read_bytes() == before


def test_a_save_over_a_file_changed_on_disk_is_refused_and_the_change_kept(editor):
    path, data = _alpha(editor)
    base = digest(path)
    changed = path.read_text("utf-8").replace("Alpha test leaflet", "Alpha, changed on disk")
    path.write_text(changed, "utf-8")
    data["sections"][0]["blocks"][0]["paragraph"] = "A paragraph saved from the form."
    response = _send(editor, "save", data, base=base)
    assert response.status_code == 409
    assert response.get_json() == {"conflict": CONFLICT}
    assert path.read_text("utf-8") == changed


def test_a_file_the_editor_cannot_read_back_is_written_afresh_with_a_warning(editor):
    path, data = _alpha(editor)
    # Broken on disk after the form was opened: a flow list on line 3 is never closed
    # (the YAML reader finds out on line 4).
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines[:2], "bad: [one, two\n", *lines[2:]]), "utf-8")
    warning = ("leaflets/alpha.yaml:4: the file on disk is not YAML the editor can read back; "
               "saving writes it afresh from the form, without its comments and layout")
    response = _send(editor, "check", data)
    assert response.status_code == 200
    assert [problem["message"] for problem in response.get_json()["problems"]
            if problem["severity"] == "warning"][0] == warning
    response = _send(editor, "save", data)
    assert response.status_code == 200
    assert warning in [problem["message"] for problem in response.get_json()["problems"]]
    assert read_yaml(path)[0].data == data


def _png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, "PNG")
    return buffer.getvalue()


def _upload(editor, content: bytes, name: str):
    return _post(editor, "figures", data={"file": (io.BytesIO(content), name)},
                 content_type="multipart/form-data")


def test_an_uploaded_png_is_saved_beside_the_leaflet_under_a_figures_name(editor):
    content = _png()
    response = _upload(editor, content, "My bag (1).PNG")
    assert response.status_code == 200
    assert response.get_json() == {"name": "My-bag-1.png", "problems": []}
    assert (editor.project.leaflets_dir / "My-bag-1.png").read_bytes() == content
    # A figure block can name it at once: the draft finds it as check would.
    _, data = _alpha(editor)
    data["sections"][2]["blocks"][1]["figure"] = "My-bag-1.png"
    reply = _send(editor, "check", data).get_json()
    assert [problem for problem in reply["problems"] if problem["severity"] == "error"] == []
    assert "data:image/png;base64," in reply["preview"]
    # The same file again is the same figure; another one of that name is refused.
    assert _upload(editor, content, "My-bag-1.png").status_code == 200
    response = _upload(editor, _png((20, 20)), "My-bag-1.png")
    assert response.status_code == 422
    assert [problem["message"] for problem in response.get_json()["problems"]] == [
        "leaflets/alpha.yaml: a different figure file 'My-bag-1.png' is already beside the "
        "leaflet; rename your file and upload it again, or delete the other one"]
    assert (editor.project.leaflets_dir / "My-bag-1.png").read_bytes() == content


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"a shopping list\n", "bag.png", "leaflets/alpha.yaml: the figure file 'bag.png' is "
     "text, not a PNG image; export the figure as PNG or SVG"),
    (b"GIF89a", "bag.gif", "leaflets/alpha.yaml: expected the name of an SVG or PNG file "
     "beside the leaflet or the brand file, like 'drip.svg', got 'bag.gif'"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "bag.svg",
     "leaflets/alpha.yaml: the figure file 'bag.svg', line 1: a <script> element: a figure "
     "must not run scripts; remove it"),
])
def test_a_figure_check_refuses_is_refused_with_its_message(editor, content, name, message):
    response = _upload(editor, content, name)
    assert response.status_code == 422
    assert [problem["message"] for problem in response.get_json()["problems"]] == [message]
    assert not (editor.project.leaflets_dir / name).exists()


def test_an_upload_over_the_limit_is_refused(editor):
    response = _upload(editor, b"\x89PNG\r\n\x1a\n" + bytes(MAX_REQUEST_BYTES), "big.png")
    assert response.status_code == 413
    assert not (editor.project.leaflets_dir / "big.png").exists()


def test_the_pdf_of_a_draft_holds_its_text(editor, tmp_path):
    path, data = _alpha(editor)
    before = path.read_bytes()
    data["sections"][0]["blocks"][0]["paragraph"] = "Edited in the browser, not yet saved."
    response = _send(editor, "pdf", data)
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(response.data)
    assert "Edited in the browser, not yet saved." in " ".join(pdftotext(pdf).split())
    assert path.read_bytes() == before
    data["sections"][0]["blocks"][0]["paragraph"] = None
    response = _send(editor, "pdf", data)
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["where"] == "sections[0].blocks[0].paragraph"


def test_a_character_no_font_can_draw_is_the_error_check_gives(editor):
    path, data = _alpha(editor)
    data["sections"][0]["blocks"][0]["paragraph"] = "A smile \U0001F642 in a paragraph."
    reply = _send(editor, "check", data).get_json()
    errors = [problem["message"] for problem in reply["problems"]
              if problem["severity"] == "error"]
    assert len(errors) == 2 and all("U+1F642" in error for error in errors)  # en, zh-Hans
    before = path.read_bytes()
    path.write_text(source.applied(before.decode(), data), "utf-8")
    in_check = _check_lines(editor.project, "leaflets/alpha.yaml", errors_only=True)
    # check also fails on the text changed since its approval: the form says it as a
    # warning, as approving the change is the next step (the approval page's).
    release = ("leaflets/alpha.yaml:8: version: the text changed since version 1.10 was "
               "approved (1 text); approve it with 'build.py release alpha --approver "
               "\"Name, Role\" --summary \"…\"' or on the editor's approval page")
    assert in_check == sorted([*errors, release])
    assert release in [problem["message"] for problem in reply["problems"]
                       if problem["severity"] == "warning"]
    path.write_bytes(before)
    assert _send(editor, "save", data).status_code == 422
    assert path.read_bytes() == before


class _Pool:
    """Serve's warm RenderPool, as far as the editor uses it: it renders in this process
    and notes each task."""

    def __init__(self):
        self.tasks = []

    def render_all(self, tasks):
        from leafpress.build.workers import render

        for task in tasks:
            self.tasks.append(task)
            yield task, render(task)


def test_the_pdf_is_rendered_in_serves_pool_when_there_is_one(editor, tmp_path):
    editor.pool = _Pool()
    _, data = _alpha(editor)
    response = _send(editor, "pdf", data)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert [task.identifier for task in editor.pool.tasks] == ["alpha/en/standard/editor"]


def test_a_draft_finds_its_figures_where_the_file_would(editor, tmp_path):
    """Beside the brand file too; one that links out of the project is refused as check
    refuses it."""
    path, data = _alpha(editor)
    brand_folder = editor.project.root / "brand"
    (brand_folder / "logo-copy.svg").write_bytes((editor.project.leaflets_dir /
                                                 "square.svg").read_bytes())
    outside = tmp_path / "outside.svg"
    outside.write_bytes((editor.project.leaflets_dir / "square.svg").read_bytes())
    (editor.project.leaflets_dir / "linked.svg").symlink_to(outside)
    blocks = data["sections"][2]["blocks"]
    blocks[1]["figure"] = "logo-copy.svg"
    blocks.append({"figure": "linked.svg", "alt": "A linked figure."})
    reply = _send(editor, "check", data).get_json()
    errors = [problem["message"] for problem in reply["problems"]
              if problem["severity"] == "error"]
    path.write_text(source.applied(path.read_text("utf-8"), data), "utf-8")
    assert errors == _check_lines(editor.project, "leaflets/alpha.yaml", errors_only=True) == [
        "leaflets/alpha.yaml:41: sections[2].blocks[4].figure: the figure file 'linked.svg' is "
        "a link to a file outside the project; copy the file into the project instead of "
        "linking to it"]
