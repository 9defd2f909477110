"""The window's tiers from the aligners: the built-in one on opening, MFA and saving from the Tiers menu."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

import pytest
import soundfile as sf
from conftest import tone
from test_align_mfa import FAKE_HANGS, FAKE_NO_MODEL, FAKE_OK, install_fake
from ui_support import WAIT_MS, make_window, open_and_wait, wait_idle, write_clip  # noqa: F401

from voice_desk.align import mfa
from voice_desk.align.phoneset import GERMAN_MFA_PHONES
from voice_desk.align.textgrid import read_textgrid

SENTENCE_WORDS = ["Guten", "Morgen", "wie", "geht", "es", "Ihnen"]


@pytest.fixture
def sentence_wav(tmp_path):
    """The aligner's shipped reference rendition, copied alone (no TextGrid) into a temp folder."""
    source = resources.files("voice_desk.resources") / "aligner" / "reference.wav"
    target = tmp_path / "patient 7.wav"
    with source.open("rb") as f:
        target.write_bytes(f.read())
    return target


@pytest.fixture
def no_mfa(monkeypatch, tmp_path):
    """No real MFA anywhere: PATH holds only what a test puts there."""
    monkeypatch.delenv(mfa.ENV_VAR, raising=False)
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return monkeypatch


def test_a_recording_without_textgrid_gets_the_builtin_aligners_tiers(qtbot, make_window, sentence_wav):
    window = make_window()
    open_and_wait(qtbot, window, sentence_wav)
    alignment = window.session.alignment
    assert alignment is not None and alignment.source == "builtin" and alignment.approximate
    assert [w.label for w in alignment.spoken_words()] == SENTENCE_WORDS
    assert {p.label for p in alignment.spoken_phones()} <= GERMAN_MFA_PHONES
    assert window.tiers.tier_view.labels                                  # drawn under the spectrogram
    text = window.opening.info_bar.text()
    assert f"tiers from the built-in aligner (approximate, confidence {alignment.confidence:.2f})" in text
    assert alignment.confidence >= 0.5 and "⚠" not in text          # the sentence itself: no warning


def test_a_tone_gets_no_tiers_and_the_info_bar_says_why(qtbot, make_window, tmp_path):
    path = tmp_path / "tone.wav"
    sf.write(path, tone(2.0), 16000)
    window = make_window()
    open_and_wait(qtbot, window, path)
    assert window.session.alignment is None and window.tiers.tier_view.labels == []
    text = window.opening.info_bar.text()
    assert "no tiers: the built-in aligner found nothing to align. No speech was found" in text
    assert window.last_message == "" and not hasattr(window, "message_box")   # no modal dialog


def test_another_sound_gets_flagged_tiers_with_the_aligners_warning(qtbot, make_window, tmp_path):
    wav = write_clip(tmp_path / "no-grid", name="vowels", with_textgrid=False)
    window = make_window()
    open_and_wait(qtbot, window, wav)
    assert window.session.alignment.source == "builtin" and window.session.alignment.confidence < 0.5
    text = window.opening.info_bar.text()
    assert f"confidence {window.session.alignment.confidence:.2f})" in text
    assert "⚠" in text and "does not match" in text and "probably wrong" in text
    assert window.last_message == ""                                 # in the info bar, not a dialog


def test_a_textgrid_next_to_the_audio_wins_over_the_aligner(qtbot, make_window, tmp_path):
    wav = write_clip(tmp_path / "with-grid", name="take")
    window = make_window()
    open_and_wait(qtbot, window, wav)
    assert window.session.alignment.source == str(wav.with_suffix(".TextGrid"))
    assert "tiers from take.TextGrid" in window.opening.info_bar.text()
    assert "aligner" not in window.opening.info_bar.text()


def test_tiers_menu_holds_the_tier_actions(make_window):
    window = make_window()
    titles = [a.text() for a in window.tiers.menu.actions() if a.text()]
    assert titles[:3] == ["Open &TextGrid…", "Align with the &built-in aligner", "Align with &MFA…"]
    assert "&Save TextGrid as…" in titles
    file_menu = window.menuBar().actions()[0].menu()
    assert window.tiers.open_textgrid_action not in file_menu.actions()   # moved, not duplicated


def test_align_with_mfa_replaces_the_tiers(qtbot, make_window, sentence_wav, no_mfa, tmp_path):
    fake = install_fake(tmp_path / "bin", FAKE_OK)
    no_mfa.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    window = make_window()
    open_and_wait(qtbot, window, sentence_wav)
    assert window.session.alignment.source == "builtin"
    window.tiers.align_mfa_action.trigger()
    qtbot.waitUntil(lambda: window.session.alignment.source == "mfa", timeout=WAIT_MS)
    assert [p.label for p in window.session.alignment.spoken_phones()] == ["ɡ", "uː", "tʰ", "n̩"]
    assert "tiers from MFA" in window.opening.info_bar.text() and "approximate" not in window.opening.info_bar.text()
    assert (fake.parent / "calls.json").is_file()                   # the fake really ran


def test_mfa_missing_says_how_to_install(qtbot, make_window, sentence_wav, no_mfa):
    window = make_window()
    open_and_wait(qtbot, window, sentence_wav)
    window.tiers.align_mfa_action.trigger()
    qtbot.waitUntil(lambda: "mfa" in window.last_message.lower(), timeout=WAIT_MS)
    assert "conda create -n aligner -c conda-forge montreal-forced-aligner" in window.last_message
    assert "mfa model download acoustic german_mfa" in window.last_message
    assert window.session.alignment.source == "builtin"                     # the tiers shown stay


def test_mfa_model_missing_names_the_download_commands(qtbot, make_window, sentence_wav, no_mfa, tmp_path):
    fake = install_fake(tmp_path / "bin", FAKE_NO_MODEL)
    no_mfa.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    window = make_window()
    open_and_wait(qtbot, window, sentence_wav)
    window.tiers.align_mfa_action.trigger()
    qtbot.waitUntil(lambda: "download" in window.last_message, timeout=WAIT_MS)
    assert "mfa model download dictionary german_mfa" in window.last_message


def test_mfa_can_be_cancelled_and_a_new_file_drops_its_result(qtbot, make_window, sentence_wav, no_mfa, tmp_path):
    fake = install_fake(tmp_path / "bin", FAKE_HANGS)
    no_mfa.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    window = make_window()
    open_and_wait(qtbot, window, sentence_wav)
    window.tiers.align_mfa_action.trigger()
    assert window.tiers.cancel_align_action.isEnabled()
    window.tiers.cancel_align_action.trigger()
    wait_idle(qtbot, window)                                        # the hanging MFA was stopped
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.session.alignment.source == "builtin" and window.last_message == ""

    ok = install_fake(tmp_path / "bin2", FAKE_OK)
    no_mfa.setenv("PATH", f"{ok.parent}{os.pathsep}{os.environ['PATH']}")
    other = write_clip(tmp_path / "other", name="other")
    window.tiers.align_mfa_action.trigger()
    open_and_wait(qtbot, window, other)                             # the user moves on meanwhile
    wait_idle(qtbot, window)
    assert window.session.alignment.source == str(other.with_suffix(".TextGrid"))


def test_save_textgrid_as_writes_what_is_shown(qtbot, make_window, sentence_wav, monkeypatch, tmp_path):
    from voice_desk.ui.controllers import tiers as window_tiers

    window = make_window()
    open_and_wait(qtbot, window, sentence_wav)
    offered = {}

    def fake_dialog(parent, title, start, filters):
        offered["start"] = start
        return start, filters

    monkeypatch.setattr(window_tiers.QFileDialog, "getSaveFileName", fake_dialog)
    window.tiers.save_textgrid_action.trigger()
    target = sentence_wav.with_suffix(".TextGrid")
    assert offered["start"] == str(target)                          # next to the audio, same stem
    back = read_textgrid(target, window.session.recording.duration)
    shown = window.session.alignment
    for tier in ("words", "phones"):
        ours = [(round(i.start, 4), round(i.end, 4), i.label) for i in getattr(shown, tier) if not i.is_silence]
        theirs = [(round(i.start, 4), round(i.end, 4), i.label) for i in getattr(back, tier) if not i.is_silence]
        assert ours == theirs
    before = sentence_wav.read_bytes()
    assert not window.tiers.save_textgrid(str(sentence_wav))               # never the audio itself
    assert "not a TextGrid" in window.last_message
    assert not window.tiers.save_textgrid(str(tmp_path / "other.WAV")) and not (tmp_path / "other.WAV").exists()
    assert sentence_wav.read_bytes() == before


def test_saving_the_demo_goes_to_the_takes_folder(qtbot, make_window, tmp_path):
    window = make_window()
    window.opening.demo_action.trigger()
    qtbot.waitUntil(lambda: window.session.recording is not None, timeout=WAIT_MS)
    default = window.tiers.default_textgrid_path()
    assert default.name == "guten_morgen_synthetic.TextGrid" and default.parent == window.recorder.takes_folder()


def test_demo_without_its_textgrid_is_aligned_in_german_mfa_phones(qtbot, make_window, tmp_path):
    from voice_desk.session.opening import demo_recording_path

    wav = tmp_path / "demo copy.wav"
    shutil.copy(demo_recording_path(), wav)
    window = make_window()
    open_and_wait(qtbot, window, wav)
    assert window.session.alignment.source == "builtin"
    assert [w.label for w in window.session.alignment.spoken_words()] == SENTENCE_WORDS
    shipped = read_textgrid(Path(demo_recording_path()).with_suffix(".TextGrid"))
    # the aligner and the demo's TextGrid speak the same phone symbols
    assert [p.label for p in window.session.alignment.spoken_phones()] == [p.label for p in shipped.spoken_phones()]


def test_the_shipped_demo_textgrid_uses_german_mfa_phones():
    from voice_desk.session.opening import demo_recording_path

    shipped = read_textgrid(Path(demo_recording_path()).with_suffix(".TextGrid"))
    labels = {p.label for p in shipped.spoken_phones()}
    assert labels and labels <= GERMAN_MFA_PHONES, labels - GERMAN_MFA_PHONES
    assert "ʁ" in labels and "ɾ" not in labels                       # espeak's tap became german_mfa's ʁ


def test_the_phone_chart_works_with_the_aligners_tiers(qtbot, make_window, sentence_wav, tiny_bundle):
    window = make_window(extra_models=[str(tiny_bundle)])
    window.models.panel.auto_run.setChecked(True)
    open_and_wait(qtbot, window, sentence_wav)
    qtbot.waitUntil(lambda: len(window.session.explanations) >= 1 and not window.is_busy(), timeout=WAIT_MS)
    assert window.session.alignment.source == "builtin"
    chart = window.relevance.phone_chart
    spoken = window.session.alignment.spoken_phones()
    assert [r.phone for r in chart.rows] == [p.label for p in spoken]
    k = [p.label for p in spoken].index("ɔ")                        # /ɔ/ in "Morgen", as in the study
    chart.click_bar(k)
    assert window.view_range.selection == pytest.approx((spoken[k].start, spoken[k].end))


def test_an_unusable_textgrid_next_to_the_audio_falls_back_to_the_aligner(qtbot, make_window, sentence_wav):
    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.align.tiers import Alignment, Interval

    write_textgrid(Alignment([Interval(0, 9, "x")], [Interval(0, 9, "a")], 9.0), sentence_wav.with_suffix(".TextGrid"))
    window = make_window()
    open_and_wait(qtbot, window, sentence_wav)
    assert window.session.alignment.source == "builtin"
    assert "TextGrid not usable (see below); tiers from the built-in aligner" in window.opening.info_bar.text()
    assert "another recording" in window.last_message                # why the TextGrid was not used
