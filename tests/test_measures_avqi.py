"""AVQI v03.01 and DSI, and the session layer that measures a user's takes from files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from measures_voices import sentence, voice
from voice_desk.measures.avqi import avqi, concatenation
from voice_desk.measures.dsi import dsi

RATE = 22_050
HEALTHY = dict(jitter=0.003, shimmer=0.02, hnr_db=30)
DYSPHONIC = dict(jitter=0.02, shimmer=0.12, hnr_db=5, open_q=0.5, close_q=0.35)


@pytest.fixture(scope="module")
def pair():
    healthy = (sentence(RATE, **HEALTHY), voice(3.5, RATE, **HEALTHY).samples)
    dysphonic = (sentence(RATE, **DYSPHONIC, seed=1), voice(3.5, RATE, **DYSPHONIC, seed=1).samples)
    return {"healthy": healthy, "dysphonic": dysphonic,
            "avqi": {name: avqi(s, RATE, v, RATE) for name, (s, v) in (("healthy", healthy), ("dysphonic", dysphonic))}}


def test_avqi_lands_on_the_expected_side_of_its_threshold(pair):
    healthy, dysphonic = pair["avqi"]["healthy"], pair["avqi"]["dysphonic"]
    assert healthy.value < 2.43 <= dysphonic.value
    assert healthy.flag is None and dysphonic.flag == "above"
    assert dysphonic.components["cpps"]["value"] < healthy.components["cpps"]["value"]
    assert dysphonic.components["hnr"]["value"] < healthy.components["hnr"]["value"]
    assert healthy.threshold.value == 2.43 and "Barsties & Maryn (2016)" in healthy.threshold.source
    assert "German" in healthy.threshold.note
    record = json.loads(json.dumps(healthy.to_dict(), allow_nan=False))
    assert record["settings"]["vowel_part_s"] == 3.0 and record["settings"]["voiced_part_s"] > 1.0


def test_avqi_is_its_formula_over_praats_numbers(pair):
    import parselmouth
    from parselmouth.praat import call

    s, v = pair["healthy"]
    result = pair["avqi"]["healthy"]
    joined, _, _ = concatenation(s, RATE, v, RATE, [])
    snd = parselmouth.Sound(joined, RATE)
    c = {key: item["value"] for key, item in result.components.items()}
    cepstrogram = call(snd, "To PowerCepstrogram", 60, 0.002, 5000, 50)
    assert c["cpps"] == call(cepstrogram, "Get CPPS", "no", 0.01, 0.001, 60, 330, 0.05, "Parabolic", 0.001, 0,
                             "Straight", "Robust")
    pulses = call(snd, "To PointProcess (periodic, cc)", 50, 400)
    assert c["shimmer_local"] == 100 * call([snd, pulses], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
    pitch = call(snd, "To Pitch (cc)", 0, 75, 15, "no", 0.03, 0.45, 0.01, 0.35, 0.14, 600)
    report = call([snd, pitch, call([snd, pitch], "To PointProcess (cc)")], "Voice report", 0, 0, 75, 600, 1.3, 1.6,
                  0.03, 0.45)
    assert f"Mean harmonics-to-noise ratio: {c['hnr']:.3f} dB" in report
    expected = (4.152 - 0.177 * c["cpps"] - 0.006 * c["hnr"] - 0.037 * c["shimmer_local"]
                + 0.941 * c["shimmer_local_db"] + 0.01 * c["ltas_slope"] + 0.093 * c["ltas_tilt"]) * 2.8902
    assert result.value == pytest.approx(expected, abs=1e-12)


def test_avqi_says_why_it_has_no_value(pair):
    s, v = pair["healthy"]
    silent = avqi(s, RATE, np.zeros(3 * RATE), RATE)
    assert silent.value is None and "sustained /a/ take cannot be used" in silent.why_not and "silent" in silent.why_not
    low = avqi(s[::2], RATE // 2, v[::2], RATE // 2)  # 11 kHz: nothing at 1–10 kHz to take a slope of
    assert low.value is None and "LTAS slope" in low.why_not and "20,000 Hz" in low.why_not
    short = avqi(s, RATE, v[: int(1.5 * RATE)], RATE)
    assert short.value is not None and any("3 s of sustained /a/" in w for w in short.warnings)


def test_dsi_needs_its_four_inputs_and_says_which_are_missing():
    full = dsi(mpt=20.0, f0_high=600.0, i_low=50.0, jitter=0.5)
    assert full.value == pytest.approx(0.13 * 20 + 0.0053 * 600 - 0.26 * 50 - 1.18 * 0.5 + 12.4)
    assert full.flag is None and full.threshold.value == 3.0 and "Wuyts" in full.source
    missing = dsi(mpt=20.0, f0_high=None, i_low=None, jitter=0.5)
    assert missing.value is None and "F0-High" in missing.why_not and "I-Low" in missing.why_not
    assert "MPT —" not in missing.why_not and "calibrated" in missing.why_not
    assert dsi(mpt=5.0, f0_high=300.0, i_low=70.0, jitter=3.0).flag == "below"


def test_session_measures_files_at_their_own_rate(tmp_path, pair):
    from voice_desk.audio.load import load_recording
    from voice_desk.session.measures import measure_recording, measure_session
    from voice_desk.tasks.state import TaskCancelled, TaskState

    s, v = pair["healthy"]
    s_path, v_path, mpt_path = tmp_path / "sentence.wav", tmp_path / "a.wav", tmp_path / "mpt.wav"
    sf.write(s_path, s, RATE, subtype="FLOAT")  # the very samples: the same AVQI
    sf.write(v_path, v, RATE, subtype="FLOAT")
    sf.write(mpt_path, np.concatenate([np.zeros(RATE // 2, np.float32), v]), RATE)
    result = measure_session(s_path, v_path, "f", mpt=mpt_path, f0_high_hz=700.0, i_low_db_spl=48.0)
    assert set(result.takes) == {"sentence", "vowel_a", "mpt"}
    assert result.takes["sentence"].sample_rate == RATE and result.takes["sentence"].sex == "f"
    assert result.avqi.value == pytest.approx(pair["avqi"]["healthy"].value)
    assert result.dsi.value is not None and result.dsi.components["mpt"]["from"] == "the mpt take"
    assert abs(result.dsi.components["mpt"]["value"] - 3.5) < 0.1
    json.loads(result.to_json())
    recording = load_recording(s_path)  # 16 kHz for the models; measures read the file's 22.05 kHz again
    assert measure_recording(recording).sample_rate == RATE
    state = TaskState()
    state.cancel()
    with pytest.raises(TaskCancelled):
        measure_session(s_path, v_path, state=state)
    from voice_desk.errors import VoiceDeskError

    with pytest.raises(VoiceDeskError, match="I-Low"):
        measure_session(vowel_a=v_path, i_low_db_spl=float("nan"))
    alone = measure_session(vowel_a=v_path)
    assert alone.avqi.value is None and "the sentence" in alone.avqi.why_not and "MPT" in alone.dsi.why_not
