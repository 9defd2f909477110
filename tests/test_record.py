"""Recording core: takes on disk hold exactly what came in, stop at max duration, survive a crash."""

from __future__ import annotations

import importlib.abc
import struct
import subprocess
import sys
import textwrap
import threading
from datetime import datetime

import numpy as np
import pytest
import soundfile as sf

from voice_desk.audio import devices
from voice_desk.audio.record import (FLOOR_DB, ArraySource, Recorder, block_level, create_take_file, recover_take,
                                     unfinished_takes)
from voice_desk.errors import AudioError


def sine(seconds, rate, amp=0.5, freq=440.0, channels=1):
    t = np.arange(int(seconds * rate)) / rate
    mono = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return mono if channels == 1 else np.stack([mono * (c + 1) / channels for c in range(channels)], axis=1)


def record(source, folder, **kwargs):
    recorder = Recorder(source, folder, **kwargs)
    recorder.start()
    take = recorder.wait(30)
    assert take is not None, "the take never finished"
    return recorder, take


class PushSource:
    """A source the test drives by hand: blocks go in exactly when the test says."""

    def __init__(self, rate=16_000, channels=1):
        self.rate, self.channels = rate, channels
        self.on_block = self.on_end = None
        self.stopped = False

    def start(self, on_block, on_end):
        self.on_block, self.on_end = on_block, on_end

    def stop(self):
        self.stopped = True


# --- takes on disk ------------------------------------------------------------------------

@pytest.mark.parametrize("rate,channels", [(44_100, 2), (16_000, 1)])
def test_take_on_disk_holds_exactly_the_samples_at_native_rate(tmp_path, rate, channels):
    samples = sine(0.7, rate, channels=channels)
    recorder, take = record(ArraySource(samples, rate, block=1000), tmp_path, max_seconds=10)
    assert take.stopped_by == "source_ended" and take.error is None
    assert take.path.parent == tmp_path and take.path.name.startswith("take-")
    written, written_rate = sf.read(take.path, dtype="float32")
    assert written_rate == rate
    np.testing.assert_array_equal(written, samples)
    assert take.frames == samples.shape[0] and take.channels == channels


def test_max_duration_stops_the_take_at_exactly_that_many_frames(tmp_path):
    rate = 8_000
    samples = sine(2.0, rate)
    source = ArraySource(samples, rate, block=300)
    _, take = record(source, tmp_path, max_seconds=0.5)
    assert take.stopped_by == "max_duration"
    written, _ = sf.read(take.path, dtype="float32")
    np.testing.assert_array_equal(written, samples[:4000])


def test_user_stop_keeps_what_was_recorded(tmp_path):
    source = PushSource()
    recorder = Recorder(source, tmp_path, max_seconds=60)
    path = recorder.start()
    blocks = [sine(0.1, 16_000, amp=0.1 * (i + 1)) for i in range(3)]
    for block in blocks:
        source.on_block(block)
    recorder.stop()
    take = recorder.wait(10)
    assert take.stopped_by == "user" and source.stopped
    np.testing.assert_array_equal(sf.read(path, dtype="float32")[0], np.concatenate(blocks))
    source.on_block(blocks[0])  # a late block after stop is not written
    assert sf.info(path).frames == 3 * 1600


def test_device_failure_mid_take_keeps_the_samples_and_says_why(tmp_path):
    source = PushSource()
    recorder = Recorder(source, tmp_path)
    path = recorder.start()
    source.on_block(sine(0.2, 16_000))
    source.on_end("The sound input stopped unexpectedly.")
    take = recorder.wait(10)
    assert take.stopped_by == "error" and "stopped unexpectedly" in take.error
    assert take.saved and sf.info(path).frames == 3200


def test_nothing_recorded_leaves_no_empty_file(tmp_path):
    source = PushSource()
    recorder = Recorder(source, tmp_path)
    path = recorder.start()
    recorder.stop()
    take = recorder.wait(10)
    assert take.frames == 0 and not take.saved and not path.exists()


def test_never_overwrites_an_existing_file(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5)
    first, fd1 = create_take_file(tmp_path, now)
    second, fd2 = create_take_file(tmp_path, now)
    for fd in (fd1, fd2):
        import os

        os.close(fd)
    assert first.name == "take-20260102-030405.wav" and second.name == "take-20260102-030405-2.wav"
    existing = tmp_path / "mine.wav"
    existing.write_bytes(b"precious")
    with pytest.raises(AudioError, match="never overwrites"):
        Recorder(ArraySource(sine(0.1, 16_000), 16_000), existing).start()
    assert existing.read_bytes() == b"precious"


# --- levels -------------------------------------------------------------------------------

def test_level_of_a_half_scale_sine_is_minus_6_dbfs_peak_and_minus_9_rms():
    level = block_level(sine(0.1, 48_000, amp=0.5, freq=1000))
    assert level.peak_db == pytest.approx(-6.02, abs=0.05)
    assert level.rms_db == pytest.approx(-9.03, abs=0.05)
    assert not level.clipped


def test_clipping_is_detected_and_silence_is_the_floor():
    clipped = np.clip(sine(0.1, 16_000, amp=1.5), -1.0, 1.0)
    assert block_level(clipped).clipped and block_level(clipped).peak_db == pytest.approx(0.0, abs=0.01)
    assert block_level(sine(0.1, 16_000, amp=0.9)).clipped_samples == 0
    assert block_level(np.zeros(512, np.float32)).peak_db == FLOOR_DB


def test_recorder_reports_a_level_per_block_and_warns_about_clipping(tmp_path):
    rate = 16_000
    samples = np.concatenate([sine(0.25, rate, amp=0.5), np.clip(sine(0.25, rate, amp=2.0), -1, 1)])
    levels = []
    _, take = record(ArraySource(samples, rate, block=1000), tmp_path, on_level=levels.append)
    assert len(levels) == 8
    assert [lv.clipped for lv in levels] == [False] * 4 + [True] * 4
    assert levels[0].peak_db == pytest.approx(-6.02, abs=0.1)
    assert levels[-1].elapsed_s == pytest.approx(0.5)
    assert take.clipped_blocks == 4 and "clipped" in take.warnings[0]


# --- crash safety -------------------------------------------------------------------------

CRASHING_CHILD = textwrap.dedent("""
    import os, signal, sys, time
    import numpy as np
    from voice_desk.audio.record import Recorder

    class Push:
        rate, channels = 16000, 1
        def start(self, on_block, on_end): self.on_block = on_block
        def stop(self): pass

    source = Push()
    recorder = Recorder(source, sys.argv[1], max_seconds=60)
    print(recorder.start(), flush=True)
    blocks = np.load(sys.argv[2])
    for block in blocks:
        source.on_block(block)
    while recorder.frames < blocks.size:   # until the writer thread has written them all
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGKILL)   # die mid-take: no close, no header fix-up
""")


def test_a_take_survives_the_process_being_killed_mid_take(tmp_path):
    blocks = np.stack([sine(0.064, 16_000, amp=0.05 * (i + 1)) for i in range(5)])  # 5 x 1024
    np.save(tmp_path / "blocks.npy", blocks)
    takes = tmp_path / "takes"
    takes.mkdir()
    child = subprocess.run([sys.executable, "-c", CRASHING_CHILD, str(takes), str(tmp_path / "blocks.npy")],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -9, child.stderr
    path = takes / child.stdout.strip().rsplit("/", 1)[-1]
    # the header was kept up to date while recording, so any program can read it as it is
    raw = path.read_bytes()
    at = _data_size_offset(raw)
    assert struct.unpack("<I", raw[at:at + 4])[0] == blocks.size * 4 and unfinished_takes(takes) == []
    recovered = recover_take(path)
    assert recovered.rate == 16_000 and recovered.channels == 1 and not recovered.repaired
    np.testing.assert_array_equal(recovered.samples, blocks.reshape(-1))


def _data_size_offset(raw: bytes) -> int:
    return raw.index(b"data") + 4


def test_recover_take_whose_header_was_never_finalised(tmp_path):
    samples = sine(0.3, 22_050, channels=2)
    _, take = record(ArraySource(samples, 22_050, block=512), tmp_path)
    raw = bytearray(take.path.read_bytes())
    raw[4:8] = struct.pack("<I", 0)                      # RIFF size never written
    at = _data_size_offset(raw)
    raw[at:at + 4] = struct.pack("<I", 0)                # data size never written
    take.path.write_bytes(bytes(raw))
    assert unfinished_takes(tmp_path) == [take.path]

    recovered = recover_take(take.path)
    assert recovered.repaired and recovered.rate == 22_050 and recovered.channels == 2
    np.testing.assert_array_equal(recovered.samples, samples)
    np.testing.assert_array_equal(sf.read(take.path, dtype="float32")[0], samples)  # repaired in place
    assert unfinished_takes(tmp_path) == []


def test_recover_take_when_the_header_lags_behind_the_data(tmp_path):
    samples = sine(0.2, 16_000)
    _, take = record(ArraySource(samples[:2000], 16_000), tmp_path)
    extra = samples[2000:]
    with open(take.path, "ab") as f:   # a block written after the last header update
        f.write(extra.astype("<f4").tobytes())
    recovered = recover_take(take.path, repair=False)
    assert not recovered.repaired
    np.testing.assert_array_equal(recovered.samples, samples)


def test_recover_take_refuses_a_file_that_is_not_a_wav(tmp_path):
    bogus = tmp_path / "take-x.wav"
    bogus.write_bytes(b"hello, not audio at all")
    with pytest.raises(AudioError, match="not a WAV"):
        recover_take(bogus)


# --- no PortAudio -------------------------------------------------------------------------

class _NoPortAudio(importlib.abc.MetaPathFinder):
    """Import of sounddevice fails the way it does when libportaudio2 is missing."""

    def find_spec(self, name, path=None, target=None):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


@pytest.fixture
def no_portaudio(monkeypatch):
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoPortAudio(), *sys.meta_path])


def test_recording_available_says_to_install_libportaudio2(no_portaudio):
    ok, reason = devices.recording_available()
    assert not ok and "libportaudio2" in reason and "PortAudio" in reason
    assert devices.list_input_devices() == [] and devices.default_input_device() is None
    from voice_desk.audio.record import SoundDeviceSource

    with pytest.raises(devices.AudioDeviceError, match="libportaudio2"):
        SoundDeviceSource()


def test_recording_available_without_the_python_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    ok, reason = devices.recording_available()
    assert not ok and "sounddevice" in reason


def test_recording_available_without_an_input_device(monkeypatch):
    monkeypatch.setattr(devices, "load_sounddevice", lambda: object())
    monkeypatch.setattr(devices, "list_input_devices", lambda: [])
    ok, reason = devices.recording_available()
    assert not ok and "No microphone" in reason


def test_array_source_in_real_time_can_be_stopped(tmp_path):
    source = ArraySource(sine(5.0, 16_000), 16_000, block=800, realtime=True)
    recorder = Recorder(source, tmp_path)
    recorder.start()
    waited = threading.Event()
    for _ in range(3000):   # wait (up to a minute) until two blocks are on disk
        if recorder.frames >= 1600:
            break
        waited.wait(0.02)
    recorder.stop()
    take = recorder.wait(10)
    assert take.stopped_by == "user" and 1600 <= take.frames < 80_000


# --- hardening: private takes, repairs only where safe, damaged headers, a full disk --------

import os  # noqa: E402
import shutil  # noqa: E402

from voice_desk.audio import record as record_module  # noqa: E402


def _lagging_take(path, samples=None, rate=16_000):
    """A float take whose data size was never written (as if Voice Desk died at once)."""
    samples = sine(0.25, rate) if samples is None else samples
    sf.write(path, samples, rate, subtype="FLOAT")
    raw = bytearray(path.read_bytes())
    at = _data_size_offset(raw)
    raw[at:at + 4] = struct.pack("<I", 0)
    path.write_bytes(bytes(raw))
    return raw


def test_takes_and_their_new_folder_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        _, take = record(ArraySource(sine(0.2, 16_000), 16_000), tmp_path / "new" / "takes")
    finally:
        os.umask(old)
    assert os.stat(take.path).st_mode & 0o777 == 0o600
    assert os.stat(take.path.parent).st_mode & 0o777 == 0o700


def test_recovery_never_writes_through_a_link_or_outside_the_takes_folder(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = outside / "patient.wav"
    before = bytes(_lagging_take(target))
    takes = tmp_path / "takes"
    takes.mkdir()
    (takes / "take-20260101-000000.wav").symlink_to(target)
    os.link(target, takes / "take-20260101-000001.wav")
    assert unfinished_takes(takes) == [takes / "take-20260101-000001.wav"]   # the symbolic link is left alone
    for name in ("take-20260101-000000.wav", "take-20260101-000001.wav"):
        recovered = recover_take(takes / name, folder=takes)
        assert not recovered.repaired and recovered.frames == 4000 and "not repaired" in recovered.note
    assert not recover_take(target, folder=takes).repaired                 # a file outside the folder
    assert target.read_bytes() == before


def test_zero_padding_after_a_complete_take_is_not_audio(tmp_path):
    samples = sine(0.25, 16_000)
    path = tmp_path / "take-20260101-000000.wav"
    sf.write(path, samples, 16_000, subtype="FLOAT")
    with open(path, "ab") as f:
        f.write(bytes(4096))                           # e.g. a copy padded to a block size
    before = path.read_bytes()
    assert unfinished_takes(tmp_path) == []
    recovered = recover_take(path, folder=tmp_path)
    assert not recovered.repaired and recovered.frames == samples.size
    assert path.read_bytes() == before


def _damaged(path, how):
    raw = _lagging_take(path)
    if how == "block_align 0":
        raw[32:34] = struct.pack("<H", 0)
    elif how == "channels 0":
        raw[22:24] = struct.pack("<H", 0)
    else:  # a 4-byte fmt chunk
        data = raw[raw.index(b"data"):]
        raw = bytearray(b"RIFF" + struct.pack("<I", 4 + 12 + len(data)) + b"WAVEfmt " + struct.pack("<I", 4)
                        + raw[20:24] + data)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("how", ["block_align 0", "channels 0", "4-byte fmt"])
def test_a_damaged_take_header_is_named_not_a_crash(tmp_path, how):
    path = tmp_path / "take-20260101-000000.wav"
    _damaged(path, how)
    before = path.read_bytes()
    assert unfinished_takes(tmp_path) == [path]
    with pytest.raises(AudioError, match="format header is (damaged|cut short)"):
        recover_take(path, folder=tmp_path)
    assert path.read_bytes() == before


def test_a_full_disk_stops_the_take_plainly_and_keeps_what_was_written(tmp_path, monkeypatch):
    real_writer = record_module._open_take_writer

    def filling_up(fd, rate, channels):
        writer = real_writer(fd, rate, channels)

        class Full:
            blocks = 0

            def write(self, block):
                Full.blocks += 1
                if Full.blocks == 4:   # part of the block reached the disk, then no more room
                    os.write(fd, np.asarray(block[:100], dtype="<f4").tobytes())
                    raise sf.LibsndfileError(2)           # libsndfile says only "System error."
                writer.write(block)

            flush, close = writer.flush, writer.close
        return Full()

    monkeypatch.setattr(record_module, "_open_take_writer", filling_up)
    monkeypatch.setattr(record_module.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 0))
    samples = sine(1.0, 16_000)
    _, take = record(ArraySource(samples, 16_000, block=1024), tmp_path)
    assert take.stopped_by == "error" and take.saved
    assert "disk holding" in take.error and str(tmp_path) in take.error and "is full" in take.error
    assert "Nothing recorded until then is lost" in take.error and "System error" not in take.error
    written, _ = sf.read(take.path, dtype="float32")     # readable as it is: the header was brought up to date
    np.testing.assert_array_equal(written, samples[:3 * 1024 + 100])
    assert take.frames == 3 * 1024 + 100
