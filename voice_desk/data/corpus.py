"""A labelled set of recordings ready to split and train on, plus what was left out and why."""

from __future__ import annotations

import collections
from dataclasses import asdict, dataclass, field
from pathlib import Path

LABELS = ("healthy", "pathological")
GROUPS = ("healthy", "organic", "functional", "other")


def normalise_gender(value: str | None) -> str:
    """'male', 'female' or 'unknown' from the spellings corpora use (SVD: m / w)."""
    text = (value or "").strip().lower()
    if text in ("m", "male", "man", "mann", "männlich", "maennlich"):
        return "male"
    if text in ("f", "w", "female", "woman", "frau", "weiblich"):
        return "female"
    return "unknown"


@dataclass
class Clip:
    """One recording and what is known about its speaker."""

    path: str
    label: str                     # "healthy" | "pathological"
    speaker: str
    gender: str = "unknown"        # "male" | "female" | "unknown"
    group: str = ""                # "healthy" | "organic" | "functional" | "other" (or a manifest's own)
    session: str = ""
    age: int | None = None
    session_type: str = ""         # SVD: "n" (normal) or "p" (pathological)
    diagnoses: tuple[str, ...] = ()
    key: str = ""                  # names the clip independently of where the data lies ("svd:1234",
                                   # "manifest:a/b.wav"), so a saved split works on another computer

    @property
    def label_index(self) -> int:
        return LABELS.index(self.label)

    def to_row(self) -> dict:
        row = asdict(self)
        row["diagnoses"] = "; ".join(self.diagnoses)
        row["age"] = "" if self.age is None else self.age
        return row


@dataclass
class Excluded:
    item: str
    reason: str


@dataclass
class Corpus:
    """Clips to train on, exclusions with reasons, and where they came from."""

    clips: list[Clip]
    source: str                    # e.g. "svd:/data/svd" or "manifest:/x/list.csv"
    name: str                      # short name for the model card ("Saarbrücken Voice Database")
    excluded: list[Excluded] = field(default_factory=list)
    diagnosis_map: str | None = None
    settings: dict = field(default_factory=dict)

    def counts(self) -> dict:
        """Counts by label, by group and by gender, and exclusions by reason."""
        return {
            "clips": len(self.clips),
            "speakers": len({c.speaker for c in self.clips}),
            "label": dict(collections.Counter(c.label for c in self.clips)),
            "group": dict(collections.Counter(c.group for c in self.clips if c.group)),
            "gender": dict(collections.Counter(c.gender for c in self.clips)),
            "excluded": dict(collections.Counter(e.reason for e in self.excluded)),
        }

    def summary(self) -> dict:
        """What the model card records about the training data."""
        return {"name": self.name, "source": self.source, "diagnosis_map": self.diagnosis_map,
                "settings": self.settings, "counts": self.counts()}

    def by_path(self) -> dict[str, Clip]:
        return {c.path: c for c in self.clips}

    def excluded_summary(self, examples: int = 3) -> list[str]:
        """One line per reason: how many were left out, with a few examples."""
        by_reason: dict[str, list[str]] = collections.defaultdict(list)
        for e in self.excluded:
            by_reason[e.reason].append(e.item)
        lines = []
        for reason, items in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(items[:examples]) + (", …" if len(items) > examples else "")
            lines.append(f"{len(items)} × {reason} ({shown})")
        return lines


def resolve_path(path: str, base: Path) -> str:
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else (base / p))
