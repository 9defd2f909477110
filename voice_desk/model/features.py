"""The log-mel input the AST sees, and the geometry that maps patches back to frames.

Features come from the model's own ``ASTFeatureExtractor`` (Kaldi-style fbank, 25 ms
window, 10 ms hop, 128 mel bins, normalised with the AudioSet mean/std), so Voice Desk
feeds the model exactly what HF's pipeline would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_desk.audio.checks import window_warning
from voice_desk.audio.recording import Recording

FRAME_SHIFT_S = 0.010
FRAME_LENGTH_S = 0.025


def count_frames(n_samples: int, rate: int = 16_000) -> int:
    """Frames Kaldi's fbank makes from ``n_samples`` (snip_edges: whole windows only)."""
    length, shift = int(round(FRAME_LENGTH_S * rate)), int(round(FRAME_SHIFT_S * rate))
    return 0 if n_samples < length else 1 + (n_samples - length) // shift


@dataclass
class ModelInput:
    """One clip's model input: ``values`` (max_length, num_mel_bins), of which the first
    ``n_frames`` come from audio and the rest are padding."""

    values: np.ndarray
    n_frames: int
    warnings: list[str]


def model_inputs(recordings: list[Recording], extractor) -> list[ModelInput]:
    """Feature-extract recordings (16 kHz) for the model behind ``extractor``."""
    arrays = [r.samples for r in recordings]
    values = extractor(arrays, sampling_rate=extractor.sampling_rate, return_tensors="np")["input_values"]
    window = extractor.max_length * FRAME_SHIFT_S
    out = []
    for rec, vals in zip(recordings, values):
        frames = count_frames(rec.samples.shape[0], rec.sample_rate)
        warnings = list(rec.warnings)
        if frames > extractor.max_length:
            warnings.append(window_warning(rec.duration, window))
        out.append(ModelInput(values=np.asarray(vals, dtype=np.float32), n_frames=min(frames, extractor.max_length),
                              warnings=warnings))
    return out


def denormalise(values: np.ndarray, extractor) -> np.ndarray:
    """Undo the AudioSet normalisation: natural-log mel power as computed by fbank."""
    if not getattr(extractor, "do_normalize", True):
        return values
    return values * (2.0 * extractor.std) + extractor.mean


@dataclass(frozen=True)
class PatchGrid:
    """How the AST cuts a (frames x mel) input into overlapping 16x16 patches."""

    num_mel_bins: int
    max_length: int
    patch_size: int
    frequency_stride: int
    time_stride: int

    @classmethod
    def from_config(cls, config) -> "PatchGrid":
        return cls(config.num_mel_bins, config.max_length, config.patch_size, config.frequency_stride,
                   config.time_stride)

    @property
    def shape(self) -> tuple[int, int]:
        """(frequency patches, time patches): patch order in the sequence is frequency-major."""
        f = (self.num_mel_bins - self.patch_size) // self.frequency_stride + 1
        t = (self.max_length - self.patch_size) // self.time_stride + 1
        return f, t

    def to_frames(self, patch_map: np.ndarray) -> np.ndarray:
        """Project a (freq patches, time patches) map onto (frames, mel bins), averaging
        every patch that covers a cell; cells no patch covers take their nearest neighbour."""
        f_n, t_n = self.shape
        total = np.zeros((self.max_length, self.num_mel_bins), dtype=np.float64)
        count = np.zeros_like(total)
        p = self.patch_size
        for fi in range(f_n):
            f0 = fi * self.frequency_stride
            for ti in range(t_n):
                t0 = ti * self.time_stride
                total[t0:t0 + p, f0:f0 + p] += patch_map[fi, ti]
                count[t0:t0 + p, f0:f0 + p] += 1
        covered_t = (t_n - 1) * self.time_stride + p
        covered_f = (f_n - 1) * self.frequency_stride + p
        out = total[:covered_t, :covered_f] / count[:covered_t, :covered_f]
        out = np.pad(out, ((0, self.max_length - covered_t), (0, self.num_mel_bins - covered_f)), mode="edge")
        return out.astype(np.float32)
