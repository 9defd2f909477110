"""The thin layer over praat-parselmouth: a Sound from samples, one command, a number or a reason.

Praat answers "undefined" (NaN in Python) when a measure has no value for a take; such an answer
becomes a reason here, never a number. A command Praat refuses (a take too short for the
analysis window, say) raises :class:`PraatFailed` with Praat's own first line.
"""

from __future__ import annotations

import math
import warnings

import numpy as np


class PraatFailed(Exception):
    """Praat refused a command on this take; ``str()`` says which and why, in one line."""


def sound(samples: np.ndarray, rate: int):
    import parselmouth

    return parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=float(rate))


def run(objects, name: str, *args, notes: list[str] | None = None):
    """``praat.call(objects, name, *args)``; Praat's warnings go to ``notes`` (when given), its
    errors become :class:`PraatFailed`."""
    import parselmouth
    from parselmouth.praat import call

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", parselmouth.PraatWarning)
        try:
            result = call(objects, name, *args)
        except parselmouth.PraatError as exc:
            raise PraatFailed(f"Praat could not run “{name}” on this take: {_first_line(exc)}") from None
    if notes is not None:
        for warning in caught:
            text = f"Praat, {name}: {_first_line(warning.message)}"
            if text not in notes:
                notes.append(text)
    return result


def number(value) -> float | None:
    """A finite float, or None for Praat's undefined (NaN, ±inf, None)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def report_number(report: str, label: str) -> float | None:
    """The number after ``label`` in a Praat report (e.g. the Voice report), or None when Praat
    wrote '--undefined--' there or the line is missing."""
    for line in report.splitlines():
        line = line.strip()
        if line.startswith(label):
            word = line[len(label):].strip().split(" ")[0].rstrip("%")
            try:
                return number(float(word))
            except ValueError:
                return None
    return None


def _first_line(message) -> str:
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return lines[0] if lines else "no reason given"
