"""The Measures dock: Praat's voice measures of the recording shown, computed off the window's
process, with ranges, marks and reasons; AVQI once a sustained /a/ of the session is added; the
values in the exported results."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from measures_voices import voice
from ui_support import WAIT_MS, fresh_home, make_window, open_and_wait  # noqa: F401

pytest.importorskip("pytestqt")


def _takes(tmp_path):
    sentence, vowel = tmp_path / "sentence.wav", tmp_path / "vowel_a.wav"
    sf.write(sentence, voice(2.5, f0=120.0, seed=1).samples, 44100)
    sf.write(vowel, voice(3.5, f0=120.0, seed=2).samples, 44100)
    return sentence, vowel


def _wait_measured(qtbot, window):
    qtbot.waitUntil(lambda: window.session.measures is not None and not window.measures.busy, timeout=WAIT_MS)


def test_the_recording_shown_is_measured_with_ranges_and_avqi_needs_the_vowel(qtbot, make_window, tmp_path):
    sentence, vowel = _takes(tmp_path)
    window = make_window()
    open_and_wait(qtbot, window, sentence)
    _wait_measured(qtbot, window)
    measures = window.session.measures
    report = measures.takes["sentence"]
    assert report.value("f0_mean") == pytest.approx(120, rel=0.05)
    assert measures.avqi.value is None and "sustained /a/" in measures.avqi.why_not
    text = [" | ".join(r) for r in window.measures.table.rows_text()]
    assert any(line.startswith("Sentence — sentence.wav") for line in text)
    assert any(line.startswith("AVQI") and "sustained /a/" in line for line in text)

    window.measures.set_vowel(str(vowel))                   # "Add sustained /a/ take…"
    qtbot.waitUntil(lambda: window.session.measures is not None and window.session.measures.avqi.value is not None,
                    timeout=WAIT_MS)
    assert window.measures.vowel_label.text() == "/a/: vowel_a.wav"
    avqi = [r for r in window.measures.table.rows_text() if r[0].startswith("AVQI")][0]
    assert avqi[1] != "" and "suggests dysphonia" in avqi[2]


def test_bad_audio_gets_reasons_not_numbers(qtbot, make_window, tmp_path):
    tone = tmp_path / "tone.wav"
    t = np.arange(int(1.5 * 16000)) / 16000
    sf.write(tone, 0.3 * np.sin(2 * np.pi * 220 * t), 16000)
    window = make_window()
    open_and_wait(qtbot, window, tone)
    _wait_measured(qtbot, window)
    report = window.session.measures.takes["sentence"]
    assert all(m.value is None and m.why_not for m in report.measures.values())
    rows = window.measures.table.rows_text()
    assert not any(r[1][:1].isdigit() for r in rows[1:-3])                 # no number is made up


def test_exported_results_hold_the_measures(qtbot, make_window, tmp_path, tiny_bundle):
    sentence, _ = _takes(tmp_path)
    window = make_window(extra_models=[str(tiny_bundle)])
    window.models.panel.auto_run.setChecked(True)
    open_and_wait(qtbot, window, sentence)
    _wait_measured(qtbot, window)
    qtbot.waitUntil(lambda: bool(window.session.explanations) and not window.is_busy(), timeout=WAIT_MS)
    out, _ = window.export.export_results(str(tmp_path / "results.json"))
    record = json.loads(out.read_text())
    measured = record["voice_measures"]["takes"]["sentence"]["measures"]
    f0 = [m for m in measured if m["key"] == "f0_mean"][0]
    assert f0["value"] == pytest.approx(120, rel=0.05)
    assert any(m["normal"] and m["normal"]["source"] for m in measured)       # ranges travel with their sources
    assert (tmp_path / "results-measures.csv").read_text().count("\n") > 10
