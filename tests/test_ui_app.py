"""Launching: `voice-desk gui`, the window before torch, --screenshot, the Praat-like spectrogram."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from ui_support import clip, fresh_home  # noqa: F401

from conftest import tone


def _env(home):
    env = dict(os.environ, VOICE_DESK_HOME=str(home), QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    return env


def test_screenshot_mode_renders_the_opened_file_and_exits(clip, fresh_home, tmp_path):
    out = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-m", "voice_desk", "gui", str(clip), "--screenshot", str(out)],
                          env=_env(fresh_home), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert not image.isNull() and image.width() >= 800
    # the spectrogram was painted before the picture was taken: many grey levels, not a blank plot
    sample = [image.pixelColor(x, y).lightness() for x in range(100, 700, 7) for y in range(200, 400, 9)]
    assert len(set(sample)) > 20


def test_the_window_shows_without_importing_torch(fresh_home):
    code = ("import sys\n"
            "from voice_desk.ui.app import application, start_window\n"
            "app = application()\n"
            "w = start_window()\n"
            "app.processEvents()\n"
            "assert w.isVisible()\n"
            "print('torch' in sys.modules, 'transformers' in sys.modules, 'sounddevice' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], env=_env(fresh_home), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False"]


def test_gui_command_is_listed_and_cheap_to_import():
    code = "import sys, voice_desk.cli as c; c.build_parser(); print(sorted(m for m in ('torch','PySide6','pyqtgraph') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"
    from voice_desk.cli import build_parser

    args = build_parser().parse_args(["gui", "a.wav", "--model", "m1", "--model", "m2", "--screenshot", "s.png"])
    assert args.audio == "a.wav" and args.models == ["m1", "m2"] and args.screenshot == "s.png"


def test_spectrogram_has_praat_defaults_and_finds_a_tone():
    from voice_desk.audio.spectrogram import SpectrogramSettings, compute_spectrogram

    s = SpectrogramSettings()
    assert (s.window_s, s.max_hz, s.dynamic_range_db, s.preemphasis_db_per_octave) == (0.005, 5000.0, 70.0, 6.0)
    spec = compute_spectrogram(tone(1.0, 1000.0), 16000, s)
    assert spec.max_hz == pytest.approx(5000, abs=spec.freq_step)
    assert spec.db.shape[0] * spec.time_step == pytest.approx(1.0, abs=0.01)
    peak_hz = np.argmax(spec.db[200]) * spec.freq_step
    assert peak_hz == pytest.approx(1000, abs=100)          # broad-band: a 5 ms window smears ~ +-100 Hz
    narrow = compute_spectrogram(tone(1.0, 1000.0), 16000, SpectrogramSettings(window_s=0.03))
    width = lambda sp: np.sum(sp.db[200] > sp.db[200].max() - 20) * sp.freq_step
    assert width(narrow) < width(spec) / 3                   # narrow-band resolves frequency finer
    grey = spec.grey()
    assert grey.max() == 1.0 and grey.min() == 0.0


def test_settings_from_a_damaged_file_are_clamped():
    from voice_desk.audio.spectrogram import SpectrogramSettings

    s = SpectrogramSettings.from_dict({"window_s": "oops", "max_hz": 1e9, "dynamic_range_db": -5, "unknown": 1})
    assert s.window_s == 0.005 and s.max_hz == 8000.0 and s.dynamic_range_db == 10.0


def test_agreement_cases_follow_the_study():
    from voice_desk.analysis.agreement import agreement_case

    assert agreement_case("pathological", "pathological", "pathological") == "O"
    assert agreement_case("healthy", "pathological", "pathological") == "X"
    assert agreement_case("healthy", "healthy", "pathological") == "A"
    assert agreement_case("healthy", "pathological", "healthy") == "B"


def test_models_run_in_their_own_process_so_the_window_never_imports_torch(clip, fresh_home, tiny_bundle):
    code = ("import sys, time\n"
            "from voice_desk.ui.app import application, start_window\n"
            "def main():\n"
            f"    app = application(); w = start_window({str(clip)!r}, models=[{str(tiny_bundle)!r}])\n"
            "    end = time.time() + 120\n"
            "    while time.time() < end and not (w.session.explanations and not w.is_busy()):\n"
            "        app.processEvents(); time.sleep(0.005)\n"
            "    print(len(w.session.explanations), 'torch' in sys.modules, 'transformers' in sys.modules)\n"
            "    w.close()\n"
            "if __name__ == '__main__':\n"
            "    main()\n")
    script = fresh_home.parent / "run_window.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], env=_env(fresh_home), capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["1", "False", "False"]


def test_a_mistake_in_a_handler_becomes_a_plain_message_and_a_log_entry(qtbot, fresh_home, monkeypatch):
    """The launched app turns an unexpected exception in a button's handler (which Qt would only
    print) into the window's plain message, with the traceback in the log file."""
    from voice_desk.ui.app import _report_unexpected_errors, application
    from voice_desk.ui.error_report import log_file
    from voice_desk.ui.main_window import MainWindow

    application()
    window = MainWindow()
    qtbot.addWidget(window)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)       # restored after the test
    _report_unexpected_errors(window)
    try:
        raise KeyError("a-detail-for-the-log")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    assert "did not expect (KeyError)" in window.last_message and str(log_file()) in window.last_message
    assert "Traceback" not in window.last_message
    assert "a-detail-for-the-log" in log_file().read_text(encoding="utf-8")


def test_screenshot_of_a_damaged_file_says_so_plainly_and_fails(fresh_home, tmp_path):
    """For automated checks: the message the user would read, on stderr, no traceback, exit 2."""
    bad = tmp_path / "damaged.wav"
    bad.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200)))
    out = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-m", "voice_desk", "gui", str(bad), "--screenshot", str(out)],
                          env=_env(fresh_home), capture_output=True, text=True, timeout=240)
    assert done.returncode == 2
    assert f"{bad}: this file is not audio Voice Desk can read, or it is damaged" in done.stderr
    assert "Traceback" not in done.stderr and out.is_file()
    assert "damaged.wav" in (fresh_home / "logs" / "voice-desk.log").read_text(encoding="utf-8")
