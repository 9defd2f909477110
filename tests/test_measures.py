"""Voice measures on generated voices whose perturbations are known (tests/measures_voices.py).

Tolerances (Praat's waveform-matching pulses are exact only for noise-free signals, and the formant
filter blurs each pulse into its neighbours): jitter within 15 % of the true value + 0.05 points,
shimmer within 15 % + 0.3 points, HNR (Praat's voice report) within 2 dB of the set ratio, F0 within 1 Hz.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from measures_voices import formants, sentence, voice
from voice_desk.measures.gates import NOISE_CPPS_DB
from voice_desk.measures.settings import pitch_range
from voice_desk.measures.take import measure_take, task_keys

RATE = 22_050


def vowel(**kw):
    v = voice(1.5, RATE, **kw)
    return v, measure_take(v.samples, RATE, "vowel_a")


@pytest.fixture(scope="module")
def jitter_series():
    return [vowel(jitter=j) for j in (0.0, 0.01, 0.02)]


@pytest.fixture(scope="module")
def shimmer_series():
    return [vowel(shimmer=s) for s in (0.0, 0.05, 0.10)]


@pytest.fixture(scope="module")
def noise_series():
    return [vowel(hnr_db=h) for h in (20.0, 10.0, 5.0)]


def test_jitter_follows_the_set_jitter(jitter_series):
    measured = [r.value("jitter_local") for _, r in jitter_series]
    assert measured == sorted(measured) and measured[0] < 0.1
    for v, report in jitter_series[1:]:
        assert abs(report.value("jitter_local") - v.jitter_local) <= 0.15 * v.jitter_local + 0.05
        assert report.value("jitter_rap") < report.value("jitter_local")  # RAP averages over three periods
    for _, report in jitter_series:
        assert abs(report.value("f0_mean") - 120.0) < 1.0


def test_shimmer_follows_the_set_shimmer(shimmer_series):
    measured = [r.value("shimmer_local") for _, r in shimmer_series]
    assert measured == sorted(measured) and measured[0] < 1.0
    for v, report in shimmer_series[1:]:
        assert abs(report.value("shimmer_local") - v.shimmer_local) <= 0.15 * v.shimmer_local + 0.3
        assert report.value("jitter_local") < 0.1  # amplitude perturbation is not read as jitter
    db = [r.value("shimmer_local_db") for _, r in shimmer_series]
    assert db == sorted(db)


def test_hnr_and_cpps_follow_the_set_noise(noise_series):
    for v, report in noise_series:
        assert abs(report.value("hnr") - v.hnr_db) <= 2.0
    cpps = [r.value("cpps") for _, r in noise_series]
    assert cpps == sorted(cpps, reverse=True) and cpps[-1] > NOISE_CPPS_DB


def test_breathy_and_creaky_voices_move_the_measures_the_right_way():
    _, modal = vowel(jitter=0.003, shimmer=0.02, hnr_db=25)
    _, breathy = vowel(jitter=0.003, shimmer=0.02, hnr_db=8, open_q=0.5, close_q=0.35)
    _, creaky = vowel(f0=85, jitter=0.03, shimmer=0.15, hnr_db=25)
    assert breathy.value("hnr") < modal.value("hnr") - 10
    assert breathy.value("cpps") < modal.value("cpps") - 3
    assert creaky.value("f0_mean") < modal.value("f0_mean") - 25
    assert creaky.value("jitter_local") > 3 * modal.value("jitter_local")
    assert creaky.value("shimmer_local") > 3 * modal.value("shimmer_local")
    assert creaky.value("hnr") < modal.value("hnr")
    assert creaky.measures["jitter_local"].flag == "above" and modal.measures["jitter_local"].flag is None


def test_values_are_praats_own_numbers():
    """The same Praat commands run here directly give the very same numbers: no arithmetic of our own."""
    import parselmouth
    from parselmouth.praat import call

    v = voice(2.0, 44_100, jitter=0.01, shimmer=0.04, hnr_db=20, seed=7)
    report = measure_take(v.samples, 44_100, "vowel_a", sex="m")
    snd = parselmouth.Sound(v.samples.astype(np.float64), 44_100)
    pulses = call(snd, "To PointProcess (periodic, cc)", 75, 300)  # one command, the pitch analysis inside
    for key, kind in (("jitter_local", "local"), ("jitter_rap", "rap"), ("jitter_ppq5", "ppq5")):
        assert report.value(key) == 100 * call(pulses, f"Get jitter ({kind})", 0, 0, 0.0001, 0.02, 1.3)
    for key, kind in (("shimmer_local", "local"), ("shimmer_apq3", "apq3"), ("shimmer_apq11", "apq11")):
        assert report.value(key) == 100 * call([snd, pulses], f"Get shimmer ({kind})", 0, 0, 0.0001, 0.02, 1.3, 1.6)
    assert report.value("shimmer_local_db") == call([snd, pulses], "Get shimmer (local_dB)", 0, 0, 0.0001, 0.02, 1.3,
                                                    1.6)
    pitch = call(snd, "To Pitch", 0, 75, 300)
    assert report.value("f0_mean") == call(pitch, "Get mean", 0, 0, "Hertz")
    assert report.value("f0_max") == call(pitch, "Get maximum", 0, 0, "Hertz", "Parabolic")
    voice_report = call([snd, pitch, pulses], "Voice report", 0, 0, 75, 300, 1.3, 1.6, 0.03, 0.45)
    assert f"Mean harmonics-to-noise ratio: {report.value('hnr'):.3f} dB" in voice_report
    cepstrogram = call(snd, "To PowerCepstrogram", 60, 0.002, 5000, 50)
    assert report.value("cpps") == call(cepstrogram, "Get CPPS", "no", 0.01, 0.001, 60, 330, 0.05, "Parabolic",
                                        0.001, 0, "Straight", "Robust")
    ltas = call(snd, "To Ltas", 1)
    assert report.value("ltas_slope") == call(ltas, "Get slope", 0, 1000, 1000, 10000, "energy")
    trend = call(ltas, "Compute trend line", 1, 10000)
    assert report.value("ltas_tilt") == call(trend, "Get slope", 0, 1000, 1000, 10000, "energy")


def test_phonation_time_is_the_voiced_stretch():
    v = voice(2.0, RATE, hnr_db=25)
    silence = np.zeros(int(0.5 * RATE), np.float32)
    report = measure_take(np.concatenate([silence, v.samples, silence]), RATE, "mpt")
    assert abs(report.value("mpt") - 2.0) < 0.06
    assert "mpt" not in measure_take(v.samples, RATE, "sentence").measures


def _no_nan(report) -> None:
    json.loads(report.to_json())  # allow_nan=False: raises on NaN
    for m in report.measures.values():
        assert (m.value is None) != (m.why_not is None)
        assert m.value is None or math.isfinite(m.value)


@pytest.mark.parametrize("case", ["silence", "tone", "short", "whisper", "noise"])
def test_bad_input_gets_a_reason_per_measure(case):
    rng = np.random.default_rng(3)
    samples = {
        "silence": np.zeros(RATE, np.float32),
        "tone": 0.3 * np.sin(2 * np.pi * 1000 * np.arange(RATE) / RATE),
        "short": voice(0.2, RATE).samples,
        "whisper": formants(rng.standard_normal(2 * RATE), RATE, "a") * 1e-3,
        "noise": 0.1 * rng.standard_normal(2 * RATE),
    }[case]
    report = measure_take(samples, RATE, "vowel_a")
    _no_nan(report)
    assert tuple(report.measures) == task_keys("vowel_a")
    voice_keys = [k for k in report.measures if k not in ("cpps", "ltas_slope", "ltas_tilt")]
    for key in voice_keys:
        assert report.value(key) is None and report.why_not(key)
    words = {"silence": "silent", "tone": "pure tone", "short": "0.20 s", "whisper": "no harmonic structure",
             "noise": "no voiced frame"}[case]
    assert words in report.why_not("jitter_local")
    if case in ("whisper", "noise"):  # CPPS, slope and tilt describe any sound: kept, and said so
        assert report.value("cpps") < NOISE_CPPS_DB and report.value("ltas_slope") is not None
        assert any("withheld" in w for w in report.warnings)


def test_settings_and_json_carry_values_units_ranges_and_reasons():
    s = sentence(16_000, seed=2)
    report = measure_take(s, 16_000, "sentence", sex="f")
    record = json.loads(report.to_json())
    assert record["settings"]["pitch_floor_hz"] == 100 and record["settings"]["pitch_ceiling_hz"] == 500
    assert record["settings"]["praat"].startswith("Praat 6.")
    by_key = {m["key"]: m for m in record["measures"]}
    assert by_key["f0_mean"]["unit"] == "Hz" and by_key["f0_mean"]["normal"]["low"] == 165
    assert "Baken" in by_key["f0_mean"]["normal"]["source"]
    assert by_key["cpps"]["normal"]["low"] == 9.33 and "Murton" in by_key["cpps"]["normal"]["source"]
    assert by_key["jitter_local"]["normal"] is None and "sustained vowels" in by_key["jitter_local"]["no_range"]
    assert "To PointProcess (cc)" in by_key["jitter_local"]["praat"]
    assert by_key["ltas_slope"]["value"] is None and "20,000 Hz" in by_key["ltas_slope"]["why_not"]
    assert pitch_range(None).floor == 75 and pitch_range("m").ceiling == 300 and pitch_range("female").floor == 100


def test_a_pure_tone_is_told_from_a_soft_voice():
    from voice_desk.measures.gates import pure_tone

    soft = voice(1.0, RATE, f0=300, vowel="u", open_q=0.6, close_q=0.39, hnr_db=30).samples  # F1 on F0
    assert pure_tone(soft, RATE) is None
    assert "200 Hz" in pure_tone(0.2 * np.sin(2 * np.pi * 200 * np.arange(RATE) / RATE), RATE)
