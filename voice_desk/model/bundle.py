"""Model bundles: load and save AST models (where a model comes from: :mod:`voice_desk.model.source`).

A *bundle* is a folder with HF ``save_pretrained`` files (safetensors only) plus the
model card ``voice_desk.json``. Loading also accepts any HF AST checkpoint folder and
hub ids (cached by huggingface_hub after the first download, usable offline after that).
Weights come from safetensors files alone, however a folder names them: pickled weights
(``pytorch_model.bin``, or an index pointing at one) are never loaded, since unpickling can run
code (see :mod:`voice_desk.model.checks`), and no model code is ever taken from a folder or the hub.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voice_desk.errors import NotAModelError
from voice_desk.model import verdict
from voice_desk.model.card import DEFAULT_BASE, PATHOLOGY_LABELS, ModelCard
from voice_desk.model.checks import check_model_folder, read_preprocessor
from voice_desk.model.source import hub_folder, resolve_source

if TYPE_CHECKING:  # pragma: no cover
    import torch

log = logging.getLogger(__name__)



@dataclass
class LoadedModel:
    """An AST model ready to run, with its feature extractor and card."""

    model: "torch.nn.Module"
    feature_extractor: object
    source: str
    device: str
    card: ModelCard | None
    head_loaded: bool
    """False when the classification head was freshly initialised at load time."""

    @property
    def config(self):
        return self.model.config

    @property
    def labels(self) -> list[str]:
        cfg = self.model.config
        return [str(cfg.id2label[i]) for i in range(cfg.num_labels)]

    @property
    def max_length(self) -> int:
        return int(self.model.config.max_length)

    @property
    def name(self) -> str:
        if self.card and self.card.configuration:
            return f"{self.card.configuration} ({Path(self.source).name})"
        return Path(self.source).name if os.path.isdir(self.source) else self.source

    @property
    def head_trained(self) -> bool:
        """The classification head came from the checkpoint and the card does not say it
        was never trained."""
        return self.head_loaded and (self.card is None or self.card.head_trained is True)

    @property
    def gives_verdict(self) -> bool:
        """True only for a trained healthy/pathological model: the only kind whose output
        may be shown as a probability of pathology (see :mod:`voice_desk.model.verdict`)."""
        return verdict.gives_verdict(self.labels, self.head_trained)

    @property
    def withheld_classes(self) -> tuple[str, ...]:
        """Classes whose probability is never shown for this model."""
        return verdict.withheld_classes(self.labels, self.head_trained)

    @property
    def no_verdict_reason(self) -> str:
        return verdict.no_verdict_reason(self.labels, self.head_trained)

    @property
    def pathological_index(self) -> int | None:
        lowered = [label.strip().lower() for label in self.labels]
        return lowered.index("pathological") if "pathological" in lowered else None

    @contextmanager
    def attention(self, implementation: str):
        """Run the block with ``implementation`` ('eager' or 'sdpa') attention, then restore."""
        previous = self.model.config._attn_implementation
        if previous == implementation:
            yield
            return
        self.model.set_attn_implementation(implementation)
        try:
            yield
        finally:
            self.model.set_attn_implementation(previous)


def _load_failure(exc: Exception) -> str:
    """A one-line reason from a library's exception."""
    text = str(exc).strip()
    if "mismatched" in text or "size mismatch" in text:
        return "its weights do not fit its config.json (layer sizes differ)"
    text = " ".join(line.strip() for line in text.splitlines() if line.strip()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def load_model(source: str | Path = DEFAULT_BASE, device: str | None = None,
               attn_implementation: str = "sdpa") -> LoadedModel:
    """Load a bundle folder, an HF AST checkpoint folder, or a hub id.

    Prediction uses ``sdpa`` attention; explanations switch to the rollout attention per call
    with :meth:`LoadedModel.attention`, so one loaded model serves both.
    """
    from voice_desk.model.device import pick_device

    target, local = resolve_source(source)
    card = ModelCard.load(local) if local is not None else None
    device = pick_device(device)
    model, extractor, head_loaded = from_pretrained(target, attn_implementation)
    model.to(device).eval()
    return LoadedModel(model=model, feature_extractor=extractor, source=target, device=device, card=card,
                       head_loaded=head_loaded)


def from_pretrained(target: str, attn_implementation: str = "sdpa", role: str = "model",
                    offline_hint: str | None = None, **overrides):
    """``(model, feature_extractor, head_loaded)`` from a folder or a hub id, with errors a user
    can act on. ``overrides`` go to HF's ``from_pretrained`` (e.g. a new head: ``num_labels``,
    ``id2label``, ``ignore_mismatched_sizes``); ``role`` names the model in messages ("model",
    "base model").

    A hub id is fetched into the Hugging Face cache first (:func:`voice_desk.model.source.hub_folder`),
    so every model is loaded from a local folder that passed :func:`check_model_folder`: weights
    from safetensors files only, sizes that fit the weights. After loading, every weight the
    model has must have come from the checkpoint and every weight in the checkpoint must have
    been used (:func:`_check_loading`), and no weight may be NaN or infinite.
    """
    import torch
    from transformers import ASTFeatureExtractor, ASTForAudioClassification
    from transformers.utils import logging as hf_logging

    folder = Path(target) if os.path.isdir(target) else hub_folder(target, offline_hint, role)
    preprocessor = read_preprocessor(folder, check_model_folder(folder))
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    # Kaldi's 128 mel filters on a 512-point FFT leave the lowest filter empty; transformers
    # warns about it on every load. It is how AST was trained, not a problem to report.
    warnings.filterwarnings("ignore", message="At least one mel filter has all zero values")
    try:
        with warnings.catch_warnings():
            # torch's and transformers' advice to developers is not for the user's terminal
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", FutureWarning)
            model, info = ASTForAudioClassification.from_pretrained(
                str(folder), attn_implementation=attn_implementation, use_safetensors=True,
                output_loading_info=True, dtype=torch.float32, **overrides)
            if preprocessor is not None:
                extractor = ASTFeatureExtractor.from_dict(preprocessor)
            else:
                # A checkpoint saved without its preprocessor config: build the extractor the
                # model was made for from the model's own config.
                extractor = ASTFeatureExtractor(num_mel_bins=model.config.num_mel_bins,
                                                max_length=model.config.max_length)
    except Exception as exc:  # noqa: BLE001 - damaged weights, bad config values, weights that do not fit
        raise NotAModelError(f"the {role} cannot be loaded: {_load_failure(exc)}.", path=folder,
                             hint="The model folder is damaged or was changed by hand; copy the whole folder "
                                  "again from where it was made.") from exc
    finally:
        hf_logging.set_verbosity(verbosity)
    head_loaded = _check_loading(folder, info, role, new_head=bool(overrides.get("ignore_mismatched_sizes")))
    bad = next((name for name, tensor in model.state_dict().items()
                if tensor.is_floating_point() and not torch.isfinite(tensor).all()), None)
    if bad is not None:
        raise NotAModelError(f"the {role}'s weights hold NaN or infinite values (in {bad}), so every answer it "
                             "would give is meaningless.", path=folder,
                             hint="The weights file is damaged; copy the whole folder again from where it was made, "
                                  "or train the model again.")
    return model, extractor, head_loaded


def _few(keys) -> str:
    keys = sorted(keys)
    return ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def _check_loading(folder: Path, info: dict, role: str, new_head: bool) -> bool:
    """Whether the classification head came from the checkpoint, after checking transformers'
    loading report: a weight the model needs that the checkpoint lacks would be random (a
    config.json with more layers than the weights: a verdict from random layers), and a weight
    the checkpoint holds that the model does not use means config.json describes another model.
    Only the classification head may be missing (a base checkpoint: no verdict), or be replaced
    when ``new_head`` (training puts a new head on a base)."""
    def head(key: str) -> bool:
        return key.startswith("classifier.")

    missing = [k for k in info.get("missing_keys", ()) if not head(k)]
    unexpected = list(info.get("unexpected_keys", ()))
    mismatched = [k[0] if isinstance(k, tuple) else k for k in info.get("mismatched_keys", ())]
    mismatched = [k for k in mismatched if not (new_head and head(k))]
    hint = ("Its config.json and its weights come from different models, or one was edited by hand; copy the "
            "whole folder again from where it was made.")
    if missing:
        raise NotAModelError(f"the {role}'s config.json describes weights its weights files do not hold "
                             f"({_few(missing)}): those parts would be random.", path=folder, hint=hint)
    if unexpected or mismatched:
        raise NotAModelError(f"the {role}'s weights hold parts its config.json does not describe "
                             f"({_few(unexpected + mismatched)}).", path=folder, hint=hint)
    head_missing = [k for k in info.get("missing_keys", ()) if head(k)]
    if head_missing:
        log.warning("%s: no classification head in the checkpoint; a fresh one was made (no verdict)", folder)
    return not head_missing


def save_bundle(loaded_or_model, folder: str | Path, card: ModelCard, feature_extractor=None) -> Path:
    """Write a bundle folder: safetensors weights, config, preprocessor config and card."""
    model = getattr(loaded_or_model, "model", loaded_or_model)
    extractor = feature_extractor or getattr(loaded_or_model, "feature_extractor", None)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    if extractor is not None:
        extractor.save_pretrained(folder)
    card.labels = [str(model.config.id2label[i]) for i in range(model.config.num_labels)]
    card.max_length = int(model.config.max_length)
    card.save(folder)
    return folder


def build_model(config_overrides: dict | None = None, labels=PATHOLOGY_LABELS, base_config: str | None = None):
    """An AST with random weights from the shipped base-model config (or ``base_config``),
    with ``config_overrides`` applied: for benchmarks and tests."""
    from importlib import resources

    from transformers import ASTConfig, ASTForAudioClassification

    if base_config is None:
        text = resources.files("voice_desk.resources").joinpath("ast_base_config.json").read_text()
    else:
        text = Path(base_config).read_text()
    data = {k: v for k, v in json.loads(text).items() if not k.startswith("_")}
    data.update(config_overrides or {})
    if labels is not None:
        data["num_labels"] = len(labels)
        data["id2label"] = {i: label for i, label in enumerate(labels)}
        data["label2id"] = {label: i for i, label in enumerate(labels)}
    return ASTForAudioClassification(ASTConfig(**data))
