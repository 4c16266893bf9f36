"""The EPUB of a leaflet in one language (issue 24): valid for epubcheck, accessible, with
the web page's text, and the same bytes from the same input."""

from __future__ import annotations

import io
import posixpath
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import pytest
import tinyhtml5

from leafpress.content.brand import load_brand
from leafpress.content.leaflet import load_leaflet
from leafpress.core.errors import LeafletError
from leafpress.core.project import ASSETS_DIR, Project, bcp47, output_path
from leafpress.formats.epub import CONFORMANCE, epub_bytes
from leafpress.formats.xhtml import references
from leafpress.rendering.document import render_html, template_environment
from leafpress.translation.translations import Translations, load_translations

from helpers import XHTML, small_project

OPF = "{http://www.idpf.org/2007/opf}"
OPS = "{http://www.idpf.org/2007/ops}"
DC = "{http://purl.org/dc/elements/1.1/}"
# Some of the fixture's texts in Arabic; the rest stays English, as in a draft, marked
# as English and left to right inside the right-to-left document.
ARABIC = {
    "Alpha test leaflet": "نشرة اختبار ألفا",
    "A made-up leaflet for the tests of the leaflet builder.": "نشرة مختلقة لاختبارات منشئ النشرات.",
    "What this leaflet is": "ما هذه النشرة",
    "Questions": "أسئلة",
    "Pictures and tables": "صور وجداول",
    "About this leaflet": "حول هذه النشرة",
    "Sources": "المصادر",
    "Test Team": "فريق الاختبار",
}
EDITIONS = [("alpha", "en"), ("alpha", "zh_Hans"), ("alpha", "ar"), ("beta", "en")]
EPUBCHECK = shutil.which("epubcheck")
needs_epubcheck = pytest.mark.skipif(
    EPUBCHECK is None, reason="epubcheck is not installed (Debian's epubcheck, with a JRE: "
                              "scripts/setup.sh --test installs it)")


def page_files(project: Project, page: str, html: str) -> dict[str, bytes]:
    """Return what the page loads, as the catalogue publishes it in dist/assets/."""
    found = {}
    for address in references(html):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), address))
        inside = path.removeprefix(f"{ASSETS_DIR}/")
        source = project.root / "brand" / inside.removeprefix("brand/") \
            if inside.startswith("brand/") else project.templates_dir / inside
        found[address] = source.read_bytes()
    return found


def editions(root: Path) -> dict[tuple[str, str], tuple[str, bytes]]:
    """Render the fixture's web pages and make their EPUBs: ``(html, epub)`` each."""
    project = small_project(root)
    environment, brand = template_environment(project), load_brand(project.brand_file)
    translations = {"en": Translations.source(), "zh_Hans": load_translations(project, "zh_Hans")[0],
                    "ar": Translations("ar", ARABIC)}
    made = {}
    for name, locale in EDITIONS:
        leaflet = load_leaflet(project.leaflets_dir / f"{name}.yaml", project.root)
        others = [other for other in ("en", "zh_Hans") if other != locale]
        rendered = render_html(environment, project, leaflet, brand, translations[locale],
                               others, draft=locale == "ar", medium="screen")
        page = output_path(name, bcp47(locale), "standard", "screen", rendered.draft)
        made[name, locale] = rendered.html, epub_bytes(
            rendered.html, leaflet.leaflet, page_files(project, page, rendered.html))
    return made


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return editions(tmp_path_factory.mktemp("epub") / "small")


@pytest.fixture(scope="module")
def written(made, tmp_path_factory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("epubs")
    paths = {}
    for (name, locale), (_, data) in made.items():
        paths[name, locale] = folder / f"{name}-{locale}.epub"
        paths[name, locale].write_bytes(data)
    return paths


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def package(data: bytes):
    return ElementTree.fromstring(members(data)["EPUB/package.opf"])


def document(data: bytes, name: str):
    return ElementTree.fromstring(members(data)[f"EPUB/{name}"])


def flat(element) -> str:
    return " ".join("".join(element.itertext()).split())


def properties(root, name: str) -> list[str]:
    return [meta.text for meta in root.iter(f"{OPF}meta") if meta.get("property") == name]


@needs_epubcheck
@pytest.mark.parametrize(("name", "locale"), [("alpha", "en"), ("alpha", "zh_Hans"),
                                              ("alpha", "ar")])
def test_epubcheck_finds_nothing_wrong(written, name, locale):
    command = [EPUBCHECK]
    if Path(EPUBCHECK).resolve().suffix == ".jar":
        # Debian's epubcheck is the jar itself, run through binfmt_misc, which a container
        # may lack. A JIT that stops early halves its start-up (~6 s instead of ~13 s).
        command = ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
                   str(Path(EPUBCHECK).resolve())]
    checked = subprocess.run([*command, str(written[name, locale])], capture_output=True,
                             text=True)
    report = checked.stdout + checked.stderr
    assert checked.returncode == 0, report
    assert "Messages: 0 fatals / 0 errors / 0 warnings / 0 infos" in report, report


def test_the_container_starts_with_its_media_type_stored(made):
    for _, data in made.values():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            first = archive.infolist()[0]
            assert (first.filename, first.compress_type, first.extra) == (
                "mimetype", zipfile.ZIP_STORED, b"")
            assert archive.read(first) == b"application/epub+zip"
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert data[30:38] == b"mimetype"  # the name right after the first local header


def test_the_same_input_gives_the_same_bytes_in_another_folder(made, tmp_path):
    again = editions(tmp_path / "elsewhere" / "small")
    assert {key: epub for key, (_, epub) in again.items()} == {
        key: epub for key, (_, epub) in made.items()}


def test_the_package_names_the_edition(made):
    root = package(made["alpha", "zh_Hans"][1])
    assert root.get("version") == "3.0" and root.get("unique-identifier") == "edition"
    [identifier] = root.iter(f"{DC}identifier")
    assert identifier.get("id") == "edition" and identifier.text.startswith("urn:uuid:")
    assert [element.text for element in root.iter(f"{DC}language")] == ["zh-Hans"]
    assert [element.text for element in root.iter(f"{DC}title")] == ["阿尔法测试资料"]
    # The leaflet's own date, never the clock's.
    assert properties(root, "dcterms:modified") == ["2026-11-21T00:00:00Z"]
    others = {next(package(data).iter(f"{DC}identifier")).text for _, data in made.values()}
    assert len(others) == len(made)  # one identifier per leaflet and language


def test_a_right_to_left_leaflet_turns_its_pages_to_the_left(made):
    assert package(made["alpha", "ar"][1]).find(f"{OPF}spine").get(
        "page-progression-direction") == "rtl"
    assert package(made["alpha", "en"][1]).find(f"{OPF}spine").get(
        "page-progression-direction") is None
    content = document(made["alpha", "ar"][1], "content.xhtml")
    assert (content.get("lang"), content.get("dir")) == ("ar", "rtl")
    english = [element for element in content.iter() if element.get("lang") == "en"]
    assert english and all(element.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
                           for element in english)


def test_the_accessibility_metadata_says_what_is_true(made):
    root = package(made["alpha", "en"][1])
    assert properties(root, "schema:accessMode") == ["textual", "visual"]
    assert properties(root, "schema:accessModeSufficient") == ["textual", "textual,visual"]
    assert properties(root, "schema:accessibilityFeature") == [
        "structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability",
        "alternativeText"]
    assert properties(root, "schema:accessibilityHazard") == ["none"]
    assert properties(root, "schema:accessibilitySummary")[0].endswith(
        "not evaluated by a person.")
    assert properties(root, "dcterms:conformsTo") == [CONFORMANCE]
    assert properties(root, "a11y:certifiedBy") == []  # nobody has evaluated it
    plain = package(made["beta", "en"][1])  # no figure: text only
    assert properties(plain, "schema:accessMode") == ["textual"]
    assert "alternativeText" not in properties(plain, "schema:accessibilityFeature")


def test_an_evaluation_is_named_only_when_given(tmp_path):
    project = small_project(tmp_path / "small")
    leaflet = load_leaflet(project.leaflets_dir / "beta.yaml", project.root)
    html = render_html(template_environment(project), project, leaflet,
                       load_brand(project.brand_file), Translations.source(), [],
                       medium="screen").html
    data = epub_bytes(html, leaflet.leaflet,
                      page_files(project, "en/beta/index.html", html),
                      certified_by="Northgate Hospital Digital Accessibility Team")
    root = package(data)
    assert properties(root, "a11y:certifiedBy") == ["Northgate Hospital Digital Accessibility Team"]
    assert properties(root, "schema:accessibilitySummary")[0].endswith(
        "evaluated by Northgate Hospital Digital Accessibility Team.")


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_navigation_lists_every_h2_and_h3_in_order(made, edition):
    html, data = made[edition]
    page = tinyhtml5.parse(html)
    expected = [flat(element) for element in page.iter()
                if element.tag in (f"{XHTML}h2", f"{XHTML}h3")]
    nav = document(data, "nav.xhtml")
    [toc] = [element for element in nav.iter(f"{XHTML}nav") if element.get(f"{OPS}type") == "toc"]
    links = list(toc.iter(f"{XHTML}a"))
    assert [flat(link) for link in links] == expected
    content = document(data, "content.xhtml")
    targets = {element.get("id"): element for element in content.iter() if element.get("id")}
    for link in links:  # each goes to its heading
        name, _, anchor = link.get("href").partition("#")
        assert name == "content.xhtml" and flat(targets[anchor]) == flat(link)
    # h3s sit under their h2: one list per section that has them
    assert [len(item.findall(f"{XHTML}ol")) for item in toc.find(f"{XHTML}ol")] == [
        int(bool(section.findall(f".//{XHTML}h3"))) for section in page.iter(f"{XHTML}section")]
    [landmarks] = [element for element in nav.iter(f"{XHTML}nav")
                   if element.get(f"{OPS}type") == "landmarks"]
    assert [link.get(f"{OPS}type") for link in landmarks.iter(f"{XHTML}a")] == [
        "bodymatter", "bibliography"]


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_content_is_the_web_pages_text(made, edition):
    html, data = made[edition]
    page = tinyhtml5.parse(html).find(f"{XHTML}body")
    content = document(data, "content.xhtml").find(f"{XHTML}body")
    assert flat(content) == flat(page)
    assert flat(content.find(f"{XHTML}main")) == flat(page.find(f"{XHTML}main"))
    assert len(flat(content.find(f"{XHTML}main"))) > 200


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_picture_is_a_file_of_the_container_with_its_alt(made, edition):
    html, data = made[edition]
    files = members(data)
    shown = [(image.get("alt"), image.get("src").startswith("data:"))
             for image in tinyhtml5.parse(html).iter(f"{XHTML}img")]
    images = list(document(data, "content.xhtml").iter(f"{XHTML}img"))
    assert [image.get("alt") for image in images] == [alt for alt, _ in shown]
    assert all(image.get("alt") for image in images)
    listed = {item.get("href"): item.get("media-type")
              for item in package(data).iter(f"{OPF}item")}
    for image in images:
        assert f"EPUB/{image.get('src')}" in files and image.get("src") in listed
    assert len(images) == (2 if edition[0] == "alpha" else 1)  # the logo, and the figure


def test_the_stylesheet_is_for_a_reader_without_fonts_or_paper(made):
    files = members(made["alpha", "zh_Hans"][1])
    css = files["EPUB/leaflet.css"].decode()
    assert "@page" not in css and "@font-face" not in css and "url(" not in css
    assert "@media" not in css and "max-width: 46rem" in css  # the screen rules, kept
    assert not [name for name in files if name.endswith((".ttf", ".otf", ".woff", ".woff2"))]
    content = files["EPUB/content.xhtml"].decode()
    assert "<script" not in content and "data:" not in content
    assert 'name="viewport"' not in content


def test_a_stylesheet_that_loads_a_file_is_refused_at_its_line(tmp_path):
    project = small_project(tmp_path / "small")
    css = project.templates_dir / "leaflet.css"
    lines = css.read_text("utf-8").splitlines()
    css.write_text("\n".join([*lines, '.callout { background-image: url("stripes.png"); }'])
                   + "\n", "utf-8")
    leaflet = load_leaflet(project.leaflets_dir / "beta.yaml", project.root)
    html = render_html(template_environment(project), project, leaflet,
                       load_brand(project.brand_file), Translations.source(), [],
                       medium="screen").html
    with pytest.raises(LeafletError) as raised:
        epub_bytes(html, leaflet.leaflet, page_files(project, "en/beta/index.html", html))
    assert str(raised.value) == (
        f"templates/leaflet.css:{len(lines) + 1}: stylesheet: expected no url() or @import outside "
        "@font-face and @page (an EPUB carries only the page's own pictures), got "
        'url("stripes.png")')


def test_a_picture_that_moves_makes_the_hazard_unknown(tmp_path):
    project = small_project(tmp_path / "small")
    figure = project.leaflets_dir / "square.svg"
    figure.write_text(figure.read_text("utf-8").replace(
        "</svg>", '<circle r="5"><animate attributeName="r" values="5;9;5" dur="1s" '
                  'repeatCount="indefinite"/></circle></svg>'), "utf-8")
    leaflet = load_leaflet(project.leaflets_dir / "alpha.yaml", project.root)
    html = render_html(template_environment(project), project, leaflet,
                       load_brand(project.brand_file), Translations.source(), [],
                       medium="screen").html
    data = epub_bytes(html, leaflet.leaflet, page_files(project, "en/alpha/index.html", html))
    assert properties(package(data), "schema:accessibilityHazard") == ["unknown"]
