"""The model training starts from: a hub id (cached, offline after the first download) or a
local folder, loaded through HF ``from_pretrained`` with a fresh healthy/pathological head."""

from __future__ import annotations

LABELS = ("healthy", "pathological")


def load_base(source: str, attn_implementation: str = "sdpa"):
    """(model, feature_extractor, base_name) with a 2-class head.

    A base whose head already has these two labels keeps it; any other head (e.g. AudioSet's
    527 classes) is replaced by a freshly initialised one (``ignore_mismatched_sizes``)."""
    from voice_desk.model.bundle import from_pretrained, resolve_source

    source = str(source)
    target, _ = resolve_source(source)
    model, extractor, _ = from_pretrained(
        target, attn_implementation, role="base model",
        offline_hint=("Connect to the internet once so it is downloaded into the Hugging Face cache "
                      "(~/.cache/huggingface; later runs work offline), or set base_model to a local AST folder "
                      "(the wizard's base_model field; on the command line --set base_model=/path/to/ast-folder)."),
        num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)}, ignore_mismatched_sizes=True)
    return model, extractor, source
