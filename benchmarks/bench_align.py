#!/usr/bin/env python3
"""Accuracy and speed of the built-in aligner on renditions it never saw.

Needs Debian's espeak-ng (``apt-get install espeak-ng``) to make the test set; Voice Desk
itself does not. Run from the repository root:

    .venv/bin/python benchmarks/bench_align.py            # full run (about 20 s on 2 cores)
    .venv/bin/python benchmarks/bench_align.py --quick    # fewer renditions per condition

Test set: the SVD sentence rendered by espeak-ng with other voices (variants f1–f5, m2–m7,
klatt…), other speaking rates and pitches than the shipped reference (voice "de", 140 wpm,
pitch 50), with known phone times from espeak's phoneme events; then degraded per condition
(noise, jitter, breathiness, creak) and surrounded by silence of random length. Reported: the
absolute error of every phone boundary (each spoken phone's start and end), median / p90 /
max per condition and overall, for the built-in aligner and for a naive alternative
(proportional segmentation of the energy-detected speech span); time per alignment of a 3 s
clip, row-vectorised DTW against a pure-Python double-loop DTW on the same cost matrix; and
the confidence given to renditions of the sentence versus other audio (other sentences, a
sustained vowel, a tone, noise, the reference reversed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_desk.align import dtw  # noqa: E402
from voice_desk.align.builtin import _prepared_reference, align_builtin  # noqa: E402
from voice_desk.align.espeak_render import RATE, render  # noqa: E402
from voice_desk.align.features import frame_features  # noqa: E402
from voice_desk.align.reference import SENTENCE, load_reference  # noqa: E402
from voice_desk.align.tiers import Interval  # noqa: E402
from voice_desk.audio.load import recording_from_array  # noqa: E402

VOICES = ["de+f1", "de+f2", "de+f3", "de+f4", "de+f5", "de+m2", "de+m3", "de+m4", "de+m5", "de+m6", "de+m7",
          "de+klatt", "de+klatt2", "de+klatt3", "de+Andy", "de+Annie", "de+anika", "de+boris", "de+david"]
RATES = [105, 115, 125, 160, 175, 190, 205]
PITCHES = [20, 30, 40, 60, 70, 85]
OTHER_TEXTS = ["Der Nordwind und die Sonne stritten sich, wer von ihnen beiden wohl der Stärkere wäre.",
               "Heute ist schönes Frühlingswetter.", "Guten Abend, wie war Ihr Tag?",
               "Morgen fahren wir nach Berlin.", "Aaaaaaaaaaaaaaaa.", "Wo ist der Bahnhof, bitte?",
               "Guten Tag, wie heißen Sie?", "Uuuuuuuuuuuuuuu."]


# --- degradations -------------------------------------------------------------------------

def add_noise(x, rng, snr_db, colour="white"):
    n = rng.standard_normal(x.size)
    if colour == "pink":
        spec = np.fft.rfft(n)
        spec /= np.sqrt(np.maximum(np.arange(spec.size), 1))
        n = np.fft.irfft(spec, n=x.size)
    speech_power = np.mean(x[np.abs(x) > 0.02 * np.abs(x).max()] ** 2)
    n *= np.sqrt(speech_power / 10 ** (snr_db / 10) / np.mean(n ** 2))
    return x + n


def time_map_resample(x, rng, depth):
    """Jitter: resample along a rapidly, randomly varying rate (cycle-scale period perturbation).

    Returns the new signal and the map from new time to old time, to move the true boundaries.
    """
    from scipy.ndimage import gaussian_filter1d

    rate = 1.0 + depth * gaussian_filter1d(rng.standard_normal(x.size), 40) * np.sqrt(2 * np.pi * 40)
    old_pos = np.cumsum(rate) - rate[0]
    old_pos *= (x.size - 1) / old_pos[-1]  # same length overall: boundaries move a little locally
    y = np.interp(old_pos, np.arange(x.size), x)
    return y, old_pos / RATE


def add_breath(x, rng, level):
    """Breathiness: high-passed noise following the voice's envelope."""
    from scipy.signal import butter, sosfilt

    env = np.convolve(np.abs(x), np.ones(160) / 160, mode="same")
    noise = sosfilt(butter(4, 1500, "hp", fs=RATE, output="sos"), rng.standard_normal(x.size))
    return x * (1 - level * 0.5) + level * 3.0 * env * noise


def add_creak(x, rng, f_creak):
    """Creak: irregular low-rate pulsing of the amplitude (vocal fry), pulse spacing ±30 %."""
    period = RATE / f_creak
    t = np.arange(x.size)
    pulses = np.cumsum(1 + 0.3 * rng.standard_normal(int(x.size / period) + 2)) * period
    previous = pulses[np.clip(np.searchsorted(pulses, t) - 1, 0, pulses.size - 1)]
    phase = np.clip((t - previous) / period, 0, 1)
    return x * (0.25 + 0.75 * np.exp(-phase * 6))


def pad_silence(x, rng, lead, trail, floor_db=-55):
    n_lead, n_trail = int(lead * RATE), int(trail * RATE)
    y = np.concatenate([np.zeros(n_lead), x, np.zeros(n_trail)])
    y += 10 ** (floor_db / 20) * np.abs(x).max() * rng.standard_normal(y.size)
    return y, lead


CONDITIONS = {
    "clean": lambda x, rng: (x, None),
    "noise 20 dB white": lambda x, rng: (add_noise(x, rng, 20), None),
    "noise 10 dB pink": lambda x, rng: (add_noise(x, rng, 10, "pink"), None),
    "jitter": lambda x, rng: time_map_resample(x, rng, 0.04),
    "breathy": lambda x, rng: (add_breath(x, rng, 0.6), None),
    "creak": lambda x, rng: (add_creak(x, rng, 45), None),
}


def boundaries(phones: list[Interval]) -> np.ndarray:
    spoken = [p for p in phones if not p.is_silence]
    return np.array([t for p in spoken for t in (p.start, p.end)])


def proportional(samples: np.ndarray, ref_phones) -> list[Interval]:
    """Naive alternative: energy-detected speech span, reference phones stretched linearly into it."""
    energy = np.convolve(samples ** 2, np.ones(400) / 400, mode="same")
    active = np.flatnonzero(energy > 0.01 * energy.max())
    start, end = active[0] / RATE, active[-1] / RATE
    spoken = [p for p in ref_phones if not p.is_silence]
    r0, r1 = spoken[0].start, spoken[-1].end
    scale = (end - start) / (r1 - r0)
    return [Interval(start + (p.start - r0) * scale, start + (p.end - r0) * scale, p.label) for p in spoken]


def make_case(rng, condition):
    voice = rng.choice(VOICES)
    rate, pitch = int(rng.choice(RATES)), int(rng.choice(PITCHES))
    r = render(SENTENCE, voice=voice, rate=rate, pitch=pitch)
    x = r.samples.astype(np.float64)
    y, time_map = CONDITIONS[condition](x, rng)
    truth = boundaries(r.phones)
    if time_map is not None:  # new time for each old boundary
        new_t = np.arange(y.size) / RATE
        truth = np.interp(truth, time_map, new_t)
    lead, trail = rng.uniform(0.05, 1.2), rng.uniform(0.05, 1.2)
    y, offset = pad_silence(y, rng, lead, trail)
    y = 0.5 * y / np.abs(y).max()
    return (f"{voice} {rate} wpm p{pitch}", y.astype(np.float32), truth + offset,
            [p.label for p in r.phones if not p.is_silence])


def python_dtw(cost):
    """The obvious alternative: a pure-Python double loop (same steps and weights)."""
    n, m = cost.shape
    inf = float("inf")
    D = [[inf] * m for _ in range(n)]
    c = cost.tolist()
    for i in range(n):
        for j in range(m):
            if i == 0 and j == 0:
                D[0][0] = c[0][0]
                continue
            best = inf
            if i and j:
                best = D[i - 1][j - 1] + 2 * c[i][j]
            if i:
                best = min(best, D[i - 1][j] + c[i][j])
            if j:
                best = min(best, D[i][j - 1] + c[i][j])
            D[i][j] = best
    return D[-1][-1]


def stats(errors):
    e = np.abs(np.asarray(errors)) * 1000
    return f"median {np.median(e):5.1f} ms  p90 {np.percentile(e, 90):5.1f} ms  max {e.max():6.1f} ms  (n={e.size})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--per-condition", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    per = args.per_condition or (4 if args.quick else 12)
    rng = np.random.default_rng(args.seed)
    ref = load_reference()
    _prepared_reference()
    all_errors, all_naive, confidences = [], [], []
    print(f"Built-in aligner vs proportional segmentation, {per} renditions per condition\n")
    for condition in CONDITIONS:
        errors, naive = [], []
        for _ in range(per):
            name, y, truth, labels = make_case(rng, condition)
            if labels != [p.label for p in ref.phones if not p.is_silence]:
                print(f"  skipped {name}: espeak said other phones ({' '.join(labels)})")
                continue
            alignment = align_builtin(recording_from_array(y, RATE))
            confidences.append(alignment.confidence)
            errors.extend(boundaries(alignment.phones) - truth)
            naive.extend(boundaries(proportional(y, ref.phones)) - truth)
            if args.quick:
                err = np.abs(boundaries(alignment.phones) - truth) * 1000
                print(f"    {name:28s} med {np.median(err):5.1f} max {err.max():6.1f} conf {alignment.confidence:.2f}")
        all_errors += errors
        all_naive += naive
        print(f"{condition:18s} builtin  {stats(errors)}")
        print(f"{'':18s} naive    {stats(naive)}")
    print(f"\n{'ALL':18s} builtin  {stats(all_errors)}")
    print(f"{'':18s} naive    {stats(all_naive)}")
    low = sum(c < 0.5 for c in confidences)
    print(f"confidence on the sentence: min {min(confidences):.2f}, p10 {np.percentile(confidences, 10):.2f}, "
          f"median {np.median(confidences):.2f}; below 0.5 (warned): {low} of {len(confidences)}")

    others = []
    from voice_desk.align.espeak_render import render as speak

    for text in OTHER_TEXTS:
        for voice in ("de+f2", "de+m3"):
            x = speak(text, voice=voice, rate=150).samples
            x, _ = pad_silence(x, rng, 0.3, 0.3)
            others.append((f"'{text[:24]}' {voice}", x))
    t = np.arange(int(2.5 * RATE)) / RATE
    others.append(("tone 220 Hz", 0.3 * np.sin(2 * np.pi * 220 * t)))
    others.append(("white noise", 0.1 * rng.standard_normal(t.size)))
    others.append(("reference reversed", ref.samples[::-1].copy()))
    print("\nconfidence on audio that is not the sentence:")
    worst, warned = 0.0, 0
    for name, x in others:
        al = align_builtin(recording_from_array(np.asarray(x, np.float32), RATE))
        worst = max(worst, al.confidence)
        warned += bool(al.warnings)
        print(f"  {name:40s} {al.confidence:.2f}{'  warned' if al.warnings else ''}")
    print(f"  highest: {worst:.2f}; warned: {warned} of {len(others)}")

    # speed on a 3 s clip
    y = np.concatenate([np.zeros(int(0.5 * RATE)), render(SENTENCE, voice="de+m3", rate=125).samples])
    y = np.pad(y, (0, max(0, 3 * RATE - y.size)))[: 3 * RATE].astype(np.float32) + 1e-3
    recording = recording_from_array(y, RATE)
    align_builtin(recording)
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        align_builtin(recording)
    per_alignment = (time.perf_counter() - start) / runs
    feats, _ = frame_features(y)
    cost = dtw.distance_matrix(_prepared_reference().features, feats)
    start = time.perf_counter()
    dtw.accumulate(cost, 0.0)
    vectorised = time.perf_counter() - start
    start = time.perf_counter()
    python_dtw(cost)
    loop = time.perf_counter() - start
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n3 s clip ({cost.shape[0]} x {cost.shape[1]} cells, load average {load:.1f} on {os.cpu_count()} cores): "
          f"built-in alignment {per_alignment * 1000:.1f} ms each (mean of {runs}); DTW recursion "
          f"{vectorised * 1000:.1f} ms row-vectorised vs {loop * 1000:.0f} ms pure-Python double loop "
          f"({loop / vectorised:.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
