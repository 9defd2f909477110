"""Loading recordings: formats, mixing, resampling, and every bad-input path."""

import hashlib

import numpy as np
import pytest
import soundfile as sf

from conftest import speech_like, tone
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
