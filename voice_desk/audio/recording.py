"""The in-memory recording every part of Voice Desk works on."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Recording:
    """Mono float32 audio at ``sample_rate`` (16 kHz after loading), plus where it came from.

    ``warnings`` holds plain-language notices (clipping, cut to the model window, ...)
    that a caller must show next to any result computed from this recording.
    """

    samples: np.ndarray
    sample_rate: int
    original_rate: int
    original_channels: int = 1
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Duration in seconds of ``samples``."""
        return self.samples.shape[0] / float(self.sample_rate)

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "recording"

    def sha256(self) -> str:
        """Hash of the source file if there is one, else of the samples."""
        h = hashlib.sha256()
        if self.path is not None and self.path.is_file():
            with open(self.path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        else:
            h.update(np.ascontiguousarray(self.samples).tobytes())
        return h.hexdigest()
