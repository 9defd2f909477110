"""Kay CSL NSP files (the Saarbruecken Voice Database's format).

Reading goes through the maintained ``nspfile`` package (the reader sbvoicedb uses).
Writing is ours: only test trees and benchmarks need it, to build SVD-layout folders.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def read_nsp(path: str | Path) -> tuple[np.ndarray, int]:
    """Return (samples as float32 in [-1, 1], shape (n,) or (n, channels), sample rate)."""
    import nspfile

    rate, data = nspfile.read(str(path))[:2]
    samples = np.asarray(data, dtype=np.float32) / 32768.0
    return samples, int(rate)


def write_nsp(path: str | Path, samples: np.ndarray, rate: int) -> None:
    """Write mono float samples in [-1, 1] as a one-channel (SDA_) NSP file."""
    pcm = np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32767.0), -32768, 32767).astype("<i2")
    hedr = b"Jan 01 00:00:00 2000" + struct.pack("<II", int(rate), pcm.size)
    hedr += struct.pack("<HH", int(np.abs(pcm.astype(np.int32)).max(initial=0)), 0)
    data = pcm.tobytes()
    body = b"HEDR" + struct.pack("<I", len(hedr)) + hedr + b"SDA_" + struct.pack("<I", len(data)) + data
    Path(path).write_bytes(b"FORMDS16" + struct.pack("<I", len(body)) + body)
