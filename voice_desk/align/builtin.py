"""The built-in aligner: the SVD sentence, offline, by DTW against a shipped reference.

The reference rendition (:mod:`voice_desk.align.reference`) is padded with low-level noise at
both ends, so the recording's own leading and trailing silence (of any length) warps onto the
padding; the reference's phone boundaries are then carried through the warping path onto the
recording. Every phone gets at least :data:`MIN_PHONE_S`.

The result is approximate (``Alignment.approximate``) and carries a confidence in 0..1 from
how well the recording matches the reference along the path compared with how well its frames
match the reference at all (a recording of another text matches frame by frame but not in
order), how much it had to be stretched, and whether there is speech of a plausible length.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from voice_desk.align import dtw
from voice_desk.align.features import FRAME_S, RATE, frame_features
from voice_desk.align.reference import SENTENCE, load_reference
from voice_desk.align.tiers import Alignment, Interval
from voice_desk.audio.recording import Recording
from voice_desk.errors import VoiceDeskError

MIN_PHONE_S = 0.010
PAD_S = 0.25
PAD_LEVEL = 1e-4
#: Longer recordings are not aligned: the sentence lasts 2-4 s, and the DTW grows with the length.
MAX_DURATION_S = 60.0
#: Below this confidence the alignment is returned with a warning that it is probably wrong.
LOW_CONFIDENCE = 0.5
#: Cost added to each step where one side stands still (keeps the warp near-diagonal unless the
#: audio says otherwise; benchmark p90 error 22 ms without, 11 ms with 1.5–3).
STEP_PENALTY = 2.0


class AlignmentError(VoiceDeskError):
    """A recording the aligner cannot work on at all."""


@dataclass
class _Prepared:
    features: np.ndarray
    speech: np.ndarray
    phones: tuple[Interval, ...]
    words: tuple[Interval, ...]
    speech_frames: np.ndarray
    word_starts: np.ndarray  # first frame of each spoken reference word


@lru_cache(maxsize=1)
def _prepared_reference() -> _Prepared:
    ref = load_reference()
    if ref.sample_rate != RATE:
        raise AlignmentError(f"the aligner reference is at {ref.sample_rate} Hz, expected {RATE} Hz.")
    pad = int(PAD_S * RATE)
    rng = np.random.default_rng(0)
    samples = np.concatenate([PAD_LEVEL * rng.standard_normal(pad), ref.samples,
                              PAD_LEVEL * rng.standard_normal(pad)]).astype(np.float32)
    feats, speech = frame_features(samples)
    shift = lambda iv: Interval(iv.start + PAD_S, iv.end + PAD_S, iv.label)  # noqa: E731
    phones = tuple(shift(p) for p in ref.phones)
    times = np.arange(feats.shape[0]) * FRAME_S
    spoken = np.zeros(times.size, dtype=bool)  # frames inside phones: pauses do not count for the scores
    for p in phones:
        if not p.is_silence:
            spoken |= (times >= p.start) & (times < p.end)
    return _Prepared(feats, speech, phones, tuple(shift(w) for w in ref.words), np.flatnonzero(spoken),
                     np.array([round(w.start / FRAME_S) for w in map(shift, ref.words) if not w.is_silence]))


def _enforce_min_durations(bounds: np.ndarray, labels: list[str], duration: float) -> np.ndarray:
    """Move boundaries so every spoken phone lasts at least MIN_PHONE_S (silences may vanish)."""
    b = np.clip(bounds.astype(np.float64), 0.0, duration)
    need = np.array([MIN_PHONE_S if lab else 0.0 for lab in labels])
    for k in range(1, b.size):  # forward: each interval at least its minimum
        b[k] = max(b[k], b[k - 1] + need[k - 1])
    if b[-1] > duration:  # backward from the end if that ran past it
        b[-1] = duration
        for k in range(b.size - 2, -1, -1):
            b[k] = min(b[k], b[k + 1] - need[k])
    return np.clip(b, 0.0, duration)


def _no_alignment(duration: float, warning: str) -> Alignment:
    return Alignment(words=[Interval(0.0, duration, "")], phones=[Interval(0.0, duration, "")], duration=duration,
                     source="builtin", confidence=0.0, approximate=True, warnings=[warning])


@dataclass
class MatchScores:
    """What the confidence is computed from (kept for the benchmark and for tests)."""

    path_cost: float      # mean distance along the path over the reference's speech
    nearest_cost: float   # mean distance of the same recording frames to their nearest reference frame
    warp: float           # recording speech duration / reference speech duration
    speech_share: float   # share of the aligned speech span that the recording's own VAD calls speech
    rank: float = 0.0     # mean share of reference frames closer to the recording frame than the path's one
    worst_word: float = 0.0  # the same, for the reference word where it is highest

    def confidence(self) -> float:
        """0..1: a logistic model of "this is the sentence" on renditions made as in the benchmark.

        Fitted on 120 synthetic renditions of the sentence (other espeak voices, rates, pitches,
        noise, jitter, breathiness, creak) against 102 of 17 other texts (other sentences, words
        of this one in another order or with other words, sustained vowels); held-out errors: 2
        of 60 renditions below 0.5, 3 of 51 others at or above 0.5 (all "Guten Morgen, wie geht
        es dir?"). It rises when the path's reference frames are among the nearest ones for
        the recording's frames (``rank``, ``worst_word``) and when the path costs little more than
        frame-by-frame matching (``nearest_cost / path_cost``). Real voices differ more from the
        reference than synthetic ones, so read it as a warning light, not a probability.
        """
        z = (-7.923 * self.rank + 7.818 * self.nearest_cost / max(self.path_cost, 1e-9)
             - 11.26 * self.worst_word - 0.473 * self.path_cost - 0.386)
        c_match = 1.0 / (1.0 + np.exp(-z))
        c_cost = np.clip((7.0 - self.path_cost) / 0.8, 0.0, 1.0)     # nothing in the reference fits
        c_warp = 1.0 if 0.45 <= self.warp <= 2.6 else 0.2              # far too short or long for the sentence
        c_speech = np.clip(self.speech_share / 0.4, 0.0, 1.0)          # the "speech" is mostly silence
        return float(np.clip(c_match * c_cost * c_warp * c_speech, 0.0, 1.0))


def match(recording_features: np.ndarray) -> tuple[np.ndarray, MatchScores, np.ndarray]:
    """Warping path (reference frame, recording frame), its scores, and the distance matrix."""
    ref = _prepared_reference()
    cost = dtw.distance_matrix(ref.features, recording_features)
    path, _ = dtw.dtw(cost, STEP_PENALTY)
    on_speech = np.isin(path[:, 0], ref.speech_frames)
    path_cost = float(cost[path[on_speech, 0], path[on_speech, 1]].mean())
    rec_frames = np.unique(path[on_speech, 1])
    nearest = float(cost[ref.speech_frames][:, rec_frames].min(axis=0).mean())
    warp = rec_frames.size / max(ref.speech_frames.size, 1)
    cells = path[on_speech][::2]  # every other cell is plenty for a mean, and halves the work
    on_path = cost[cells[:, 0], cells[:, 1]]
    columns = cost[ref.speech_frames][:, cells[:, 1]]
    below = (columns < on_path[None]).mean(axis=0)
    rank = float(below.mean())
    word_of = np.searchsorted(ref.word_starts, cells[:, 0], side="right")
    word_ranks = [below[word_of == w].mean() for w in np.unique(word_of) if (word_of == w).sum() >= 4]
    worst_word = float(max(word_ranks)) if word_ranks else rank
    return path, MatchScores(path_cost, nearest, warp, 0.0, rank, worst_word), cost


def align_builtin(recording: Recording) -> Alignment:
    """Word and german_mfa phone tiers for a recording of the SVD sentence."""
    samples = np.asarray(recording.samples, dtype=np.float32)
    if recording.sample_rate != RATE:
        from voice_desk.audio.resample import resample

        samples = resample(samples, recording.sample_rate, RATE)
    duration = samples.size / RATE
    if samples.size == 0:
        raise AlignmentError("the recording is empty.", path=recording.path)
    if duration < 0.3 or float(np.max(np.abs(samples))) < 1e-4:
        return _no_alignment(duration, f"The recording is {'too short' if duration < 0.3 else 'silent'}: "
                             f"there is no '{SENTENCE}' to align.")
    if duration > MAX_DURATION_S:
        return _no_alignment(duration, f"The recording lasts {duration:.0f} s, far longer than '{SENTENCE}' (2-4 s); "
                             f"the built-in aligner does not align recordings over {MAX_DURATION_S:.0f} s. "
                             "Cut the sentence out, or align with MFA.")
    feats, speech = frame_features(samples)
    if speech.sum() * FRAME_S < 0.2:
        return _no_alignment(duration, f"No speech was found in the recording: there is no '{SENTENCE}' to align.")
    ref = _prepared_reference()
    path, scores, _ = match(feats)

    # reference frame -> mean recording frame on the path, then reference times -> recording times
    n_ref = ref.features.shape[0]
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=n_ref)
    counts = np.bincount(path[:, 0], minlength=n_ref)
    mean_j = sums / np.maximum(counts, 1)

    def to_recording(t: float) -> float:
        return float(np.interp(t / FRAME_S, np.arange(n_ref), mean_j)) * FRAME_S

    labels = [p.label for p in ref.phones]
    bounds = np.array([0.0] + [to_recording(p.end) for p in ref.phones[:-1]] + [duration])
    bounds = _enforce_min_durations(bounds, labels, duration)
    phones = [Interval(float(a), float(b), lab) for a, b, lab in zip(bounds[:-1], bounds[1:], labels) if b - a > 1e-6]

    ref_bounds = np.array([ref.phones[0].start] + [p.end for p in ref.phones])  # reference time of each bound
    words = []
    for w in ref.words:  # a word starts and ends on phone boundaries: take the nearest ones
        if not w.is_silence:
            a, b = (bounds[int(np.argmin(np.abs(ref_bounds - t)))] for t in (w.start, w.end))
            words.append(Interval(float(a), float(b), w.label))
    words = _fill_gaps(words, duration)

    spoken = [p for p in phones if p.label]
    span = (np.arange(speech.size) * FRAME_S >= spoken[0].start) & (np.arange(speech.size) * FRAME_S < spoken[-1].end)
    scores.speech_share = float(speech[span].mean()) if span.any() else 0.0
    confidence = scores.confidence()
    warnings = []
    if confidence < LOW_CONFIDENCE:
        warnings.append(f"This recording does not match '{SENTENCE}' well (confidence {confidence:.2f}): "
                        "the phone tier is probably wrong. Check it, or align with MFA.")
    return Alignment(words=words, phones=phones, duration=duration, source="builtin", confidence=confidence,
                     approximate=True, warnings=warnings)


def _fill_gaps(words: list[Interval], duration: float) -> list[Interval]:
    out, t = [], 0.0
    for w in words:
        if w.start > t + 1e-6:
            out.append(Interval(t, w.start, ""))
        out.append(w)
        t = w.end
    if duration > t + 1e-6:
        out.append(Interval(t, duration, ""))
    return out
