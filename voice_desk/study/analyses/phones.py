"""Finding 3, per-phone relevance: which phones the models attend to, across recordings, with /ɔ/ and the
segment /e s i n/ called out."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from voice_desk.study import stats
from voice_desk.study.measures import SEGMENT_LABEL, STUDY_PHONE

METHOD = (
    "Phones come from the TextGrid next to each recording (or in --textgrids), else the built-in aligner; "
    "recordings without phones, and those below --min-align-confidence when it is given, are left out, and "
    "recordings whose aligner is not confident (below 0.5) are counted. A phone's relevance is the mean "
    "relevance over its time (all mel bins) relative to the recording's mean relevance per frame — 1.0 = "
    "average, whatever the phone's length: the unit of the window's phone chart and of voice-desk phones, "
    "computed by the same function. Within a recording, a phone label that occurs several times is averaged "
    "first, so each recording counts once per label; the segment /e s i n/ (the phones ɛ s iː n of 'es Ihnen', "
    "found in the phone tier) is measured the same way over its whole span. Per label: the mean over "
    "recordings with a speaker-bootstrap 95 % interval (the same resampled speakers for every label); labels "
    "found in fewer than 3 recordings are listed but not ranked. Rank 1 = most relevant.")

CLASSES = ("all", "healthy", "pathological")
MIN_RECORDINGS = 3


def recording_values(run) -> dict[str, float]:
    """Label -> mean relative relevance of that label's phones in one recording (plus the segment)."""
    by_label: dict[str, list[float]] = defaultdict(list)
    for row in run.phones:
        if np.isfinite(row.relative):
            by_label[row.phone.strip()].append(float(row.relative))
    values = {label: float(np.mean(v)) for label, v in by_label.items()}
    if run.segment is not None and np.isfinite(run.segment):
        values[SEGMENT_LABEL] = float(run.segment)
    return values


def ranking(data, model_id: str, recordings: list) -> list[dict]:
    runs = data.runs.get(model_id, {})
    used = [r for r in recordings if r.phones_used and r.index in runs and runs[r.index].phones]
    if not used:
        return []
    table = [recording_values(runs[r.index]) for r in used]
    weights = stats.bootstrap_weights([r.speaker for r in used], data.n_boot, data.seed)
    labels = sorted({label for values in table for label in values})
    rows = []
    for label in labels:
        cols = [k for k, values in enumerate(table) if label in values]
        values = np.array([table[k][label] for k in cols])
        estimate = stats.estimate(lambda w: stats.weighted_mean(w[:, cols], values), weights, len(cols))
        rows.append({"phone": label, "segment": label == SEGMENT_LABEL, "n_recordings": len(cols),
                     "speakers": len({used[k].speaker for k in cols}), **estimate})
    ranked = sorted((r for r in rows if r["n_recordings"] >= MIN_RECORDINGS and r["value"] is not None),
                    key=lambda r: (-r["value"], r["phone"]))
    for rank, row in enumerate(ranked, 1):
        row["rank"] = rank
    for row in rows:
        row.setdefault("rank", None)
        row["of"] = len(ranked)
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["phone"]))


def callout(rows: list[dict], label: str) -> dict | None:
    row = next((r for r in rows if r["phone"] == label), None)
    if row is None:
        return None
    lo = row["ci"][0]
    return {"phone": label, "rank": row["rank"], "of": row["of"], "value": row["value"], "ci": row["ci"],
            "n_recordings": row["n_recordings"], "above_average": None if lo is None else bool(lo > 1.0)}


def alignment_counts(data) -> dict:
    recs = data.recordings
    confidence = data.settings.get("min_align_confidence")
    return {"recordings": len(recs), "with_tiers": sum(r.tiers_source is not None for r in recs),
            "from_textgrid": sum(r.tiers_source is not None and r.tiers_confidence is None for r in recs),
            "from_aligner": sum(r.tiers_confidence is not None for r in recs),
            "doubtful": sum(r.doubtful for r in recs),
            "below_min_confidence": sum(confidence is not None and r.tiers_confidence is not None
                                        and r.tiers_confidence < confidence for r in recs),
            "min_align_confidence": confidence, "used": sum(r.phones_used for r in recs),
            "without_tiers": sum(r.tiers_source is None for r in recs)}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _describe(name: str, c: dict | None, label: str) -> str:
    if c is None:
        return f"{name}: {label} not found in the phone tiers"
    lo, hi = c["ci"]
    ci = f" (95 % CI {lo:.2f}–{hi:.2f})" if lo is not None else ""
    rank = (f"ranks {_ordinal(c['rank'])} of {c['of']}" if c["rank"] else
            f"too rare to rank ({c['n_recordings']} recordings)")
    level = {True: "above average", False: "not clearly above average", None: "too few speakers to tell"}[
        c["above_average"]]
    return f"{name}: {label} {c['value']:.2f}× the recording's mean{ci}, {rank}, {level}"


def analyse(data) -> dict:
    per_model = {}
    for model in data.models:
        by_class = {}
        for cls in CLASSES:
            recs = [r for r in data.recordings if cls == "all" or r.label == cls]
            rows = ranking(data, model.id, recs)
            by_class[cls] = {"rows": rows, "study_phone": callout(rows, STUDY_PHONE),
                             "segment": callout(rows, SEGMENT_LABEL)}
        per_model[model.id] = by_class
    sentences, statuses = [], []
    for model in data.models:
        every = per_model[model.id]["all"]
        for key, label in (("study_phone", f"/{STUDY_PHONE}/"), ("segment", SEGMENT_LABEL)):
            c = every[key]
            sentences.append(_describe(model.name, c, label))
            statuses.append(None if c is None or c["above_average"] is None else c["above_average"])
    if not statuses or None in statuses:
        verdict = "is not decided"
    else:
        verdict = "holds" if all(statuses) else "does not hold"
    return {"method": METHOD, "alignment": alignment_counts(data), "models": per_model,
            "study_phone": STUDY_PHONE, "segment": SEGMENT_LABEL,
            "claim": {"verdict": verdict,
                      "sentence": f"The study's claim (both models give higher relevance to /{STUDY_PHONE}/ and to "
                                  f"{SEGMENT_LABEL}) {verdict} on this data. " + "; ".join(sentences) + "."}}
