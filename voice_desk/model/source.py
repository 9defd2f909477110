"""Where a model comes from: a folder on disk, a name in Voice Desk's models folder, or a
Hugging Face hub id (fetched into the Hugging Face cache, then used as a local folder); what to
tell a user whose model is nowhere to be found. The checks on a folder are in
:mod:`voice_desk.model.checks` (no torch)."""

from __future__ import annotations

import os
from pathlib import Path

from voice_desk.errors import ModelError, ModelNotFoundError
from voice_desk.model.checks import check_model_folder

__all__ = ["check_model_folder", "hub_folder", "installed_model", "is_local_source", "missing_model_hint",
           "resolve_source"]

#: What is fetched of a hub model: configs and safetensors weights, never pickles or code.
HUB_FILES = ["config.json", "preprocessor_config.json", "*.safetensors", "model.safetensors.index.json"]
#: Seconds to wait for the hub to answer before saying it cannot be reached.
HUB_TIMEOUT = 5


def is_local_source(source: str) -> bool:
    """A folder on disk (or a link, even one that leads nowhere) rather than a hub id ("org/name")."""
    return (os.path.lexists(os.path.expanduser(source)) or source.startswith(("/", ".", "~"))
            or "\\" in source or source.count("/") > 1)


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


def hub_folder(hub_id: str, offline_hint: str | None = None, role: str = "model") -> Path:
    """The local folder of hub model ``hub_id`` in the Hugging Face cache, fetching it (config
    and safetensors files only) when it is not there yet, and checked like any folder.

    The cache is looked at first, so a model fetched once works offline and starts without
    asking the network anything. Otherwise the hub is asked once, with a short timeout
    (:data:`HUB_TIMEOUT`): when it cannot be reached the user is told at once, instead of after
    transformers' half a minute of retries with a warning at each."""
    from huggingface_hub import HfApi, snapshot_download

    cached_problem = None
    try:
        folder = Path(snapshot_download(hub_id, allow_patterns=HUB_FILES, local_files_only=True))
    except Exception:  # noqa: BLE001 - not in the cache (or not a valid hub id): ask the hub below
        folder = None
    if folder is not None:
        try:
            check_model_folder(folder)
            return folder
        except ModelError as exc:  # only partly downloaded, or not a usable model
            cached_problem = exc
    if _offline():
        if cached_problem is not None:
            raise cached_problem
        reason = "HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE is set"
    else:
        try:
            HfApi().model_info(hub_id, timeout=HUB_TIMEOUT)  # one quick question: is the hub there, and the model?
            folder = Path(snapshot_download(hub_id, allow_patterns=HUB_FILES, etag_timeout=HUB_TIMEOUT))
        except Exception as exc:  # noqa: BLE001 - no network, no such model, a gated model...
            reason = _hub_failure(exc)
        else:
            check_model_folder(folder)
            return folder
    raise ModelNotFoundError(f"the {role} '{hub_id}' is not on this computer and could not be downloaded "
                             f"({reason}).", hint=offline_hint or missing_model_hint(hub_id))


def _hub_failure(exc: Exception) -> str:
    """Why the hub gave nothing, in a few words."""
    from huggingface_hub import errors

    if isinstance(exc, (errors.RepositoryNotFoundError, errors.GatedRepoError)):
        return "the Hugging Face hub has no public model of that name"
    if isinstance(exc, errors.RevisionNotFoundError):
        return "the Hugging Face hub has no such version of it"
    if isinstance(exc, ValueError):  # HFValidationError: not a valid hub id
        return "this is neither a folder here nor a valid Hugging Face model name"
    return f"the Hugging Face hub cannot be reached: no internet connection? ({type(exc).__name__})"


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
