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
        from voice_desk.errors import VoiceDeskError
        from voice_desk.files import open_regular

        if self.path is not None:
            try:  # a regular file only: a pipe put in its place would block
                with open_regular(self.path) as f:
                    h = hashlib.sha256()
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
                    return h.hexdigest()
            except VoiceDeskError:
                pass
        return hashlib.sha256(np.ascontiguousarray(self.samples).tobytes()).hexdigest()
