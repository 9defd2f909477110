"""Cases: each recording's verdicts and agreement case; UAR and ROC AUC per model with speaker-bootstrap
intervals, per gender and per group; the paired comparison of ast_finetuned with ast_freeze."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import numpy as np

from voice_desk.analysis.agreement import CASES
from voice_desk.session.assessment import Assessment
from voice_desk.study import stats

METHOD = (
    "Each recording's verdict is the model's own: P(pathological) at the threshold of the operating point in "
    "its model card (0.5 when the card has none), as the window and voice-desk assess show it. The agreement "
    "case (O both right, X both wrong, A ast_finetuned wrong and ast_freeze right, B ast_finetuned right and "
    "ast_freeze wrong) uses the first ast_freeze and the first ast_finetuned model that give verdicts. UAR is "
    "the mean of the two classes' recalls at that threshold; ROC AUC is computed from P(pathological) (the "
    "chance that a pathological recording scores above a healthy one). Per group: the healthy recordings "
    "together with the recordings of that group (organic, functional, other). 95 % intervals: percentile "
    "bootstrap over speakers (speakers drawn with replacement, each bringing all their recordings). The paired "
    "comparison is ast_finetuned minus ast_freeze on the same resampled speakers, over the recordings both "
    "gave a verdict for, with a two-sided bootstrap p-value (twice the share of resamples on the far side of 0).")


def _verdict_runs(data, model_id: str) -> dict:
    return {i: r for i, r in data.runs.get(model_id, {}).items() if r.gives_verdict and r.probability is not None}


def case_of(data, recording) -> str | None:
    """The agreement case of one recording, by :class:`voice_desk.session.assessment.Assessment`'s rule."""
    entries, explanations = {}, {}
    for model in data.models:
        run = data.runs.get(model.id, {}).get(recording.index)
        if run is None:
            continue
        entries[model.id] = model
        explanations[model.id] = SimpleNamespace(prediction=SimpleNamespace(gives_verdict=run.gives_verdict,
                                                                             label=run.label))
    return Assessment(entries, explanations, true_label=recording.label).agreement_case()


def scores(y, p, predicted, speakers, n_boot: int, seed: int) -> dict:
    """UAR and AUC with speaker-bootstrap intervals for one set of recordings."""
    y, p, predicted = np.asarray(y, int), np.asarray(p, float), np.asarray(predicted, int)
    weights = stats.bootstrap_weights(speakers, n_boot, seed)
    n = int(y.size)
    return {"n": n, "n_healthy": int(np.sum(y == 0)), "n_pathological": int(np.sum(y == 1)),
            "speakers": len(set(speakers)),
            "uar": stats.estimate(lambda w: stats.weighted_uar(w, y, predicted), weights, n),
            "auc": stats.estimate(lambda w: stats.weighted_auc(w, y, p), weights, n)}


def _arrays(data, runs: dict, indices: list[int]):
    y = [int(data.recordings[i].label == "pathological") for i in indices]
    p = [runs[i].probability for i in indices]
    predicted = [int(runs[i].label == "pathological") for i in indices]
    speakers = [data.recordings[i].speaker for i in indices]
    return y, p, predicted, speakers


def model_scores(data, model_id: str) -> dict:
    runs = _verdict_runs(data, model_id)
    everyone = sorted(runs)
    out = {"all": scores(*_arrays(data, runs, everyone), data.n_boot, data.seed), "gender": {}, "group": {}}
    for gender in ("female", "male"):
        subset = [i for i in everyone if data.recordings[i].gender == gender]
        if subset:
            out["gender"][gender] = scores(*_arrays(data, runs, subset), data.n_boot, data.seed)
    healthy = [i for i in everyone if data.recordings[i].label == "healthy"]
    for group in ("organic", "functional", "other"):
        members = [i for i in everyone if data.recordings[i].group_name == group]
        if members:
            out["group"][group] = scores(*_arrays(data, runs, sorted(healthy + members)), data.n_boot, data.seed)
            out["group"][group]["n_group"] = len(members)
    return out


def paired(data, first: str, second: str) -> dict:
    """``second`` minus ``first`` (AUC and UAR) on the recordings both gave verdicts for."""
    a, b = _verdict_runs(data, first), _verdict_runs(data, second)
    both = sorted(set(a) & set(b))
    y, pa, preda, speakers = _arrays(data, a, both)
    _, pb, predb, _ = _arrays(data, b, both)
    y = np.asarray(y, int)
    weights = stats.bootstrap_weights(speakers, data.n_boot, data.seed)
    n = len(both)
    return {"first": first, "second": second, "n": n, "speakers": len(set(speakers)),
            "auc_difference": stats.paired_difference(lambda w: stats.weighted_auc(w, y, pa),
                                                      lambda w: stats.weighted_auc(w, y, pb), weights, n),
            "uar_difference": stats.paired_difference(lambda w: stats.weighted_uar(w, y, preda),
                                                      lambda w: stats.weighted_uar(w, y, predb), weights, n)}


def case_counts(rows: list[dict]) -> dict:
    """Counts of each case overall, by true class, by gender and by class and gender."""
    with_case = [r for r in rows if r["case"]]
    out = {"all": dict(Counter(r["case"] for r in with_case)), "by_class": {}, "by_gender": {},
           "by_class_gender": {}}
    for r in with_case:
        out["by_class"].setdefault(r["label"], Counter())[r["case"]] += 1
        out["by_gender"].setdefault(r["gender"], Counter())[r["case"]] += 1
        out["by_class_gender"].setdefault(f"{r['label']}/{r['gender']}", Counter())[r["case"]] += 1
    for key in ("by_class", "by_gender", "by_class_gender"):
        out[key] = {k: {case: v.get(case, 0) for case in CASES} for k, v in sorted(out[key].items())}
    out["all"] = {case: out["all"].get(case, 0) for case in CASES}
    return out


def table_rows(data) -> list[dict]:
    """One row per recording: who, the truth, each model's P(pathological) and verdict, the case."""
    rows = []
    for rec in data.recordings:
        row = {"index": rec.index, "file": rec.file, "key": rec.key, "speaker": rec.speaker, "gender": rec.gender,
               "group": rec.group_name, "label": rec.label, "models": {}}
        for model in data.models:
            run = data.runs.get(model.id, {}).get(rec.index)
            row["models"][model.id] = None if run is None else {"p_pathological": run.probability,
                                                                "label": run.label, "correct": None if run.label
                                                                is None else run.label == rec.label}
        row["case"] = case_of(data, rec)
        rows.append(row)
    return rows


def analyse(data) -> dict:
    rows = table_rows(data)
    verdict = [m.id for m in data.verdict_models()]
    out = {"method": METHOD, "cases": dict(CASES), "pair": {"ast_freeze": data.pair[0],
                                                             "ast_finetuned": data.pair[1]},
           "rows": rows, "counts": case_counts(rows), "scores": {m: model_scores(data, m) for m in verdict},
           "paired": None, "verdict_models": verdict}
    if data.pair[0] and data.pair[1]:
        out["paired"] = paired(data, data.pair[0], data.pair[1])
    elif len(verdict) == 2:
        out["paired"] = paired(data, verdict[0], verdict[1])
    out["summary"] = summary(data, out)
    return out


def _fmt(estimate: dict | None, digits: int = 3) -> str:
    if not estimate or estimate.get("value") is None:
        return "n/a"
    lo, hi = estimate.get("ci", [None, None])
    ci = f" (95 % CI {lo:.{digits}f}–{hi:.{digits}f})" if lo is not None and hi is not None else ""
    return f"{estimate['value']:.{digits}f}{ci}"


def summary(data, out: dict) -> str:
    parts = []
    for model_id, s in out["scores"].items():
        parts.append(f"{data.model(model_id).name}: UAR {_fmt(s['all']['uar'])}, AUC {_fmt(s['all']['auc'])} on "
                     f"{s['all']['n']} recordings of {s['all']['speakers']} speakers.")
    pair = out["paired"]
    d = pair["auc_difference"] if pair and pair["n"] else None
    if d and d["value"] is not None:
        first, second = data.model(pair["first"]).name, data.model(pair["second"]).name
        text = f"{second} has a {'higher' if d['value'] > 0 else 'lower'} AUC than {first} by {abs(d['value']):.3f}"
        lo, hi = d["ci"]
        if lo is None:
            text += " (too few speakers for an interval)."
        elif lo > 0 or hi < 0:
            text += f" (95 % CI of the difference {lo:.3f}–{hi:.3f}: a clear difference)."
        else:
            text += f" (95 % CI of the difference {lo:.3f}–{hi:.3f} holds 0: not a clear difference)."
        parts.append(text)
    counts = out["counts"]["all"]
    if any(counts.values()):
        parts.append("Cases: " + ", ".join(f"{c} {n}" for c, n in counts.items()) + ".")
    return " ".join(parts)
