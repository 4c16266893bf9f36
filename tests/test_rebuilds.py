"""Each kind of input a leaflet is made from re-renders exactly the outputs made from it.

The small project, with a figure in its first leaflet and a brand typeface of its own
(font files beside the brand file), is built once; each test edits one input of a copy
and builds again. An edit the key of a PDF misses (the brand folder left out of it: a
new logo would reach the web pages but not the PDFs) leaves a PDF out of date; an input
keyed too widely renders PDFs for nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

from leafpress.rendering.writing import script_of

from helpers import ROOT, run, small_project, translate

FIGURE = "test-figure.svg"
ALT = "A drawing made up for the test."
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="40" height="20">'
       '<rect width="40" height="20" fill="{}"/></svg>\n')
BRAND_FONT = "font:\n  regular: Brand-Regular.ttf\n  bold: Brand-Bold.ttf\n"
BUILD = ("--variant", "standard", "--jobs", "1", "build")


def add_figure_and_brand_font(project) -> None:
    """Give the first leaflet a figure (translated) and the brand its own font files."""
    leaflet = project.leaflets_dir / "alpha.yaml"
    text = leaflet.read_text("utf-8")
    first_block = "    blocks:\n"
    assert first_block in text
    leaflet.write_text(text.replace(first_block, f"{first_block}      - figure: {FIGURE}\n"
                                    f"        alt: {ALT}\n", 1), "utf-8")
    (project.leaflets_dir / FIGURE).write_text(SVG.format("#005EB8"), "utf-8")
    if "\nhistory:" in text:  # its approval is of the text it now has, figure included
        assert run(project, "release", "alpha", "--amend") == 0
    brand = project.brand_file
    brand.write_text(brand.read_text("utf-8") + BRAND_FONT, "utf-8")
    for weight in ("Regular", "Bold"):
        shutil.copyfile(ROOT / "templates" / "fonts" / f"AtkinsonHyperlegible-{weight}.ttf",
                        brand.parent / f"Brand-{weight}.ttf")
    assert run(project, "update") == 0
    translate(project, "zh_Hans", {ALT: "测试图。"})


@pytest.fixture(scope="module")
def _built(tmp_path_factory):
    root = tmp_path_factory.mktemp("rebuilds")
    project = small_project(root / "project")
    add_figure_and_brand_font(project)
    assert run(project, "--output", str(root / "dist"), *BUILD) == 0
    shutil.copytree(project.root, root / "pristine")
    return project, root


@pytest.fixture
def built(_built, tmp_path, capsys):
    """The project as built, and a copy of its build: a build now renders nothing."""
    project, root = _built
    shutil.rmtree(project.root)
    shutil.copytree(root / "pristine", project.root)
    dist = tmp_path / "dist"
    shutil.copytree(root / "dist", dist)
    capsys.readouterr()
    return project, dist


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new, 1), "utf-8")


def edit_leaflet(project):
    replace(project.leaflets_dir / "alpha.yaml", "reference: TEST-001", "reference: TEST-009")


def edit_figure(project):
    (project.leaflets_dir / FIGURE).write_text(SVG.format("#B27A00"), "utf-8")


def edit_catalog(project):
    # The same characters: a new one would make a new font subset for the leaflet, and
    # its English PDFs would be rendered again too (test_build.py).
    replace(project.po_file("zh_Hans"), 'msgstr "测试图。"', 'msgstr "图测试。"')


def edit_template(project):
    replace(project.templates_dir / "leaflet.html.j2", "</body>", "<p>Edited.</p></body>")


def edit_stylesheet(project):
    path = project.templates_dir / "leaflet.css"
    path.write_text(path.read_text("utf-8") + "\nh1 { text-decoration: underline; }\n", "utf-8")


def edit_brand_file(project):
    replace(project.brand_file, 'accent: "#005EB8"', 'accent: "#005EB7"')


def edit_logo(project):
    replace(project.brand_file.parent / "logo.svg", 'fill="#005EB8"', 'fill="#B27A00"')


def edit_font(project):
    # Another typeface under the same name: no file name in the HTML changes.
    shutil.copyfile(ROOT / "templates" / "fonts" / "AtkinsonHyperlegible-Bold.ttf",
                    project.brand_file.parent / "Brand-Regular.ttf")


def edit_catalogue_template(project):
    replace(project.templates_dir / "index.html.j2", "</body>", "<!-- edited --></body>")


def every(output) -> bool:
    return True


def pdfs(output) -> bool:
    return output["format"] == "pdf"


def pdfs_and_epubs(output) -> bool:
    """What a file the web page links goes into: the PDFs, and the EPUBs that carry it."""
    return output["format"] in ("pdf", "epub")


def all_but_braille(output) -> bool:
    return output["format"] != "braille"


def alpha(output) -> bool:
    return output["leaflet"] == "alpha"


def alpha_in_chinese(output) -> bool:
    return output["leaflet"] == "alpha" and output["locale"] == "zh-Hans"


def nothing(output) -> bool:
    return False


def latin_pdfs(output) -> bool:
    return output["format"] == "pdf" and script_of(output["locale"]) == "Latn"


class Edit(NamedTuple):
    """An edit of one input; which outputs it renders again, and which of those change."""

    make: Callable
    renders: Callable
    changes: Callable | None = None  # None: every output it renders


# A web page links the stylesheet, the logo and the fonts (copied to dist/assets/): only
# an edit of its HTML renders it again. Every PDF is rendered again after a font edit,
# but only those in a Latin script are set in the brand's typeface (the Latin letters of
# a Chinese PDF are the CJK font's): only they change. An EPUB carries the stylesheet and
# the logo, not the fonts; a braille file is made from the HTML, but of it only the text
# in <main> (not the brand's colours, a figure's drawing, or what the edited template
# adds after </main>) changes its cells.
EDITS = {"leaflet": Edit(edit_leaflet, alpha),
         "figure": Edit(edit_figure, alpha, lambda output: alpha(output)
                        and all_but_braille(output)),
         "catalog": Edit(edit_catalog, alpha_in_chinese),
         "template": Edit(edit_template, every, all_but_braille), "stylesheet": Edit(edit_stylesheet, pdfs_and_epubs),
         "brand file": Edit(edit_brand_file, every, all_but_braille),
         "logo": Edit(edit_logo, pdfs_and_epubs),
         "font": Edit(edit_font, pdfs, latin_pdfs),
         "catalogue template": Edit(edit_catalogue_template, nothing)}


def paths(outputs: list[dict], which) -> list[str]:
    return sorted(output["path"] for output in outputs if which(output))


@pytest.mark.parametrize("kind", EDITS)
def test_an_edit_re_renders_exactly_the_outputs_made_from_it(built, kind, capsys):
    """Each output it should change is rendered again and does change; no other is."""
    project, dist = built
    edit = EDITS[kind]
    before = json.loads((dist / "manifest.json").read_text("utf-8"))["outputs"]
    assert {output["format"] for output in before} == {"pdf", "html", "braille", "epub"}
    edit.make(project)
    assert run(project, "--output", str(dist), *BUILD) == 0
    out, err = capsys.readouterr()
    assert err == ""
    rendered = [line.split()[1] for line in out.splitlines() if line.startswith("built ")]
    assert sorted(rendered) == paths(before, edit.renders)
    after = json.loads((dist / "manifest.json").read_text("utf-8"))["outputs"]
    assert {output["path"] for output in after} == {output["path"] for output in before}
    unchanged = {(output["path"], output["sha256"]) for output in before}
    assert paths(after, lambda output: (output["path"], output["sha256"]) not in unchanged) \
        == paths(before, edit.changes or edit.renders)


def test_new_rendering_code_re_renders_every_pdf_and_no_web_page(built, capsys, monkeypatch):
    """A new version of the code that draws the PDFs (pdf.py, tags.py, the worker) must not
    reuse the PDFs the old one drew, nor pass for a build with nothing to do; the web
    pages, made from their HTML alone, are kept."""
    from leafpress.core.digests import code_digest

    project, dist = built
    before = json.loads((dist / "manifest.json").read_text("utf-8"))["outputs"]
    for module in ("leafpress.build.pipeline", "leafpress.build.incremental"):
        monkeypatch.setattr(f"{module}.code_digest",
                            lambda *parts: code_digest(*parts) + "; a new version")
    assert run(project, "--output", str(dist), *BUILD) == 0
    out, _ = capsys.readouterr()
    rendered = [line.split()[1] for line in out.splitlines() if line.startswith("built ")]
    assert sorted(rendered) == paths(before, pdfs)


def test_the_code_digest_follows_the_code_it_names(tmp_path):
    from leafpress.core.digests import PACKAGE, code_digest

    package = tmp_path / "leafpress"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    drawing, whole = code_digest("rendering", package=package), code_digest(package=package)
    (package / "cli.py").write_text((package / "cli.py").read_text("utf-8") + "\n", "utf-8")
    code_digest.cache_clear()  # read once a process: the code does not change under it
    assert code_digest("rendering", package=package) == drawing
    assert code_digest(package=package) != whole
    tags = package / "rendering" / "tags.py"
    tags.write_text(tags.read_text("utf-8") + "\n", "utf-8")
    code_digest.cache_clear()
    assert code_digest("rendering", package=package) != drawing


def test_a_file_being_written_or_gone_mid_digest_does_not_stop_the_digest(tmp_path,
                                                                         monkeypatch):
    """serve digests the folders while the editor saves into them (write_atomically's
    temporary file, renamed away at once): it ended serve with a FileNotFoundError."""
    from leafpress.core.digests import files_digest

    folder = tmp_path / "locales"
    folder.mkdir()
    (folder / "messages.pot").write_text("msgid \"\"\n", "utf-8")
    before = files_digest([folder], tmp_path)
    (folder / ".messages.pot.abc123.tmp").write_text("half a file", "utf-8")
    assert files_digest([folder], tmp_path) == before
    gone = folder / "messages.po"
    gone.write_text("about to be renamed", "utf-8")
    real = Path.read_bytes

    def read_bytes(path):
        if path == gone:
            raise FileNotFoundError(path)
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert files_digest([folder], tmp_path) == before
