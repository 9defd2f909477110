"""Finding 4, spread: does fine-tuning narrow the relevance, and does its peak stay in one place?"""

from __future__ import annotations

from collections import Counter

import numpy as np

from voice_desk.study import stats

METHOD = (
    "For each recording and model, over the patches that lie wholly on the recording's audio (not the padding): "
    "the normalised entropy of the patch relevance taken as a distribution (1 = spread evenly over every patch, "
    "0 = all on one), and the smallest share of those patches that holds 50 % of the relevance (the most "
    "relevant first). The two models are compared on the recordings both ran on: the difference (second minus "
    "first) per recording, its mean with a speaker-bootstrap 95 % interval, and the Wilcoxon signed-rank test "
    "(two-sided, zero differences dropped). Narrowing means lower entropy and a smaller area. The peak is the "
    "most relevant patch: its time (centre of the patch) as a share of the analysed duration, its phone (from "
    "the phone tiers, recordings in the per-phone analyses only) and its frequency. How far the peak moves: "
    "the standard deviation of the peak's position over recordings (with a speaker-bootstrap interval), and how "
    "often the most common peak phone is the peak (1.0 would be one consistent place).")


def _weighted_sd(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    mean = stats.weighted_mean(weights, values)
    square = stats.weighted_mean(weights, values ** 2)
    return np.sqrt(np.clip(square - mean ** 2, 0.0, None))


def peak_summary(data, model_id: str) -> dict:
    runs = data.runs.get(model_id, {})
    indices = [r.index for r in data.recordings if r.index in runs and np.isfinite(runs[r.index].peak_position)]
    positions = np.array([runs[i].peak_position for i in indices], float)
    speakers = [data.recordings[i].speaker for i in indices]
    weights = stats.bootstrap_weights(speakers, data.n_boot, data.seed)
    out = {"n": len(indices), "position_sd": stats.estimate(lambda w: _weighted_sd(w, positions), weights,
                                                             len(indices)) if indices else None,
           "position_mean": float(positions.mean()) if indices else None,
           "peak_hz_median": float(np.median([runs[i].peak_hz for i in indices])) if indices else None}
    phones = [runs[r.index].peak_phone for r in data.recordings
              if r.phones_used and r.index in runs and runs[r.index].peak_phone is not None]
    counts = Counter(p or "(silence)" for p in phones)
    top = counts.most_common(1)
    out["peak_phones"] = {"n": len(phones), "distinct": len(counts),
                          "counts": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
                          "most_common": top[0][0] if top else None,
                          "most_common_share": top[0][1] / len(phones) if top else None}
    return out


def analyse_model(data, model_id: str) -> dict | None:
    runs, indices, speakers = data.model_runs(model_id)
    if not indices:
        return None
    return {"n": len(indices),
            "entropy": stats.mean_estimate([runs[i].entropy for i in indices], speakers, data.n_boot, data.seed),
            "area_half": stats.mean_estimate([runs[i].area for i in indices], speakers, data.n_boot, data.seed),
            "peak": peak_summary(data, model_id)}


def compare(data, first: str, second: str) -> dict:
    a, b = data.runs.get(first, {}), data.runs.get(second, {})
    both = [r.index for r in data.recordings if r.index in a and r.index in b]
    speakers = [data.recordings[i].speaker for i in both]
    out = {"first": first, "second": second, "n": len(both)}
    for key, attr in (("entropy", "entropy"), ("area_half", "area")):
        x = np.array([getattr(a[i], attr) for i in both], float)
        y = np.array([getattr(b[i], attr) for i in both], float)
        out[key] = {"mean_difference": stats.mean_estimate(y - x, speakers, data.n_boot, data.seed),
                    "wilcoxon": stats.wilcoxon(x, y),
                    "share_second_narrower": float(np.mean(y < x)) if both else None}
    return out


def claim(data, per_model: dict, comparison: dict | None) -> dict:
    if comparison is None or not comparison["n"]:
        return {"verdict": "is not measurable", "sentence": "The spread comparison needs two models (an ast_freeze "
                                                            "and an ast_finetuned) run on the same recordings."}
    first, second = data.model(comparison["first"]).name, data.model(comparison["second"]).name
    sides = []
    texts = []
    for key, words in (("entropy", "normalised entropy"), ("area_half", "area holding half the relevance")):
        d = comparison[key]["mean_difference"]
        w = comparison[key]["wilcoxon"]
        lo, hi = d["ci"]
        side = None if lo is None else "narrower" if hi < 0 else "wider" if lo > 0 else "same"
        sides.append(side)
        ci = f" [{lo:.3f}, {hi:.3f}]" if lo is not None else ""
        p = f", Wilcoxon p = {w['p']:.3g}" if w["p"] is not None else ""
        texts.append(f"{words} {second} − {first} = {d['value']:+.3f}{ci}{p}" if d["value"] is not None else
                     f"{words}: n/a")
    if None in sides:
        verdict = "is not decided"
    elif all(s == "narrower" for s in sides):
        verdict = "holds"
    elif any(s == "wider" for s in sides):
        verdict = "does not hold"
    else:
        verdict = "is not decided"
    peaks = []
    for model_id in (comparison["first"], comparison["second"]):
        pk = per_model[model_id]["peak"] if per_model.get(model_id) else None
        if pk and pk["peak_phones"]["most_common"] is not None:
            peaks.append(f"{data.model(model_id).name}'s peak falls on its most common phone "
                         f"({pk['peak_phones']['most_common']}) in {pk['peak_phones']['most_common_share']:.0%} of "
                         f"recordings, on {pk['peak_phones']['distinct']} different phones in all")
    sentence = (f"The study's claim (fine-tuning narrows the spread of relevance) {verdict} on this data: "
                + "; ".join(texts) + "." + (" " + "; ".join(peaks) + "." if peaks else ""))
    return {"verdict": verdict, "sentence": sentence}


def analyse(data) -> dict:
    per_model = {m.id: analyse_model(data, m.id) for m in data.models}
    pair = data.comparison_pair()
    comparison = compare(data, *pair) if pair else None
    return {"method": METHOD, "models": per_model, "comparison": comparison,
            "claim": claim(data, per_model, comparison)}
