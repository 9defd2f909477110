"""Loading recordings: formats, mixing, resampling, and every bad-input path."""

import hashlib

import numpy as np
import pytest
import soundfile as sf

from conftest import noise, speech_like, tone
from voice_desk.audio.load import load_recording, recording_from_array
from voice_desk.audio.nsp import write_nsp
from voice_desk.errors import (AudioNotFoundError, AudioTooShortError, EmptyAudioError, InvalidSamplesError,
                               SampleRateError, SilentAudioError, UnsupportedAudioError)


def dominant_hz(samples, rate):
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)]


@pytest.mark.parametrize("name,fmt", [("a.wav", None), ("a.flac", None), ("a.ogg", "OGG")])
def test_soundfile_formats_load_as_16k_mono(tmp_path, name, fmt):
    path = tmp_path / name
    sf.write(path, tone(1.0, 440, rate=44_100), 44_100, format=fmt)
    rec = load_recording(path)
    assert rec.sample_rate == 16_000 and rec.original_rate == 44_100
    assert rec.samples.dtype == np.float32 and rec.samples.ndim == 1
    assert rec.duration == pytest.approx(1.0, abs=0.01)
    assert dominant_hz(rec.samples, 16_000) == pytest.approx(440, abs=3)


def test_nsp_file_from_svd_loads(tmp_path):
    path = tmp_path / "1-phrase.nsp"
    write_nsp(path, speech_like(1.0, rate=50_000), 50_000)
    rec = load_recording(path)
    assert rec.original_rate == 50_000 and rec.sample_rate == 16_000
    assert rec.duration == pytest.approx(1.0, abs=0.01)


def test_stereo_is_mixed_to_mono(tmp_path):
    left, right = tone(1.0, 300), np.zeros(16_000, dtype=np.float32)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 16_000)
    rec = load_recording(path)
    assert rec.original_channels == 2
    np.testing.assert_allclose(rec.samples, left / 2, atol=1e-4)


def test_resampler_removes_content_above_the_new_nyquist(tmp_path):
    # 12 kHz cannot exist at 16 kHz: a naive decimator would alias it to 4 kHz.
    path = tmp_path / "high.wav"
    sf.write(path, tone(1.0, 12_000, rate=48_000, amp=0.5) + tone(1.0, 500, rate=48_000, amp=0.5), 48_000)
    rec = load_recording(path)
    spectrum = np.abs(np.fft.rfft(rec.samples * np.hanning(rec.samples.size)))
    freqs = np.fft.rfftfreq(rec.samples.size, 1 / 16_000)
    alias = spectrum[np.abs(freqs - 4000) < 20].max()
    kept = spectrum[np.abs(freqs - 500) < 20].max()
    assert alias < kept * 1e-3


def test_source_file_is_never_modified(tmp_path):
    path = tmp_path / "clip.wav"
    sf.write(path, speech_like(1.0, rate=22_050), 22_050)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    load_recording(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_missing_file(tmp_path):
    with pytest.raises(AudioNotFoundError, match="does not exist"):
        load_recording(tmp_path / "nope.wav")


def test_not_audio_names_file_and_formats(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is a text file")
    with pytest.raises(UnsupportedAudioError) as err:
        load_recording(path)
    assert "notes.wav" in str(err.value) and "WAV, FLAC, OGG or NSP" in str(err.value)


def test_corrupt_nsp(tmp_path):
    path = tmp_path / "bad.nsp"
    path.write_bytes(b"FORMDS16garbage")
    with pytest.raises(UnsupportedAudioError, match="NSP"):
        load_recording(path)


def test_empty_audio(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16_000)
    with pytest.raises(EmptyAudioError, match="no audio"):
        load_recording(path)


def test_silent_audio(tmp_path):
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros(32_000, dtype=np.float32), 16_000)
    with pytest.raises(SilentAudioError, match="microphone"):
        load_recording(path)


def test_too_short_states_the_minimum(tmp_path):
    path = tmp_path / "short.wav"
    sf.write(path, tone(0.2), 16_000)
    with pytest.raises(AudioTooShortError) as err:
        load_recording(path)
    assert "0.20 s" in str(err.value) and "at least 0.5 s" in str(err.value)


def test_nan_samples(tmp_path):
    samples = tone(1.0)
    samples[100] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, samples, 16_000, subtype="FLOAT")
    with pytest.raises(InvalidSamplesError, match="NaN"):
        load_recording(path)


def test_clipping_is_a_warning_not_an_error(tmp_path):
    path = tmp_path / "loud.wav"
    sf.write(path, np.clip(tone(1.0, amp=3.0), -1, 1), 16_000)
    rec = load_recording(path)
    assert any("clipped" in w for w in rec.warnings)


def test_one_clipped_channel_of_a_stereo_file_is_warned(tmp_path):
    """Mixed to mono, a clipped channel peaks at half scale: the check looks at the channels."""
    path = tmp_path / "stereo.wav"
    loud = np.clip(tone(1.0, amp=3.0), -1, 1)
    sf.write(path, np.stack([loud, 0.1 * tone(1.0)], axis=1), 16_000, subtype="FLOAT")
    assert any("clipped" in w for w in load_recording(path).warnings)
    sf.write(path, np.stack([0.5 * loud, 0.1 * tone(1.0)], axis=1), 16_000, subtype="FLOAT")
    assert not any("clipped" in w for w in load_recording(path).warnings)


def test_recording_from_array_checks_too():
    with pytest.raises(SilentAudioError):
        recording_from_array(np.zeros(16_000), 16_000)
    rec = recording_from_array(tone(1.0, rate=48_000), 48_000)
    assert rec.sample_rate == 16_000 and rec.duration == pytest.approx(1.0, abs=0.01)


def test_infinite_samples(tmp_path):
    samples = tone(1.0)
    samples[10:13] = np.inf
    path = tmp_path / "inf.wav"
    sf.write(path, samples, 16_000, subtype="FLOAT")
    with pytest.raises(InvalidSamplesError, match="3 samples are not numbers"):
        load_recording(path)


def test_a_folder_is_not_audio(tmp_path):
    with pytest.raises(UnsupportedAudioError, match="folder"):
        load_recording(tmp_path)


def test_rate_below_8k_is_refused_and_below_16k_warned(tmp_path):
    low = tmp_path / "low.wav"
    sf.write(low, tone(1.0, 300, rate=4_000), 4_000)
    with pytest.raises(SampleRateError) as err:
        load_recording(low)
    assert "4000 Hz" in str(err.value) and "at least 8000 Hz" in str(err.value) and "low.wav" in str(err.value)
    phone = tmp_path / "phone.wav"
    sf.write(phone, tone(1.0, 300, rate=8_000), 8_000)
    rec = load_recording(phone)
    assert rec.original_rate == 8_000 and rec.sample_rate == 16_000
    assert any("8000 Hz" in w and "nothing above 4000 Hz" in w for w in rec.warnings)
    hifi = tmp_path / "hifi.wav"
    sf.write(hifi, tone(1.0, 300, rate=96_000), 96_000)
    assert load_recording(hifi).warnings == []


def test_six_channels_are_mixed(tmp_path):
    channels = np.stack([tone(1.0, 300, amp=0.1 * (k + 1)) for k in range(6)], axis=1)
    path = tmp_path / "six.wav"
    sf.write(path, channels, 16_000)
    rec = load_recording(path)
    assert rec.original_channels == 6
    np.testing.assert_allclose(rec.samples, channels.mean(axis=1), atol=1e-4)


def test_channels_that_cancel_out_are_named_not_just_silent(tmp_path):
    voice = speech_like(1.0)
    path = tmp_path / "inverted.wav"
    sf.write(path, np.stack([voice, -voice], axis=1), 16_000)
    with pytest.raises(SilentAudioError) as err:
        load_recording(path)
    assert "cancel each other out" in str(err.value) and "mono" in str(err.value)


def test_a_very_long_file_is_read_only_up_to_the_limit(tmp_path):
    path = tmp_path / "session.flac"
    sf.write(path, speech_like(5.0, rate=22_050), 22_050)
    rec = load_recording(path, max_seconds=2.0)
    assert rec.duration == pytest.approx(2.0, abs=0.01)
    assert any("only its first" in w for w in rec.warnings)
    assert load_recording(path).duration == pytest.approx(5.0, abs=0.01)


# --- hardening: only regular files, bounded memory, plain messages -------------------------

import contextlib  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import struct  # noqa: E402
import tracemalloc  # noqa: E402

from voice_desk.audio.load import read_samples  # noqa: E402


@contextlib.contextmanager
def fails_after(seconds):
    """Turn a hang (e.g. blocked in open()) into a test failure instead of a stuck suite."""
    def hang(*_):
        raise TimeoutError(f"still blocked after {seconds} s")
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_named_pipe_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "clip.wav"
    os.mkfifo(fifo)
    with fails_after(5), pytest.raises(UnsupportedAudioError) as err:
        load_recording(fifo)
    assert "named pipe" in str(err.value) and "clip.wav" in str(err.value) and "regular files" in str(err.value)


def test_a_link_loop_and_a_dangling_link_say_what_they_are(tmp_path):
    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    with pytest.raises(AudioNotFoundError, match="loop of symbolic links"):
        load_recording(loop)
    dangling = tmp_path / "gone.wav"
    dangling.symlink_to(tmp_path / "moved.wav")
    with pytest.raises(AudioNotFoundError, match="link to .*moved.wav, which does not exist"):
        load_recording(dangling)


def test_mp3_is_refused_plainly_without_decoder_noise(tmp_path, capfd):
    mp3 = tmp_path / "clip.mp3"
    sf.write(mp3, tone(1.0), 16_000, format="MP3")
    damaged = bytearray(mp3.read_bytes())
    damaged[200::37] = b"\x55" * len(damaged[200::37])     # decoding this printed pages of libmpg123 errors
    for name in ("clip.mp3", "renamed.wav"):
        (tmp_path / name).write_bytes(bytes(damaged))
        with pytest.raises(UnsupportedAudioError, match="MP3"):
            load_recording(tmp_path / name)
    # MP3 inside a RIFF/WAVE container (format tag 0x55), which libsndfile would decode
    fmt = struct.pack("<HHIIHHH", 0x55, 1, 16_000, 2000, 1, 0, 12) + struct.pack("<HIHHH", 1, 2, 144, 1, 1393)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(damaged)) + damaged
    (tmp_path / "mp3in.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with pytest.raises(UnsupportedAudioError, match="MP3"):
        load_recording(tmp_path / "mp3in.wav")
    assert capfd.readouterr().err == ""


def test_other_formats_libsndfile_knows_are_not_read(tmp_path):
    path = tmp_path / "clip.wav"
    sf.write(path, speech_like(1.0), 16_000, format="AIFF")
    with pytest.raises(UnsupportedAudioError, match="WAV, FLAC, OGG or NSP"):
        load_recording(path)


def test_an_nsp_named_wav_is_read_by_its_content(tmp_path):
    path = tmp_path / "svd.wav"
    write_nsp(path, speech_like(1.0, rate=50_000), 50_000)
    assert load_recording(path).original_rate == 50_000


def _nsp_bytes(samples_bytes: bytes, rate: int, length: int) -> bytes:
    hedr = b"Jan 01 00:00:00 2000" + struct.pack("<IIHH", rate, length, 1000, 0)
    body = b"HEDR" + struct.pack("<I", len(hedr)) + hedr + b"SDA_" + struct.pack("<I", len(samples_bytes)) + samples_bytes
    return b"FORMDS16" + struct.pack("<I", len(body)) + body


def test_a_long_nsp_is_read_only_up_to_the_cap_in_bounded_memory(tmp_path):
    path = tmp_path / "session.nsp"
    write_nsp(path, noise(60.0, rate=50_000), 50_000)          # 6 MB of samples on disk
    tracemalloc.start()
    try:
        samples, rate, warnings = read_samples(path, max_seconds=5.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert samples.shape[0] == 5 * 50_000 and rate == 50_000
    assert "60.0 s long; only its first 5.0 s" in warnings[0]
    assert peak < 4_000_000          # reading the whole file took 24 MB (4x the file)


def test_nsp_headers_that_announce_absurd_lengths_or_rates_are_named(tmp_path):
    pcm = (tone(1.0, rate=50_000) * 32767).astype("<i2").tobytes()
    huge = tmp_path / "huge.nsp"
    huge.write_bytes(_nsp_bytes(pcm, 50_000, 0xFFFFFFFF))
    with pytest.raises(UnsupportedAudioError) as err:
        load_recording(huge)
    assert "announces 4,294,967,295 samples" in str(err.value) and "holds only 50,000" in str(err.value)
    fast = tmp_path / "fast.nsp"
    fast.write_bytes(_nsp_bytes(pcm, 4_000_000_000, 50_000))
    with pytest.raises(UnsupportedAudioError, match="sample rate of 4,000,000,000 Hz, which no recorder uses"):
        load_recording(fast)
    cut = tmp_path / "cut.nsp"
    cut.write_bytes(_nsp_bytes(pcm, 50_000, 50_000)[:-5000])
    with pytest.raises(UnsupportedAudioError, match="cut short"):
        load_recording(cut)


def test_a_wav_header_with_an_absurd_rate_is_named(tmp_path):
    path = tmp_path / "fast.wav"
    sf.write(path, speech_like(1.0), 16_000, subtype="PCM_16")
    raw = bytearray(path.read_bytes())
    raw[24:28] = struct.pack("<I", 1_000_000)           # libsndfile opens it; resampling it took a while
    raw[28:32] = struct.pack("<I", 2_000_000)
    path.write_bytes(bytes(raw))
    with pytest.raises(UnsupportedAudioError, match="sample rate of 1,000,000 Hz, which no recorder uses"):
        load_recording(path)


def test_many_channels_are_read_within_the_sample_budget(tmp_path, monkeypatch):
    from voice_desk.audio import load

    monkeypatch.setattr(load, "MAX_SAMPLES", 8 * 16_000)
    path = tmp_path / "array.wav"
    sf.write(path, np.stack([speech_like(2.0)] * 8, axis=1), 16_000)
    rec = load_recording(path)
    assert rec.duration == pytest.approx(1.0, abs=0.01)
    assert any("2.0 s long; only its first 1.0 s" in w for w in rec.warnings)
