"""Hostile input: nothing in a leaflet, catalog, template or brand escapes its place.

YAML constructs no objects, text is printed as text, WeasyPrint reads no file outside
the project's asset folders and no network address, and no name becomes a path
before it is checked.
"""

from __future__ import annotations

import io
import shutil
import socket
from pathlib import Path

import pypdf
import pytest

from leafpress.build.pipeline import build
from leafpress.cli import main
from leafpress.content.brand import load_brand
from leafpress.content.leaflet import load_leaflet
from leafpress.core.errors import LeafletError
from leafpress.rendering.document import render_html, template_environment
from leafpress.translation.translations import load_translations

from helpers import approve, run, small_project

# The small made-up project of tests/projects/small, not the shipped leaflets.
LEAFLET = "alpha"
SUMMARY = "A made-up leaflet for the tests of the leaflet builder."
HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(2)> are only text."
HOSTILE_ZH = "<script>alert(1)</script> 和 <img src=x onerror=alert(2)> 只是文字。"
PO = "locales/zh_Hans/LC_MESSAGES/messages.po"


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def one_leaflet(project, locales=True):
    """Keep only one leaflet (and, unless ``locales``, only English) to build quickly."""
    for path in project.leaflet_files():
        if path.stem != LEAFLET:
            path.unlink()
    if not locales:
        shutil.rmtree(project.locales_dir / "zh_Hans")
    return project


@pytest.fixture
def project(fixture_project):
    """Here, the small made-up project."""
    return fixture_project


@pytest.mark.parametrize("tag", [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
    "!!python/name:os.system",
    '!!python/object:__main__.Marker {{path: "{marker}"}}',
    "!!binary dG91Y2g=",
    "!include {marker}",
])
def test_no_yaml_tag_constructs_anything(project, tmp_path, tag):
    marker = tmp_path / "pwned"
    path = project.leaflets_dir / f"{LEAFLET}.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("reference: TEST-001", "reference: "
                                 + tag.format(marker=marker)), "utf-8")
    shown = tag.split()[0].format(marker=marker)
    with pytest.raises(LeafletError) as error:
        load_leaflet(path, project.root)
    line = text[: text.index("reference:")].count("\n") + 1
    assert str(error.value) == (f"leaflets/{LEAFLET}.yaml:{line}: reference: expected plain "
                                f"text, a list or a mapping, got the tag '{shown}'")
    assert not marker.exists()


def test_html_in_a_leaflet_and_a_translation_is_printed_as_text(project, tmp_path):
    one_leaflet(project)
    path = project.leaflets_dir / f"{LEAFLET}.yaml"
    text = path.read_text("utf-8")
    start = text.index("summary:")
    end = text.index("audience:")
    path.write_text(text[:start] + f'summary: "{HOSTILE}"\n' + text[end:], "utf-8")
    approve(project)
    po = project.root / PO
    catalog = po.read_text("utf-8")
    old = catalog[catalog.index(f'msgid "{SUMMARY}"'):]
    old = old[: old.index("\n\n")]
    po.write_text(catalog.replace(old, f'msgid "{HOSTILE}"\nmsgstr "{HOSTILE_ZH}"'), "utf-8")
    dist = tmp_path / "dist"
    assert run(project, "build", "--variant", "standard", "--jobs", "1",
               "--output", str(dist)) == 0
    assert HOSTILE in pdf_text(dist / "en" / f"{LEAFLET}.pdf")
    # Chinese lines break between any two characters: compare without whitespace.
    assert "".join(HOSTILE_ZH.split()) in "".join(pdf_text(dist / "zh-Hans" / f"{LEAFLET}.pdf")
                                                  .split())
    leaflet = load_leaflet(path, project.root)
    translations, problems = load_translations(project, "zh_Hans")
    assert problems == []
    html = render_html(template_environment(project), project, leaflet,
                       load_brand(project.brand_file), translations, []).html
    assert "<script" not in html and "<img src=x" not in html
    assert ("&lt;script&gt;alert(1)&lt;/script&gt; 和 &lt;img src=x onerror=alert(2)&gt; "
            "只是文字。") in html


class Listener:
    """A TCP server on 127.0.0.1: the kernel queues any connection attempt for ``accept``."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]

    def connections(self) -> int:
        """Return how many connections were attempted."""
        self.server.setblocking(False)
        count = 0
        while True:
            try:
                connection, _ = self.server.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.server.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One English leaflet, built once: each hostile edit starts from a copy of it."""
    root = tmp_path_factory.mktemp("built")
    project = one_leaflet(small_project(root / "project"), locales=False)
    assert run(project, "build", "--variant", "standard", "--jobs", "1",
               "--output", str(root / "dist")) == 0
    return root


PASSWD = "file:///etc/passwd"


@pytest.mark.parametrize(("css", "html", "url"), [
    (f"body {{ background-image: url({PASSWD}) }}", "", PASSWD),
    ("body { background-image: url(../../../../../../../../../../etc/passwd) }", "", PASSWD),
    ("body { background-image: url(http://127.0.0.1:{port}/x.png?page=1) }", "",
     "http://127.0.0.1:{port}/x.png?page=1"),
    ("", f'<img src="{PASSWD}" alt="">', PASSWD),
    ("", '<img src="http://127.0.0.1:{port}/x.png" alt="">', "http://127.0.0.1:{port}/x.png"),
    ("", f'<a rel="attachment" href="{PASSWD}">x</a>', PASSWD),
    ("", '<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">',
     "http://127.0.0.1:{port}/x.css"),
    ("", '<img src="passwd" alt="">', "{templates}/passwd"),
], ids=["css-file", "css-relative", "css-network", "img-file", "img-network", "attachment",
        "stylesheet-network", "symlink"])
def test_weasyprint_fetches_nothing_outside_the_project(built, tmp_path, listener, capsys,
                                                          css, html, url):
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    project = tmp_path / "project"
    templates = project / "templates"
    (templates / "passwd").symlink_to("/etc/passwd")
    url = url.format(port=listener.port, templates=templates.resolve().as_uri())
    stylesheet = templates / "leaflet.css"
    stylesheet.write_text(css.replace("{port}", str(listener.port)) + "\n"
                          + stylesheet.read_text("utf-8"), "utf-8")
    template = templates / "leaflet.html.j2"
    template.write_text(template.read_text("utf-8").replace(
        "</body>", html.replace("{port}", str(listener.port)) + "</body>"), "utf-8")
    pdf = tmp_path / "dist" / "en" / f"{LEAFLET}.pdf"
    before = pdf.read_bytes()
    capsys.readouterr()
    assert main(["--project", str(project), "build", "--variant", "standard", "--jobs", "1",
                 "--output", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err
    reason = ("nothing is fetched from the network" if url.startswith("http") else
              "only files in the template, brand and font folders may be used")
    assert f"error: leaflets/{LEAFLET}.yaml [en]: cannot load a resource: refused {url}: " \
           f"{reason}\n" in err
    assert pdf.read_bytes() == before
    assert "root:" not in pdf_text(pdf)
    assert listener.connections() == 0


def test_a_logo_linked_to_a_file_outside_the_project_is_refused(built, tmp_path, capsys):
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    project = tmp_path / "project"
    logo = project / "brand" / "logo.svg"
    logo.unlink()
    logo.symlink_to("/etc/passwd")
    assert main(["--project", str(project), "build", "--variant", "standard", "--jobs", "1",
                 "--output", str(tmp_path / "dist")]) == 1
    # Refused when the brand is loaded, before WeasyPrint or the catalogue could read it.
    err = capsys.readouterr().err
    assert ("error: brand/brand.yaml:8: logo: the logo file 'logo.svg' is a link to a file "
            "outside the brand file's folder; copy the file there instead of linking to it"
            ) in err.splitlines()
    published = tmp_path / "dist" / "assets" / "brand" / "logo.svg"  # the earlier build's
    assert "root:" not in err and b"root:" not in published.read_bytes()


def add_locale_folder(project, name: str) -> None:
    folder = project.locales_dir / name / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = (project.root / PO).read_text("utf-8")
    (folder / "messages.po").write_text(po.replace("Language: zh_Hans", f"Language: {name}"),
                                        "utf-8")


def locale_folder_error(name: str) -> str:
    return (f"error: locales/{name}: expected a locale folder named like 'fr', 'pt_BR' or "
            f"'zh_Hans', got '{name}'\n1 problem found.\n")


@pytest.mark.parametrize("name", ["EVIL name", "xx", "en_ZZ", "zh-Hans", "..zh_Hans"])
def test_a_locale_folder_must_be_named_as_a_locale(project, capsys, name):
    add_locale_folder(project, name)
    assert run(project, "check") == 1
    # The quality gates' warnings on the shipped content come first (test_gates.py).
    assert capsys.readouterr().err.endswith(locale_folder_error(name))


def test_a_badly_named_locale_folder_does_not_stop_the_build(project, tmp_path, capsys):
    one_leaflet(project)
    add_locale_folder(project, "EVIL name")
    dist = tmp_path / "dist"
    assert run(project, "build", "--variant", "standard", "--jobs", "1",
               "--output", str(dist)) == 1
    assert capsys.readouterr().err.endswith(locale_folder_error("EVIL name"))
    written = sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*.pdf"))
    assert written == [f"en/{LEAFLET}.pdf", f"zh-Hans/{LEAFLET}.pdf"]


def test_a_variant_name_is_checked_before_it_is_a_path(project, tmp_path):
    with pytest.raises(LeafletError) as error:
        build(project, tmp_path / "dist", variants=("../../escape",))
    assert str(error.value) == ("command line: expected a variant among standard, large-print, "
                                "got '../../escape'")
    assert not (tmp_path / "dist").exists()


def test_a_new_locale_is_checked_before_it_is_a_path(project, capsys):
    assert run(project, "init", "../../escape") == 1
    assert capsys.readouterr().err == (
        "error: command line: unknown locale '../../escape'; expected a language code like "
        "'fr', 'pt_BR' or 'zh_Hans'\n1 problem found.\n")
    assert sorted(path.name for path in project.locales_dir.iterdir()) == ["messages.pot",
                                                                           "zh_Hans"]
