"""What a study runs on: the models (read without torch), the recordings (data set and split part)
and the settings. Everything that can go wrong with the command's arguments goes wrong here,
before any model is loaded.

The recordings are one part of a speaker-disjoint split. By default that is the part saved with
the models (``split.csv`` in each bundle folder, :mod:`voice_desk.data.split`); when the models were
trained on different splits the study says so and keeps the recordings that lie in the chosen part
for every model (so no model is scored on recordings it was trained on), and stops when there are
none.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from voice_desk.errors import VoiceDeskError
from voice_desk.study.cache import CACHE_FORMAT, StudyCache



class StudyError(VoiceDeskError):
    pass


@dataclass
class StudyModel:
    """One model of the study, as read from its folder (no torch)."""

    id: str                       # short unique name: file names, CSV columns, results.json keys
    path: str                     # the model folder
    name: str                     # what the window calls it: 'ast_freeze (folder)'
    configuration: str | None     # 'ast_freeze', 'ast_finetuned' or None
    summary: str                  # the card's one line
    labels: tuple[str, ...]
    expects_verdict: bool         # healthy/pathological labels and a trained head (per the card)
    weights_sha256: str
    fingerprint: str              # cache key: weights, configs, max_length, rollout settings
    card: dict = field(default_factory=dict)
    split_file: str | None = None
    max_length: int | None = None

    def describe(self) -> dict:
        return {"id": self.id, "path": self.path, "name": self.name, "configuration": self.configuration,
                "summary": self.summary, "labels": list(self.labels), "expects_verdict": self.expects_verdict,
                "weights_sha256": self.weights_sha256, "cache_key": self.fingerprint, "max_length": self.max_length,
                "split_file": self.split_file, "card": self.card}


@dataclass
class StudyPlan:
    models: list[StudyModel]
    clips: list                   # voice_desk.data.corpus.Clip, in the corpus's order
    data: str
    part: str                     # 'test', 'dev', 'all' or the split file's path
    corpus_summary: dict
    excluded: list[dict]          # {"item", "reason"}: left out before the run
    notes: list[str]              # what the user must know about the choice of recordings
    settings: dict
    command: str
    textgrids: str | None = None


def slug(text: str, limit: int = 48) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")[:limit] or "x"


def _model_folder(source: str) -> Path:
    from voice_desk.model.source import hub_folder, resolve_source

    target, local = resolve_source(source)
    return Path(local) if local is not None else hub_folder(target)


def model_fingerprint(weights_sha: str, folder: Path, rollout: dict) -> str:
    """What a cached run of this model depends on: its weights, its config and preprocessor config
    (max_length, mel bins, normalisation), the rollout settings and the cache's format."""
    parts = {"format": CACHE_FORMAT, "weights": weights_sha, "rollout": rollout}
    for name in ("config.json", "preprocessor_config.json"):
        path = folder / name
        parts[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def read_models(sources: list[str], cache: StudyCache, rollout: dict) -> list[StudyModel]:
    from voice_desk.model.card import ModelCard
    from voice_desk.model.catalog import describe_model_folder

    if not sources:
        raise StudyError("name the models to study with --model (at least one; an ast_freeze and an "
                         "ast_finetuned model give the study's agreement cases).")
    models, seen, ids = [], set(), set()
    for source in sources:
        folder = _model_folder(source)
        entry = describe_model_folder(folder)
        if entry.path in seen:
            raise StudyError(f"the model {entry.name} is named twice.", path=entry.path,
                             hint="Give each model once.")
        seen.add(entry.path)
        card = ModelCard.load(entry.path)
        base = slug(entry.configuration or Path(entry.path).name)
        model_id, k = base, 2
        while model_id in ids:
            model_id, k = f"{base}-{k}", k + 1
        ids.add(model_id)
        weights = cache.weights_sha256(Path(entry.path))
        config = json.loads((Path(entry.path) / "config.json").read_text(encoding="utf-8"))
        split = Path(entry.path) / "split.csv"
        models.append(StudyModel(
            id=model_id, path=entry.path, name=entry.name, configuration=entry.configuration,
            summary=entry.summary, labels=entry.labels, expects_verdict=entry.expects_verdict,
            weights_sha256=weights, fingerprint=model_fingerprint(weights, Path(entry.path), rollout),
            card=card_record(card), split_file=str(split) if split.is_file() else None,
            max_length=config.get("max_length")))
    return models


def card_record(card) -> dict:
    """What the report shows of a model card (the training data's name, counts and split; recipe;
    metrics; operating point)."""
    if card is None:
        return {}
    from dataclasses import asdict

    record = asdict(card)
    return {k: record[k] for k in ("configuration", "labels", "base_checkpoint", "max_length", "head_trained",
                                   "training_data", "metrics", "created", "app_version", "notes") if k in record}


def _recipe_corpus(models: list[StudyModel], data: str):
    """The corpus read with the data settings the first trained model was made with (its diagnosis
    map, singers, pathologies), else with the defaults."""
    from voice_desk.train.prepare import load_recipe_corpus
    from voice_desk.train.recipe import load_recipe

    from voice_desk.model.card import ModelCard

    values = {}
    for model in models:
        card = ModelCard.load(model.path)
        values = ((card.extra.get("recipe") or {}).get("values") or {}) if card else {}
        if values:
            break
    configuration = values.get("configuration") if values.get("configuration") in ("ast_freeze", "ast_finetuned") \
        else "ast_freeze"
    # the built-in recipe by its file: a bare name would be taken for a folder of that name where the command runs
    from importlib import resources

    recipe = load_recipe(str(resources.files("voice_desk.recipes").joinpath(f"{configuration}.toml")))
    recipe = recipe.with_overrides({k: v for k, v in values.items() if k in recipe.values})
    return load_recipe_corpus(recipe, data), recipe


def choose_clips(corpus, models: list[StudyModel], split: str | None) -> tuple[list, str, list[str], list[dict]]:
    """(clips, part, notes, excluded) for ``split``: 'test' / 'dev' (the part saved with the models),
    'all' (every recording of the data) or a split.csv file (its test part)."""
    from voice_desk.data.split import Split

    split = split or "test"
    notes: list[str] = []
    excluded: list[dict] = []
    if split == "all":
        trained_on = _training_parts(corpus, models)
        if trained_on:
            notes.append(f"--split all: {trained_on} of these recordings are in the train or dev part of a model's "
                         "saved split, so that model's scores on them are optimistic.")
        return list(corpus.clips), "all", notes, excluded
    if split not in ("test", "dev", "train"):
        path = Path(split).expanduser()
        if not path.exists():
            raise StudyError(f"--split {split}: this is neither test, dev, all nor a split file that exists.",
                             hint="Give test (the default: the test part saved with the models), dev, all, or the "
                                  "path of a split.csv.")
        assignment, unmatched, _ = Split.load(path).for_corpus(corpus)
        clips = [c for c in corpus.clips if assignment.assignment.get(c.path) == "test"]
        if unmatched:
            notes.append(f"{unmatched} recordings listed in {path.name} are not in this data.")
        if not clips:
            raise StudyError("the split file's test part holds none of this data's recordings.", path=path,
                             hint="Give the split saved with this data, or --split all.")
        return clips, str(path), notes, excluded
    part = split
    splits = []
    for model in models:
        if model.split_file is None:
            if model.expects_verdict:
                notes.append(f"{model.name} carries no split.csv: which recordings it was trained on is not known.")
            continue
        assigned, _, _ = Split.load(model.split_file).for_corpus(corpus)
        splits.append((model, assigned.assignment))
    if not splits:
        raise StudyError(f"none of the models carries a saved split (split.csv in its folder), so their {part} part "
                         "is not known.", hint="Give --split FILE (a split.csv), or --split all to use every "
                                               "recording of the data.")
    chosen = [{p for p, where in assignment.items() if where == part} for _, assignment in splits]
    common = set.intersection(*chosen)
    if any(c != chosen[0] for c in chosen[1:]):
        sizes = ", ".join(f"{m.name}: {len(c)}" for (m, _), c in zip(splits, chosen))
        notes.append(f"The models were trained on different splits: their {part} parts differ ({sizes} recordings); "
                     f"the {len(common)} recordings in the {part} part of every model are used.")
        if not common:
            raise StudyError(f"the models were trained on different splits and no recording lies in the {part} part "
                             "of both, so no recording is unseen by every model.",
                             hint="Study models trained on the same split, or give --split FILE / --split all and "
                                  "read the numbers knowing that some models were trained on those recordings.")
    unlisted = sum(1 for c in corpus.clips if any(c.path not in a for _, a in splits))
    if unlisted:
        notes.append(f"{unlisted} recordings of the data are not in a model's saved split (recorded after it was "
                     "made, or other data) and are left out.")
    clips = [c for c in corpus.clips if c.path in common]
    if not clips:
        raise StudyError(f"the {part} part saved with the models holds none of this data's recordings.",
                         hint="Give the data the models were trained on (--data), or --split all.")
    return clips, part, notes, excluded


def _training_parts(corpus, models) -> int:
    from voice_desk.data.split import Split

    seen = set()
    for model in models:
        if model.split_file:
            assigned, _, _ = Split.load(model.split_file).for_corpus(corpus)
            seen |= {p for p, where in assigned.assignment.items() if where in ("train", "dev")}
    return len(seen)


def _count(value, option: str) -> int | str:
    """How many recordings an option asks for: a whole number, or 'all'."""
    if value in ("all", None) or isinstance(value, int) and value >= 0:
        return value or 0
    text = str(value).strip().lower()
    if text == "all":
        return "all"
    if text.isdigit():
        return int(text)
    raise StudyError(f"{option} {value}: give a number of recordings (0 for none) or all.")


def plan_study(models: list[str], data: str, split: str | None = None, textgrids: str | None = None,
               cache: StudyCache | None = None, head_fusion: str = "mean", discard_ratio: float = 0.0,
               min_align_confidence: float | None = None, n_boot: int = 1000, seed: int = 0,
               examples: int = 2, command: str | None = None, method: str = "rollout",
               target_class: str | None = None, faithfulness: int | str = 0, sanity: int | str = 0,
               steps: int = 20, random_orders: int = 3) -> StudyPlan:
    """Read the models and the data and choose the recordings (no torch). Raises a StudyError (or another
    VoiceDeskError) saying what is wrong with an argument."""
    if not 0.0 <= discard_ratio < 1.0:
        raise StudyError(f"--discard-ratio {discard_ratio}: it must be at least 0 and below 1.")
    if min_align_confidence is not None and not 0.0 <= min_align_confidence <= 1.0:
        raise StudyError(f"--min-align-confidence {min_align_confidence}: it must lie between 0 and 1.")
    if n_boot < 100:
        raise StudyError(f"--bootstrap {n_boot}: use at least 100 resamples (1000 is the default).")
    if textgrids is not None and not Path(textgrids).expanduser().is_dir():
        raise StudyError("--textgrids: this folder does not exist.", path=textgrids,
                         hint="Give the folder holding one TextGrid per recording, named like the recording.")
    from voice_desk.model.relevance_methods import check_method

    check_method(method)
    if method == "rollout" and (target_class or None) is not None:
        raise StudyError("--target-class: the attention rollout's map is the same for every class.",
                         hint="Add --method gradient-rollout for maps of one class.")
    if method != "rollout" and (head_fusion != "mean" or discard_ratio):
        raise StudyError("--head-fusion and --discard-ratio belong to the attention rollout.",
                         hint="Leave them out with --method gradient-rollout.")
    trust = {"faithfulness": _count(faithfulness, "--faithfulness"), "sanity": _count(sanity, "--sanity"),
             "steps": int(steps), "random_orders": int(random_orders)}
    if not (2 <= steps <= 200 and 1 <= random_orders <= 50):
        raise StudyError(f"--steps {steps} / --random-orders {random_orders}: use 2 to 200 steps and 1 to 50 random "
                         "orders.", hint="The defaults are 20 and 3.")
    cache = cache or StudyCache()
    rollout = {"head_fusion": head_fusion, "discard_ratio": float(discard_ratio), "residual": 0.5}
    if method != "rollout":
        rollout = {"method": method, "target_class": target_class or None}
    study_models = read_models(models, cache, rollout)
    corpus, recipe = _recipe_corpus(study_models, data)
    clips, part, notes, excluded = choose_clips(corpus, study_models, split)
    excluded = [{"item": e.item, "reason": e.reason} for e in corpus.excluded] + excluded
    settings = {"rollout": {"method": "rollout", "target_class": None, "head_fusion": "mean", "discard_ratio": 0.0,
                            **rollout}, "trust": trust, "min_align_confidence": min_align_confidence, "bootstrap": int(n_boot),
                "seed": int(seed), "examples_per_case": int(examples), "top_fraction": 0.10,
                "area_share": 0.5, "textgrids": str(Path(textgrids).expanduser()) if textgrids else None,
                "aligner": "builtin", "data_settings": {k: recipe.get(k) for k in (
                    "diagnosis_map", "multi_diagnosis_rule", "exclude_singers", "exclude_known_bad", "pathologies")}}
    return StudyPlan(models=study_models, clips=clips, data=data, part=part, corpus_summary=corpus.summary(),
                     excluded=excluded, notes=notes, settings=settings,
                     command=command if command is not None else shlex.join(["voice-desk", *sys.argv[1:]]),
                     textgrids=settings["textgrids"])
