"""Pick the compute device: CUDA, then Apple MPS, then CPU; ``VOICE_DESK_DEVICE`` overrides."""

from __future__ import annotations

import os

from voice_desk.errors import VoiceDeskError


def pick_device(preference: str | None = None) -> str:
    """Return a torch device string. ``preference``: None/'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'."""
    import torch

    choice = (preference or os.environ.get("VOICE_DESK_DEVICE") or "auto").lower()
    if choice == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if choice.startswith("cuda") and not torch.cuda.is_available():
        raise VoiceDeskError(f"device '{choice}' was asked for but no CUDA GPU is available.",
                             hint="Use --device cpu or leave the device on 'auto'.")
    if choice == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise VoiceDeskError("device 'mps' was asked for but Apple's Metal backend is not available.",
                             hint="Use --device cpu or leave the device on 'auto'.")
    if choice not in ("cpu", "mps") and not choice.startswith("cuda"):
        raise VoiceDeskError(f"unknown device '{choice}'.", hint="Use auto, cpu, cuda or mps.")
    return choice
