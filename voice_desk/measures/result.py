"""What measures give back: one :class:`Measure` per quantity (a value or the reason there is
none), a :class:`MeasureReport` per take and an :class:`IndexResult` for AVQI and DSI. All of
them serialise to plain JSON (``to_dict``); a value is never NaN: where Praat had none there is a reason."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from voice_desk.measures.ranges import NormalRange, Threshold, no_range_reason, normal_range

#: key -> (label, unit), in the order a report lists them.
MEASURES = {
    "f0_mean": ("F0 mean", "Hz"),
    "f0_sd": ("F0 standard deviation", "Hz"),
    "f0_min": ("F0 minimum", "Hz"),
    "f0_max": ("F0 maximum", "Hz"),
    "f0_range": ("F0 range", "semitones"),
    "jitter_local": ("Jitter (local)", "%"),
    "jitter_rap": ("Jitter (RAP)", "%"),
    "jitter_ppq5": ("Jitter (PPQ5)", "%"),
    "shimmer_local": ("Shimmer (local)", "%"),
    "shimmer_local_db": ("Shimmer (local, dB)", "dB"),
    "shimmer_apq3": ("Shimmer (APQ3)", "%"),
    "shimmer_apq5": ("Shimmer (APQ5)", "%"),
    "shimmer_apq11": ("Shimmer (APQ11)", "%"),
    "hnr": ("Harmonics-to-noise ratio", "dB"),
    "cpps": ("CPPS", "dB"),
    "ltas_slope": ("LTAS slope", "dB"),
    "ltas_tilt": ("LTAS tilt (trend line)", "dB"),
    "mpt": ("Phonation time", "s"),
}


@dataclass(frozen=True)
class Measure:
    """One quantity of one take: ``value`` or ``why_not``; ``praat`` the command(s) behind it."""

    key: str
    value: float | None
    why_not: str | None = None
    praat: str = ""
    normal: NormalRange | None = None
    no_range: str = ""

    @property
    def label(self) -> str:
        return MEASURES[self.key][0]

    @property
    def unit(self) -> str:
        return MEASURES[self.key][1]

    @property
    def flag(self) -> str | None:
        """'above' / 'below' the normal range, or None (inside, no range, or no value)."""
        return self.normal.flag(self.value) if self.normal is not None else None

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "value": self.value, "unit": self.unit,
                "why_not": self.why_not, "flag": self.flag,
                "normal": self.normal.to_dict() if self.normal is not None else None,
                "no_range": self.no_range or None, "praat": self.praat}


def make_measure(key: str, value: float | None, why_not: str | None, praat: str, task: str,
                 sex: str | None) -> Measure:
    if value is None and not why_not:
        raise ValueError(f"{key}: a measure without a value needs a reason")  # a bug, never a silent gap
    entry = normal_range(key, task, sex)
    return Measure(key, value if why_not is None else None, why_not if value is None else None, praat, entry,
                   "" if entry is not None else no_range_reason(key))


@dataclass
class MeasureReport:
    """All measures of one take (``task``: 'sentence', 'vowel_a' or 'mpt')."""

    task: str
    source: str
    duration_s: float
    sample_rate: int
    sex: str | None
    settings: dict = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def value(self, key: str) -> float | None:
        measure = self.measures.get(key)
        return measure.value if measure is not None else None

    def why_not(self, key: str) -> str | None:
        measure = self.measures.get(key)
        return measure.why_not if measure is not None else "not measured for this task"

    def to_dict(self) -> dict:
        return {"source": self.source, "task": self.task, "sex": self.sex, "duration_s": round(self.duration_s, 4),
                "sample_rate_hz": self.sample_rate, "settings": self.settings,
                "measures": [m.to_dict() for m in self.measures.values()], "warnings": list(self.warnings)}

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, **kwargs)


@dataclass
class IndexResult:
    """AVQI or DSI: ``value`` or ``why_not``, its inputs (``components``: key -> {value, unit, …}),
    the formula, the published threshold and the settings it was computed with."""

    key: str
    label: str
    value: float | None
    why_not: str | None
    formula: str
    source: str
    threshold: Threshold
    components: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def flag(self) -> str | None:
        return self.threshold.flag(self.value)

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "value": self.value, "why_not": self.why_not,
                "flag": self.flag, "threshold": self.threshold.to_dict(), "formula": self.formula,
                "source": self.source, "components": self.components, "settings": self.settings,
                "warnings": list(self.warnings)}


@dataclass
class SessionMeasures:
    """A session's takes measured one by one, and the indices computed from them together."""

    takes: dict[str, MeasureReport]   # task -> report, for the takes given
    avqi: IndexResult
    dsi: IndexResult

    def to_dict(self) -> dict:
        return {"takes": {task: report.to_dict() for task, report in self.takes.items()},
                "avqi": self.avqi.to_dict(), "dsi": self.dsi.to_dict()}

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, **kwargs)
