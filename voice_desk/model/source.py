"""Where a model comes from: a folder on disk, a name in Voice Desk's models folder, or a
Hugging Face hub id; the quick checks on a folder (no torch), and what to tell a user whose
model is nowhere to be found."""

from __future__ import annotations

import json
import os
from pathlib import Path

from voice_desk.errors import ModelNotFoundError, NotAModelError, UnsafeModelError

AST_MODEL_TYPE = "audio-spectrogram-transformer"
SAFE_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json")


def is_local_source(source: str) -> bool:
    """A folder on disk rather than a hub id ("org/name")."""
    return (os.path.exists(os.path.expanduser(source)) or source.startswith(("/", ".", "~"))
            or "\\" in source or source.count("/") > 1)


def check_model_folder(folder: Path) -> dict:
    """Validate a local folder and return its config dict, or raise a clear error."""
    if not folder.exists():
        raise ModelNotFoundError("the model folder does not exist.", path=folder,
                                 hint="Choose a folder made by Voice Desk's training or an AST checkpoint folder.")
    if not folder.is_dir():
        raise NotAModelError("a model is a folder, not a single file.", path=folder,
                             hint="Choose the folder that holds config.json and model.safetensors.")
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise NotAModelError("this folder is not a model (it has no config.json).", path=folder,
                             hint="Choose a folder made by Voice Desk's training or an AST checkpoint folder.")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotAModelError(f"config.json cannot be read ({exc}).", path=folder,
                             hint="The folder is damaged; copy it again.") from exc
    if config.get("model_type") != AST_MODEL_TYPE:
        raise NotAModelError(
            f"this is a '{config.get('model_type', 'unknown')}' model, not an Audio Spectrogram Transformer.",
            path=folder, hint="Voice Desk works with AST models only.")
    if not any((folder / name).is_file() for name in SAFE_WEIGHTS):
        if any((folder / name).is_file() for name in PICKLE_WEIGHTS):
            raise UnsafeModelError(
                "the weights are stored as a pickle file (pytorch_model.bin), which Voice Desk never opens "
                "because it can run hidden code.", path=folder,
                hint="Convert the model to safetensors with a trusted tool, or ask its author for model.safetensors.")
        raise NotAModelError("the folder has a config.json but no model weights (model.safetensors).", path=folder,
                             hint="Copy the whole model folder again.")
    return config


def installed_model(name: str) -> Path | None:
    """The folder of a model called ``name`` in Voice Desk's models folder, if there is one
    (so ``--model ast_freeze-20260101`` finds a bundle that training saved there)."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return None
    from voice_desk.paths import models_dir

    folder = models_dir() / name
    return folder if folder.is_dir() else None


def resolve_source(source: str | Path) -> tuple[str, Path | None]:
    """``(what from_pretrained gets, the checked local folder or None for a hub id)``.

    A folder path, else the name of a folder in Voice Desk's models folder, else a hub id."""
    source = str(source)
    if is_local_source(source):
        folder = Path(os.path.expanduser(source))
    else:
        folder = installed_model(source)
        if folder is None:
            return source, None
    check_model_folder(folder)
    return str(folder.resolve()), folder


def _offline() -> bool:
    return any(os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
               for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def missing_model_hint(target: str) -> str:
    """Where to put a model that is neither a folder here nor in the Hugging Face cache."""
    from huggingface_hub import constants

    from voice_desk.paths import models_dir

    models = models_dir()
    parts = []
    if "/" not in target:
        parts.append(f"There is no folder '{target}' here or in Voice Desk's models folder ({models}) either.")
    parts.append(
        "To use a Hugging Face model, download it once while connected to the internet"
        + (" (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE is set: leave it unset for that one run)" if _offline() else "")
        + f", e.g. with `voice-desk info --model {target}`; it is then kept in the Hugging Face cache "
        f"({constants.HF_HUB_CACHE}) and works offline.")
    parts.append(f"Or copy a model folder (config.json + model.safetensors) onto this computer, for example into "
                 f"{models}, and choose that folder (--model FOLDER, or Models > Import... in the window).")
    return " ".join(parts)
