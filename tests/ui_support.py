"""Shared pieces of the window tests (tests/test_ui_*.py): a fresh Voice Desk folder per
test, a clip with its TextGrid, and a window driven through its actions."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import speech_like

from voice_desk.align.textgrid import write_textgrid
from voice_desk.align.tiers import Alignment, Interval

PHONES = [("", 0.0, 0.2), ("ɡ", 0.2, 0.35), ("uː", 0.35, 0.5), ("t", 0.5, 0.7), ("ə", 0.7, 0.9),
          ("n", 0.9, 1.2), ("m", 1.2, 1.5), ("ɔ", 1.5, 1.8), ("", 1.8, 2.0)]
WORDS = [("", 0.0, 0.2), ("Guten", 0.2, 1.2), ("Morgen", 1.2, 1.8), ("", 1.8, 2.0)]
WAIT_MS = 60_000


@pytest.fixture(autouse=True)
def fresh_home(tmp_path, monkeypatch):
    """Each test gets its own settings, models folder and log."""
    home = tmp_path / "voice-desk-home"
    monkeypatch.setenv("VOICE_DESK_HOME", str(home))
    return home


def write_clip(folder, name="clip", seconds=2.0, with_textgrid=True, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    wav = folder / f"{name}.wav"
    sf.write(wav, speech_like(seconds, seed=seed), 16000)
    if with_textgrid:
        phones = [Interval(a, b, l) for l, a, b in PHONES]
        words = [Interval(a, b, l) for l, a, b in WORDS]
        write_textgrid(Alignment(words, phones, 2.0), folder / f"{name}.TextGrid")
    return wav


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    """A 2 s speech-like clip with clip.TextGrid next to it (words + phones)."""
    return write_clip(tmp_path_factory.mktemp("clip"))


@pytest.fixture
def make_window(qtbot):
    """Factory for a shown MainWindow (closed, and its workers stopped, after the test)."""
    from voice_desk.ui.app import application
    from voice_desk.ui.main_window import MainWindow

    application()

    def make(**kwargs):
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def open_and_wait(qtbot, window, path, **kwargs):
    window.opening.open_file(str(path), **kwargs)
    qtbot.waitUntil(lambda: window.session.recording is not None and window.session.recording.path is not None
                    and str(window.session.recording.path) == str(path), timeout=WAIT_MS)


def wait_idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=WAIT_MS)


def grab(widget) -> np.ndarray:
    """The widget as rendered, (h, w, 4) uint8."""
    image = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGBA8888)
    ptr = image.constBits()
    return np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)[:, :image.width()].copy()
