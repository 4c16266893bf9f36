"""Branding: another brand without template changes; colours that fail WCAG are refused."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from leafpress.cli import main
from leafpress.content.brand import contrast_ratio
from leafpress.core.errors import LeafletError

from helpers import ROOT, flat, make_project, pdftotext

BRANDS = Path(__file__).parent / "data" / "brands"




@pytest.mark.parametrize(("foreground", "background", "ratio"), [
    ("#000000", "#FFFFFF", 21.0), ("#FFFFFF", "#FFFFFF", 1.0), ("#777777", "#FFFFFF", 4.48),
    ("#005EB8", "#FFFFFF", 6.38)])
def test_contrast_ratio_follows_wcag(foreground, background, ratio):
    assert round(contrast_ratio(foreground, background), 2) == ratio


def test_a_low_contrast_brand_is_refused_naming_the_pair_and_ratio(project, capsys):
    brand = BRANDS / "low-contrast" / "brand.yaml"
    assert main(["--project", str(project.root), "check", "--brand", str(brand)]) == 1
    err = capsys.readouterr().err
    assert (f"error: {brand}:10: colours.accent: accent #7FB2E5 on background #FFFFFF has a "
            "contrast ratio of 2.23:1; WCAG 2.1 AA needs at least 4.5:1 for text") in err
    assert (f"error: {brand}:11: colours.accent_text: accent_text #FFFFFF on accent #7FB2E5 "
            "has a contrast ratio of 2.23:1; WCAG 2.1 AA needs at least 4.5:1 for text") in err


def brand_with_text(folder: Path, text: str) -> Path:
    """Write the real brand with ``text`` for the text colour, on white everywhere."""
    real = ROOT / "brand"
    brand = real.joinpath("brand.yaml").read_text("utf-8")
    for key, colour in (("text", text), ("callout", "#FFFFFF"), ("warning", "#FFFFFF")):
        brand, count = re.subn(rf'\n  {key}: "#[0-9A-F]{{6}}"\n', f'\n  {key}: "{colour}"\n', brand)
        assert count == 1, key
    (folder / "brand.yaml").write_text(brand, "utf-8")
    shutil.copyfile(real / "logo.svg", folder / "logo.svg")
    return folder / "brand.yaml"


# The nearest colours to 4.5:1 on white, on either side: no #RRGGBB colour is at exactly
# 4.5:1 on white or black (searched).
@pytest.mark.parametrize(("text", "ratio"), [("#008580", "4.49"), ("#777777", "4.47")])
def test_text_below_4_5_to_1_is_refused_on_each_background(tmp_path, text, ratio):
    """Shown rounded down, as WebAIM's checker does: 4.49995:1 must not read as 4.50:1."""
    from leafpress.content.brand import load_brand

    path = brand_with_text(tmp_path, text)
    with pytest.raises(LeafletError) as raised:
        load_brand(path)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{path}:10: colours.text: text {text} on {background} #FFFFFF has a contrast ratio "
        f"of {ratio}:1; WCAG 2.1 AA needs at least 4.5:1 for text"
        for background in ("background", "callout", "warning")]


@pytest.mark.parametrize("text", ["#EC0640", "#767676"])
def test_text_at_4_5_to_1_or_just_above_is_accepted(tmp_path, text):
    from leafpress.content.brand import load_brand

    assert 4.5 < contrast_ratio(text, "#FFFFFF") < 4.55
    assert load_brand(brand_with_text(tmp_path, text)).brand.colours.text == text


def test_a_ratio_of_exactly_4_5_to_1_is_enough(tmp_path, monkeypatch):
    """WCAG asks for "at least 4.5:1" (success criterion 1.4.3)."""
    import leafpress.content.brand

    monkeypatch.setattr(leafpress.content.brand, "contrast_ratio", lambda front, back: 4.5)
    assert leafpress.content.brand.load_brand(brand_with_text(tmp_path, "#777777"))


def test_the_real_brand_passes_every_pair():
    from leafpress.content.brand import TEXT_PAIRS, load_brand

    colours = load_brand(Path(__file__).parent.parent / "brand" / "brand.yaml").brand.colours
    assert min(contrast_ratio(getattr(colours, front), getattr(colours, back))
               for front, back in TEXT_PAIRS) >= 4.5


def test_a_second_brand_builds_without_template_changes(fixture_project, tmp_path):
    dist = tmp_path / "dist"
    brand = BRANDS / "riverside" / "brand.yaml"
    assert main(["--project", str(fixture_project.root), "build", "--variant", "standard",
                 "--brand", str(brand), "--output", str(dist)]) == 0
    text = flat(pdftotext(dist / "en" / "alpha.pdf"))
    assert "Riverside Community Health" in text
    fonts = subprocess.run(["pdffonts", str(dist / "en" / "alpha.pdf")],
                           capture_output=True, text=True, check=True).stdout
    assert "DejaVu-Sans" in fonts and "Atkinson" not in fonts  # the brand's typeface
    assert "Northgate" not in text
    assert "please contact the Patient Information Team: 01632 960 777." in text
    # The second brand's own texts are not in the Chinese catalog yet: not published.
    manifest = json.loads((dist / "manifest.json").read_text("utf-8"))
    assert {item["locale"] for item in manifest["skipped"]} == {"zh-Hans"}
    # Organisation, team and contact; a clinician briefing prints only the organisation.
    assert {item["leaflet"]: item["reason"] for item in manifest["skipped"]} == {
        "alpha": "3 untranslated", "beta": "1 untranslated"}


def test_a_brand_font_must_exist(tmp_path, capsys, project):
    brand = tmp_path / "brand.yaml"
    brand.write_text((BRANDS / "riverside" / "brand.yaml").read_text("utf-8").replace(
        "family: DejaVu Sans", "family: No Such Sans"), "utf-8")
    (tmp_path / "logo.svg").write_bytes((BRANDS / "riverside" / "logo.svg").read_bytes())
    assert main(["--project", str(project.root), "check", "--brand", str(brand)]) == 1
    assert (f"error: {brand}:16: font.family: the font family 'No Such Sans' is not "
            "installed") in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["check"], ["build"], [], ["report"], ["stats"], ["stats", "--missing"], ["extract"],
    ["update"], ["serve", "--port", "0"], ["diff"]])
def test_every_command_that_reads_the_brand_says_it_is_missing(command, tmp_path, capsys):
    project = make_project(tmp_path / "project")
    shutil.rmtree(project.root / "brand")
    assert main(["--project", str(project.root), *command]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {project.root}/brand/brand.yaml: no brand file; create one like the example "
        "in the README (section \"Branding\"), or pass --brand FILE", "1 problem found."]


def test_a_brand_gone_while_serving_is_an_error_not_a_traceback(tmp_path):
    from leafpress.content.brand import load_brand
    from leafpress.core.errors import LeafletError

    with pytest.raises(LeafletError) as error:
        load_brand(tmp_path / "brand.yaml", "brand/brand.yaml")
    assert [str(problem) for problem in error.value.problems] == [
        "brand/brand.yaml: no brand file; create one like the example in the README (section "
        "\"Branding\"), or pass --brand FILE"]
