"""Model bundles: load and save AST models (where a model comes from: :mod:`voice_desk.model.source`).

A *bundle* is a folder with HF ``save_pretrained`` files (safetensors only) plus the
model card ``voice_desk.json``. Loading also accepts any HF AST checkpoint folder and
hub ids (cached by huggingface_hub after the first download, usable offline after that).
Pickled weights (``pytorch_model.bin``) are never loaded: unpickling runs arbitrary code.
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

from voice_desk.errors import ModelNotFoundError, NotAModelError
from voice_desk.model import verdict
from voice_desk.model.card import CARD_FILE, DEFAULT_BASE, PATHOLOGY_LABELS, ModelCard
from voice_desk.model.source import missing_model_hint, resolve_source

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
    card = None
    if local is not None:
        try:
            card = ModelCard.load(local)
        except ValueError as exc:
            raise NotAModelError(f"its model card {CARD_FILE} cannot be read ({exc}).", path=local,
                                 hint="Copy the bundle folder again.") from exc
    device = pick_device(device)
    model, extractor, head_loaded = from_pretrained(target, attn_implementation)
    model.to(device).eval()
    return LoadedModel(model=model, feature_extractor=extractor, source=target, device=device, card=card,
                       head_loaded=head_loaded)


def from_pretrained(target: str, attn_implementation: str = "sdpa", role: str = "model",
                    offline_hint: str | None = None, **overrides):
    """``(model, feature_extractor, head_loaded)`` from a checked folder or a hub id, with
    errors a user can act on. ``overrides`` go to HF's ``from_pretrained`` (e.g. a new head:
    ``num_labels``, ``id2label``, ``ignore_mismatched_sizes``); ``role`` names the model in
    messages ("model", "base model")."""
    from transformers import ASTFeatureExtractor, ASTForAudioClassification
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    # Kaldi's 128 mel filters on a 512-point FFT leave the lowest filter empty; transformers
    # warns about it on every load. It is how AST was trained, not a problem to report.
    warnings.filterwarnings("ignore", message="At least one mel filter has all zero values")
    try:
        model, info = ASTForAudioClassification.from_pretrained(
            target, attn_implementation=attn_implementation, use_safetensors=True, output_loading_info=True,
            **overrides)
        try:
            extractor = ASTFeatureExtractor.from_pretrained(target)
        except OSError:
            # A checkpoint saved without its preprocessor config: build the extractor the
            # model was made for from the model's own config.
            extractor = ASTFeatureExtractor(num_mel_bins=model.config.num_mel_bins,
                                            max_length=model.config.max_length)
    except OSError as exc:
        if os.path.isdir(target):
            raise NotAModelError(f"the {role} cannot be loaded ({_load_failure(exc)}).", path=target,
                                 hint="Copy the whole model folder again.") from exc
        raise ModelNotFoundError(
            f"the {role} '{target}' is not on this computer and could not be downloaded.",
            hint=offline_hint or missing_model_hint(target)) from exc
    except Exception as exc:  # noqa: BLE001 - damaged weights, bad config values, weights that do not fit
        raise NotAModelError(f"the {role} cannot be loaded: {_load_failure(exc)}.",
                             path=target if os.path.isdir(target) else None,
                             hint="The model folder is damaged or was changed by hand; copy the whole folder "
                                  "again from where it was made.") from exc
    finally:
        hf_logging.set_verbosity(verbosity)
    missing = list(info.get("missing_keys", []))
    head_loaded = not any(key.startswith("classifier") for key in missing)
    if missing:
        log.warning("%s: weights not in the checkpoint, freshly initialised: %s", target, missing)
    return model, extractor, head_loaded


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
