"""Figures are checked like text: by content, size and what they refer to, with the
leaflet's file and line and the figure's name, in every command (issue 20)."""

from __future__ import annotations

import base64
import ctypes
import io
import random
import re
import shutil
import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from PIL import Image, ImageDraw

from leafpress.build import remembered
from leafpress.build.pipeline import build
from leafpress.build.remembered import remembered_leaflet
from leafpress.content.figure import MAX_BYTES, check_content
from leafpress.content.figure_versions import figure_problems
from leafpress.content.leaflet import load_leaflet
from leafpress.content.yamlfile import read_yaml
from leafpress.core.errors import LeafletError
from leafpress.core.memo import Memo
from leafpress.core.project import Project
from leafpress.rendering.document import figure_source
from leafpress.translation.translations import text_direction

from helpers import (LEAFLET, Chromium, approve, make_project, pdftotext, run, small_project,
                     translate, until)

WITH_FIGURE = LEAFLET.replace("id: sample", "id: one") + """\
      - figure: FIGURE
        alt: A bag to bring to your appointment.
"""


def project_with(tmp_path: Path, name: str, content: bytes, leaflet: str = WITH_FIGURE):
    project = make_project(tmp_path / "project", {"one": leaflet.replace("FIGURE", name)})
    (project.leaflets_dir / name).write_bytes(content)
    return project


def png(width: int, height: int, noise: bool = False) -> bytes:
    """Return a PNG: white, or random pixels (which no compression makes smaller)."""
    if noise:
        pixels = random.Random(20).randbytes(width * height * 3)
        image = Image.frombytes("RGB", (width, height), pixels)
    else:
        image = Image.new("RGB", (width, height), "white")
        ImageDraw.Draw(image).rectangle((0, 0, width // 2, height // 2), fill="#005eb8")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def errors(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines()
            if not line.startswith("warning: ")]


BAG = ("error: leaflets/one.yaml:23: sections[0].blocks[2].figure: the figure file 'bag.png' "
       "is text, not a PNG image; export the figure as PNG or SVG")


def test_a_text_file_named_png_fails_check_and_build_with_the_same_clear_error(
        tmp_path, capsys):
    project = project_with(tmp_path, "bag.png", png(40, 40))
    assert run(project, "extract") == 0
    (project.leaflets_dir / "bag.png").write_bytes(b"Your appointment letter.\nYour glasses.\n")
    assert run(project, "check") == 1
    assert errors(capsys) == [BAG, "1 problem found."]
    assert run(project, "build", "--output", str(tmp_path / "dist")) == 1
    printed = errors(capsys)
    assert BAG in printed and not any("WeasyPrint" in line for line in printed)


def test_a_photo_of_5_mb_is_an_error_that_names_the_limit_and_the_figure(tmp_path):
    project = project_with(tmp_path, "photo.png", png(1340, 1340, noise=True))
    with pytest.raises(LeafletError) as raised:
        load_leaflet(project.leaflets_dir / "one.yaml", project.root)
    assert [str(problem) for problem in raised.value.problems] == [
        "leaflets/one.yaml:23: sections[0].blocks[2].figure: the figure file 'photo.png' is "
        "5.4 MB; a figure may be at most 3 MB, as the web page carries it inline (it would "
        "weigh 7.2 MB); scale it down to at most 2008 pixels wide, or save it with fewer "
        "colours"]


def test_a_figure_bigger_than_a_leaflet_needs_is_a_warning_and_strict_refuses_it(
        tmp_path, capsys):
    leaflet = WITH_FIGURE + """\
      - figure: noisy.png
        alt: A bag to bring to your appointment.
"""
    project = project_with(tmp_path, "wide.png", png(2400, 80), leaflet)
    small = png(40, 40)  # and then bytes after its end, which readers ignore
    (project.leaflets_dir / "noisy.png").write_bytes(small + bytes(600 * 1024 - len(small)))
    assert run(project, "extract") == 0
    capsys.readouterr()
    assert run(project, "check") == 0
    figures = [line for line in capsys.readouterr().err.splitlines() if "figure file" in line]
    assert figures == [
        "warning: leaflets/one.yaml:23: sections[0].blocks[2].figure: the figure file "
        "'wide.png' is 2400 × 80 pixels, more than a page can show (2008 × 2965, the A4 "
        "text area at 300 dpi); scale it down to at most 2008 pixels wide",
        "warning: leaflets/one.yaml:25: sections[0].blocks[3].figure: the figure file "
        "'noisy.png' is 614 KB, more than a leaflet's figure needs (500 KB add 3 s to the "
        "web page on a phone's connection); scale it down to at most 2008 pixels wide, or "
        "save it with fewer colours"]
    assert run(project, "check", "--strict") == 1
    assert [line.removeprefix("error: ") for line in errors(capsys)
            if "figure file" in line] == [line.removeprefix("warning: ") for line in figures]


GOOD_SVG = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="40" height="40" viewBox="0 0 40 40">
  <defs><linearGradient id="shade"><stop offset="0" stop-color="#005eb8"/></linearGradient>
  </defs>
  <style>circle {{ fill: url(#shade); }}</style>
  <circle id="dot" cx="20" cy="20" r="18" style="stroke: url( '#shade' )"/>
  <use xlink:href="#dot" href=""/>
  <image width="4" height="4" href="data:image/png;base64,{
      base64.b64encode(png(4, 4)).decode()}"/>
</svg>
"""


def test_an_svg_that_refers_only_to_itself_and_to_pictures_inside_it_is_accepted():
    assert check_content(GOOD_SVG.encode(), "drip.svg").errors == ()


def test_a_picture_inside_an_svg_is_checked_like_a_figure_file():
    inside = base64.b64encode(b"not a picture").decode()
    svg = GOOD_SVG.replace(GOOD_SVG.split("base64,")[1].split('"')[0], inside)
    assert [str(finding) for finding in check_content(svg.encode(), "drip.svg").errors] == [
        "line 9: a picture inside the figure is not a PNG image; export it again"]


def test_an_svg_without_its_namespace_and_a_png_named_svg_are_refused():
    assert [str(finding) for finding in check_content(b"<svg><g/></svg>", "a.svg").errors] == [
        'line 1: the <svg> element has no xmlns="http://www.w3.org/2000/svg", without which '
        'browsers show nothing; add it']
    assert [str(finding) for finding in check_content(png(4, 4), "drip.svg").errors] == [
        "is a PNG image, not an SVG one; rename it to 'drip.png'"]


def test_the_size_limit_is_of_the_file():
    """A PNG just over the limit is refused whatever its pixels."""
    content = png(4, 4) + b"\0" * MAX_BYTES  # after IEND: ignored by readers, not by us
    assert "a figure may be at most 3 MB" in str(check_content(content, "a.png").errors[0])


def test_a_figure_beside_another_brand_is_checked_when_it_is_used(tmp_path):
    """``build --brand other/brand.yaml`` takes a figure beside that brand file first."""
    project = project_with(tmp_path, "logo.png", png(40, 40))
    (project.leaflets_dir / "logo.png").rename(project.root / "brand" / "logo.png")
    leaflet = load_leaflet(project.leaflets_dir / "one.yaml", project.root)
    other = tmp_path / "other"
    other.mkdir()
    (other / "logo.png").write_bytes(b"<html>not a picture</html>")
    brand = SimpleNamespace(path=other / "brand.yaml")
    with pytest.raises(LeafletError) as raised:
        figure_source(leaflet, brand, "logo.png", "leaflets/one.yaml")
    assert [str(problem) for problem in raised.value.problems] == [
        "leaflets/one.yaml: the figure file 'logo.png' is XML but not SVG (it has no <svg> "
        "element); export the figure as SVG"]
    (other / "logo.png").write_bytes(png(40, 40))
    assert figure_source(leaflet, brand, "logo.png").startswith("data:image/png;base64,")


# Files that are links to files outside the project (issue 20, item 6) -------------------

SECRET = "SECRET-LINE-7f3a"
OUTSIDE_LEAFLET = LEAFLET.replace("id: sample", "id: linked").replace(
    "Your appointment will be in the morning or the afternoon.", f"{SECRET} is here.")
OUTSIDE_CATALOG = f'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n{SECRET}\nmsgid "x"\n'
OUTSIDE_SVG = (f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
               f'<text y="20">{SECRET}</text></svg>')
LINK = "a link to a file outside the project; copy the file into the project instead of " \
       "linking to it"


@pytest.fixture
def linked(tmp_path):
    """A project whose leaflet, figure and catalog are links to files outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leaflet.yaml").write_text(OUTSIDE_LEAFLET, "utf-8")
    (outside / "messages.po").write_text(OUTSIDE_CATALOG, "utf-8")
    (outside / "picture.svg").write_text(OUTSIDE_SVG, "utf-8")
    project = make_project(tmp_path / "project", {"one": WITH_FIGURE.replace(
        "FIGURE", "picture.svg")})
    (project.leaflets_dir / "linked.yaml").symlink_to(outside / "leaflet.yaml")
    (project.leaflets_dir / "picture.svg").symlink_to(outside / "picture.svg")
    catalog = project.po_file("fr")
    catalog.parent.mkdir(parents=True)
    catalog.symlink_to(outside / "messages.po")
    return project


def published_text(dist: Path) -> str:
    """Every text in ``dist``: each file as it is, each PDF's text, each data: URI decoded."""
    found = []
    for path in sorted(dist.rglob("*")) if dist.exists() else ():
        if not path.is_file():
            continue
        content = path.read_bytes().decode("utf-8", "replace")
        found.append(content)
        found += [base64.b64decode(data).decode("utf-8", "replace")
                  for data in re.findall(r"base64,([A-Za-z0-9+/=]+)", content)]
        if path.suffix == ".pdf":
            found.append(pdftotext(path))
    return "\n".join(found)


@pytest.mark.parametrize("command", [("check",), ("build", "--jobs", "1"), ("stats",),
                                     ("report",), ("extract",), ("update",)])
def test_a_link_out_of_the_project_is_refused_and_never_read(linked, command, capfd):
    dist = linked.root / "dist"
    code = run(linked, *command, *(["--output", str(dist)] if command[0] == "build" else []))
    out, err = capfd.readouterr()
    assert code == 1
    assert SECRET not in out + err and SECRET not in published_text(dist)
    expected = {
        "leaflets/linked.yaml": f"error: leaflets/linked.yaml: {LINK}",
        "picture.svg": f"error: leaflets/one.yaml:23: sections[0].blocks[2].figure: the "
                       f"figure file 'picture.svg' is {LINK}",
        "LC_MESSAGES/messages.po": f"error: locales/fr/LC_MESSAGES/messages.po: {LINK}"}
    reported = {name: line for line in err.splitlines() for name in expected if name in line}
    # extract (and update, which extracts first) reads no catalog.
    wanted = list(expected)[:2] if command in (("extract",), ("update",)) else list(expected)
    assert reported == {name: expected[name] for name in wanted}
    assert linked.po_file("fr").is_symlink()  # update wrote nothing in its place


def test_a_link_inside_the_project_is_allowed(tmp_path):
    project = project_with(tmp_path, "bag.png", png(40, 40))
    (project.root / "brand" / "bag.png").write_bytes(png(40, 40))
    (project.leaflets_dir / "bag.png").unlink()
    (project.leaflets_dir / "bag.png").symlink_to(Path("..") / "brand" / "bag.png")
    (project.leaflets_dir / "two.yaml").symlink_to("one.yaml")
    leaflet = load_leaflet(project.leaflets_dir / "one.yaml", project.root)
    assert leaflet.figures == {"bag.png": project.leaflets_dir / "bag.png"}
    with pytest.raises(LeafletError, match="the id must match the file name 'two'"):
        load_leaflet(project.leaflets_dir / "two.yaml", project.root)


def test_a_link_to_nothing_is_named(tmp_path):
    project = make_project(tmp_path / "project", {})
    (project.leaflets_dir / "gone.yaml").symlink_to("nowhere.yaml")
    with pytest.raises(LeafletError) as raised:
        load_leaflet(project.leaflets_dir / "gone.yaml", project.root)
    assert str(raised.value) == ("leaflets/gone.yaml: a link to a file that does not exist; "
                                 "remove the link or restore its file")


def test_update_never_merges_a_catalog_that_is_a_link_out_of_the_project(tmp_path, capfd):
    project = make_project(tmp_path / "project")
    (tmp_path / "messages.po").write_text(OUTSIDE_CATALOG, "utf-8")
    project.po_file("fr").parent.mkdir(parents=True)
    project.po_file("fr").symlink_to(tmp_path / "messages.po")
    assert run(project, "update") == 1
    out, err = capfd.readouterr()
    assert SECRET not in out + err
    assert err.splitlines() == [f"error: locales/fr/LC_MESSAGES/messages.po: {LINK}",
                                "1 problem found."]
    assert project.po_file("fr").is_symlink()


# A leaflet with a figure through release and diff (in git) -------------------------------

def _git(project, *arguments) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                    *arguments], cwd=project.root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A leaflet with a figure, committed, released, committed; then its figure changed."""
    project = make_project(tmp_path_factory.mktemp("released") / "project",
                           {"one": WITH_FIGURE.replace("FIGURE", "bag.png")})
    (project.leaflets_dir / "bag.png").write_bytes(png(300, 120))
    assert run(project, "extract") == 0
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "First draft")
    steps = {"release": run(project, "release", "one", "--approver", "Dr B Smith, Consultant",
                            "--summary", "First version", "--date", "2026-11-21")}
    _git(project, "commit", "-q", "-am", "Version 1.0")
    (project.leaflets_dir / "bag.png").write_bytes(png(300, 240))  # a taller picture
    steps["diff"] = run(project, "diff", "one", "--since", "HEAD")
    return project, steps


def test_release_records_the_approval_of_a_leaflet_with_a_figure(released):
    project, steps = released
    assert steps["release"] == 0
    leaflet = load_leaflet(project.leaflets_dir / "one.yaml", project.root)
    assert [entry.approver for entry in leaflet.leaflet.history] == ["Dr B Smith, Consultant"]


def test_diff_builds_both_versions_with_their_figures_and_shows_the_changed_page(released):
    project, steps = released
    assert steps["diff"] == 0
    pack = (project.root / "dist" / "review" / "one.html").read_text("utf-8")
    assert "Not built" not in pack
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", pack)
    assert captions and captions[0].startswith("Page 1 (") and "changed region" in captions[0]


def test_diff_fails_when_the_new_version_cannot_be_built(released, tmp_path, capsys):
    project, _ = released
    shutil.copytree(project.root, tmp_path / "broken", symlinks=True)
    broken = Project.at(tmp_path / "broken")
    template = broken.templates_dir / "leaflet.html.j2"
    template.write_text(template.read_text("utf-8").replace(
        "</body>", "{{ no_such_name }}</body>"), "utf-8")
    capsys.readouterr()
    assert run(broken, "diff", "one", "--since", "HEAD") == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "1 problem found." and "no_such_name" in err[0], err
    pack = (broken.root / "dist" / "review" / "one.html").read_text("utf-8")
    assert "Not built from the new version: templates/leaflet.html.j2" in pack


def test_a_leaflet_with_figures_is_remembered_until_a_figure_changes(tmp_path, monkeypatch):
    project = project_with(tmp_path, "bag.png", png(40, 40))
    (project.root / "brand" / "bag.png").write_bytes(png(40, 40))
    memo, path = Memo.in_cache(tmp_path / "cache"), project.leaflets_dir / "one.yaml"
    loads = []
    monkeypatch.setattr(remembered, "load_leaflet", lambda *arguments: loads.append(1) or
                        load_leaflet(*arguments))
    for _ in range(2):
        assert remembered_leaflet(memo, path, project.root).figures == {
            "bag.png": project.leaflets_dir / "bag.png"}
    assert len(loads) == 1
    (project.leaflets_dir / "bag.png").unlink()  # the brand's figure of that name shows
    assert remembered_leaflet(memo, path, project.root).figures == {
        "bag.png": project.root / "brand" / "bag.png"}
    (project.root / "brand" / "bag.png").write_bytes(b"Your appointment letter.\n")
    with pytest.raises(LeafletError, match="the figure file 'bag.png' is text"):
        remembered_leaflet(memo, path, project.root)
    assert len(loads) == 3


def test_diff_builds_a_figure_that_is_a_link_inside_the_project(released, tmp_path):
    project, _ = released
    shutil.copytree(project.root, tmp_path / "linked", symlinks=True)
    linked = Project.at(tmp_path / "linked")
    figure = linked.leaflets_dir / "bag.png"
    figure.rename(linked.root / "brand" / "bag-picture.png")
    figure.symlink_to(linked.root / "brand" / "bag-picture.png")  # absolute, and inside
    assert run(linked, "diff", "one", "--since", "HEAD") == 0
    pack = (linked.root / "dist" / "review" / "one.html").read_text("utf-8")
    assert "Not built" not in pack and "changed region" in pack


@pytest.mark.parametrize("command", [("check",), ("build", "--jobs", "1")])
def test_a_template_or_brand_file_linked_out_of_the_project_is_never_published(
        tmp_path, command, capfd):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.css").write_text(f"/* {SECRET} */\n", "utf-8")
    (outside / "logo.svg").write_text(OUTSIDE_SVG, "utf-8")
    project = make_project(tmp_path / "project")
    (project.templates_dir / "notes.css").symlink_to(outside / "notes.css")
    logo = project.root / "brand" / "logo.svg"
    logo.unlink()
    logo.symlink_to(outside / "logo.svg")
    dist = project.root / "dist"
    code = run(project, *command, *(["--output", str(dist)] if command[0] == "build" else []))
    out, err = capfd.readouterr()
    assert code == 1
    assert SECRET not in out + err and SECRET not in published_text(dist)
    # (build also finds the POT out of date: the brand's texts could not be read)
    assert [line for line in err.splitlines() if line.startswith("error: ")
            and "messages.pot" not in line] == [
        "error: brand/brand.yaml:8: logo: the logo file 'logo.svg' is a link to a file "
        "outside the brand file's folder; copy the file there instead of linking to it",
        f"error: templates/notes.css: {LINK}"]


# Figures by language and direction, enlarged in large print (issue 23) ----------------

# Each file of the figure draws its square in a colour of its own, so that a PDF says
# which file it shows; the default one has a label, in English.
COLOURS = {"square.svg": "#1b7f3b", "square.ar.svg": "#8a2be2", "square.zh-Hans.svg": "#c00000"}
SQUARE = ('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" '
          'viewBox="0 0 240 120"><rect x="10" y="10" width="100" height="100" fill="{}"/>'
          '<circle cx="180" cy="60" r="45" fill="none" stroke="#000000" stroke-width="6"/>'
          '{}</svg>\n')
WIDE = "#ff8c00"  # a figure wider than any page
BRIEFING = "#556b2f"  # the figure of a briefing for clinicians
MIRRORED = "      - figure: square.svg\n        alt: A blue square beside a black circle.\n" \
           "        caption: A picture drawn for the test.\n        mirror: true\n"


@pytest.fixture(scope="module")
def by_language(tmp_path_factory):
    """The small project in English, Chinese, Arabic and Hebrew (both drafts), its figure
    with an Arabic and a Chinese version and ``mirror: true``, and a figure too wide for
    the page; built with drafts, in both variants."""
    project = small_project(tmp_path_factory.mktemp("by-language") / "project",
                            approved=False)
    folder = project.leaflets_dir
    for name, colour in COLOURS.items():
        label = '<text x="120" y="115">Drip</text>' if name == "square.svg" else ""
        (folder / name).write_text(SQUARE.format(colour, label), "utf-8")
    (folder / "wide.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="60">'
        f'<rect width="900" height="60" fill="{WIDE}"/></svg>\n', "utf-8")
    (folder / "plain.svg").write_text(SQUARE.format(BRIEFING, ""), "utf-8")
    beta = folder / "beta.yaml"
    beta.write_text(beta.read_text("utf-8") + (
        "      - figure: plain.svg\n        alt: A square beside a circle.\n"), "utf-8")
    alpha = folder / "alpha.yaml"
    text = alpha.read_text("utf-8")
    alpha.write_text(text.replace(MIRRORED.replace("        mirror: true\n", ""), MIRRORED + (
        "      - figure: wide.svg\n        alt: An orange band across the page.\n")), "utf-8")
    approve(project)
    assert run(project, "update") == 0
    translate(project, "zh_Hans", {"An orange band across the page.": "一条横跨页面的橙色带。"})
    for locale in ("ar", "he"):
        assert run(project, "init", locale) == 0
    dist = project.root / "dist"
    build(project, dist, draft=True, log=lambda line: None, warn=lambda line: None)
    return project, dist


def drawn(path: Path, colour: str) -> list[tuple[int, float, float]]:
    """Return each square of ``colour`` drawn in the PDF: its page, width and horizontal
    scale (negative when mirrored), as PDFium finds the path."""
    found = []
    for number, page in enumerate(pdfium.PdfDocument(path), start=1):
        for item in page.get_objects(max_depth=4):
            if item.type != pdfium_raw.FPDF_PAGEOBJ_PATH:
                continue
            red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
            pdfium_raw.FPDFPageObj_GetFillColor(item.raw, red, green, blue, alpha)
            if f"#{red.value:02x}{green.value:02x}{blue.value:02x}" == colour:
                left, _, right, _ = item.get_bounds()
                found.append((number, right - left, item.get_matrix().a))
    return found


def body_size(path: Path, words: str) -> float:
    """Return the font size of the first character of ``words`` in the PDF, in points."""
    for page in pdfium.PdfDocument(path):
        text = page.get_textpage()
        index = text.get_text_range().find(words)
        if index >= 0:
            return pdfium_raw.FPDFText_GetFontSize(text.raw, index)
    raise AssertionError(f"{words!r} is not in {path}")


PDFS = {"en": "en", "zh_Hans": "zh-Hans", "ar": "drafts/ar", "he": "drafts/he"}


@pytest.mark.parametrize("locale, colour, direction", [
    ("en", "square.svg", 1), ("zh_Hans", "square.zh-Hans.svg", 1),
    ("ar", "square.ar.svg", 1), ("he", "square.svg", -1)])
def test_each_language_shows_its_version_and_only_the_default_is_mirrored(
        by_language, locale, colour, direction):
    _, dist = by_language
    for variant in ("alpha.pdf", "alpha.large-print.pdf"):
        [(_, _, scale)] = drawn(dist / PDFS[locale] / variant, COLOURS[colour])
        assert scale * direction > 0, (locale, variant)
        others = set(COLOURS.values()) - {COLOURS[colour]}
        assert not any(drawn(dist / PDFS[locale] / variant, other) for other in others)
    page = (dist / PDFS[locale] / "alpha" / "index.html").read_text("utf-8")
    [image] = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+"[^>]*>', page)[:1]
    shown = base64.b64decode(image.split("base64,")[1].split('"')[0]).decode()
    assert COLOURS[colour] in shown
    assert ('class="mirrored"' in image) == (direction < 0)
    assert 'style="width: calc(240px * var(--figure-scale))"' in image


def test_large_print_enlarges_a_figure_as_much_as_its_text_within_the_column(by_language):
    _, dist = by_language
    standard, large = dist / "en" / "alpha.pdf", dist / "en" / "alpha.large-print.pdf"
    [(_, width, _)] = drawn(standard, COLOURS["square.svg"])
    [(_, enlarged, _)] = drawn(large, COLOURS["square.svg"])
    text = body_size(large, "The first item.") / body_size(standard, "The first item.")
    assert text == pytest.approx(18 / 14, abs=0.001)
    assert width == pytest.approx(75, abs=0.1)  # 100 CSS pixels
    assert enlarged / width == pytest.approx(text, abs=0.002)
    # A briefing's text is 12 pt, and 18 pt in large print: so is its figure enlarged.
    briefing = [drawn(dist / "en" / name, BRIEFING)[0][1]
                for name in ("beta.pdf", "beta.large-print.pdf")]
    text = body_size(dist / "en" / "beta.large-print.pdf", "A briefing made up") / \
        body_size(dist / "en" / "beta.pdf", "A briefing made up")
    assert text == pytest.approx(18 / 12, abs=0.001)
    assert briefing[1] / briefing[0] == pytest.approx(text, abs=0.002)
    # The band of 900 pixels (675 pt) takes the column, in each variant its own.
    for path, margin in ((standard, 20), (large, 18)):
        [(_, band, _)] = drawn(path, WIDE)
        column = pdfium.PdfDocument(path)[0].get_width() - 2 * margin * 72 / 25.4
        assert band == pytest.approx(column, abs=0.2)


def test_check_names_each_language_without_its_version_and_the_mirrored_text(
        by_language, capsys):
    project, _ = by_language
    capsys.readouterr()
    assert run(project, "check") == 0
    where = "warning: leaflets/alpha.yaml:32: sections[2].blocks[1].figure: the figure file"
    assert [line for line in capsys.readouterr().err.splitlines()
            if "figure file" in line] == [
        f"{where} 'square.svg' has text and no version for he: its he pages show "
        "'square.svg'; add 'square.he.svg' beside it",
        f"{where} 'square.svg' has text, which reads backwards when it is mirrored "
        "(mirror: true) on its he pages; give each right-to-left language a version of its "
        "own ('square.he.svg') instead"]


def test_a_figure_without_text_warns_only_where_other_languages_have_a_version(tmp_path):
    project = project_with(tmp_path, "bag.png", png(40, 40))
    (project.leaflets_dir / "bag.zh_hans.png").write_bytes(png(40, 40))
    for other in ("bag.v2.png", "bag.old.png"):  # not languages: not read with bag.png
        (project.leaflets_dir / other).write_bytes(b"not a picture")
    leaflet = load_leaflet(project.leaflets_dir / "one.yaml", project.root)
    assert leaflet.figure_versions == {"bag.png": {"zh_hans": "bag.zh_hans.png"}}
    assert [str(problem) for problem in figure_problems(
        "leaflets/one.yaml", leaflet.figure_uses, ["ar", "zh_Hans"], text_direction)] == [
        "leaflets/one.yaml:23: sections[0].blocks[2].figure: the figure file 'bag.png' has a "
        "version for zh_Hans but none for ar: its ar pages show 'bag.png'; add "
        "'bag.ar.png' beside it"]
    assert figure_problems("leaflets/one.yaml", leaflet.figure_uses, ["zh_Hans"],
                           text_direction) == []


def test_a_language_version_is_checked_like_the_figure_and_only_one_is_allowed(tmp_path):
    project = project_with(tmp_path, "bag.png", png(40, 40))
    (project.leaflets_dir / "bag.ar.png").write_bytes(b"Your appointment letter.\n")
    (project.leaflets_dir / "bag.zh-Hans.png").write_bytes(png(40, 40))
    (project.leaflets_dir / "bag.zh_Hans.png").write_bytes(png(40, 40))
    with pytest.raises(LeafletError) as raised:
        load_leaflet(project.leaflets_dir / "one.yaml", project.root)
    where = "leaflets/one.yaml:23: sections[0].blocks[2].figure: the figure file"
    assert [str(problem) for problem in raised.value.problems] == [
        f"{where} 'bag.ar.png' is text, not a PNG image; export the figure as PNG or SVG",
        f"{where} 'bag.png' has 2 versions for one language: 'bag.zh-Hans.png' and "
        "'bag.zh_Hans.png'; keep one"]


def test_an_edited_or_added_language_version_rebuilds_only_that_languages_outputs(
        by_language, tmp_path):
    project, dist = by_language
    shutil.copytree(project.root, tmp_path / "copy", symlinks=True)
    copy = Project.at(tmp_path / "copy")
    folder = copy.leaflets_dir
    (folder / "square.ar.svg").write_text(SQUARE.format("#00ced1", ""), "utf-8")
    built = []
    build(copy, copy.root / "dist", draft=True, warn=lambda line: None,
          log=lambda line: built.append(line.split()[1]) if line.startswith("built ") else 0)
    assert built == ["drafts/ar/alpha.pdf", "drafts/ar/alpha/index.html",
                     "drafts/ar/alpha.large-print.pdf"]
    assert drawn(copy.root / "dist" / "drafts" / "ar" / "alpha.pdf", "#00ced1")
    (folder / "square.he.svg").write_text(SQUARE.format("#00ced1", ""), "utf-8")
    built.clear()
    build(copy, copy.root / "dist", draft=True, warn=lambda line: None,
          log=lambda line: built.append(line.split()[1]) if line.startswith("built ") else 0)
    assert built == ["drafts/he/alpha.pdf", "drafts/he/alpha/index.html",
                     "drafts/he/alpha.large-print.pdf"]
    [(_, _, scale)] = drawn(copy.root / "dist" / "drafts" / "he" / "alpha.pdf", "#00ced1")
    assert scale > 0  # its own version: not mirrored


def test_diff_shows_a_changed_language_version_as_a_changed_page_of_that_language(
        by_language, tmp_path):
    project, _ = by_language
    shutil.copytree(project.root, tmp_path / "copy", symlinks=True)
    copy = Project.at(tmp_path / "copy")
    shutil.rmtree(copy.root / "dist")
    _translate_all(copy, "ar")
    _git(copy, "init", "-q")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "Arabic")
    (copy.leaflets_dir / "square.ar.svg").write_text(SQUARE.format("#00ced1", ""), "utf-8")
    assert run(copy, "diff", "alpha", "--since", "HEAD") == 0
    pack = (copy.root / "dist" / "review" / "alpha.html").read_text("utf-8")
    sections = dict(re.findall(r'<section id="([^"]+)">(.*?)</section>', pack, re.DOTALL))
    assert " ar: " not in pack  # built, both versions (Hebrew is not translated)
    assert "changed region" in sections["ar"]
    assert "changed region" not in sections["en"] + sections["zh-Hans"]


def _translate_all(project: Project, locale: str) -> None:
    """Give every text of ``locale``'s catalog an Arabic translation of a kind: each word
    one Arabic word, its placeholders and links kept."""
    from babel.messages.pofile import read_po, write_po

    with project.po_file(locale).open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and isinstance(message.id, str):
            message.string = re.sub(r"(\]\([^)]*\)|%\([a-z_]+\)s|%%)|[A-Za-z]+",
                                    lambda found: found[1] or "نص", message.id)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    project.po_file(locale).write_bytes(buffer.getvalue())


# The editor: the mirror field, a language's version uploaded and used --------------------

@pytest.fixture
def served_editor(by_language, tmp_path):
    """The editor of a copy of the project by language, served on a free port."""
    from werkzeug.serving import make_server

    from leafpress.build.plan import BuildOptions
    from leafpress.editor.app import Editor
    from leafpress.editor.guard import Guard

    project, _ = by_language
    shutil.copytree(project.root, tmp_path / "copy", symlinks=True)
    copy = Project.at(tmp_path / "copy")
    server = make_server("127.0.0.1", 0, lambda environ, start: editor(environ, start),
                         threaded=True)
    editor = Editor(copy, BuildOptions(brand=copy.brand_file), Guard(server.server_port))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield copy, editor, server.server_port
    server.shutdown()


def test_the_editor_shows_mirror_as_a_checkbox_and_saves_it_as_true_or_false(
        served_editor, tmp_path):
    project, editor, port = served_editor
    browser = Chromium(tmp_path / "chromium-profile")
    try:
        browser.open(f"http://127.0.0.1:{port}/edit/leaflets/alpha")
        until(lambda: browser.evaluate("!leafletForm.busy && leafletForm.shown > 0"), 30)
        box = "document.getElementById('f-sections-2-blocks-1-mirror')"
        assert browser.evaluate(f"{box}.type + ' ' + {box}.checked") == "checkbox true"
        label = browser.evaluate(f"document.querySelector('label[for=\"' + {box}.id + "
                                 "'\"]').textContent")
        assert label.startswith("Mirror")
        block = "leafletForm.collect().sections[2].blocks"
        assert browser.evaluate(f"{block}[1].mirror") == "true"
        assert browser.evaluate(f"'mirror' in {block}[3]") is False  # wide.svg: none
        browser.evaluate(f"{box}.click(); true")
        assert browser.evaluate(f"{block}[1].mirror") == "false"
        browser.evaluate("document.getElementById('save').click(); true")
        until(lambda: "mirror: false" in (project.leaflets_dir / "alpha.yaml").read_text(
            "utf-8"), 30)
        leaflet = load_leaflet(project.leaflets_dir / "alpha.yaml", project.root)
        assert leaflet.leaflet.sections[2].blocks[1].mirror is False
    finally:
        browser.close()


def test_the_editor_takes_an_uploaded_language_version_into_its_check_and_renderings(
        served_editor):
    from werkzeug.test import Client

    from leafpress.editor.draft import check_draft
    from leafpress.editor.guard import TOKEN_HEADER
    from leafpress.editor.saving import digest

    project, editor, port = served_editor
    path = project.leaflets_dir / "alpha.yaml"
    headers = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}",
               TOKEN_HEADER: editor.token}
    data = read_yaml(path)[0].data

    def figure_warnings():
        reply = Client(editor).post("/edit/leaflets/alpha/check", headers=headers, json={
            "leaflet": data, "base": digest(path)}).get_json()
        return [problem["message"] for problem in reply["problems"]
                if "figure file" in problem["message"]]

    # As check says it (test_check_names_each_language_without_its_version_…).
    assert sorted(message.split("'square.svg' ")[1][:25] for message in figure_warnings()) \
        == ["has text and no version f", "has text, which reads bac"]
    upload = SQUARE.format("#00ced1", "").encode()
    reply = Client(editor).post("/edit/leaflets/alpha/figures", headers=headers, data={
        "file": (io.BytesIO(upload), "square.he.svg")})
    assert reply.status_code == 200 and reply.get_json()["name"] == "square.he.svg"
    assert (project.leaflets_dir / "square.he.svg").read_bytes() == upload
    assert figure_warnings() == []
    draft = check_draft(editor, path, data)
    printed = {translations.locale: rendered.html
               for translations, rendered in draft.outputs.printed}
    encoded = base64.b64encode(upload).decode()
    assert [locale for locale, html in printed.items() if encoded in html] == ["he"]
    assert 'class="mirrored"' not in printed["he"]


def test_serve_rebuilds_when_a_figure_or_a_language_version_of_it_changes(tmp_path):
    from leafpress.preview.server import Selection, touched

    project = project_with(tmp_path, "bag.png", png(40, 40))
    brand = project.brand_file.parent
    for name in ("bag.png", "bag.ar.png"):
        assert touched(project, brand, [project.leaflets_dir / name]) == Selection()


def test_the_web_page_draws_the_figure_at_its_width_mirrored_within_the_column(
        by_language, tmp_path):
    _, dist = by_language
    browser = Chromium(tmp_path / "chromium-profile")
    try:
        assert browser.open((dist / "drafts" / "he" / "alpha" / "index.html").as_uri(),
                            width=600) == []
        square, band = browser.evaluate("""[...document.querySelectorAll("figure img")].map(
            img => [img.getBoundingClientRect().width, getComputedStyle(img).transform,
                    img.closest("main, body").clientWidth >= img.getBoundingClientRect().width,
                    img.naturalWidth > 0])""")
    finally:
        browser.close()
    assert square == [240, "matrix(-1, 0, 0, 1, 0, 0)", True, True]
    assert band[0] < 900 and band[1] == "none" and band[2:] == [True, True]
