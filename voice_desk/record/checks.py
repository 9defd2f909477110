"""What the record accepts, checked before anything is written, each refusal in plain words."""

from __future__ import annotations

import math
import re
from datetime import date

from voice_desk.record.entities import TASK_NAMES, TASKS
from voice_desk.record.errors import RecordError

CLINIC_ID_MAX = 64
TEXT_MAX = 20_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: Perceptual rating scales: scale -> (allowed keys, lowest, highest, whole numbers only).
RATING_SCALES = {
    "GRBAS": (("G", "R", "B", "A", "S", "I"), 0, 3, True),       # Hirano 1981 (I: instability, GRBASI)
    "CAPE-V": (("overall", "roughness", "breathiness", "strain", "pitch", "loudness"), 0, 100, False),
}
RATING_WORDS = {"G": "Grade", "R": "Roughness", "B": "Breathiness", "A": "Asthenia", "S": "Strain",
                "I": "Instability", "overall": "Overall severity", "roughness": "Roughness",
                "breathiness": "Breathiness", "strain": "Strain", "pitch": "Pitch", "loudness": "Loudness"}


def clinic_id(value) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise RecordError("A patient needs a clinic ID.", hint="Enter the ID your clinic uses for this patient.")
    if len(text) > CLINIC_ID_MAX or _CONTROL.search(text):
        raise RecordError(f"The clinic ID must be one line of at most {CLINIC_ID_MAX} characters.",
                          hint="Enter the ID your clinic uses for this patient.")
    return text


def name(value) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > 200:
        raise RecordError("The name is longer than 200 characters.")
    return text or None


def sex(value) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    if text in ("f", "m"):
        return text
    raise RecordError(f"The sex must be 'f', 'm' or left empty, not {str(value)[:20]!r}.",
                      hint="It sets the pitch range and the normal ranges that depend on it.")


def birth(value) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        year = int(text) if re.fullmatch(r"\d{4}", text) else date.fromisoformat(text).year
        if not re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", text):
            raise ValueError
    except ValueError:
        raise RecordError(f"The birth date {text[:20]!r} is neither a year (YYYY) nor a date (YYYY-MM-DD).",
                          hint="For example 1956 or 1956-03-21.") from None
    if not 1880 <= year <= date.today().year or (len(text) == 10 and date.fromisoformat(text) > date.today()):
        raise RecordError(f"The birth date {text} cannot be right.", hint="Check the year.")
    return text


def day(value) -> str:
    """A session date: ISO 'YYYY-MM-DD' (default today)."""
    if value is None or str(value).strip() == "":
        return date.today().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise RecordError(f"The session date {text[:20]!r} is not a date (YYYY-MM-DD).",
                          hint="For example 2024-05-17.") from None


def text(value, what: str = "The notes") -> str:
    out = "" if value is None else str(value)
    if len(out) > TEXT_MAX:
        raise RecordError(f"{what} are longer than {TEXT_MAX:,} characters.", hint="Shorten them.")
    return out


def task(value) -> str:
    if value in TASKS:
        return value
    raise RecordError(f"Unknown task {str(value)[:30]!r}.",
                      hint="Use one of: " + ", ".join(f"{t} ({TASK_NAMES[t].lower()})" for t in TASKS) + ".")


def rating(value) -> dict | None:
    """A perceptual rating: {"scale": "GRBAS", "G": 0..3, …} or {"scale": "CAPE-V", "overall": 0..100, …};
    a score may be None (not rated). Empty: None."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise RecordError("A rating must be a set of scores with its scale, e.g. GRBAS or CAPE-V.")
    scale = value.get("scale")
    if scale not in RATING_SCALES:
        raise RecordError(f"Unknown rating scale {str(scale)[:20]!r}.", hint="Use GRBAS or CAPE-V.")
    keys, low, high, whole = RATING_SCALES[scale]
    out: dict = {"scale": scale}
    for key, score in value.items():
        if key == "scale":
            continue
        if key not in keys:
            raise RecordError(f"{scale} has no score {str(key)[:20]!r}.", hint=f"Its scores are {', '.join(keys)}.")
        if score is None:
            out[key] = None
            continue
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score) \
                or not low <= score <= high or (whole and score != int(score)):
            kind = "a whole number" if whole else "a number"
            raise RecordError(f"The {scale} score {key} must be {kind} from {low} to {high}, not {score!r:.20}.")
        out[key] = int(score) if whole else float(score)
    return out
