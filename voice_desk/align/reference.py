"""The built-in aligner's reference: a rendition of the SVD sentence with known phone times.

Shipped as ``voice_desk.resources.aligner/reference.wav`` (16 kHz) and ``reference.json``
(words and german_mfa phones, seconds); rebuilt by ``scripts/build_aligner_reference.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from voice_desk.align.tiers import Interval

#: The Saarbrücken Voice Database sentence ("phrase") the built-in aligner knows.
SENTENCE = "Guten Morgen, wie geht es Ihnen?"


@dataclass(frozen=True)
class Reference:
    text: str
    samples: np.ndarray
    sample_rate: int
    words: tuple[Interval, ...]
    phones: tuple[Interval, ...]

    @property
    def duration(self) -> float:
        return self.samples.size / self.sample_rate


@lru_cache(maxsize=1)
def load_reference() -> Reference:
    import soundfile as sf

    folder = resources.files("voice_desk.resources") / "aligner"
    record = json.loads((folder / "reference.json").read_text(encoding="utf-8"))
    with (folder / "reference.wav").open("rb") as f:
        samples, rate = sf.read(f, dtype="float32")
    samples.setflags(write=False)
    return Reference(text=record["text"], samples=samples, sample_rate=int(rate),
                     words=tuple(Interval(*w) for w in record["words"]),
                     phones=tuple(Interval(*p) for p in record["phones"]))
