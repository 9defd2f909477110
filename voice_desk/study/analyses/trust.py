"""Can the maps be trusted? Per model and relevance method: the deletion and insertion areas of the
maps against random orders, with speaker-bootstrap intervals, and the cascading randomisation check.

A method is more faithful than chance on a data set when the mean lead of its maps over random
orders (random area − map area for deletion, map area − random area for insertion) has an interval
above 0. The randomisation check is read from the fully randomised model's mean rank correlation
with the trained model's maps (see :mod:`voice_desk.model.sanity` for the reading bands).
"""

from __future__ import annotations

import numpy as np

from voice_desk.model.faithfulness import MIN_RESPONSE
from voice_desk.model.relevance_methods import ANSWERS, METHODS, TITLES
from voice_desk.study.stats import mean_estimate

METHOD = (
    "Deletion and insertion curves (Petsiuk et al. 2018): the patches of each map's recording are removed (replaced "
    "by the model's padding value) or restored in the map's order, most relevant first, in {steps} steps, and the "
    "probability of the map's class (the predicted class for the attention rollout) is followed; the areas under "
    "the curves are compared with {orders} random orders per recording. Lead = random area − map area (deletion) "
    "and map area − random area (insertion); intervals resample speakers. Recordings whose probability moves by "
    f"less than {MIN_RESPONSE} whatever is removed are counted apart ('cannot tell'). Randomisation check (Adebayo "
    "et al. 2018): the model's weights are re-initialised from the head down, layer by layer, and the Spearman rank "
    "correlation of each stage's map with the trained model's map is averaged over the recordings.")


def _faithfulness(curves: dict, speakers: dict, n_boot: int, seed: int) -> dict | None:
    records = [(sha, r) for sha, r in curves.items() if sha in speakers]
    if not records:
        return None
    told = [(sha, r) for sha, r in records if r.get("verdict") != "cannot tell"]
    spk = [speakers[sha] for sha, _ in told]

    def est(key):
        return mean_estimate([r[key] for _, r in told], spk, n_boot, seed)

    verdicts = {}
    for _, r in records:
        verdicts[r.get("verdict", "")] = verdicts.get(r.get("verdict", ""), 0) + 1
    deletion_lead, insertion_lead = est("deletion_gain"), est("insertion_gain")
    above = [lead["ci"][0] is not None and lead["ci"][0] > 0 for lead in (deletion_lead, insertion_lead)]
    below = [lead["ci"][1] is not None and lead["ci"][1] <= 0 for lead in (deletion_lead, insertion_lead)]
    if not told:
        verdict = "cannot tell: removing patches hardly changes the probability"
    elif len(told) < 10:
        verdict = "too few recordings"
    elif all(above):
        verdict = "more faithful than chance"
    elif all(below):
        verdict = "no better than chance"
    else:
        verdict = "mixed"
    return {"n": len(records), "measured": len(told), "deletion_auc": est("deletion_auc"),
            "random_deletion_auc": est("random_deletion_auc"), "insertion_auc": est("insertion_auc"),
            "random_insertion_auc": est("random_insertion_auc"), "deletion_lead": deletion_lead,
            "insertion_lead": insertion_lead, "verdicts": verdicts, "verdict": verdict,
            "mean_curves": _mean_curves([r for _, r in told])}


def _mean_curves(records: list[dict]) -> dict | None:
    if not records:
        return None
    lengths = {len(r["fractions"]) for r in records}
    if len(lengths) != 1:
        return None
    return {"fractions": records[0]["fractions"],
            "deletion": np.mean([r["deletion"] for r in records], axis=0).tolist(),
            "insertion": np.mean([r["insertion"] for r in records], axis=0).tolist(),
            "random_deletion": np.mean([np.mean(r["random_deletion"], axis=0) for r in records], axis=0).tolist(),
            "random_insertion": np.mean([np.mean(r["random_insertion"], axis=0) for r in records], axis=0).tolist()}


def _sanity(record: dict | None, speakers: dict, n_boot: int, seed: int) -> dict | None:
    if not record:
        return None
    correlations = np.asarray(record["correlations"], dtype=np.float64)
    spk = [speakers.get(sha, sha) for sha in record.get("files", [])] or [str(i) for i in range(len(correlations))]
    stages = [mean_estimate(correlations[:, s], spk, n_boot, seed) for s in range(correlations.shape[1])]
    return {"stages": record["stages"], "correlation": stages, "final": record.get("final"),
            "verdict": record.get("verdict"), "reading": record.get("reading"), "recordings": len(correlations)}


def analyse(data, trust: dict) -> dict:
    """{"method": text, "settings", "models": {model id: {method: {"faithfulness", "sanity"}}}, "claim"}."""
    settings = data.settings.get("trust") or {}
    if not trust:
        return {"method": None, "settings": settings, "models": {}, "claim": {
            "verdict": "not measured", "sentence": "Run the study with --faithfulness N and --sanity N to measure "
                                                   "how far the maps can be trusted."}}
    speakers = {r.sha256: r.speaker for r in data.recordings}
    models = {}
    for model_id, by_method in trust.items():
        models[model_id] = {}
        for method in METHODS:
            entry = by_method.get(method) or {}
            models[model_id][method] = {
                "title": TITLES[method], "answers": ANSWERS[method],
                "faithfulness": _faithfulness(entry.get("faithfulness") or {}, speakers, data.n_boot, data.seed),
                "sanity": _sanity(entry.get("sanity"), speakers, data.n_boot, data.seed)}
    verdicts = [f"{data.model(m).name}, {TITLES[method].lower()}: {v['faithfulness']['verdict']}"
                for m, by in models.items() for method, v in by.items() if v["faithfulness"]]
    return {"method": METHOD.format(steps=settings.get("steps"), orders=settings.get("random_orders")),
            "settings": settings, "models": models,
            "claim": {"verdict": "measured", "sentence": "; ".join(verdicts) + "." if verdicts else
                      "Only the randomisation check was run."}}
