"""``build.py serve`` as a writer uses it: an open tab shows an edit by itself, a mistake
as an overlay with its file and line over the last good page, and the fix clears it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from helpers import LEAFLET, ROOT, Chromium, make_project, until

OLD = "Your appointment will be in the morning or the afternoon."
NEW = "Your appointment will be in the morning."


@pytest.fixture
def served(tmp_path):
    project = make_project(tmp_path / "project")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--project", str(project.root),
         "--variant", "standard", "serve", "--port", "0", "--jobs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = process.stdout.readline()
    address = re.search(r"http://127\.0\.0\.1:\d+/", first)
    assert address, first
    yield project, address[0], process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


@pytest.fixture
def browser(tmp_path):
    chromium = Chromium(tmp_path / "chromium-profile")
    yield chromium
    chromium.close()


def text_of_page(browser) -> str:
    return browser.evaluate("document.body ? document.body.innerText : ''")


def overlay(browser) -> str:
    return browser.evaluate("(document.getElementById('leafpress-problems') || {}).innerText "
                            "|| ''")


def test_an_open_tab_follows_each_edit_mistake_and_fix(served, browser):
    project, address, process = served
    # An approved leaflet: its edits are drafts until approved, shown at its own address.
    page = f"{address}en/sample/"
    until(lambda: browser.open(page) == [] and OLD in text_of_page(browser), 120)
    leaflet = project.leaflets_dir / "sample.yaml"

    leaflet.write_text(LEAFLET.replace(OLD, NEW), "utf-8")
    until(lambda: NEW in text_of_page(browser))  # no navigation: the tab reloaded itself

    leaflet.write_text(LEAFLET.replace(OLD, NEW).replace("audience: patient",
                                                         "audience: patients"), "utf-8")
    shown = until(lambda: overlay(browser))
    assert ("leaflets/sample.yaml:4: audience: expected one of 'patient' or 'clinician', "
            "got 'patients'") in shown
    assert NEW in text_of_page(browser)  # the last good page stays underneath

    leaflet.write_text(LEAFLET, "utf-8")
    until(lambda: not overlay(browser) and OLD in text_of_page(browser))

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    assert process.stdout.read().splitlines()[-1] == "Stopped."
