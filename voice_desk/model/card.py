"""The model card ``voice_desk.json`` stored in every Voice Desk model bundle."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from voice_desk import __version__

CARD_FILE = "voice_desk.json"
CONFIGURATIONS = ("ast_freeze", "ast_finetuned")
PATHOLOGY_LABELS = ("healthy", "pathological")
DEFAULT_BASE = "MIT/ast-finetuned-audioset-10-10-0.4593"

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
}


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
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / CARD_FILE
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict) -> "ModelCard":
        """Raises ValueError for a card whose fields have the wrong type (a card saying
        ``"head_trained": "no"`` must not count as a trained head)."""
        if not isinstance(data, dict):
            raise ValueError("the card is not a JSON object")
        for key, (types, wanted) in _FIELD_TYPES.items():
            if key not in data:
                continue
            value = data[key]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise ValueError(f"'{key}' should be {wanted}, not {value!r}")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        unknown = {k: v for k, v in data.items() if k not in cls.__dataclass_fields__}
        card = cls(**known)
        card.extra.update(unknown)
        return card

    @classmethod
    def load(cls, folder: str | Path) -> "ModelCard | None":
        """The card in ``folder``, or None if the folder has none. Raises ValueError if unreadable."""
        path = Path(folder) / CARD_FILE
        if not path.is_file():
            return None
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def summary(self) -> str:
        """One line: configuration, training data and test metrics."""
        parts = [self.configuration or "AST model"]
        data = self.training_data.get("name") or self.training_data.get("source")
        if data:
            parts.append(f"trained on {data}")
        test = self.metrics.get("test", self.metrics)
        if "uar" in test:
            parts.append(f"test UAR {test['uar']:.3f}")
        if "auc" in test:
            parts.append(f"AUC {test['auc']:.3f}")
        return ", ".join(parts)
