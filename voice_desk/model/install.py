"""Installing a model into Voice Desk's models folder: import a bundle (proved by loading it)
or save a hub checkpoint as a bundle. Both load torch, so the window runs them in a child
process (:mod:`voice_desk.model.model_jobs`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from voice_desk.model.card import ModelCard
from voice_desk.model.source import check_model_folder


def import_bundle(folder: str | Path, models_folder: str | Path) -> Path:
    """Validate ``folder`` by loading it (torch) and copy it into ``models_folder``.

    The source folder is only read. Returns the new folder (a numbered name if taken).
    """
    from voice_desk.model.bundle import load_model

    source = Path(folder).expanduser().resolve()
    load_model(source, device="cpu")
    target = _free_folder(Path(models_folder), source.name)
    shutil.copytree(source, target)
    return target


def install_hub_model(hub_id: str, models_folder: str | Path) -> Path:
    """Fetch a hub checkpoint (downloaded once into the Hugging Face cache; offline afterwards)
    and save it as a bundle in ``models_folder``, so it is listed and chosen like any other.

    Written into a hidden folder first and renamed when complete: an interrupted download
    never leaves a half model in the list. The AudioSet base gives relevance maps and its top
    classes, never a verdict (its labels are sound classes).
    """
    from voice_desk.model.bundle import from_pretrained, save_bundle

    model, extractor, head_loaded = from_pretrained(hub_id, role="base checkpoint")
    root = Path(models_folder)
    target = _free_folder(root, hub_id.rstrip("/").split("/")[-1])
    partial = root / f".{target.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    card = ModelCard(configuration=None, base_checkpoint=hub_id, head_trained=head_loaded,
                     training_data={"name": "AudioSet (527 sound classes)"},
                     notes=f"{hub_id} from the Hugging Face hub. It was not trained on voices: it gives a relevance "
                           "map and its top sound classes, never a verdict. Train ast_freeze or ast_finetuned from it "
                           "(Models > Train a model...) for a verdict.")
    try:
        save_bundle(model, partial, card, extractor)
        check_model_folder(partial)
        partial.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _free_folder(root: Path, name: str) -> Path:
    """``root/name``, or ``root/name-2``, ``-3``... when taken (root is created)."""
    root.mkdir(parents=True, exist_ok=True)
    target, n = root / name, 2
    while target.exists():
        target = root / f"{name}-{n}"
        n += 1
    return target
