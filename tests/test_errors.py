"""Bad input gets one clear message per problem: file, line, key path, expected vs got."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from leafpress.build.pipeline import build_pages
from leafpress.build.plan import BuildOptions
from leafpress.cli import main
from leafpress.content.brand import load_brand
from leafpress.content.leaflet import load_leaflet
from leafpress.core import typefaces
from leafpress.core.errors import LeafletError, Problem
from leafpress.core.project import Project
from leafpress.rendering import pdf
from leafpress.translation import translations
from leafpress.translation.translations import load_translations

from helpers import cli, run

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"


def leaflet_problems(path: Path, tmp_path: Path) -> list[Problem]:
    load_leaflet(path, path.parent)
    return []


def brand_problems(path: Path, tmp_path: Path) -> list[Problem]:
    load_brand(path, path.name)
    return []


def catalog_problems(path: Path, tmp_path: Path) -> list[Problem]:
    """Read ``path`` as the zh_Hans catalog of a project in ``tmp_path``."""
    project = Project.at(tmp_path)
    project.po_file("zh_Hans").parent.mkdir(parents=True)
    shutil.copy(path, project.po_file("zh_Hans"))
    return load_translations(project, "zh_Hans")[1]


# One file per defect in each folder, its exact messages beside it in NAME.expected.
KINDS = {"bad": ("yaml", leaflet_problems), "bad-brand": ("yaml", brand_problems),
         "bad-po": ("po", catalog_problems)}
CASES = [(kind, path) for kind, (suffix, _) in KINDS.items()
         for path in sorted((DATA / kind).glob(f"*.{suffix}"))]


@pytest.mark.parametrize(("kind", "path"), CASES,
                         ids=[f"{kind}/{path.stem}" for kind, path in CASES])
def test_bad_input_gets_its_exact_messages(kind, path, tmp_path):
    try:
        problems = KINDS[kind][1](path, tmp_path)
    except LeafletError as error:
        problems = error.problems
    expected = path.with_suffix(".expected").read_text("utf-8").splitlines()
    assert [str(problem) for problem in problems] == expected


@pytest.mark.parametrize("kind", KINDS)
def test_every_bad_input_has_its_expected_messages(kind):
    folder = DATA / kind
    assert {path.stem for path in folder.glob("*.expected")} == {
        path.stem for path in folder.glob(f"*.{KINDS[kind][0]}")}


# Each folder is laid over the small project; NAME.expected is what `check` prints.
CHECK_CASES = sorted(path for path in (DATA / "bad-check").iterdir() if path.is_dir())


@pytest.mark.parametrize("case", CHECK_CASES, ids=[case.name for case in CHECK_CASES])
def test_one_check_reports_every_problem_of_every_file(case, fixture_project, capsys):
    """Issue 20: eight mistakes in one leaflet took four rounds of `check` (YAML, lists,
    schema, characters); now one run reports them all, with those of every other leaflet
    and catalog, file by file in the order of the lines."""
    shutil.copytree(case, fixture_project.root, dirs_exist_ok=True)
    assert run(fixture_project, "check") == 1
    assert [line for line in capsys.readouterr().err.splitlines()
            if not line.startswith("warning: ")] == \
        case.with_suffix(".expected").read_text("utf-8").splitlines()


def test_every_check_case_has_its_expected_messages():
    folder = DATA / "bad-check"
    assert {path.stem for path in folder.glob("*.expected")} == {
        case.name for case in CHECK_CASES}


def test_a_catalog_that_is_not_utf8_is_an_error_of_every_command(fixture_built, capsys):
    """A catalog declaring ISO-8859-1 was read as such: its UTF-8 text became mojibake in
    the PDFs. Every command that reads catalogs says so, and the other languages build."""
    project, dist = fixture_built
    shutil.copytree(DATA / "bad-check" / "every-file" / "locales", project.locales_dir,
                    dirs_exist_ok=True)
    message = ("error: locales/fr/LC_MESSAGES/messages.po:9: the catalog must be UTF-8: "
               "declare charset=UTF-8 in the Content-Type header and save the file as UTF-8, "
               "got charset=ISO-8859-1")
    for command in (["check"], ["build", "--output", str(dist)], ["stats"], ["report"]):
        assert run(project, *command) == 1, command
        assert message in capsys.readouterr().err.splitlines(), command
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    assert {output["locale"] for output in manifest["outputs"]} == {"en", "zh-Hans"}


def test_check_reports_every_problem_without_a_traceback(fixture_project):
    shutil.copy(BAD / "unknown-key.yaml", fixture_project.leaflets_dir)
    shutil.copy(BAD / "wrong-audience.yaml", fixture_project.leaflets_dir)
    # Its own process: an exception that escapes would print its traceback there.
    result = cli(fixture_project, "check")
    assert result.returncode == 1
    # Every error; the warnings (no approval recorded, quality gates) do not count.
    assert [line for line in result.stderr.splitlines()
            if not line.startswith("warning: ")] == [
        "error: leaflets/unknown-key.yaml:3: unknown key 'titel'; did you mean 'title'?",
        "error: leaflets/wrong-audience.yaml:4: audience: expected one of 'patient' or "
        "'clinician', got 'patients'",
        "2 problems found."]
    assert "Traceback" not in result.stderr


def test_a_broken_leaflet_does_not_stop_the_others(fixture_built, capsys):
    project, dist = fixture_built
    shutil.copy(BAD / "forbidden-link.yaml", project.leaflets_dir)
    assert main(["--project", str(project.root), "build", "--output", str(dist)]) == 1
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    assert sorted(output["path"] for output in manifest["outputs"]
                  if output["format"] == "pdf") == [
        "en/alpha.large-print.pdf", "en/alpha.pdf", "en/beta.large-print.pdf", "en/beta.pdf",
        "zh-Hans/alpha.large-print.pdf", "zh-Hans/alpha.pdf", "zh-Hans/beta.large-print.pdf",
        "zh-Hans/beta.pdf"]
    err = capsys.readouterr().err
    assert err.count("leaflets/forbidden-link.yaml:17:") == 1


def test_a_failed_build_keeps_the_previous_pdf(fixture_built):
    project, dist = fixture_built
    good = (dist / "en" / "alpha.pdf").read_bytes()
    path = project.leaflets_dir / "alpha.yaml"
    path.write_text(path.read_text("utf-8").replace("audience: patient", "audience: nobody"),
                    "utf-8")
    assert main(["--project", str(project.root), "build", "--output", str(dist)]) == 1
    assert (dist / "en" / "alpha.pdf").read_bytes() == good
    assert not list(dist.rglob("*.tmp"))


def test_a_bad_brand_is_reported_with_its_line(project, capsys):
    brand = project.root / "brand" / "brand.yaml"
    brand.write_text(brand.read_text("utf-8").replace('accent: "#005EB8"', 'accent: blue'),
                     "utf-8")
    assert main(["--project", str(project.root), "check"]) == 1
    assert ("error: brand/brand.yaml:12: colours.accent: expected a colour like #005EB8, "
            "got 'blue'") in capsys.readouterr().err


def test_bad_usage_exits_with_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["no-such-command"])
    assert exit_.value.code == 2


def test_reference_codes_are_unique_and_yml_files_are_named(fixture_project, capsys):
    project = fixture_project
    path = project.leaflets_dir / "beta.yaml"
    path.write_text(path.read_text("utf-8").replace("TEST-002", "TEST-001"), "utf-8")
    (project.leaflets_dir / "draft.yml").write_text("id: draft\n", "utf-8")
    assert main(["--project", str(project.root), "check"]) == 1
    err = capsys.readouterr().err
    assert ("error: leaflets/beta.yaml:4: reference: 'TEST-001' is already the "
            "reference of leaflets/alpha.yaml") in err
    assert "error: leaflets/draft.yml: leaflet files end in .yaml; rename it to draft.yaml" in err


TEMPLATE = "templates/leaflet.html.j2"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{% endif %}", "{% endiff %}",
     "template error: Encountered unknown tag 'endiff'. Jinja was looking for the following "
     "tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."),
    ('<html lang="{{ lang }}"', '<html lang="{{ language }}"',
     "template error: 'language' is undefined"),
    ('<html lang="{{ lang }}"', '<html lang="{{ leaflet.language }}"',
     "template error: 'Leaflet object' has no attribute 'language'"),
    ('<html lang="{{ lang }}"', '<html lang="{{ lang / 0 }}"',
     "template error: unsupported operand type(s) for /: 'str' and 'int'"),
    ('<html lang="{{ lang }}"', '<html lang="{% include "../../../etc/passwd" %}"',
     "template error: expected a template in the templates folder, got '../../../etc/passwd'"),
    ('_("Patient information")', '_("Patient %(kind)s information")',
     "template error: no value is given for the placeholder %(kind)s"),
    ('_("Patient information")', '_("100% Patient information")',
     "template error: unsupported format character 'P' (0x50) at index 5; a literal percent "
     "sign in a translated text is written %%"),
])
def test_a_template_mistake_names_the_template_and_line(fixture_project, old, new, message):
    project = fixture_project
    path = project.root / TEMPLATE
    text = path.read_text("utf-8")
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), "utf-8")
    # Its own process: an exception that escapes would print its traceback there.
    result = cli(project, "check")
    assert result.returncode == 1
    assert [row for row in result.stderr.splitlines() if TEMPLATE in row] == [
        f"error: {TEMPLATE}:{line}: {message}"]
    assert "Traceback" not in result.stderr


INDEX_TEMPLATE = "templates/index.html.j2"
UNCLOSED_IF = ("template error: Unexpected end of template. Jinja was looking for the "
               "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to "
               "be closed is 'if'.")


@pytest.mark.parametrize(("template", "old", "new", "message"), [
    (TEMPLATE, "</html>", "{% if lang %}</html>", UNCLOSED_IF),
    (TEMPLATE, '<html lang="{{ lang }}"', '<html lang="{{ lang | shout }}"',
     "template error: No filter named 'shout'."),
    (INDEX_TEMPLATE, "</html>", "{% if leaflets %}</html>", UNCLOSED_IF),
    (INDEX_TEMPLATE, "{{ organisation }}", "{{ organisation_name }}",
     "template error: 'organisation_name' is undefined"),
    (INDEX_TEMPLATE, "{{ leaflet.reference }}", "{{ leaflet.referenc }}",
     "template error: 'dict object' has no attribute 'referenc'"),
    (INDEX_TEMPLATE, "{{ file.label }}", "{{ file.label | shout }}",
     "template error: No filter named 'shout'."),
], ids=["leaflet-unclosed-if", "leaflet-unknown-filter", "catalogue-unclosed-if",
        "catalogue-undefined", "catalogue-no-attribute", "catalogue-unknown-filter"])
def test_check_and_build_report_a_template_mistake_at_its_line(fixture_built, template, old,
                                                                new, message, capsys):
    """Issue 20: the catalogue page's template was not checked at all, and a mistake in it
    ended the build in a traceback once every PDF was written."""
    project, dist = fixture_built
    path = project.root / template
    text = path.read_text("utf-8")
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), "utf-8")
    expected = [f"error: {template}:{line}: {message}", "1 problem found."]
    for command in (["check"], ["build", "--output", str(dist)]):
        assert run(project, *command) == 1, command
        assert [row for row in capsys.readouterr().err.splitlines()
                if not row.startswith("warning: ")] == expected, command
    if template == TEMPLATE:  # serve's web-page preview renders the leaflet template too
        with pytest.raises(LeafletError) as error:
            build_pages(project, dist, BuildOptions())
        assert str(error.value) == expected[0].removeprefix("error: ")


PANGO_MISSING = OSError(
    "cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file: "
    "No such file or directory.  Additionally, ctypes.util.find_library() did not manage to "
    "locate a library called 'libpango-1.0-0'")


def test_a_missing_system_library_names_its_package(project, tmp_path, monkeypatch, capsys):
    def missing():
        raise PANGO_MISSING

    monkeypatch.setattr(pdf, "_weasyprint_libraries", missing)
    assert main(["--project", str(project.root), "build", "--output", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err
    assert err.endswith("error: system: WeasyPrint cannot load the system library libpango-1.0-0; "
                        "install the Debian package libpango-1.0-0 (scripts/setup.sh does)\n"
                        "1 problem found.\n")
    assert not list((tmp_path / "dist").rglob("*.pdf"))


def test_a_missing_harfbuzz_subset_and_cjk_font_are_named(monkeypatch):
    monkeypatch.setattr(pdf, "_weasyprint_libraries", lambda: SimpleNamespace(harfbuzz_subset=None))
    monkeypatch.setattr(pdf, "installed_families", lambda: {"DejaVu Sans"})
    assert pdf.system_problems() == [
        "HarfBuzz's subset library is missing, so fonts are subset with fontTools (about 34 "
        "times slower for Chinese); install the Debian package libharfbuzz-subset0 "
        "(scripts/setup.sh does)",
        "the font 'Noto Sans CJK SC' is not installed, so Chinese text would be drawn with "
        "another font or as empty boxes; install the Debian package fonts-noto-cjk "
        "(scripts/setup.sh does)"]


def test_missing_fontconfig_and_gettext_are_named(project, monkeypatch):
    def not_installed(arguments, **options):
        raise FileNotFoundError(2, "No such file or directory", arguments[0])

    monkeypatch.setattr(typefaces.subprocess, "run", not_installed)
    assert pdf.system_problems() == [
        "fontconfig's fc-list is not installed; install the Debian package fontconfig "
        "(scripts/setup.sh does)"]
    monkeypatch.setattr(translations.shutil, "which", lambda name: None)
    with pytest.raises(LeafletError) as error:
        translations.read_catalog(project, "zh_Hans")
    assert str(error.value) == ("system: GNU gettext's msgfmt is not installed; install the "
                                "Debian package gettext (scripts/setup.sh does)")


def test_the_same_id_twice_is_refused_by_its_file_name(fixture_project, capsys):
    """Ids are file names, so two leaflets cannot share one; a copy keeping its id is named."""
    project = fixture_project
    shutil.copy(project.leaflets_dir / "alpha.yaml", project.leaflets_dir / "alpha-copy.yaml")
    assert main(["--project", str(project.root), "check"]) == 1
    assert ("error: leaflets/alpha-copy.yaml:3: id: the id must match the file name "
            "'alpha-copy', got 'alpha'") in capsys.readouterr().err


def test_several_problems_in_one_file_are_reported_together_in_line_order():
    expected = (BAD / "several-problems.expected").read_text("utf-8").splitlines()
    assert len(expected) == 5  # one run reports them all, not the first one only
    # (A catalog's problems come from msgfmt, which names a duplicate and then its original.)
    for kind, path in [(kind, path) for kind, path in CASES if kind != "bad-po"]:
        lines = [int(line.split(":")[1]) for line in
                 path.with_suffix(".expected").read_text("utf-8").splitlines()
                 if line.split(":")[1:2] and line.split(":")[1].isdigit()]
        assert lines == sorted(lines), path
