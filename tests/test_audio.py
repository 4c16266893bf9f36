"""A leaflet read aloud (issue 24): one MP3 with a chapter per section, titled by its
heading, lasting longer for a longer text; recordings used unless stale; the
pronunciation lists; the same bytes from the same input. Read back with mutagen."""

from __future__ import annotations

import io
import json
import shutil
import struct
import wave
from pathlib import Path

import pytest
import tinyhtml5
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from leafpress.content.brand import load_brand
from leafpress.content.leaflet import load_leaflet
from leafpress.core.errors import LeafletError
from leafpress.formats import audio, speech
from leafpress.formats.audio import (SECTION_PAUSE, Recording, audio_bytes, recording_stem,
                                     sections, sidecar_bytes)
from leafpress.formats.speech import (PRONUNCIATIONS, RATE, Pronunciations,
                                      load_pronunciations, parse_pronunciations, unvoiced,
                                      voice)
from leafpress.rendering.document import render_html, template_environment
from leafpress.translation.translations import Translations, load_translations

from helpers import ROOT, small_project

XHTML = "{http://www.w3.org/1999/xhtml}"
BAD = sorted((ROOT / "tests" / "data" / "bad-pronunciation").glob("*.txt"))
# A page shaped like the template's, short enough to speak in a fraction of a second.
PAGE = """<!DOCTYPE html><html lang="en"><head><title>Short</title>
<meta name="author" content="Test Hospital"></head><body><main><h1>Short</h1>
<section><h2 id="section-1">One</h2><p>Rest.</p></section>
<section><h2 id="section-2">Two</h2><p>Rest today, and drink water.</p>
<p>Ask us about ketamine if the pain comes back.</p></section>
<section><h2 id="section-3">Three</h2><p>Rest today, and drink water. Take your tablets
with food, twice a day, for a week.</p><ul><li>Call us if the pain gets worse.</li>
<li>Call us if you feel sick.</li></ul><ol class="steps"><li>Wash your hands.</li>
<li>Dry them.</li></ol></section>
<section class="sources"><h2>Sources</h2><ol><li lang="en">A citation.</li></ol></section>
</main></body></html>"""


def pages(root: Path) -> dict[str, str]:
    """Return the fixture leaflet alpha's web page in English and in Chinese."""
    project = small_project(root)
    environment, brand = template_environment(project), load_brand(project.brand_file)
    leaflet = load_leaflet(project.leaflets_dir / "alpha.yaml", project.root)
    return {locale: render_html(environment, project, leaflet, brand, translations, [],
                                medium="screen").html
            for locale, translations in (("en", Translations.source()),
                                         ("zh_Hans", load_translations(project, "zh_Hans")[0]))}


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> dict[str, str]:
    return pages(tmp_path_factory.mktemp("audio") / "small")


@pytest.fixture(scope="module")
def made(html) -> dict[str, audio.Audio]:
    return {locale: audio_bytes(page) for locale, page in html.items()}


@pytest.fixture(scope="module")
def files(made, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mp3")
    for locale, spoken in made.items():
        (folder / f"alpha-{locale}.mp3").write_bytes(spoken.data)
    return {locale: folder / f"alpha-{locale}.mp3" for locale in made}


def headings(page: str) -> list[str]:
    """The h1, then every h2 but the sources', read from the page with another parser
    than the module's own walk."""
    root = tinyhtml5.parse(page)
    found = [" ".join("".join(root.find(f".//{XHTML}h1").itertext()).split())]
    for section in root.iter(f"{XHTML}section"):
        if "sources" not in (section.get("class") or ""):
            found.append(" ".join("".join(section.find(f"{XHTML}h2").itertext()).split()))
    return found


def file_chapters(path: Path) -> list[tuple[str, int, int]]:
    """The file's chapters as a player reads them: the table of contents' order, each
    chapter's title and times (ms)."""
    tags = ID3(path)
    [toc] = tags.getall("CTOC")
    by_id = {chapter.element_id: chapter for chapter in tags.getall("CHAP")}
    return [(by_id[name].sub_frames["TIT2"].text[0], by_id[name].start_time,
             by_id[name].end_time) for name in toc.child_element_ids]


def tone(seconds: float, rate: int = RATE, channels: int = 1) -> bytes:
    """A WAV file of a quiet square wave, as a person's recording would be."""
    frames = b"".join(struct.pack("<h", 800 if (index // 50) % 2 else -800) * channels
                      for index in range(int(seconds * rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return buffer.getvalue()


def test_every_section_has_a_chapter_in_order_titled_by_its_heading(html, files):
    for locale, page in html.items():
        chapters = file_chapters(files[locale])
        assert [title for title, _, _ in chapters] == headings(page)
        assert chapters[0][1] == 0
        assert all(end == start for (_, _, end), (_, start, _) in zip(chapters, chapters[1:]))
        assert all(end > start for _, start, end in chapters)


def test_the_file_lasts_as_long_as_its_chapters(made, files):
    for locale, path in files.items():
        length = MP3(path).info.length * 1000
        # The encoder adds its delay and pads the last frame: a frame is 52 ms.
        assert 0 <= length - made[locale].duration < 120, locale
        assert MP3(path).info.sample_rate == RATE and MP3(path).info.channels == 1


def test_a_longer_section_lasts_longer():
    spoken = audio_bytes(PAGE)
    [_, one, two, three] = spoken.chapters
    assert one.end - one.start < two.end - two.start < three.end - three.start
    assert [chapter.title for chapter in spoken.chapters] == ["Short", "One", "Two", "Three"]
    assert three.fragment == f"#t={three.start / 1000:.3f},{three.end / 1000:.3f}"
    assert three.id == "section-3"


def test_what_a_listener_hears_of_each_block(html):
    said = {section.title: section.blocks for section in sections(html["en"])}
    assert said["Alpha test leaflet"] == (
        "A made-up leaflet for the tests of the leaflet builder.",
        "Northgate Hospital Test Team", "Patient information")
    assert said["What this leaflet is"] == (
        "This text is bold here and has a link.", "The first item.", "The second item.",
        "1. The first step.", "2. The second step.", "3. The third step.")
    assert said["Questions"][:2] == ("Important: A callout that stays in one piece.",
                                     "Warning: A warning for the test.")
    assert said["Pictures and tables"][-2:] == ("Day: Monday; What happens: The first test.",
                                                "Day: Tuesday; What happens: The second test.")
    about = said["About this leaflet"]
    assert "Reference: TEST-001" in about and "Contact: Test Team: 01632 960 000" in about
    everything = " ".join(text for blocks in said.values() for text in blocks)
    for left_out in ("Sources", "A made-up source", "Version history", "https://", "online"):
        assert left_out not in everything and left_out not in said


def test_chinese_is_spoken_with_the_mandarin_voice(html, monkeypatch):
    given = []
    monkeypatch.setattr(audio, "synthesise",
                        lambda ssml, name: given.append((ssml, name)) or bytes(2 * RATE // 10))
    audio_bytes(html["zh_Hans"])
    assert {name for _, name in given} == {"cmn-latn-pinyin"} == {voice("zh_Hans")}
    # What espeak-ng makes of the very SSML it is given: Mandarin phonemes with their
    # tones, not the pinyin read as English ("(en)"), nor "Chinese letter" for each
    # character (an English voice, which a language tag in the SSML would choose).
    ssml, name = given[0]
    said = speech.phonemes(ssml, name)
    assert "(en)" not in said and "tS'aIni:z" not in said, said
    assert any(digit in said for digit in "12345"), said


def test_a_language_without_a_voice_is_named():
    assert voice("en") == "en-gb" and voice("cy") == "cy" and voice("ar") == "ar"
    assert unvoiced(["en", "zh_Hans", "ar", "tlh", "xx_Yyyy"]) == ["tlh", "xx_Yyyy"]
    with pytest.raises(LeafletError) as raised:
        audio_bytes(PAGE.replace('lang="en"', 'lang="tlh"', 1))
    assert str(raised.value) == ("leaflet: audio: expected a language espeak-ng has a voice "
                                 "for, got tlh")


def test_the_tools_versions_are_named_for_the_cache_key():
    assert audio.tools().startswith("eSpeak NG text-to-speech: 1.51")
    assert "LAME" in audio.tools().split("; ")[1]


def test_a_missing_program_names_its_package(monkeypatch):
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "espeak-ng" else real(name))
    with pytest.raises(LeafletError) as raised:
        speech.synthesise("<speak>Hello</speak>", "en-gb")
    assert str(raised.value) == ("espeak-ng: audio: expected the speech synthesiser espeak-ng "
                                 "(Debian package espeak-ng; scripts/setup.sh installs it), "
                                 "got no such program")
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "lame" else real(name))
    with pytest.raises(LeafletError) as raised:
        audio._encode(bytes(100))
    assert str(raised.value) == ("lame: audio: expected the MP3 encoder lame (Debian package "
                                 "lame; scripts/setup.sh installs it), got no such program")


def test_a_fresh_recording_replaces_its_section():
    two = sections(PAGE)[2]
    assert recording_stem(two) == "3-two"
    recording = Recording("recordings/short/en/3-two.wav", tone(3.0), sidecar_bytes(two))
    spoken = audio_bytes(PAGE, recordings={3: recording})
    chapter = spoken.chapters[2]
    assert spoken.problems == ()
    assert chapter.recorded and chapter.end - chapter.start == 3000 + SECTION_PAUSE
    # A stereo recording is mixed down to the file's one channel.
    stereo = Recording(recording.path, tone(2.0, channels=2), sidecar_bytes(two))
    assert audio_bytes(PAGE, recordings={3: stereo}).chapters[2].end - chapter.start == \
        2000 + SECTION_PAUSE


def test_a_stale_recording_is_reported_and_not_used():
    two = sections(PAGE)[2]
    recording = Recording("recordings/short/en/3-two.wav", tone(3.0), sidecar_bytes(two))
    changed = PAGE.replace("drink water.</p>", "drink plenty of water.</p>", 1)
    spoken = audio_bytes(changed, recordings={3: recording})
    assert audio._changes("a b c d", "a x c") == "'b' became 'x'; 'd' left out"
    assert [str(problem) for problem in spoken.problems] == [
        "recordings/short/en/3-two.wav: recording: expected a recording of the chapter's "
        "current text, got one of an older text ('plenty of' added after 'drink'): "
        "the synthesised voice is used until it is recorded again"]
    chapter = spoken.chapters[2]
    synthesised = audio_bytes(changed).chapters[2]
    assert not chapter.recorded
    assert chapter.end - chapter.start == synthesised.end - synthesised.start != 3000 + SECTION_PAUSE


def test_a_recording_that_cannot_be_used_says_why():
    two = sections(PAGE)[2]
    cases = {
        Recording("r/3-two.wav", tone(1.0), None):
            "r/3-two.wav: recording: expected its sidecar 3-two.json beside it (the digest "
            "of the text recorded), got none: the synthesised voice is used",
        Recording("r/3-two.wav", tone(0.2, rate=44100), sidecar_bytes(two)):
            "r/3-two.wav: recording: expected 16-bit PCM at 22050 Hz, mono or stereo, got "
            "16-bit at 44100 Hz with 1 channels (e.g. sox in.wav -r 22050 -b 16 out.wav)",
        Recording("r/3-two.wav", tone(1.0), b"{"):
            "r/3-two.wav: recording: expected its sidecar 3-two.json to hold what leafpress "
            "wrote there, got Expecting property name enclosed in double quotes: line 1 "
            "column 2 (char 1): the synthesised voice is used",
        Recording("r/3-two.wav", b"not a wav", sidecar_bytes(two)):
            "r/3-two.wav: recording: expected a WAV file, got file does not start with "
            "RIFF id",
    }
    for recording, message in cases.items():
        spoken = audio_bytes(PAGE, recordings={3: recording})
        assert [str(problem) for problem in spoken.problems] == [message]
        assert not spoken.chapters[2].recorded


def test_the_sidecar_holds_the_digest_and_the_text():
    two = sections(PAGE)[2]
    written = json.loads(sidecar_bytes(two))
    assert written == {"chapter": 3, "sha256": two.digest, "text": two.text}
    assert two.text == ("Two\nRest today, and drink water.\n"
                        "Ask us about ketamine if the pain comes back.")


def test_the_pronunciation_list_changes_what_espeak_is_given(monkeypatch):
    given = []
    monkeypatch.setattr(audio, "synthesise",
                        lambda ssml, name: given.append(ssml) or bytes(2 * RATE // 10))
    listed = parse_pronunciations("ketamine = [[k'i:t@mi:n]]\nwater = H 2 O\n", "en.txt")
    audio_bytes(PAGE, listed)
    two = given[2]
    assert "about [[k'i:t@mi:n]] if" in two and "drink H 2 O." in two
    given.clear()
    audio_bytes(PAGE)
    assert "about ketamine if" in given[2] and "[[" not in "".join(given)


def test_pronunciations_apply_to_whole_words_in_any_script():
    listed = parse_pronunciations("NMDA = N M D A\nNMDA receptor = N M D A receptor\n"
                                  "毫摩尔 = hao mo er\n", "zh_Hans.txt")
    assert listed.apply("nmda receptor, NMDA受体, aNMDA, NMDAs, 2毫摩尔每升") == (
        "N M D A receptor, N M D A受体, aNMDA, NMDAs, 2hao mo er每升")
    assert Pronunciations().apply("NMDA") == "NMDA"


@pytest.mark.parametrize("path", BAD, ids=[path.stem for path in BAD])
def test_a_bad_pronunciation_line_is_named_with_its_line(path):
    with pytest.raises(LeafletError) as raised:
        load_pronunciations(path, f"leaflets/pronunciation/{path.name}")
    assert str(raised.value).splitlines() == path.with_suffix(".expected").read_text(
        "utf-8").splitlines()


def test_every_shipped_pronunciation_list_loads_and_its_phonemes_are_known():
    for path in sorted((ROOT / PRONUNCIATIONS).glob("*.txt")):
        listed = load_pronunciations(path)
        assert voice(path.stem), path
        for word, said in listed.words:
            if said.startswith("[["):  # espeak-ng says nothing for a phoneme it lacks
                assert speech.phonemes(said, voice(path.stem)).strip(), (path, word)


def test_the_same_input_gives_the_same_bytes_in_another_folder(made, tmp_path):
    again = pages(tmp_path / "elsewhere" / "small")
    assert audio_bytes(again["en"]).data == made["en"].data
