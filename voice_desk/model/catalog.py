"""The models a user can choose: what a bundle folder is and which are installed, read without
loading torch (the window lists them). Installing one is :mod:`voice_desk.model.install`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from voice_desk.model import verdict
from voice_desk.model.card import ModelCard
from voice_desk.model.checks import check_model_folder, config_labels


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
    """Bundle folders (those with a voice_desk.json card, even a damaged one) directly under
    ``folder`` (default: the models folder); none when it cannot be read."""
    from voice_desk.model.card import CARD_FILE
    from voice_desk.paths import models_dir

    folder = folder or models_dir()
    try:
        return sorted(p for p in folder.iterdir()
                      if not p.name.startswith(".") and os.path.lexists(p / CARD_FILE))
    except OSError:  # no models folder yet, or one we may not read
        return []


def describe_model_folder(folder: str | Path, weights: bool = False) -> ModelEntry:
    """Read config.json and the card; raises a ModelError (with the reason) for a folder that is
    not a usable model, a damaged card included: the model list shows it as damaged or leaves
    it out, and never stops over it. The weights files are only looked at (not read) unless
    ``weights`` (see :func:`voice_desk.model.checks.check_model_folder`): damaged weights are
    reported when the model is run."""
    folder = Path(folder).expanduser()
    config = check_model_folder(folder, weights=weights)
    folder = folder.resolve()
    card = ModelCard.load(folder)
    labels = tuple(config_labels(config))
    trained = card.head_trained is True if card else False
    expects = verdict.gives_verdict(labels, trained)
    configuration = card.configuration if card else None
    summary = card.summary() if card else "AST checkpoint without a Voice Desk model card"
    name = f"{configuration} ({folder.name})" if configuration and configuration != folder.name else folder.name
    return ModelEntry(str(folder), name, configuration, summary, labels, expects)
