"""The models a user can choose: what a bundle folder is and which are installed, read without
loading torch (the window lists them). Installing one is :mod:`voice_desk.model.install`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from voice_desk.model import verdict
from voice_desk.model.card import ModelCard
from voice_desk.model.source import check_model_folder


@dataclass(frozen=True)
class ModelEntry:
    path: str
    name: str
    configuration: str | None
    summary: str
    labels: tuple[str, ...]
    expects_verdict: bool
    """Labels healthy/pathological and a trained head per its card (the engine has the last word)."""


def list_bundles(folder: Path | None = None) -> list[Path]:
    """Bundle folders (those with a voice_desk.json card) directly under ``folder`` (default:
    the models folder)."""
    from voice_desk.model.card import CARD_FILE
    from voice_desk.paths import models_dir

    folder = folder or models_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and (p / CARD_FILE).is_file())


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


def read_config_labels(folder: str | Path) -> list[str]:
    data = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    id2label = data.get("id2label") or {}
    return [str(id2label[k]) for k in sorted(id2label, key=lambda k: int(k))]
