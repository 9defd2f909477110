"""The real PortAudio path, end to end, against ALSA's null device (no sound card needed).

Runs in a subprocess whose HOME holds an ``.asoundrc`` that makes ALSA's ``default`` a null
device: PortAudio reads the device list once per process, and the user's own sound set-up
must not matter. The null device captures meaningless values and plays instantly, so this
checks the plumbing (streams, callbacks, file, dialog wiring), not the sound.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ASOUNDRC = "pcm.!default { type null }\n"

CHILD = textwrap.dedent("""
    import json, sys, threading
    from pathlib import Path
    import numpy as np, soundfile as sf
    from voice_desk.audio import devices, playback
    from voice_desk.audio.record import Recorder, SoundDeviceSource

    out = {"recording": devices.recording_available(), "playback": playback.available(),
           "default": devices.default_input_device().name}
    source = SoundDeviceSource()
    recorder = Recorder(source, sys.argv[1], max_seconds=0.25)
    recorder.start()
    out["first_take"] = recorder.wait(10).frames
    out["source"] = [source.rate, source.channels]

    from PySide6.QtWidgets import QApplication
    from voice_desk.ui.recorder.dialog import RecorderDialog
    app = QApplication([])
    app.setOrganizationName("voice-desk-test"); app.setApplicationName("recorder")
    dialog = RecorderDialog(None, Path(sys.argv[1]))
    dialog.max_spin.setValue(1)
    saved = []
    dialog.take_saved.connect(lambda p: (saved.append(p), app.quit()))
    out["device_label"] = dialog.device_combo.currentText()
    dialog.record_button.click()
    app.exec()
    info = sf.info(saved[0])
    out["dialog_take"] = [info.samplerate, info.channels, info.frames]

    player, done = playback.Player(), threading.Event()
    player.on_finished = done.set
    player.play(np.zeros(8000, np.float32), 16000, 0.1, 0.3)
    out["played"] = [done.wait(10), player.position_s]
    print(json.dumps(out))
""")


@pytest.mark.skipif(not Path("/usr/share/alsa/alsa.conf").is_file(), reason="no ALSA on this system")
def test_real_sounddevice_recording_dialog_and_playback_against_alsa_null(tmp_path):
    try:
        import sounddevice  # noqa: F401
    except OSError:
        pytest.skip("PortAudio (libportaudio2) is not installed")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(ASOUNDRC)
    takes = tmp_path / "takes"
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run([sys.executable, "-c", CHILD, str(takes)], env=env, capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == 0, child.stderr[-3000:]
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert out["recording"] == [True, ""] and out["playback"] == [True, ""]
    assert out["default"] == "default" and out["device_label"].startswith("default (")
    rate, channels = out["source"]
    assert out["first_take"] == rate // 4
    assert out["dialog_take"] == [rate, channels, rate]      # one second at the device's own rate
    assert out["played"] == [True, pytest.approx(0.3)]
    assert len(list(takes.glob("take-*.wav"))) == 2
