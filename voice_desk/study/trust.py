"""Can the maps be trusted, over a data set: each model's maps by each relevance method, measured
with deletion and insertion curves (:mod:`voice_desk.model.faithfulness`) and the cascading
model-randomisation check (:mod:`voice_desk.model.sanity`).

Both cost many forward passes (a 20-step curve pair with 3 random orders is about 150 per map, the
randomisation check one map per stage), so they run on a chosen number of the study's recordings,
drawn with the study's seed, and every result is cached like a model run: under the model's
fingerprint, the method and the settings, by the recording's SHA-256.

Cache layout: ``ROOT/trust/<key[:24]>/<audio sha256>.json`` (curves) and
``ROOT/trust/<key[:24]>/sanity-<hash of the recordings>.json`` (the randomisation check).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from voice_desk.model.relevance_methods import METHODS
from voice_desk.study.cache import StudyCache, _atomic_bytes, _read_json
from voice_desk.tasks.state import TaskState


def chosen(usable: list, count: int | None, seed: int) -> list:
    """``count`` of the usable recordings (all for None), drawn with ``seed``, in the study's order."""
    if count is None or count >= len(usable):
        return list(usable)
    picked = sorted(np.random.default_rng(seed).permutation(len(usable))[:count])
    return [usable[i] for i in picked]


def _key(model, method: str, settings: dict) -> str:
    parts = {"model": model.fingerprint, "method": method, "settings": settings}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _folder(cache: StudyCache, key: str) -> Path:
    from voice_desk.paths import private_dir

    return private_dir(cache.root / "trust" / key[:24])


def compute_trust(plan, usable: list, cache: StudyCache, state: TaskState, device: str | None) -> dict:
    """{model id: {method: {"faithfulness": {audio sha: curves record}, "sanity": record or None}}}."""
    trust = plan.settings.get("trust") or {}
    n_faith, n_sanity = trust.get("faithfulness", 0), trust.get("sanity", 0)
    if not n_faith and not n_sanity:
        return {}
    faith_clips = chosen(usable, None if n_faith == "all" else int(n_faith), plan.settings.get("seed", 0))
    sanity_clips = chosen(usable, None if n_sanity == "all" else int(n_sanity), plan.settings.get("seed", 0) + 1) \
        if n_sanity else []
    curve_settings = {"steps": trust["steps"], "random_orders": trust["random_orders"], "seed": 0}
    rollout = plan.settings["rollout"]
    out: dict = {}
    engine = None
    for model in plan.models:
        out[model.id] = {}
        for method in METHODS:
            key = _key(model, method, {**curve_settings, "head_fusion": rollout["head_fusion"],
                                       "discard_ratio": rollout["discard_ratio"],
                                       "target_class": rollout.get("target_class")})
            folder = _folder(cache, key)
            curves, missing = {}, []
            for clip, sha, _ in faith_clips:
                record = _read_json(folder / f"{sha}.json")
                if isinstance(record, dict):
                    curves[sha] = record
                else:
                    missing.append((clip, sha))
            sanity_name = "sanity-" + hashlib.sha256(" ".join(sha for _, sha, _ in sanity_clips).encode()) \
                .hexdigest()[:16] + ".json"
            sanity = _read_json(folder / sanity_name) if sanity_clips else None
            need_sanity = bool(sanity_clips) and not isinstance(sanity, dict)
            if missing or need_sanity:
                engine = engine if engine is not None and engine.loaded.source == model.path else _engine(model, device)
            for k, (clip, sha) in enumerate(missing):
                state.check()
                state.set_status(f"Faithfulness of {model.name}'s {method} maps: {k + 1} of {len(missing)}")
                record = _curves(engine, clip.path, method, rollout, curve_settings, state)
                _atomic_bytes(folder / f"{sha}.json", json.dumps(record).encode())
                curves[sha] = record
            if need_sanity:
                state.set_status(f"Randomisation check of {model.name}'s {method} maps")
                sanity = _sanity(engine, [clip.path for clip, _, _ in sanity_clips], method, rollout, state)
                sanity["files"] = [sha for _, sha, _ in sanity_clips]
                _atomic_bytes(folder / sanity_name, json.dumps(sanity).encode())
            out[model.id][method] = {"faithfulness": curves, "sanity": sanity if sanity_clips else None}
    return out


def _engine(model, device):
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine

    return Engine(load_model(model.path, device=device))


def _explain(engine, path: str, method: str, rollout: dict, state: TaskState):
    from voice_desk.audio.load import load_recording

    return engine.explain(load_recording(path), method=method, target_class=rollout.get("target_class"),
                          head_fusion=rollout["head_fusion"], discard_ratio=rollout["discard_ratio"],
                          cancelled=state.is_cancelled)


def _curves(engine, path: str, method: str, rollout: dict, settings: dict, state: TaskState) -> dict:
    from voice_desk.model.faithfulness import faithfulness_curves

    explanation = _explain(engine, path, method, rollout, state)
    curves = faithfulness_curves(engine, explanation, steps=settings["steps"], random_orders=settings["random_orders"],
                                 seed=settings["seed"], cancelled=state.is_cancelled)
    record = curves.to_record()
    record["gives_verdict"] = explanation.prediction.gives_verdict
    return record


def _sanity(engine, paths: list[str], method: str, rollout: dict, state: TaskState) -> dict:
    from voice_desk.audio.load import load_recording
    from voice_desk.model.sanity import cascading_randomisation

    result = cascading_randomisation(engine, [load_recording(p) for p in paths], method=method,
                                     target_class=rollout.get("target_class"), head_fusion=rollout["head_fusion"],
                                     discard_ratio=rollout["discard_ratio"], cancelled=state.is_cancelled)
    return result.to_record()
