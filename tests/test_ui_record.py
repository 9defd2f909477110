"""Recording from the window: File → Record… with an injected input, and the plain reason
when recording cannot work on this computer."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from PySide6.QtCore import Qt
from ui_support import WAIT_MS, fresh_home, make_window  # noqa: F401

from conftest import speech_like


def test_a_take_recorded_through_the_file_menu_opens_in_the_window(qtbot, make_window, tmp_path):
    from voice_desk.audio.record import ArraySource

    samples = speech_like(1.5, seed=4)
    window = make_window(record_source_factory=lambda device: ArraySource(samples, 16000, 1024, False))
    window.recorder.record_action.trigger()
    dialog = window.recorder.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.set_takes_folder(tmp_path / "takes")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.recording is not None, timeout=WAIT_MS)
    take = window.session.recording.path
    assert take.parent == tmp_path / "takes"
    on_disk, rate = sf.read(take, dtype="float32")
    assert rate == 16000
    np.testing.assert_array_equal(on_disk, samples)                       # the WAV holds the samples
    np.testing.assert_allclose(window.session.recording.samples, samples, atol=1e-7)
    x, _ = window.waveform.curve.getData()
    assert x[-1] == np.float64(samples.size - 1) / 16000


def test_record_says_why_when_recording_is_unavailable(qtbot, make_window, monkeypatch):
    from voice_desk.ui.recorder import dialog as recorder_dialog

    reason = "Recording is not available: no microphone was found. Plug one in and try again."
    monkeypatch.setattr(recorder_dialog, "recording_available", lambda: (False, reason))
    window = make_window()
    assert window.recorder.record() is None
    assert reason in window.last_message
    window.recorder.check_available()
    assert reason in window.recorder.record_action.toolTip()
    assert not window.recorder.record_action.isEnabled()             # disabled, with the reason on it
    monkeypatch.setattr(recorder_dialog, "recording_available", lambda: (True, ""))   # a microphone plugged in
    window.menuBar().actions()[0].menu().aboutToShow.emit()          # the File menu opens: looked at again
    assert window.recorder.record_action.isEnabled() and reason not in window.recorder.record_action.toolTip()


def test_quitting_while_recording_keeps_the_take_and_remembers_it(qtbot, make_window, tmp_path):
    from voice_desk.audio.record import ArraySource
    from voice_desk.ui.settings import recent_files

    samples = speech_like(30.0, seed=5)
    window = make_window(record_source_factory=lambda device: ArraySource(samples, 16000, 1600, True))
    dialog = window.recorder.record()
    dialog.set_takes_folder(tmp_path / "takes")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.is_recording and dialog._recorder.frames >= 3200, timeout=WAIT_MS)
    assert window.recorder.record() is dialog                       # File → Record… again: the same window
    window.close()                                         # quit mid-take
    takes = list((tmp_path / "takes").glob("take-*.wav"))
    assert len(takes) == 1
    on_disk, rate = sf.read(takes[0], dtype="float32")     # a finished WAV header, not a fragment
    assert rate == 16000 and 3200 <= on_disk.size < samples.size
    np.testing.assert_array_equal(on_disk, samples[:on_disk.size])
    assert recent_files()[0] == str(takes[0].resolve())   # File → Open recent finds it next time
    assert window.session.recording is None                        # nothing was opened while quitting


def test_each_task_of_the_protocol_is_its_own_tagged_take_and_measured_for_what_it_is(qtbot, make_window, tmp_path):
    from measures_voices import voice

    from voice_desk.audio.record import ArraySource
    from voice_desk.session.protocol import task_of

    vowel = voice(4.0, rate=16000, seed=3).samples
    window = make_window(record_source_factory=lambda device: ArraySource(vowel, 16000, 1024, False))
    window.recorder.record_action.trigger()
    dialog = window.recorder.dialog
    dialog.set_takes_folder(tmp_path / "takes")
    dialog.set_task("vowel_a")
    assert "/a/" in dialog.prompt_label.text() and "3 seconds" in dialog.prompt_label.text()
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.opened is not None, timeout=WAIT_MS)
    take = window.session.recording.path
    assert task_of(take) == "vowel_a" and window.session.opened.task == "vowel_a"       # in the file's tags
    assert window.session.alignment is None and "no words" in window.session.tiers.note  # nothing to align
    assert window.measures.task_box.currentData() == "vowel_a"                          # measured as a vowel
