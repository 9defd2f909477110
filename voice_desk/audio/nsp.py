"""Kay CSL NSP files (the Saarbrücken Voice Database's format).

Read here rather than through ``nspfile`` (which sbvoicedb uses to index a copy), because a
reader must stay within the same limits as for other audio: ``nspfile`` reads every chunk into
memory and allocates as many samples as the header announces, so a 30-minute file peaked at
912 MB and a header announcing 4 billion samples asked for 8 GB before failing. Here only the
chunk headers are read first (:func:`nsp_layout`: rate, length, channels, every size checked
against the file), then only the frames wanted (:func:`read_nsp_frames`).
Writing is ours too: only test trees and benchmarks need it, to build SVD-layout folders.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from voice_desk.errors import UnsupportedAudioError

MAGIC = b"FORMDS16"
#: Data chunks and the channels they hold (A, B, A+B interleaved, 2..8).
DATA_CHUNKS = {"SDA_": (0,), "SD_B": (1,), "SDAB": (0, 1), **{f"SD_{n}": (n,) for n in range(2, 9)}}
OTHER_CHUNKS = ("HEDR", "HDR8", "NOTE")
#: A real file has a header, maybe a note and a few data chunks.
MAX_CHUNKS = 32


@dataclass
class NspLayout:
    rate: int
    frames: int                                    # samples per channel, as the header says
    chunks: dict[str, int] = field(default_factory=dict)   # data chunk -> offset of its samples
    channels: list[int] = field(default_factory=list)      # channel numbers, sorted


def _damaged(path, why: str) -> UnsupportedAudioError:
    return UnsupportedAudioError(f"this is not a readable NSP (Kay CSL) file: {why}.", path=path,
                                 hint="Use the file as it came from the Saarbrücken Voice Database "
                                      "(unzip its archive again if it was cut short).")


def nsp_layout(f: BinaryIO, path: str | Path | None = None) -> NspLayout:
    """Read and check the chunk headers of an open NSP file (no samples are read)."""
    size = f.seek(0, 2)
    f.seek(0)
    head = f.read(12)
    if len(head) < 12 or head[:8] != MAGIC:
        raise _damaged(path, "it does not start with 'FORMDS16'")
    end = min(size, 12 + struct.unpack("<I", head[8:])[0])
    header, chunks, pos = None, {}, 12
    for count in range(MAX_CHUNKS + 1):
        if pos + 8 > end:
            break
        if count == MAX_CHUNKS:
            raise _damaged(path, f"it holds more than {MAX_CHUNKS} chunks")
        f.seek(pos)
        ident, length = struct.unpack("<4sI", f.read(8))
        name = ident.decode("latin-1")
        if name not in DATA_CHUNKS and name not in OTHER_CHUNKS:
            raise _damaged(path, f"it holds an unknown chunk {name!r} at byte {pos}")
        if pos + 8 + length > size:
            raise _damaged(path, f"its {name!r} chunk announces {length:,} bytes but the file ends "
                                 f"{size - pos - 8:,} bytes after its start (the file is cut short)")
        if name in ("HEDR", "HDR8"):
            header = f.read(min(length, 64))
            if len(header) < 28:
                raise _damaged(path, f"its {name!r} header chunk is only {length} bytes long")
        elif name in DATA_CHUNKS:
            chunks[name] = (pos + 8, length)
        pos += 8 + length + (length & 1)
    if header is None:
        raise _damaged(path, "it has no HEDR header chunk")
    if not chunks:
        raise _damaged(path, "it holds no audio data chunk")
    rate, frames = struct.unpack("<II", header[20:28])
    for name, (_, length) in chunks.items():
        held = length // (2 * len(DATA_CHUNKS[name]))
        if held < frames:
            seconds = f" ({frames / rate:,.1f} s)" if rate else ""
            raise _damaged(path, f"its header announces {frames:,} samples{seconds} but its {name!r} chunk holds "
                                 f"only {held:,}")
    channels = sorted(c for name in chunks for c in DATA_CHUNKS[name])
    if len(set(channels)) != len(channels):
        raise _damaged(path, "it holds the same channel twice")
    return NspLayout(int(rate), int(frames), {n: at for n, (at, _) in chunks.items()}, channels)


def read_nsp_frames(f: BinaryIO, layout: NspLayout, frames: int | None = None) -> np.ndarray:
    """The first ``frames`` (default: all) samples as float32 in [-1, 1]: shape (n,) for one
    channel, (n, channels) for more."""
    n = layout.frames if frames is None else max(0, min(int(frames), layout.frames))
    out = np.empty((n, len(layout.channels)), dtype=np.float32)
    for name, offset in layout.chunks.items():
        held = DATA_CHUNKS[name]
        f.seek(offset)
        pcm = np.frombuffer(f.read(n * 2 * len(held)), dtype="<i2").reshape(n, len(held))
        for i, channel in enumerate(held):
            out[:, layout.channels.index(channel)] = pcm[:, i] / np.float32(32768.0)
    return out[:, 0].copy() if out.shape[1] == 1 else out


def write_nsp(path: str | Path, samples: np.ndarray, rate: int) -> None:
    """Write mono float samples in [-1, 1] as a one-channel (SDA_) NSP file."""
    pcm = np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32767.0), -32768, 32767).astype("<i2")
    hedr = b"Jan 01 00:00:00 2000" + struct.pack("<II", int(rate), pcm.size)
    hedr += struct.pack("<HH", int(np.abs(pcm.astype(np.int32)).max(initial=0)), 0)
    data = pcm.tobytes()
    body = b"HEDR" + struct.pack("<I", len(hedr)) + hedr + b"SDA_" + struct.pack("<I", len(data)) + data
    Path(path).write_bytes(b"FORMDS16" + struct.pack("<I", len(body)) + body)
