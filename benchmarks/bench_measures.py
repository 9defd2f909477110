#!/usr/bin/env python3
"""Speed of the voice measures on a 3 s sentence, against computing each measure on its own.

Run from the repository root (about 30 s on 2 cores):

    .venv/bin/python benchmarks/bench_measures.py [--repeats 7] [--rate 44100]

Input: the generated 3 s sentence of tests/measures_voices.py (voiced syllables on five vowels,
fricative noise, pauses; jitter 0.5 %, shimmer 2 %, HNR 30 dB) at the given rate. Timed, interleaved
in each round, median of the rounds, wall-clock and CPU time of this process:

- Voice Desk: ``voice_desk.measures.take.measure_take`` — one shared Pitch and PointProcess for F0,
  jitter, shimmer and HNR, one cepstrogram, one LTAS;
- separate: every measure with its own Praat objects, as a script that asks for one number at a time
  would do (a ``To Pitch`` per F0 statistic, a ``To PointProcess (periodic, cc)`` per jitter and
  shimmer measure, a pitch analysis and pulses for the voice report's HNR, an LTAS each for slope and
  tilt); the run checks that both give the same numbers.

Also printed: where Voice Desk's time goes (each Praat step alone), and AVQI v03.01 on that sentence
with 3 s of sustained /a/ (its own pitch analysis is Praat's slow cross-correlation one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import parselmouth  # noqa: E402
from parselmouth.praat import call  # noqa: E402

from measures_voices import sentence, voice  # noqa: E402
from voice_desk.measures.avqi import avqi  # noqa: E402
from voice_desk.measures.settings import CEPSTROGRAM_ARGS, CPPS_ARGS, JITTER_ARGS, SHIMMER_ARGS  # noqa: E402
from voice_desk.measures.take import measure_take  # noqa: E402

FLOOR, CEILING = 75.0, 500.0


def separate(samples: np.ndarray, rate: int) -> dict[str, float]:
    """Each measure computed with its own Praat objects (the obvious script)."""
    snd = parselmouth.Sound(samples, rate)
    out = {}
    for key, name, args in (("f0_mean", "Get mean", (0, 0, "Hertz")),
                            ("f0_sd", "Get standard deviation", (0, 0, "Hertz")),
                            ("f0_min", "Get minimum", (0, 0, "Hertz", "Parabolic")),
                            ("f0_max", "Get maximum", (0, 0, "Hertz", "Parabolic"))):
        out[key] = call(call(snd, "To Pitch", 0, FLOOR, CEILING), name, *args)
    for key, kind in (("jitter_local", "local"), ("jitter_rap", "rap"), ("jitter_ppq5", "ppq5")):
        pulses = call(snd, "To PointProcess (periodic, cc)", FLOOR, CEILING)
        out[key] = 100 * call(pulses, f"Get jitter ({kind})", *JITTER_ARGS)
    for key, kind in (("shimmer_local", "local"), ("shimmer_local_db", "local_dB"), ("shimmer_apq3", "apq3"),
                      ("shimmer_apq5", "apq5"), ("shimmer_apq11", "apq11")):
        pulses = call(snd, "To PointProcess (periodic, cc)", FLOOR, CEILING)
        value = call([snd, pulses], f"Get shimmer ({kind})", *SHIMMER_ARGS)
        out[key] = value if kind == "local_dB" else 100 * value
    pitch = call(snd, "To Pitch", 0, FLOOR, CEILING)
    pulses = call([snd, pitch], "To PointProcess (cc)")
    report = call([snd, pitch, pulses], "Voice report", 0, 0, FLOOR, CEILING, 1.3, 1.6, 0.03, 0.45)
    out["hnr"] = float(report.split("Mean harmonics-to-noise ratio:")[1].split()[0])
    out["cpps"] = call(call(snd, "To PowerCepstrogram", *CEPSTROGRAM_ARGS), "Get CPPS", *CPPS_ARGS)
    out["ltas_slope"] = call(call(snd, "To Ltas", 1), "Get slope", 0, 1000, 1000, 10000, "energy")
    trend = call(call(snd, "To Ltas", 1), "Compute trend line", 1, 10000)
    out["ltas_tilt"] = call(trend, "Get slope", 0, 1000, 1000, 10000, "energy")
    return out


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def steps(samples: np.ndarray, rate: int) -> list[tuple[str, float]]:
    """CPU time of each Praat step of Voice Desk's path, alone."""
    snd = parselmouth.Sound(samples, rate)
    out = []
    t = time.process_time()
    cepstrogram = call(snd, "To PowerCepstrogram", *CEPSTROGRAM_ARGS)
    out.append(("To PowerCepstrogram", time.process_time() - t))
    t = time.process_time()
    call(cepstrogram, "Get CPPS", *CPPS_ARGS)
    out.append(("Get CPPS (smoothing, peak and robust line per frame)", time.process_time() - t))
    t = time.process_time()
    pitch = call(snd, "To Pitch", 0, FLOOR, CEILING)
    pulses = call([snd, pitch], "To PointProcess (cc)")
    out.append(("To Pitch + To PointProcess (cc)", time.process_time() - t))
    t = time.process_time()
    for kind in ("local", "rap", "ppq5"):
        call(pulses, f"Get jitter ({kind})", *JITTER_ARGS)
    for kind in ("local", "local_dB", "apq3", "apq5", "apq11"):
        call([snd, pulses], f"Get shimmer ({kind})", *SHIMMER_ARGS)
    call([snd, pitch, pulses], "Voice report", 0, 0, FLOOR, CEILING, 1.3, 1.6, 0.03, 0.45)
    out.append(("jitter ×3, shimmer ×5, voice report (HNR)", time.process_time() - t))
    t = time.process_time()
    ltas = call(snd, "To Ltas", 1)
    call(ltas, "Get slope", 0, 1000, 1000, 10000, "energy")
    call(call(ltas, "Compute trend line", 1, 10000), "Get slope", 0, 1000, 1000, 10000, "energy")
    out.append(("To Ltas, slope, trend line, tilt", time.process_time() - t))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rate", type=int, default=44_100)
    args = parser.parse_args()
    rate = args.rate
    samples = sentence(rate)[: 3 * rate].astype(np.float64)
    print(f"Praat {parselmouth.PRAAT_VERSION} (praat-parselmouth {parselmouth.__version__}); 3.00 s sentence at "
          f"{rate:,} Hz; load average before: {os.getloadavg()[0]:.2f}")
    ours = measure_take(samples, rate, "sentence")
    theirs = separate(samples, rate)
    compared = {k: v for k, v in theirs.items() if ours.value(k) is not None}
    same = all(abs(ours.value(k) - v) <= 1e-9 * max(1.0, abs(v)) for k, v in compared.items())
    print(f"same numbers in both: {'yes' if same else 'NO'} ({len(compared)} measures"
          + (f"; Voice Desk gives reasons, not numbers, for {', '.join(sorted(set(theirs) - set(compared)))}"
             if len(compared) < len(theirs) else "") + ")")
    rows = {"Voice Desk (shared Pitch/PointProcess)": [], "separate objects per measure": []}
    ours_name, theirs_name = rows
    for _ in range(args.repeats):
        rows[ours_name].append(timed(lambda: measure_take(samples, rate, "sentence"))[:2])
        rows[theirs_name].append(timed(lambda: separate(samples, rate))[:2])
    print(f"\n| path | median wall (ms) | median CPU (ms) | min wall (ms) |\n|---|---|---|---|")
    for name, times in rows.items():
        wall = [w for w, _ in times]
        cpu = [c for _, c in times]
        print(f"| {name} | {1000 * statistics.median(wall):.0f} | {1000 * statistics.median(cpu):.0f} | "
              f"{1000 * min(wall):.0f} |")
    print("\nwhere Voice Desk's CPU time goes (one run each):")
    for name, seconds in steps(samples, rate):
        print(f"  {name:<55} {1000 * seconds:6.0f} ms")
    vowel = voice(3.5, rate, jitter=0.005, shimmer=0.02, hnr_db=30).samples
    wall, cpu, result = timed(lambda: avqi(samples, rate, vowel, rate))
    print(f"\nAVQI v03.01 (sentence + 3 s /a/ → {result.settings['voiced_part_s'] + 3:.2f} s): {result.value:.2f}, "
          f"{1000 * wall:.0f} ms wall, {1000 * cpu:.0f} ms CPU")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
