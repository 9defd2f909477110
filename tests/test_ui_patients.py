"""The clinic's patient flow in the window: new patient → session → record the sentence and /a/ →
results and measures stored → the course shows two sessions → the report is written."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PySide6.QtCore import Qt
from ui_support import WAIT_MS, fresh_home, make_window  # noqa: F401

pytest.importorskip("pytestqt")


def _record_task(qtbot, window, task):
    window.recorder.record_action.trigger()
    dialog = window.recorder.dialog
    dialog.set_task(task)
    before = window.session.file_token
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.file_token > before and window.session.opened is not None
                    and window.session.opened.task == task, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=WAIT_MS)
    dialog.done(0)


def test_a_patient_flow_from_first_session_to_a_printed_report(qtbot, make_window, tiny_bundle, tmp_path):
    from conftest import speech_like
    from measures_voices import voice

    from voice_desk.audio.record import ArraySource

    rate = 44_100          # AVQI's slope and tilt need content up to 10 kHz
    clips = {"sentence": speech_like(2.0, rate=rate, seed=5), "vowel_a": voice(4.0, rate=rate, seed=6).samples}
    current = {"task": "sentence"}
    window = make_window(extra_models=[str(tiny_bundle)],
                         record_source_factory=lambda device: ArraySource(clips[current["task"]], rate, 4096, False))
    window.models.panel.auto_run.setChecked(True)
    patients = window.patients
    patient = patients.add_patient("P-0042", name="Erika Muster", sex="f")
    record = patients.record
    for session_date in ("2026-10-01", "2026-11-15"):
        patients.add_session(date=session_date, examiner="Dr. K")
        assert "Recording into P-0042's session of " + session_date in patients.chosen_label.text()
        for task in ("sentence", "vowel_a"):
            current["task"] = task
            _record_task(qtbot, window, task)
            assert window.session.recording.path.parent == record.session_folder(patients.session_id)
        current["task"] = "sentence"
        patients.take_list.itemDoubleClicked.emit(patients.take_list.item(0))    # the sentence again: AVQI
        qtbot.waitUntil(lambda: window.session.measures is not None and window.session.measures.avqi.value is not None
                        and not window.is_busy(), timeout=WAIT_MS)
        takes = record.takes(patients.session_id)
        assert [t.task for t in takes] == ["sentence", "vowel_a"]
        sentence = takes[0]
        assert record.results(sentence.id) and record.results(sentence.id)[0].probability is not None  # stored
        assert record.measures(patients.session_id)["avqi"]["value"] is not None
    course = record.course(patient.id)
    assert [p.date for p in course] == ["2026-10-01", "2026-11-15"]
    assert len(patients.course.points) == 2 and patients.course.p_curves            # the chart shows both sessions
    first, second = [s.id for s in record.sessions(patient.id)]
    comparison = patients.compare(first)                                          # the latest beside the first
    qtbot.addWidget(comparison)
    assert [c.maps for c in comparison.columns] == [1, 1]                          # each session's stored map
    assert all(any(line.startswith("AVQI: ") and "—" not in line for line in c.measure_lines)
               for c in comparison.columns)
    out = tmp_path / "report.pdf"
    patients.write_report(str(out))
    qtbot.waitUntil(lambda: out.is_file() and not window.is_busy(), timeout=WAIT_MS)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "P-0042" in text and "2026-11-15" in text and "AVQI" in text


def test_recording_without_a_patient_works_as_before(qtbot, make_window, tmp_path):
    from conftest import speech_like

    from voice_desk.audio.record import ArraySource

    window = make_window(record_source_factory=lambda device: ArraySource(speech_like(1.0), 16000, 1024, False))
    assert window.patients.session_folder() is None and "not filed" in window.patients.chosen_label.text()
    window.recorder.record_action.trigger()
    window.recorder.dialog.set_takes_folder(tmp_path / "takes")
    qtbot.mouseClick(window.recorder.dialog.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.recording is not None, timeout=WAIT_MS)
    assert window.session.recording.path.parent == tmp_path / "takes"
    assert window.patients.record.counts()["takes"] == 0 if hasattr(window.patients.record, "counts") else True
