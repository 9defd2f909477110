"""The model training starts from: a hub id (cached, offline after the first download) or a
local folder, loaded through HF ``from_pretrained`` with a fresh healthy/pathological head."""

from __future__ import annotations

import os
from pathlib import Path

from voice_desk.errors import ModelNotFoundError, NotAModelError

LABELS = ("healthy", "pathological")


def load_base(source: str, attn_implementation: str = "sdpa"):
    """(model, feature_extractor, base_name) with a 2-class head.

    A base whose head already has these two labels keeps it; any other head (e.g. AudioSet's
    527 classes) is replaced by a freshly initialised one (``ignore_mismatched_sizes``)."""
    from transformers import ASTFeatureExtractor, ASTForAudioClassification
    from transformers.utils import logging as hf_logging

    from voice_desk.model.bundle import check_model_folder, is_local_source

    source = str(source)
    target = source
    if is_local_source(source):
        folder = Path(os.path.expanduser(source))
        check_model_folder(folder)
        target = str(folder.resolve())
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        model = ASTForAudioClassification.from_pretrained(
            target, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
            label2id={label: i for i, label in enumerate(LABELS)}, ignore_mismatched_sizes=True,
            attn_implementation=attn_implementation, use_safetensors=True)
        try:
            extractor = ASTFeatureExtractor.from_pretrained(target)
        except OSError:
            extractor = ASTFeatureExtractor(num_mel_bins=model.config.num_mel_bins,
                                            max_length=model.config.max_length)
    except OSError as exc:
        if os.path.isdir(target):
            raise NotAModelError(f"the base model cannot be loaded ({exc}).", path=target,
                                 hint="Copy the whole model folder again.") from exc
        raise ModelNotFoundError(
            f"the base model '{target}' is not on this computer and could not be downloaded.",
            hint=("Connect to the internet once so it is downloaded into the Hugging Face cache "
                  "(~/.cache/huggingface; later runs work offline), or set base_model to a local AST folder: "
                  "--set base_model=/path/to/ast-folder.")) from exc
    finally:
        hf_logging.set_verbosity(verbosity)
    return model, extractor, source
