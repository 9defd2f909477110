"""The built-in aligner on the shipped reference and on transformations of it (no espeak needed)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import noise, speech_like, tone
from voice_desk.align import builtin, dtw
from voice_desk.align.aligner import align
from voice_desk.align.builtin import MIN_PHONE_S, AlignmentError, align_builtin
from voice_desk.align.phoneset import GERMAN_MFA_PHONES
from voice_desk.align.reference import SENTENCE, load_reference
from voice_desk.audio.recording import Recording
from voice_desk.errors import VoiceDeskError

RATE = 16_000


def wsola_stretch(x: np.ndarray, factor: float, window: int = 640) -> np.ndarray:
    """Make speech ``factor`` times longer at the same pitch (waveform-similarity overlap-add)."""
    hop = window // 2
    tol = hop // 2
    win = np.hanning(window)
    n_out = int(x.size * factor)
    out = np.zeros(n_out + window)
    norm = np.zeros(n_out + window)
    xp = np.pad(x, (tol, window + tol + int(hop / factor) + 1))
    prev = 0
    for k in range(n_out // hop):
        nominal = int(k * hop / factor)
        if k == 0:
            pos = nominal
        else:
            target = xp[prev + hop + tol: prev + hop + tol + hop]  # natural continuation of the last frame
            region = xp[nominal: nominal + hop + 2 * tol]
            pos = nominal - tol + int(np.argmax(np.correlate(region, target, mode="valid")))
            pos = max(pos, 0)
        out[k * hop: k * hop + window] += win * xp[pos + tol: pos + tol + window]
        norm[k * hop: k * hop + window] += win
        prev = pos
    return (out / np.maximum(norm, 1e-3))[:n_out].astype(np.float32)


def recording(samples) -> Recording:
    samples = np.asarray(samples, dtype=np.float32)
    return Recording(samples=samples, sample_rate=RATE, original_rate=RATE)


def spoken_boundaries(phones) -> np.ndarray:
    return np.array([t for p in phones if not p.is_silence for t in (p.start, p.end)])


def with_silence(samples, lead, trail, level=3e-4, seed=0):
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.zeros(int(lead * RATE)), samples, np.zeros(int(trail * RATE))])
    return (y + level * rng.standard_normal(y.size)).astype(np.float32)


@pytest.fixture(scope="module")
def reference():
    return load_reference()


def check_tiers(alignment):
    """Tiers cover 0..duration without gaps, silence is unlabelled, every phone lasts >= 10 ms."""
    for tier in (alignment.words, alignment.phones):
        assert tier[0].start == pytest.approx(0.0) and tier[-1].end == pytest.approx(alignment.duration)
        for a, b in zip(tier, tier[1:]):
            assert a.end == pytest.approx(b.start)
    assert all(p.duration >= MIN_PHONE_S - 1e-9 for p in alignment.spoken_phones())
    assert all(p.label in GERMAN_MFA_PHONES for p in alignment.spoken_phones())


def test_shipped_reference_is_the_sentence_in_german_mfa_phones(reference):
    assert reference.text == SENTENCE and reference.sample_rate == RATE
    assert [w.label for w in reference.words if not w.is_silence] == ["Guten", "Morgen", "wie", "geht", "es", "Ihnen"]
    spoken = [p.label for p in reference.phones if not p.is_silence]
    assert set(spoken) <= GERMAN_MFA_PHONES
    assert spoken[:3] == ["ɡ", "uː", "t"] and "ʁ" in spoken  # espeak's ɾ mapped to german_mfa's ʁ
    assert reference.phones[-1].end == pytest.approx(reference.duration, abs=0.01)


@pytest.mark.parametrize("lead, trail", [(0.0, 0.0), (0.8, 0.3), (1.5, 1.0)])
def test_reference_with_silence_around_is_aligned_exactly(reference, lead, trail):
    alignment = align_builtin(recording(with_silence(reference.samples, lead, trail)))
    truth = spoken_boundaries(reference.phones) + lead
    assert np.max(np.abs(spoken_boundaries(alignment.phones) - truth)) < 0.012
    assert alignment.approximate and alignment.source == "builtin"
    assert alignment.confidence > 0.9 and not alignment.warnings
    assert [w.label for w in alignment.spoken_words()] == ["Guten", "Morgen", "wie", "geht", "es", "Ihnen"]
    check_tiers(alignment)


@pytest.mark.parametrize("factor, snr_db", [(1.35, 30), (0.8, 20)])
def test_time_stretched_noisy_reference_is_followed(reference, factor, snr_db):
    """A slower/faster speaker in noise: boundaries must move with the speech, not stay put."""
    stretched = wsola_stretch(reference.samples, factor)
    rng = np.random.default_rng(1)
    y = with_silence(stretched, 0.6, 0.4)
    y = y + rng.standard_normal(y.size) * np.sqrt(np.mean(stretched ** 2) / 10 ** (snr_db / 10))
    alignment = align_builtin(recording(y))
    truth = spoken_boundaries(reference.phones) * factor + 0.6
    errors = np.abs(spoken_boundaries(alignment.phones) - truth)
    assert np.median(errors) < 0.015 and np.percentile(errors, 90) < 0.04
    naive = np.abs(spoken_boundaries(reference.phones) + 0.6 - truth)  # ignoring the stretch is far worse
    assert np.median(naive) > 3 * np.median(errors)
    assert alignment.confidence >= 0.5
    check_tiers(alignment)


@pytest.mark.parametrize("pause_s", [0.0, 0.7])
def test_no_pause_or_a_long_pause_after_morgen(reference, pause_s):
    """Speakers pause differently after the comma: the pause may vanish or grow."""
    pause = next(p for p in reference.phones if p.is_silence and 0.1 < p.start < reference.duration - 0.1)
    a, b = int(pause.start * RATE), int(pause.end * RATE)
    y = np.concatenate([reference.samples[:a], np.zeros(int(pause_s * RATE)), reference.samples[b:]])
    alignment = align_builtin(recording(with_silence(y, 0.5, 0.5)))
    truth = spoken_boundaries(reference.phones)
    truth = truth + 0.5 + np.where(truth >= pause.end - 1e-6, pause_s - pause.duration, 0.0)
    assert np.max(np.abs(spoken_boundaries(alignment.phones) - truth)) < 0.01
    assert alignment.confidence > 0.8
    check_tiers(alignment)


def not_the_sentence(reference):
    words = [w for w in reference.words if not w.is_silence]
    pieces = [reference.samples[int(w.start * RATE): int(w.end * RATE)] for w in words]
    return {
        "reversed": reference.samples[::-1].copy(),
        "words shuffled": np.concatenate([pieces[i] for i in (3, 5, 0, 4, 1, 2)]),
        "first half only": reference.samples[: int(words[2].start * RATE)],
        "speech-like buzz": speech_like(2.5),
    }


@pytest.mark.parametrize("case", ["reversed", "words shuffled", "first half only", "speech-like buzz"])
def test_other_audio_gets_low_confidence_and_a_warning(reference, case):
    alignment = align_builtin(recording(with_silence(not_the_sentence(reference)[case], 0.3, 0.3)))
    assert alignment.confidence < builtin.LOW_CONFIDENCE
    assert any("does not match" in w for w in alignment.warnings)


@pytest.mark.parametrize("samples, words", [
    (np.zeros(RATE * 2), "silent"),
    (tone(2.0), "No speech"),
    (noise(2.0, amp=0.05), "No speech"),
    (speech_like(0.2), "too short"),
])
def test_no_sentence_at_all_gives_zero_confidence_and_no_phones(samples, words):
    alignment = align_builtin(recording(samples))
    assert alignment.confidence == 0.0 and alignment.spoken_phones() == []
    assert words in alignment.warnings[0]
    assert alignment.phones[-1].end == pytest.approx(samples.size / RATE)


def test_a_recording_far_longer_than_the_sentence_is_not_aligned():
    samples = np.tile(speech_like(2.0), 31)  # 62 s of speech-like sound
    alignment = align_builtin(recording(samples))
    assert alignment.confidence == 0.0 and alignment.spoken_phones() == []
    assert "far longer" in alignment.warnings[0] and "MFA" in alignment.warnings[0]
    assert alignment.duration == pytest.approx(62.0)


def test_empty_recording_is_an_error():
    with pytest.raises(AlignmentError, match="empty"):
        align_builtin(recording(np.zeros(0)))


def test_other_rates_are_resampled(reference):
    from voice_desk.audio.resample import resample

    y = resample(with_silence(reference.samples, 0.5, 0.5), RATE, 44_100)
    alignment = align_builtin(Recording(samples=y, sample_rate=44_100, original_rate=44_100))
    truth = spoken_boundaries(reference.phones) + 0.5
    assert np.median(np.abs(spoken_boundaries(alignment.phones) - truth)) < 0.01


def test_minimum_phone_duration_is_enforced():
    bounds = np.array([0.0, 0.5, 0.5, 0.5, 0.503, 1.0])
    fixed = builtin._enforce_min_durations(bounds, ["", "a", "b", "c", ""], 1.0)
    assert np.all(np.diff(fixed)[1:4] >= MIN_PHONE_S - 1e-12)
    squeezed = builtin._enforce_min_durations(np.array([0.0, 0.999, 1.0, 1.0, 1.0]), ["", "a", "b", ""], 1.0)
    assert squeezed[-1] == 1.0 and np.all(np.diff(squeezed)[1:3] >= MIN_PHONE_S - 1e-12)


def test_distance_matrix_is_euclidean():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((7, 5)), rng.standard_normal((9, 5))
    direct = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(dtw.distance_matrix(a, b), direct, rtol=1e-5, atol=1e-5)
    assert dtw.distance_matrix(a, a).diagonal() == pytest.approx(0.0, abs=1e-3)


def python_dtw(cost, penalty):
    n, m = cost.shape
    D = np.full((n, m), np.inf)
    D[0, 0] = cost[0, 0]
    for i in range(n):
        for j in range(m):
            if i == 0 and j == 0:
                continue
            options = []
            if i and j:
                options.append(D[i - 1, j - 1] + 2 * cost[i, j])
            if i:
                options.append(D[i - 1, j] + cost[i, j] + penalty)
            if j:
                options.append(D[i, j - 1] + cost[i, j] + penalty)
            D[i, j] = min(options)
    return D


@pytest.mark.parametrize("shape, penalty", [((7, 11), 0.0), ((12, 5), 1.5), ((1, 6), 0.5), ((20, 20), 2.0)])
def test_row_vectorised_dtw_equals_the_double_loop(shape, penalty):
    cost = np.random.default_rng(sum(shape)).random(shape)
    D = dtw.accumulate(cost, penalty)
    np.testing.assert_allclose(D, python_dtw(cost, penalty))
    path = dtw.backtrack(D, cost, penalty)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (shape[0] - 1, shape[1] - 1)
    steps_taken = np.diff(path, axis=0)
    assert np.all((steps_taken >= 0) & (steps_taken <= 1)) and np.all(steps_taken.sum(axis=1) >= 1)
    along = sum(2 * cost[i, j] if di and dj else cost[i, j] + penalty
                for (di, dj), (i, j) in zip(steps_taken, path[1:]))
    assert cost[0, 0] + along == pytest.approx(D[-1, -1])


def test_align_interface_refuses_other_texts_and_backends(reference):
    rec = recording(reference.samples)
    assert align(rec).source == "builtin"
    with pytest.raises(VoiceDeskError, match="only knows the sentence"):
        align(rec, transcript="Der Nordwind und die Sonne")
    with pytest.raises(VoiceDeskError, match="no aligner called"):
        align(rec, backend="praat")
    assert align(rec, transcript="guten morgen wie geht es ihnen").spoken_phones()
