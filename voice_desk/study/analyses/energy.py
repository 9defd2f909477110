"""Finding 2, relevance vs energy: is the highest relevance on the highest-energy regions (F0, harmonics)?"""

from __future__ import annotations

import numpy as np

from voice_desk.study import stats

METHOD = (
    "For each recording and model, over the time–frequency cells that hold audio (the recording's frames, not "
    "the padding, × the 128 mel bins): the Spearman rank correlation between the relevance map (patch relevance "
    "spread over the cells each patch covers) and the log-mel power the model was fed; and the overlap of the "
    "cells in the top 10 % by relevance with the cells in the top 10 % by power (the share of the first set that "
    "lies in the second; ties at a cut are all kept). Its chance level is the power set's share of all cells "
    "(0.10 without ties): what the overlap would be if relevance ignored power. Summaries are means over "
    "recordings with speaker-bootstrap 95 % intervals; 'overlap minus chance' is computed per recording and "
    "then averaged. The claim counts as contradicted for a model whose overlap is above chance with the whole "
    "interval of the difference above 0.")


def analyse_model(data, model_id: str) -> dict | None:
    runs, indices, speakers = data.model_runs(model_id)
    if not indices:
        return None
    rho = np.array([runs[i].spearman for i in indices], float)
    overlap = np.array([runs[i].overlap for i in indices], float)
    chance = np.array([runs[i].chance for i in indices], float)
    n_boot, seed = data.n_boot, data.seed
    finite = rho[np.isfinite(rho)]
    return {"n": len(indices),
            "spearman": stats.mean_estimate(rho, speakers, n_boot, seed),
            "spearman_median": float(np.median(finite)) if finite.size else None,
            "share_negative": float(np.mean(finite < 0)) if finite.size else None,
            "top_overlap": stats.mean_estimate(overlap, speakers, n_boot, seed),
            "chance": stats.mean_estimate(chance, speakers, n_boot, seed),
            "overlap_minus_chance": stats.mean_estimate(overlap - chance, speakers, n_boot, seed)}


def _sentence(name: str, s: dict) -> str:
    rho, excess = s["spearman"], s["overlap_minus_chance"]
    if rho["value"] is None:
        return f"{name}: no numbers."
    lo, hi = excess["ci"]
    if lo is None:
        where = "too few speakers to tell"
    elif hi < 0:
        where = "the most relevant cells are high-energy cells less often than chance"
    elif lo > 0:
        where = "the most relevant cells are high-energy cells more often than chance"
    else:
        where = "the most relevant cells are high-energy cells about as often as chance"
    rlo, rhi = rho["ci"]
    rci = f" [{rlo:.2f}, {rhi:.2f}]" if rlo is not None else ""
    return (f"{name}: mean Spearman ρ {rho['value']:.2f}{rci}; top-10 % overlap {s['top_overlap']['value']:.3f} "
            f"against {s['chance']['value']:.3f} by chance: {where}.")


def analyse(data) -> dict:
    per_model = {m.id: analyse_model(data, m.id) for m in data.models}
    sentences = [_sentence(data.model(m).name, s) for m, s in per_model.items() if s]
    statuses = [None if s["overlap_minus_chance"]["ci"][0] is None else
                "contradicted" if s["overlap_minus_chance"]["ci"][0] > 0 else "supported"
                for s in per_model.values() if s]
    if not statuses or None in statuses:
        verdict = "is not decided"
    else:
        verdict = "does not hold" if "contradicted" in statuses else "holds"
    return {"method": METHOD, "models": per_model,
            "claim": {"verdict": verdict,
                      "sentence": f"The study's claim (highest relevance is not on the highest-energy regions) "
                                  f"{verdict} on this data. " + " ".join(sentences)}}
