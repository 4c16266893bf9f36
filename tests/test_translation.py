"""A translation is used only when it is complete, current and keeps the English's markup."""

from __future__ import annotations

import pytest

from leafpress.core.errors import LeafletError
from leafpress.translation.translations import load_translations, read_catalog

# The small made-up project of tests/projects/small, not the shipped catalog.
PO = "locales/zh_Hans/LC_MESSAGES/messages.po"
CONTACT = "Test Team: [01632 960 000](tel:+441632960000)"
ZH_CONTACT = "测试小组：[01632 960 000](tel:+441632960000)"
SHOWN_CONTACT = "Test Team: [01632 960 000](tel:+441632960000)"  # as a message shows it


@pytest.fixture
def project(fixture_project):
    """Here, the small made-up project."""
    return fixture_project


def replace_in_po(project, old: str, new: str) -> int:
    """Replace ``old`` in the Chinese catalog once; return the line it is on."""
    path = project.root / PO
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")
    return text[: text.index(old)].count("\n") + 1


def msgid_line(project, message_id: str) -> int:
    lines = (project.root / PO).read_text("utf-8").splitlines()
    return lines.index(f'msgid "{message_id}"') + 1


@pytest.mark.parametrize(("old", "new", "reason"), [
    ("tel:+441632960000)", "tel:+441632960999)",
     "the links must have the same targets as the English: expected tel:+441632960000, "
     "got tel:+441632960999"),
    ("测试小组：[01632 960 000](tel:+441632960000)", "测试小组：01632 960 000",
     "the links must have the same targets as the English: expected tel:+441632960000, "
     "got none"),
    ("测试小组：", "<b>测试小组</b>：", "a translation must not contain HTML tags"),
    ("(tel:+441632960000)", "(javascript:alert(1))",
     "link target 'javascript:alert(1)' is not allowed; expected a complete address "
     "starting with https://, http://, mailto: or tel:"),
])
def test_a_translation_that_changes_markup_is_refused(project, old, new, reason):
    line = replace_in_po(project, f'msgstr "{ZH_CONTACT}"', f'msgstr "{ZH_CONTACT.replace(old, new)}"')
    translations, problems = load_translations(project, "zh_Hans")
    assert [str(problem) for problem in problems] == [
        f'{PO}:{line - 1}: msgid "{SHOWN_CONTACT}": {reason}']
    assert translations.lookup(CONTACT) is None


def test_changed_citation_markers_are_refused(project):
    replace_in_po(project, 'msgid "A briefing made up for the tests, with one paragraph."',
                  'msgid "A briefing made up for the tests, with one paragraph [1]."')
    line = replace_in_po(project, "只有一个段落。", "只有一个段落[2]。")
    _, problems = load_translations(project, "zh_Hans")
    assert len(problems) == 1
    assert str(problems[0]).startswith(f'{PO}:{line - 1}: msgid "A briefing made up for the '
                                       'tests, with one…": ')
    assert str(problems[0]).endswith(
        "the citation markers must match the English: expected [1], got [2]")


def test_a_damaged_catalog_is_reported_by_line(project):
    line = replace_in_po(project, 'msgstr "这是一份真实的资料吗？"', 'msgstr "这是一份真实的资料吗？')
    with pytest.raises(LeafletError) as error:
        read_catalog(project, "zh_Hans")
    assert str(error.value).startswith(f"{PO}:{line}: end-of-line within string")


def test_the_language_header_must_name_the_folder(project):
    line = replace_in_po(project, '"Language: zh_Hans\\n"', '"Language: zh_CN\\n"')
    with pytest.raises(LeafletError) as error:
        read_catalog(project, "zh_Hans")
    assert str(error.value) == (f"{PO}:{line}: the Language header must be 'zh_Hans' "
                                "(the folder's name), got 'zh_CN'")


def test_a_translation_is_printed_as_text_even_if_it_slips_past_the_checks(project):
    """Defence in depth: the renderer escapes translations whatever they contain."""
    from leafpress.content.brand import load_brand
    from leafpress.rendering.document import render_html, template_environment
    from leafpress.content.leaflet import load_leaflet
    from leafpress.translation.translations import Translations

    translations, _ = load_translations(project, "zh_Hans")
    hostile = {**translations.strings,
               "Sources": '<img src="file:///etc/passwd">参考文献',
               "Is this a real leaflet?": '<script>alert(1)</script>这是一份真实的资料吗？'}
    leaflet = load_leaflet(project.leaflets_dir / "alpha.yaml", project.root)
    rendered = render_html(template_environment(project), project, leaflet,
                           load_brand(project.brand_file), Translations("zh_Hans", hostile), [])
    assert "etc/passwd\">" not in rendered.html and "<script" not in rendered.html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;参考文献" in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;这是一份真实的资料吗？" in rendered.html
