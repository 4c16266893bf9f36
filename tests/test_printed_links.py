"""Links on paper keep their address; on screen they stay as they are."""

from __future__ import annotations

import pytest

from leafpress.content.markup import printed_address, render_inline

SITE = "https://leaflets.northgate-hospital.example/en/magnesium-infusion/"


@pytest.mark.parametrize(("text", "printed"), [
    (f"See [our website]({SITE}).",
     f'See <a href="{SITE}">our website</a> <span class="link-address">'
     f"({printed_address(SITE)})</span>."),
    ("Call [the ward](tel:+441632960999).",
     '<a href="tel:+441632960999">the ward</a> <span class="link-address">'
     "(+441632960999)</span>"),
    ("Write to [the team](mailto:pals@northgate-hospital.example).",
     '<a href="mailto:pals@northgate-hospital.example">the team</a> <span class="link-address">'
     "(pals@northgate-\u2060hospital.example)</span>"),
])
def test_a_link_whose_text_is_not_its_address_prints_the_address(text, printed):
    assert printed in render_inline(text, "print")
    assert "link-address" not in render_inline(text, "screen")


@pytest.mark.parametrize("text", [
    "Call [01632 960 418](tel:+441632960418).",   # the same number, national form
    "Call [+44 1632 960418](tel:+441632960418).",
    f"Go to [{SITE}]({SITE}).",
    "Go to [leaflets.northgate-hospital.example](https://leaflets.northgate-hospital.example/).",
    "Write to [pals@northgate-hospital.example](mailto:pals@northgate-hospital.example).",
])
def test_a_link_that_shows_its_address_prints_it_once(text):
    assert "link-address" not in render_inline(text, "print")


def test_a_printed_address_wraps_after_slashes_and_never_at_its_hyphens():
    printed = printed_address(SITE)
    assert printed.replace("\u200b", "").replace("\u2060", "") == SITE
    assert printed.count("\u200b") == 2  # after the host and "en/"; not in "https://", not last
    assert "-\u2060hospital" in printed and "-\u2060infusion" in printed
    assert "<" not in printed  # no element inside a link: see leafpress/rendering/tags.py
    assert printed_address(SITE, "screen") == (
        "https://leaflets.northgate-hospital.example/<wbr>en/<wbr>magnesium-infusion/")
