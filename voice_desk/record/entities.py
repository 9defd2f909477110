"""What the record hands out: frozen rows (:class:`Patient`, :class:`Session`, :class:`Take`,
:class:`StoredResult`, :class:`CoursePoint`) and the names of the tasks a session may hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: The tasks of a session, in the order a report lists them.
TASKS = ("sentence", "vowel_a", "vowel_i", "vowel_u", "mpt")
TASK_NAMES = {"sentence": "Sentence", "vowel_a": "Sustained /a/", "vowel_i": "Sustained /i/",
              "vowel_u": "Sustained /u/", "mpt": "Maximum phonation time (/a/ as long as possible)"}

#: The measures the course follows: key -> (label, unit, the take it is read from; None: a session index).
#: CPPS, HNR, jitter and shimmer come from the sustained /a/ only, so every point of a chart is the
#: same task (their published ranges are for sustained vowels; a sentence's values are not comparable).
COURSE_MEASURES = {
    "cpps": ("CPPS, /a/", "dB", "vowel_a"),
    "avqi": ("AVQI", "", None),
    "hnr": ("HNR, /a/", "dB", "vowel_a"),
    "jitter_local": ("Jitter (local), /a/", "%", "vowel_a"),
    "shimmer_local": ("Shimmer (local), /a/", "%", "vowel_a"),
}


@dataclass(frozen=True)
class Patient:
    id: int
    clinic_id: str
    name: str | None
    sex: str | None          # 'f', 'm' or None
    birth: str | None        # 'YYYY' or 'YYYY-MM-DD'
    notes: str = ""


@dataclass(frozen=True)
class Session:
    id: int
    patient_id: int
    date: str                # ISO 'YYYY-MM-DD'
    examiner: str = ""
    notes: str = ""
    rating: dict | None = None                  # {"scale": "GRBAS", "G": 2, ...} or {"scale": "CAPE-V", ...}
    tasks: tuple[str, ...] = ()                 # the tasks of its takes, in TASKS order


@dataclass(frozen=True)
class Take:
    id: int
    session_id: int
    task: str
    path: Path               # inside the session's folder
    recorded: str            # ISO date and time (the file's modification time when it was added)

    @property
    def textgrid(self) -> Path | None:
        """The TextGrid beside the take (same name), if there is one now."""
        for suffix in (".TextGrid", ".textgrid", ".TEXTGRID"):
            candidate = self.path.with_suffix(suffix)
            if candidate.is_file():
                return candidate
        return None


@dataclass(frozen=True)
class StoredResult:
    take_id: int
    model: str
    card_hash: str
    prediction: dict         # Prediction.to_record(): pathology_probability, threshold, borderline_band, borderline…
    map_summary: dict
    phones: list
    card_summary: str = ""   # the model card's one line (configuration, training data, test figures)
    explanation: Path | None = None   # the .npz of this take and model in the session folder, if stored
    stored: str = ""         # ISO date and time

    @property
    def probability(self) -> float | None:
        """P(pathological), or None for a model that gives no verdict."""
        value = self.prediction.get("pathology_probability")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class CoursePoint:
    """One session of the course: P(pathological) per model from its sentence take, and the key
    measures (:data:`COURSE_MEASURES`; None where the session has no value)."""

    session_id: int
    date: str
    probabilities: dict[str, float] = field(default_factory=dict)
    measures: dict[str, float | None] = field(default_factory=dict)
