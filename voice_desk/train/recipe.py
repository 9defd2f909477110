"""Training recipes: the study's hyperparameters in TOML, every value overridable.

Built-in recipes (``ast_freeze``, ``ast_finetuned``) live in the repository's ``training/``
folder, installed as the package ``voice_desk.recipes``. Overrides are ``key=value``
strings whose value is read as TOML (``learning_rate=5e-4``, ``exclude_singers=false``,
``split_fractions=[0.7,0.15,0.15]``); a bare word is a string.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from voice_desk.errors import VoiceDeskError
from voice_desk.files import check_regular

BUILTIN = ("ast_freeze", "ast_finetuned")
#: Keys a recipe may carry beyond the study's (with their defaults).
EXTRA_DEFAULTS = {
    "name": "",                  # bundle folder name under the models folder (default: configuration-date)
    "device": "auto",
    "mixed_precision": "auto",
    "save_total_limit": 2,
    "dataloader_num_workers": 0,
    "cache_embeddings": True,
    "embed_batch_size": 8,
    "keep_checkpoints": False,
    "pathologies": [],           # SVD: keep only these diagnoses ('healthy' for controls); empty keeps all
    "diagnosis_override": "",    # CSV diagnosis,group
    "stratify_gender": True,
    "weight_decay": 0.0,
    "max_grad_norm": 1.0,
    "max_steps": -1,             # > 0 stops early (smoke runs)
}


class RecipeError(VoiceDeskError):
    pass


@dataclass
class Recipe:
    values: dict
    source: str
    overrides: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.values[key]

    def get(self, key, default=None):
        return self.values.get(key, default)

    @property
    def configuration(self) -> str:
        return str(self.values["configuration"])

    def with_overrides(self, pairs: dict) -> "Recipe":
        values = copy.deepcopy(self.values)
        for key, value in pairs.items():
            if key not in values:
                raise RecipeError(f"the recipe has no setting '{key}'.",
                                  hint=f"Known settings: {', '.join(sorted(values))}.")
            values[key] = _coerce(key, value, values[key])
        return validate(Recipe(values, self.source, {**self.overrides, **pairs}))

    def to_dict(self) -> dict:
        return {"source": self.source, "overrides": dict(self.overrides), "values": dict(self.values)}


def _coerce(key, value, current):
    if isinstance(current, bool):
        if isinstance(value, str):
            if value.lower() in ("true", "yes", "1", "on"):
                return True
            if value.lower() in ("false", "no", "0", "off"):
                return False
            raise RecipeError(f"'{key}' must be true or false, not '{value}'.")
        return bool(value)
    try:
        if isinstance(current, int) and not isinstance(value, bool):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if isinstance(current, float):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise RecipeError(f"'{key}' must be a number, not '{value}'.") from exc
    if isinstance(current, list) and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def parse_override(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key:
        raise RecipeError(f"'{text}' is not a key=value setting.", hint="For example --set learning_rate=5e-4.")
    raw = raw.strip()
    try:
        return key, tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return key, raw


def load_recipe(spec: str | Path, overrides: list[str] | dict | None = None) -> Recipe:
    """A built-in name (ast_freeze / ast_finetuned) or a TOML file, with overrides applied."""
    spec = str(spec)
    path = Path(spec).expanduser()
    try:
        if path.is_file():
            text, source = path.read_text(encoding="utf-8"), str(path)
        elif Path(spec).stem in BUILTIN and not path.exists():
            text = resources.files("voice_desk.recipes").joinpath(f"{Path(spec).stem}.toml").read_text("utf-8")
            source = f"{Path(spec).stem} (built in)"
        else:
            if path.exists():   # a folder, a pipe…: say what it is (and never read a pipe)
                check_regular(path, "a recipe (TOML file)", RecipeError)
            raise RecipeError("the recipe file does not exist.", path=path,
                              hint=f"Use training/ast_freeze.toml, training/ast_finetuned.toml or one of {BUILTIN}.")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"the recipe is not valid TOML ({exc}).", path=path) from exc
    if data.get("configuration") not in BUILTIN:
        raise RecipeError(f"the recipe's configuration must be one of {BUILTIN}.", path=path)
    values = {**EXTRA_DEFAULTS, **data}
    recipe = Recipe(values, source)
    if overrides:
        pairs = dict(parse_override(o) for o in overrides) if isinstance(overrides, list) else dict(overrides)
        recipe = recipe.with_overrides(pairs)
    return validate(recipe)


STRATEGIES = ("epoch", "steps")
METRICS = ("uar", "auc")
PRECISIONS = ("auto", "bf16", "fp16", "none")


def validate(recipe: Recipe) -> Recipe:
    """Refuse values training cannot run with, saying which setting and what is allowed."""
    v = recipe.values

    def need(ok: bool, key: str, what: str) -> None:
        if not ok:
            raise RecipeError(f"'{key}' is {v.get(key)!r}: it must be {what}.", hint=f"Source: {recipe.source}.")

    for key in ("learning_rate", "per_device_train_batch_size", "per_device_eval_batch_size",
                "gradient_accumulation_steps", "num_train_epochs", "logging_steps", "eval_steps",
                "early_stopping_patience", "warmup_ratio", "early_stopping_threshold"):
        need(key in v and isinstance(v[key], (int, float)) and not isinstance(v[key], bool), key, "a number")
    need(v["learning_rate"] > 0, "learning_rate", "above 0")
    for key in ("per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps",
                "num_train_epochs", "logging_steps", "eval_steps", "early_stopping_patience"):
        need(v[key] >= 1, key, "1 or more")
    need(0 <= v["warmup_ratio"] < 1, "warmup_ratio", "a fraction of the training steps, from 0 up to (not) 1")
    need(v["early_stopping_threshold"] >= 0, "early_stopping_threshold", "0 or more")
    need(v.get("eval_strategy") in STRATEGIES, "eval_strategy", f"one of {STRATEGIES}")
    need(v.get("save_strategy") == v.get("eval_strategy"), "save_strategy",
         f"the same as eval_strategy ('{v.get('eval_strategy')}'): the best checkpoint is chosen at each evaluation")
    if recipe.configuration == "ast_freeze":
        need(v["eval_strategy"] == "epoch", "eval_strategy", "'epoch' for ast_freeze (the head is evaluated on dev "
             "after every epoch)")
    need(v.get("metric_for_best_model") in METRICS, "metric_for_best_model", f"one of {METRICS} (on dev)")
    need(str(v.get("mixed_precision", "auto")).lower() in PRECISIONS, "mixed_precision", f"one of {PRECISIONS}")
    need(v.get("push_to_hub") is False, "push_to_hub", "false (Voice Desk never uploads; copy the bundle folder)")
    return recipe
