"""What several test modules use: the paths, the command line, reading PDFs and pages back.

Test modules import from here and never from one another. The content tests take what to
check from the project's files (every leaflet, locale and variant), never from a list here.
"""

from __future__ import annotations

import base64
import ctypes
import fcntl
import functools
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import tinyhtml5
import yaml
from babel.messages.pofile import escape, read_po

from leafpress.cli import main
from leafpress.core.project import VARIANTS, Project
from leafpress.translation.messages import write_pot

ROOT = Path(__file__).resolve().parent.parent
# The project whose shipped content the content tests check: this repository, or a copy
# named by LEAFPRESS_TEST_PROJECT (test_any_project.py runs them on a larger copy).
CONTENT = Path(os.environ.get("LEAFPRESS_TEST_PROJECT", ROOT)).resolve()
PROJECT_PARTS = ("leaflets", "locales", "templates", "brand")
XHTML = "{http://www.w3.org/1999/xhtml}"
# veraPDF, the validator of PDF/UA and PDF/A (../shared/tools/verapdf, or VERAPDF).
VERAPDF = Path(os.environ.get("VERAPDF", ROOT.parent / "shared" / "tools" / "verapdf" / "verapdf"))
needs_verapdf = pytest.mark.skipif(
    not VERAPDF.is_file(), reason=f"veraPDF is not at {VERAPDF} (set VERAPDF); in CI "
    "scripts/verapdf.sh checks every PDF of the project against both standards")


def verapdf_report(paths, flavour: str) -> tuple[list[str], str]:
    """Return veraPDF's verdict on each PDF of ``paths`` ("PASS" or "FAIL") against
    ``flavour`` (``ua1``, ``2a``), and its report to show when one fails."""
    result = subprocess.run([str(VERAPDF), "--flavour", flavour, "--format", "text",
                             *map(str, paths)], capture_output=True, text=True)
    return [line.split()[0] for line in result.stdout.splitlines() if line.strip()], \
        result.stdout


def rtl_texts(locale: str) -> dict[str, str]:
    """Return the right-to-left test texts of ``locale`` (tests/data/rtl/: English → its
    translation, read by a second reader)."""
    return json.loads((ROOT / "tests" / "data" / "rtl" / f"{locale}.json").read_text("utf-8"))


def copy_project(target: Path, source: Path = ROOT) -> Project:
    """Copy a project's content (not its code) into ``target``."""
    for part in PROJECT_PARTS:
        shutil.copytree(source / part, target / part)
    return Project.at(target)


def small_project(target: Path, approved: bool = True) -> Project:
    """Lay out the small made-up project of tests/projects/small in ``target``: its own
    leaflets and catalog, the real templates and brand, and a POT extracted from them;
    each leaflet's text ``approved`` (see `approve`)."""
    small = ROOT / "tests" / "projects" / "small"
    for part in ("leaflets", "locales"):
        shutil.copytree(small / part, target / part)
    for part in ("templates", "brand"):
        shutil.copytree(ROOT / part, target / part)
    project = Project.at(target)
    if approved:
        approve(project)
    write_pot(project)
    return project


def approve(project: Project, *names: str) -> None:
    """Record the approval of the named leaflets' current text (default: every leaflet's),
    as `build.py release` writes it: the build publishes only approved text (issue 20).

    A leaflet without a history gets its first entry, for the version it has, on its own
    published date, so nothing else in it changes; one whose text changed since its
    version was approved gets that entry's fingerprint again (``release --amend``). A
    leaflet that does not load is left as it is, for the test to find.
    """
    from leafpress.core.errors import LeafletError
    from leafpress.content.history import approval_gap, fingerprint
    from leafpress.content.leaflet import load_leaflet
    from leafpress.governance.release import amend

    for path in project.leaflet_files():
        if names and path.stem not in names:
            continue
        try:
            leaflet = load_leaflet(path, project.root)
        except LeafletError:
            continue
        if approval_gap(leaflet) is None:
            continue
        if leaflet.leaflet.history:
            amend(project, leaflet.id)
            continue
        # The entry `release` writes (its validation copies no figure beside the leaflet).
        text = path.read_text("utf-8")
        path.write_text(f"{text}{'' if text.endswith(chr(10)) else chr(10)}history:\n"
                        f'  - version: "{leaflet.leaflet.version}"\n'
                        f"    date: {leaflet.leaflet.published.isoformat()}\n"
                        '    summary: "Approved for the tests"\n'
                        '    approver: "A Tester, Clinical Lead"\n'
                        f"    fingerprint: {fingerprint([item.text for item in leaflet.texts])}\n",
                        "utf-8")


# The command line -----------------------------------------------------------------------

def run(project: Project, *arguments: str) -> int:
    """Run ``build.py`` in this process; return its exit code."""
    return main(["--project", str(project.root), *arguments])


def cli(project: Project, *arguments: str, **options) -> subprocess.CompletedProcess:
    """Run ``build.py`` as its own process, as a user does; its output is text."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--project",
                           str(project.root), *arguments], capture_output=True, text=True,
                          **options)


def cli_process(project: Project, *arguments: str, **options) -> subprocess.Popen:
    """Start ``build.py`` unbuffered, reading its output as it comes."""
    return subprocess.Popen([sys.executable, "-u", str(ROOT / "build.py"), "--project",
                             str(project.root), *arguments], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **options)


def summary(out: str) -> str:
    """Return the build's last line: ``N built, N reused, N skipped, N failed in …``."""
    return out.strip().splitlines()[-1]


# Reading outputs back -------------------------------------------------------------------

def pdftotext(path: Path) -> str:
    """The text of a PDF as poppler extracts it (pages separated by form feeds)."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """``text`` with every run of whitespace made one space."""
    return " ".join(text.split())


def parse(path: Path):
    return tinyhtml5.parse(path.read_bytes())


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def links(root) -> list[str]:
    """Every address a page links to (``<a href>``): followed only if the reader does."""
    return [element.get("href") for element in root.iter(f"{XHTML}a") if element.get("href")]


def loads(root) -> list[str]:
    """Every address a page loads by itself: any ``src``, ``<link href>``, CSS ``url()``."""
    found = [element.get("src") for element in root.iter() if element.get("src")]
    found += [element.get("href") for element in root.iter(f"{XHTML}link")]
    for style in root.iter(f"{XHTML}style"):
        found += re.findall(r"url\(\s*[\"']?([^\"')]+)", "".join(style.itertext()))
    return found


def remote(addresses: list[str]) -> list[str]:
    """The addresses that are not files next to the page (or data: URIs)."""
    return [address for address in addresses
            if urlsplit(address).scheme not in ("", "data") or urlsplit(address).netloc]


def local_references(root) -> list[str]:
    """Every address a page loads or links that is not on the web, mail or a phone."""
    return [reference for reference in loads(root) + links(root)
            if urlsplit(reference).scheme not in ("https", "http", "mailto", "tel", "data")]


def entry(manifest: dict, leaflet: str, locale: str, variant: str = "standard",
          format: str = "pdf") -> dict:
    """The one manifest record of an output."""
    [found] = [output for output in manifest["outputs"] if (
        output["leaflet"], output["locale"], output["variant"], output["format"]) == (
        leaflet, locale, variant, format)]
    return found


# What the content tests check: whatever the project holds ------------------------------

def leaflets(root: Path = CONTENT) -> list[str]:
    return [path.stem for path in Project.at(root).leaflet_files()]


def locales(root: Path = CONTENT) -> list[str]:
    """Every locale the project is published in, as BCP 47 tags, English first."""
    return [locale.replace("_", "-") for locale in Project.at(root).locales()]


def structure_elements(reader) -> list:
    """Every structure element of a PDF (a pypdf reader), depth first: reading order."""
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "keys") and node.get("/Type") != "/OBJR":
            if "/S" in node:
                found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def direction(locale: str) -> str:
    """``rtl`` or ``ltr``, as CLDR (through Babel) writes ``locale``."""
    from babel import Locale

    order = Locale.parse(locale, sep="-").character_order
    return "rtl" if order == "right-to-left" else "ltr"


def every_output(root: Path = CONTENT) -> list[tuple[str, str, str]]:
    """(leaflet, locale, variant) for every PDF a build of ``root`` must write: each
    leaflet in English and in every language it is wholly translated into."""
    return [(leaflet, locale, variant) for leaflet, locale in every_edition(root)
            for variant in VARIANTS]


def every_edition(root: Path = CONTENT) -> list[tuple[str, str]]:
    """(leaflet, locale) for every standard PDF and web page a build must write."""
    return [(leaflet, locale) for leaflet in leaflets(root) for locale in editions(leaflet, root)]


def editions(leaflet: str, root: Path = CONTENT) -> list[str]:
    """The locales ``leaflet`` must be published in: English, and each language whose
    catalog translates every text the leaflet can print (see `untranslated`). A language
    still being translated is left out; test_messages.py checks its leaflets are skipped."""
    return [locale for locale in locales(root) if not untranslated(leaflet, locale, root)]


def untranslated(leaflet: str, locale: str, root: Path = CONTENT,
                 own_only: bool = False) -> list[str]:
    """The texts ``leaflet`` can print that ``locale``'s catalog does not translate (or
    marks fuzzy), read with Babel alone: the leaflet's own texts and every template and
    brand text (so more than the build needs: a leaflet without a warning needs no
    "Warning:"), or with ``own_only``, its own texts alone."""
    if locale == "en":
        return []
    template = _catalog(root / "locales" / "messages.pot")
    catalog = _catalog(root / "locales" / locale.replace("-", "_") / "LC_MESSAGES" /
                       "messages.po")
    own = f"leaflets/{leaflet}.yaml"
    missing = []
    for message in template:
        files = {location[0] for location in message.locations}
        if not message.id or not (own in files or not own_only and any(
                not name.startswith("leaflets/") for name in files)):
            continue
        found = catalog.get(message.id, message.context)
        if found is None or not found.string or found.fuzzy:
            missing.append(message.id)
    return missing


def leaflet_source(leaflet: str, root: Path = CONTENT) -> dict:
    """The leaflet's YAML as plain data, read with PyYAML alone (not leafpress's loader)."""
    return yaml.load((root / "leaflets" / f"{leaflet}.yaml").read_text("utf-8"),
                     Loader=yaml.BaseLoader)


def translated(english: str, locale: str, root: Path = CONTENT) -> str:
    """``english`` as the catalog file says it in ``locale``, read with Babel alone."""
    if locale == "en":
        return english
    path = root / "locales" / locale.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    message = _catalog(path).get(english.replace("%", "%%"))
    assert message is not None and message.string and not message.fuzzy, (path, english)
    return message.string.replace("%%", "%")


@functools.lru_cache(maxsize=None)
def _catalog(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def title(leaflet: str, locale: str, root: Path = CONTENT) -> str:
    """The leaflet's title in ``locale``, from its YAML file and the catalog file."""
    return translated(leaflet_source(leaflet, root)["title"], locale, root)


# A real browser ------------------------------------------------------------------------

# axe-core, from the npm registry (see its README there), for the accessibility checks.
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# In a page: the images that did not decode.
BROKEN_IMAGES = "[...document.images].filter(img => !img.naturalWidth).map(img => img.src)"


class Chromium:
    """Headless Chromium driven through the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, profile: Path) -> None:
        executable = shutil.which("chromium")
        if executable is None:
            pytest.fail("Chromium is not installed: run scripts/setup.sh (Debian package "
                        "'chromium'); the catalogue must be tested in a real browser")
        # Now and then, on a loaded machine, Chromium ends or hangs before its first
        # answer (seen in CI, never twice in a row): it is started once more, and what it
        # said goes into the failure if it does so again.
        for attempt in (1, 2):
            log = profile / f"chromium-{attempt}.log"
            try:
                self._start(executable, profile / f"profile-{attempt}", log)
                return
            except AssertionError:
                self._abandon()
                if attempt == 2:
                    pytest.fail("Chromium did not start twice; it said:\n"
                                + log.read_text("utf-8", "replace")[-2000:])

    def _start(self, executable: str, profile: Path, log: Path) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        self._log = log.open("wb")
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()
        # Numbers above 4, so that moving them to 3 and 4 in the child overwrites neither.
        to_browser, from_browser = (_above_4(fd) for fd in (to_browser, from_browser))

        def pipes_on_3_and_4():
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4), preexec_fn=pipes_on_3_and_4,
            stdout=subprocess.DEVNULL, stderr=self._log)
        for fd in (to_browser, from_browser):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=True)

    def send(self, method: str, session: bool = False, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                assert "error" not in reply, (method, reply["error"])
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        while True:
            event = self._receive()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _receive(self, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [],
                                        max(0, deadline - time.monotonic()))
            chunk = os.read(self._from_browser, 1 << 16) if ready else b""
            assert chunk, "Chromium stopped answering"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str, width: int = 1200) -> list[str]:
        """Load ``url``; return every error it caused (failed loads, console, exceptions)."""
        self.events.clear()
        self.send("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=900, deviceScaleFactor=1, mobile=False)
        self.send("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")
        self.evaluate("document.fonts.ready.then(() => true)")
        return [_error(event) for event in self.events if _error(event)]

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", session=True, expression=expression,
                           awaitPromise=True, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"]["value"]

    def screenshot(self, path: Path) -> None:
        """Save the whole page, top to bottom, as a PNG."""
        png = self.send("Page.captureScreenshot", session=True, format="png",
                        captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(png))

    def accessibility_violations(self) -> list[str]:
        """Return what axe-core (tests/vendor/axe-core) finds in the open page against
        WCAG 2.2 A and AA, one line per violation and element."""
        self.evaluate(AXE.read_text("utf-8") + "; true")
        found = self.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', "
                              "'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}}).then(r => "
                              "r.violations.flatMap(v => v.nodes.map(n => v.id + ': ' + "
                              "n.target.join(' ') + ': ' + n.failureSummary)))")
        return found

    def close(self) -> None:
        try:
            self.send("Browser.close")
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)
            self.process.wait(timeout=30)
            self._log.close()

    def _abandon(self) -> None:
        """End a Chromium that did not start, and let go of its pipes and log."""
        self.process.kill()
        self.process.wait(timeout=30)
        for fd in (self._to_browser, self._from_browser):
            os.close(fd)
        self._log.close()


def _above_4(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


def _error(event: dict) -> str | None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Network.loadingFailed":
        return f"load failed: {params.get('errorText')} ({params.get('requestId')})"
    if method == "Log.entryAdded" and params["entry"]["level"] == "error":
        return f"log: {params['entry']['text']} {params['entry'].get('url', '')}"
    if method == "Runtime.exceptionThrown":
        return f"exception: {params['exceptionDetails']['text']}"
    if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        return f"console: {params['args']}"
    return None


# A one-leaflet project made in the test (tests of new languages, brands and blocks) ------

# Its texts are sentences of the shipped leaflets (written from the seeds), so that their
# translations are real ones too.
LEAFLET = """\
id: sample
reference: TEST-1
title: Magnesium infusion for nerve pain
audience: patient
version: "1.0"
published: 2026-11-21
review_by: 2028-11-21
owner:
  department: Pain Management Service
  contact: "Pain Management Service nurses: [01632 960 418](tel:+441632960418)"
sources:
  - citation: Hobbs N, Turnbull J. Magnesium and pain. Anaesthesia Tutorial of the Week 531.
sections:
  - heading: Getting ready for your appointment
    blocks:
      - bullets:
          - Your appointment will be in the morning or the afternoon.
          - Have nothing to eat for 6 hours before your appointment.
      - paragraph: >-
          In one meta-analysis, opioid consumption over the first 24 postoperative
          hours fell on average by 24.4%, equal to 7.6 mg of intravenous morphine
          equivalents [6].
"""


def make_project(root: Path, leaflets: dict[str, str] | None = None,
                 approved: bool = True) -> Project:
    """Write a project with the real templates and brand and the given leaflets, each
    leaflet's text ``approved`` (see `approve`)."""
    for part in ("templates", "brand"):
        shutil.copytree(ROOT / part, root / part)
    (root / "leaflets").mkdir(parents=True)
    (root / "locales").mkdir()
    for name, text in (leaflets or {"sample": LEAFLET}).items():
        (root / "leaflets" / f"{name}.yaml").write_text(text, "utf-8")
    project = Project.at(root)
    if approved:
        approve(project)
    return project


def translate(project: Project, locale: str, translations: dict[str, str]) -> None:
    """Fill the given entries of ``locale``'s catalog, as a translator would in an editor."""
    path = project.po_file(locale)
    text = path.read_text("utf-8")
    for source, target in translations.items():
        entry = f'msgid {escape(source)}\nmsgstr ""\n'
        assert entry in text, source
        text = text.replace(entry, f'msgid {escape(source)}\nmsgstr {escape(target)}\n')
    path.write_text(text, "utf-8")


def until(condition, timeout: float = 60, step: float = 0.2, what=""):
    """Return the first true value of ``condition()`` within ``timeout`` seconds; fail
    naming ``what`` (a text, or a function that says what was seen) otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"not within {timeout} s: "
                f"{what() if callable(what) else what or condition.__doc__ or condition}")


# The small project's Chinese catalog as a translator meets it in the editor: two texts
# untranslated and one fuzzy, its English changed, as `update` leaves them. The Chinese
# is the fixture's own.
UNTRANSLATED = ("The first step.", "The second step.")
FUZZY_BEFORE = "A callout that stays in one piece."
FUZZY_AFTER = "A callout that always stays in one piece."


@functools.cache
def fixture_chinese() -> dict[str, str]:
    """Return the fixture's Chinese for the untranslated texts and the fuzzy one."""
    with (ROOT / "tests" / "projects" / "small" / "locales" / "zh_Hans" / "LC_MESSAGES" /
          "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {**{english: catalog.get(english).string for english in UNTRANSLATED},
            FUZZY_AFTER: catalog.get(FUZZY_BEFORE).string}


def leave_work_for_a_translator(project: Project) -> None:
    """Untranslate `UNTRANSLATED` in the zh_Hans catalog, and change the English of
    `FUZZY_BEFORE` in the first leaflet, then `update`: its translation is fuzzy."""
    path = project.po_file("zh_Hans")
    text = path.read_text("utf-8")
    for english in UNTRANSLATED:
        text = text.replace(f'msgid "{english}"\nmsgstr "{fixture_chinese()[english]}"\n',
                            f'msgid "{english}"\nmsgstr ""\n')
    path.write_text(text, "utf-8")
    leaflet = project.leaflets_dir / "alpha.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace(FUZZY_BEFORE, FUZZY_AFTER), "utf-8")
    assert run(project, "update") == 0


def marked_texts(path: Path) -> dict[tuple[int, int], str]:
    """Return the text of each marked content, by ``(page, MCID)``, as PDFium reads it."""
    found: dict[tuple[int, int], str] = {}
    for number, page in enumerate(pdfium.PdfDocument(path)):
        text_page = page.get_textpage()
        for piece in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=5):
            mcid = pdfium_c.FPDFPageObj_GetMarkedContentID(piece.raw)
            size = pdfium_c.FPDFTextObj_GetText(piece.raw, text_page.raw, None, 0)
            buffer = ctypes.create_string_buffer(size)
            pdfium_c.FPDFTextObj_GetText(piece.raw, text_page.raw, ctypes.cast(
                buffer, ctypes.POINTER(ctypes.c_ushort)), size)
            key = (number, mcid)
            found[key] = found.get(key, "") + buffer.raw[:size - 2].decode("utf-16-le")
    return found
