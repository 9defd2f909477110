"""The models a user can choose: what a bundle folder is (read without loading torch) and
importing a bundle into Voice Desk's models folder."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from voice_desk.model import verdict
from voice_desk.model.source import check_model_folder
from voice_desk.model.card import ModelCard


@dataclass(frozen=True)
class ModelEntry:
    path: str
    name: str
    configuration: str | None
    summary: str
    labels: tuple[str, ...]
    expects_verdict: bool
    """Labels healthy/pathological and a trained head per its card (the engine has the last word)."""


def describe_model_folder(folder: str | Path) -> ModelEntry:
    """Read config.json and the card; raises a ModelError for a folder that is not a model."""
    folder = Path(folder).expanduser().resolve()
    config = check_model_folder(folder)
    try:
        card = ModelCard.load(folder)
    except ValueError:
        card = None
    id2label = config.get("id2label") or {}
    labels = tuple(str(id2label[k]) for k in sorted(id2label, key=lambda k: int(k))) if id2label else ()
    trained = card.head_trained is True if card else False
    expects = verdict.gives_verdict(labels, trained)
    configuration = card.configuration if card else None
    summary = card.summary() if card else "AST checkpoint without a Voice Desk model card"
    name = f"{configuration} ({folder.name})" if configuration and configuration != folder.name else folder.name
    return ModelEntry(str(folder), name, configuration, summary, labels, expects)


def import_bundle(folder: str | Path, models_folder: str | Path) -> Path:
    """Validate ``folder`` by loading it (torch) and copy it into ``models_folder``.

    The source folder is only read. Returns the new folder (a numbered name if taken).
    """
    from voice_desk.model.bundle import load_model

    source = Path(folder).expanduser().resolve()
    load_model(source, device="cpu")
    target_root = Path(models_folder)
    target_root.mkdir(parents=True, exist_ok=True)
    target = target_root / source.name
    n = 2
    while target.exists():
        target = target_root / f"{source.name}-{n}"
        n += 1
    shutil.copytree(source, target)
    return target


def read_config_labels(folder: str | Path) -> list[str]:
    data = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    id2label = data.get("id2label") or {}
    return [str(id2label[k]) for k in sorted(id2label, key=lambda k: int(k))]
