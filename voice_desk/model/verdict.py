"""When a model's output may be shown, and as what.

One rule set, used by the engine, the model list and every printed or exported result:

* A **verdict** (a probability of *pathological*) comes only from a model whose labels are
  exactly healthy / pathological (any case) and whose classification head was trained.
* A model with other labels (the AudioSet base, say) shows its **top classes**, but never the
  probability of a class that names a health status (``non-healthy``, ``normal``,
  ``organic``, ...): that would be a pathology probability under another name.
* An **untrained head** (freshly initialised when loaded, or marked ``head_trained: false``
  in its card) shows no class probabilities at all: they are random numbers. Its relevance
  map is still shown; it comes from the attention layers, not from the head.
"""

from __future__ import annotations

import re

from voice_desk.model.card import PATHOLOGY_LABELS

#: Label words that state a health status or a diagnosis. A class so named is never shown
#: with a probability unless the model gives a verdict.
_HEALTH_STATUS = re.compile(
    r"patholog|health|disorder|dysphon|disease|diagnos|symptom|\bnormal|abnormal|organic|functional|"
    r"gesund|krank",
    re.IGNORECASE)


def is_pathology_label_set(labels) -> bool:
    return tuple(sorted(str(label).strip().lower() for label in labels)) == PATHOLOGY_LABELS


def gives_verdict(labels, head_trained: bool) -> bool:
    """True only for a trained healthy/pathological model."""
    return bool(head_trained) and is_pathology_label_set(labels)


def names_health_status(label: str) -> bool:
    return bool(_HEALTH_STATUS.search(str(label)))


def withheld_classes(labels, head_trained: bool) -> tuple[str, ...]:
    """The classes whose probability must never be shown for this model."""
    labels = [str(label) for label in labels]
    if gives_verdict(labels, head_trained):
        return ()
    if not head_trained:
        return tuple(labels)
    return tuple(label for label in labels if names_health_status(label))


def no_verdict_reason(labels, head_trained: bool) -> str:
    """Why a model gives no verdict, in a clinician's words ('' if it does give one)."""
    if gives_verdict(labels, head_trained):
        return ""
    if not head_trained:
        return "its classification head was never trained, so its outputs mean nothing"
    return "it was not trained to tell healthy from pathological voices"
