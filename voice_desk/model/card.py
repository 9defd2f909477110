"""The model card ``voice_desk.json`` stored in every Voice Desk model bundle."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from voice_desk import __version__
from voice_desk.errors import NotAModelError
from voice_desk.model.json_io import dumps, read_json

CARD_FILE = "voice_desk.json"
CONFIGURATIONS = ("ast_freeze", "ast_finetuned")
PATHOLOGY_LABELS = ("healthy", "pathological")
DEFAULT_BASE = "MIT/ast-finetuned-audioset-10-10-0.4593"
#: A card is a few kilobytes; anything near this is not a card.
CARD_LIMIT = 4 * 1024 * 1024

_FIELD_TYPES = {
    "configuration": ((str, type(None)), "a configuration name or null"),
    "labels": ((list,), "a list of class names"),
    "base_checkpoint": ((str, type(None)), "a checkpoint name or null"),
    "max_length": ((int,), "a whole number of frames"),
    "head_trained": ((bool,), "true or false"),
    "training_data": ((dict,), "an object"),
    "metrics": ((dict,), "an object"),
    "created": ((str,), "a date"),
    "app_version": ((str,), "a version"),
    "notes": ((str,), "text"),
    "extra": ((dict,), "an object"),
}
_SCORES = ("uar", "auc")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_scores(metrics: dict) -> None:
    """The test scores the model list shows must be numbers (or null: not measurable)."""
    test = metrics.get("test", metrics)
    if not isinstance(test, dict):
        raise ValueError(f"'metrics.test' should be an object, not {test!r:.40}")
    for where in (metrics, test):
        for key in _SCORES:
            if key in where and where[key] is not None and not _is_number(where[key]):
                raise ValueError(f"the test score '{key}' should be a number, not {where[key]!r:.40}")


@dataclass
class ModelCard:
    """What a clinician or researcher needs to know about a bundle.

    ``head_trained`` is False for a bundle whose classification head was never trained:
    such a model never gives a verdict.
    """

    configuration: str | None = None
    labels: list[str] = field(default_factory=lambda: list(PATHOLOGY_LABELS))
    base_checkpoint: str = DEFAULT_BASE
    max_length: int = 1024
    head_trained: bool = True
    training_data: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    app_version: str = __version__
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return dumps(asdict(self), indent=2, ensure_ascii=False)

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / CARD_FILE
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict) -> "ModelCard":
        """Raises ValueError for a card whose fields have the wrong type (a card saying
        ``"head_trained": "no"`` must not count as a trained head, and one whose test UAR is the
        text "0.9" must not stop the model list)."""
        if not isinstance(data, dict):
            raise ValueError("the card is not a JSON object")
        for key, (types, wanted) in _FIELD_TYPES.items():
            if key not in data:
                continue
            value = data[key]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise ValueError(f"'{key}' should be {wanted}, not {value!r:.60}")
        if any(not isinstance(label, str) for label in data.get("labels", ())):
            raise ValueError("'labels' should be a list of class names (text)")
        _check_scores(data.get("metrics", {}))
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        unknown = {k: v for k, v in data.items() if k not in cls.__dataclass_fields__}
        card = cls(**known)
        card.extra.update(unknown)
        return card

    @classmethod
    def load(cls, folder: str | Path) -> "ModelCard | None":
        """The card in ``folder``, or None if the folder has none. Raises NotAModelError (with
        the reason) for a card that cannot be read or holds values of the wrong type: a damaged
        card makes its bundle unusable, and nothing else."""
        path = Path(folder) / CARD_FILE
        if not os.path.lexists(path):
            return None
        try:
            return cls.from_dict(read_json(path, CARD_LIMIT))
        except ValueError as exc:
            raise NotAModelError(f"its model card {CARD_FILE} cannot be used: {exc}.", path=folder,
                                 hint="Copy the whole model folder again from where it was made, or remove it "
                                      "from the models folder.") from exc

    def summary(self) -> str:
        """One line: configuration, training data and test metrics."""
        parts = [self.configuration or "AST model"]
        data = self.training_data.get("name") or self.training_data.get("source")
        if isinstance(data, str) and data:
            parts.append(f"trained on {data}")
        test = self.metrics.get("test", self.metrics)
        test = test if isinstance(test, dict) else {}
        for key, text in (("uar", "test UAR"), ("auc", "AUC")):
            if _is_number(test.get(key)):
                ci = test.get(f"{key}_ci")
                interval = (f" (95 % CI {ci[0]:.2f}–{ci[1]:.2f})" if isinstance(ci, list) and len(ci) == 2
                            and all(_is_number(c) for c in ci) else "")
                parts.append(f"{text} {test[key]:.3f}{interval}")
            elif key in test:
                parts.append(f"{text} n/a")
        if any(key in test for key in ("uar", "auc")):
            from voice_desk.model.operating_point import too_few

            n = test.get("n") if _is_number(test.get("n")) else None
            counts = [test.get(k) if _is_number(test.get(k)) else None for k in ("n_healthy", "n_pathological")]
            if n:
                parts.append(f"n = {int(n)}")
            warning = too_few(int(n) if n else None, *counts)
            if warning:
                parts.append(f"⚠ {warning}")
        return ", ".join(parts)
