"""Finding 1, representations: what the pooled representation (the vector the classification head
sees) separates — gender, health status, organic vs functional pathology — for each model."""

from __future__ import annotations

import warnings

import numpy as np

from voice_desk.study import stats

METHOD = (
    "The representation is the pooled output of the encoder (the mean of the CLS and distillation tokens: the "
    "vector the classification head sees), taken from the same forward pass as the relevance map. The map is "
    "its first two principal components (each model on its own; centred, not scaled). Separation is measured "
    "two ways for each question — gender (female vs male, recordings of known gender), health status (healthy "
    "vs pathological) and organic vs functional (pathological recordings of those two groups): (1) a linear "
    "probe: logistic regression on the standardised representation, cross-validated in up to 5 folds that keep "
    "each speaker in one fold and hold both classes (stratified group k-fold, fixed seed); its balanced accuracy "
    "(0.5 = chance) over the out-of-fold predictions; (2) the silhouette of the two classes (Euclidean, on the "
    "representation as it is; −1..1, 0 = no structure). 95 % intervals: speaker bootstrap of the out-of-fold "
    "predictions and of the per-recording silhouette values (they show which speakers were scored, not a refit). "
    "'Gender minus health' compares the two probes on the same resampled speakers (recordings of known gender).")

TASKS = {"gender": "female vs male", "health": "healthy vs pathological",
         "organic_functional": "organic vs functional"}
MAX_FOLDS = 5


def task_members(data, task: str) -> tuple[list[int], np.ndarray]:
    """(recording indexes, 0/1 labels) of the recordings a question is asked of."""
    recs = data.recordings
    if task == "gender":
        members = [r.index for r in recs if r.gender in ("female", "male")]
        return members, np.array([int(recs[i].gender == "female") for i in members], int)
    if task == "health":
        members = [r.index for r in recs]
        return members, np.array([int(recs[i].label == "pathological") for i in members], int)
    members = [r.index for r in recs if r.label == "pathological" and r.group_name in ("organic", "functional")]
    return members, np.array([int(recs[i].group_name == "functional") for i in members], int)


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """(n, 2) coordinates on the first two principal components and their shares of the variance.
    Each component's sign makes its largest loading positive, so the same data give the same map."""
    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    if x.shape[0] < 2:
        return np.zeros((x.shape[0], 2)), [0.0, 0.0]
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    vt = vt[:2]
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    vt = vt * np.where(signs == 0, 1, signs)[:, None]
    coords = x @ vt.T
    if coords.shape[1] < 2:
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    total = float((s ** 2).sum())
    explained = [(float(v) / total if total > 0 else 0.0) for v in (s[:2] ** 2)] + [0.0] * max(0, 2 - s.size)
    return coords, explained[:2]


def probe_predictions(x: np.ndarray, y: np.ndarray, speakers: list[str],
                      seed: int = 0) -> tuple[np.ndarray, int] | None:
    """Out-of-fold predictions of a standardised logistic regression in speaker-grouped, stratified folds,
    and the number of folds; None when a class has fewer than two speakers."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.asarray(y, int)
    per_class = [len({s for s, c in zip(speakers, y) if c == k}) for k in (0, 1)]
    folds = min(MAX_FOLDS, *per_class)
    if folds < 2:
        return None
    predicted = np.zeros(y.size, int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in cv.split(x, y, np.asarray(speakers)):
            if np.unique(y[train]).size < 2:
                predicted[test] = y[train][0]
                continue
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
            model.fit(x[train], y[train])
            predicted[test] = model.predict(x[test])
    return predicted, folds


def silhouette_values(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    from sklearn.metrics import silhouette_samples

    if np.unique(y).size != 2 or y.size < 3:
        return None
    return silhouette_samples(np.asarray(x, np.float64), y, metric="euclidean")


def separation(x: np.ndarray, y: np.ndarray, speakers: list[str], n_boot: int, seed: int) -> dict:
    weights = stats.bootstrap_weights(speakers, n_boot, seed)
    out = {"n": int(y.size), "n_positive": int(y.sum()), "speakers": len(set(speakers)), "folds": None,
           "probe_balanced_accuracy": {"value": None, "ci": [None, None], "n_valid": 0},
           "silhouette": {"value": None, "ci": [None, None], "n_valid": 0}, "predicted": None}
    probe = probe_predictions(x, y, speakers, seed) if y.size else None
    if probe is not None:
        predicted, folds = probe
        out["folds"] = folds
        out["predicted"] = predicted
        out["probe_balanced_accuracy"] = stats.estimate(lambda w: stats.weighted_uar(w, y, predicted), weights,
                                                        y.size)
    values = silhouette_values(x, y)
    if values is not None:
        out["silhouette"] = stats.estimate(lambda w: stats.weighted_mean(w, values), weights, y.size)
    return out


def analyse_model(data, model_id: str) -> dict | None:
    runs = data.runs.get(model_id, {})
    indices = [r.index for r in data.recordings if r.index in runs and runs[r.index].pooled is not None]
    if len(indices) < 2:
        return None
    x_all = np.stack([runs[i].pooled for i in indices]).astype(np.float64)
    row_of = {i: k for k, i in enumerate(indices)}
    coords, explained = pca_2d(x_all)
    out = {"pca": {"recordings": indices, "x": coords[:, 0].tolist(), "y": coords[:, 1].tolist(),
                   "explained_variance": explained}, "separation": {}}
    predictions = {}
    for task in TASKS:
        members, y = task_members(data, task)
        members_y = [(i, c) for i, c in zip(members, y) if i in row_of]
        idx = [i for i, _ in members_y]
        y = np.array([c for _, c in members_y], int)
        result = separation(x_all[[row_of[i] for i in idx]], y, [data.recordings[i].speaker for i in idx],
                            data.n_boot, data.seed) if idx else separation(np.zeros((0, 1)), y, [], data.n_boot,
                                                                          data.seed)
        predictions[task] = (idx, y, result.pop("predicted"))
        out["separation"][task] = result
    out["gender_minus_health"] = _gender_minus_health(data, predictions)
    return out


def _gender_minus_health(data, predictions) -> dict | None:
    """Probe balanced accuracy for gender minus that for health status, paired over speakers, on the
    recordings of known gender."""
    g_idx, g_y, g_pred = predictions["gender"]
    h_idx, h_y, h_pred = predictions["health"]
    if g_pred is None or h_pred is None:
        return None
    health = {i: (c, p) for i, c, p in zip(h_idx, h_y, h_pred)}
    both = [k for k, i in enumerate(g_idx) if i in health]
    if not both:
        return None
    gy, gp = g_y[both], g_pred[both]
    hy = np.array([health[g_idx[k]][0] for k in both])
    hp = np.array([health[g_idx[k]][1] for k in both])
    speakers = [data.recordings[g_idx[k]].speaker for k in both]
    weights = stats.bootstrap_weights(speakers, data.n_boot, data.seed)
    return stats.paired_difference(lambda w: stats.weighted_uar(w, hy, hp), lambda w: stats.weighted_uar(w, gy, gp),
                                   weights, len(both))


def _side(estimate: dict | None, reference: float = 0.0) -> str | None:
    """'above' / 'below' when the interval lies wholly on one side of ``reference``, 'overlaps', or None."""
    if not estimate or estimate.get("value") is None or estimate["ci"][0] is None:
        return None
    lo, hi = estimate["ci"]
    return "above" if lo > reference else "below" if hi < reference else "overlaps"


def claim(data, per_model: dict) -> dict:
    """Whether finding 1 holds on this data, part by part, and one sentence built from the numbers."""
    freeze, finetuned = data.pair
    parts = []

    def ba(model_id, task):
        return per_model[model_id]["separation"][task]["probe_balanced_accuracy"]

    def fmt(e):
        if not e or e.get("value") is None:
            return "n/a"
        lo, hi = e["ci"]
        return f"{e['value']:.2f}" + (f" [{lo:.2f}, {hi:.2f}]" if lo is not None else "")

    for model_id, wanted, words in ((freeze, "above", "separates gender more than health status"),
                                    (finetuned, "below", "separates health status more than gender")):
        if not model_id or per_model.get(model_id) is None:
            parts.append({"part": words, "model": model_id, "status": "not measurable",
                          "text": f"no {'ast_freeze' if wanted == 'above' else 'ast_finetuned'} model with a "
                                  "representation"})
            continue
        diff = per_model[model_id]["gender_minus_health"]
        side = _side(diff)
        status = ("not measurable" if side is None else "supported" if side == wanted else
                  "undecided" if side == "overlaps" else "contradicted")
        name = data.model(model_id).name
        text = (f"{name}: probe balanced accuracy {fmt(ba(model_id, 'gender'))} for gender and "
                f"{fmt(ba(model_id, 'health'))} for health status (difference {fmt(diff)})")
        parts.append({"part": words, "model": model_id, "status": status, "text": text})
    chance_texts, statuses = [], []
    for model_id in (m for m in (freeze, finetuned) if m and per_model.get(m) is not None):
        side = _side(ba(model_id, "organic_functional"), 0.5)
        statuses.append(None if side is None else "contradicted" if side == "above" else "supported")
        chance_texts.append(f"{data.model(model_id).name} {fmt(ba(model_id, 'organic_functional'))}")
    if not statuses or None in statuses:
        of_status = "not measurable"
    else:
        of_status = "contradicted" if "contradicted" in statuses else "supported"
    parts.append({"part": "neither separates organic from functional pathology", "model": None, "status": of_status,
                  "text": "organic vs functional probe balanced accuracy: " + (", ".join(chance_texts) or "n/a")})
    statuses = [p["status"] for p in parts]
    if all(s == "supported" for s in statuses):
        verdict = "holds"
    elif "contradicted" in statuses:
        verdict = "does not hold"
    else:
        verdict = "is not decided"
    sentence = (f"The study's claim (the frozen model's representation separates gender more than pathology, the "
                f"fine-tuned model's the reverse, and neither separates organic from functional) {verdict} on this "
                "data: " + "; ".join(f"{p['text']} — {p['status']}" for p in parts) + ".")
    return {"verdict": verdict, "parts": parts, "sentence": sentence}


def analyse(data) -> dict:
    per_model = {m.id: analyse_model(data, m.id) for m in data.models}
    return {"method": METHOD, "tasks": TASKS, "models": per_model, "claim": claim(data, per_model)}
