"""Word and phone tiers: the alignment every part of Voice Desk shares.

Times are seconds from the start of the recording. Silence is an interval with an empty
label (as in MFA's output); phone labels use the german_mfa phone set.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Interval:
    start: float
    end: float
    label: str

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def is_silence(self) -> bool:
        return not self.label.strip()


@dataclass
class Alignment:
    """``words`` and ``phones`` tiers covering 0..``duration`` seconds.

    ``source`` says where it came from (a TextGrid path, 'builtin', 'mfa'); ``confidence``
    (0..1) is set by aligners that can estimate it; ``warnings`` are for the user.
    """

    words: list[Interval]
    phones: list[Interval]
    duration: float
    source: str = ""
    confidence: float | None = None
    approximate: bool = False
    warnings: list[str] = field(default_factory=list)

    def quality(self) -> list[str]:
        """How far the tiers can be trusted, e.g. ``['approximate', 'confidence 0.93']`` (empty
        for an exact alignment without a confidence)."""
        return (["approximate"] if self.approximate else []) + (
            [f"confidence {self.confidence:.2f}"] if self.confidence is not None else [])

    def spoken_phones(self) -> list[Interval]:
        return [p for p in self.phones if not p.is_silence]

    def spoken_words(self) -> list[Interval]:
        return [w for w in self.words if not w.is_silence]
