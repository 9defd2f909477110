"""The course over time: per session, P(pathological) of each model on the sentence take and the
key measures (:data:`~voice_desk.record.entities.COURSE_MEASURES`), from stored rows alone."""

from __future__ import annotations

import math

from voice_desk.record.entities import COURSE_MEASURES, CoursePoint, Session


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def measure_value(measures: dict | None, key: str) -> float | None:
    """The value of a course measure in a stored ``SessionMeasures.to_dict()`` (None if absent)."""
    if not isinstance(measures, dict):
        return None
    _, _, task = COURSE_MEASURES[key]
    if task is None:
        index = measures.get(key)
        return _number(index.get("value")) if isinstance(index, dict) else None
    take = (measures.get("takes") or {}).get(task)
    if not isinstance(take, dict):
        return None
    for measure in take.get("measures") or ():
        if isinstance(measure, dict) and measure.get("key") == key:
            return _number(measure.get("value"))
    return None


def course_points(sessions: list[Session], sentence_results: list[tuple[int, str, dict]],
                  measures: dict[int, dict]) -> list[CoursePoint]:
    """``sentence_results``: (session id, model, prediction) of the sentence takes, the latest take
    of a session last (its value wins); ``measures``: session id -> stored measures."""
    probabilities: dict[int, dict[str, float]] = {}
    for session_id, model, prediction in sentence_results:
        p = _number(prediction.get("pathology_probability")) if isinstance(prediction, dict) else None
        if p is not None and prediction.get("gives_verdict", True):
            probabilities.setdefault(session_id, {})[model] = p
    return [CoursePoint(s.id, s.date, dict(sorted(probabilities.get(s.id, {}).items())),
                        {key: measure_value(measures.get(s.id), key) for key in COURSE_MEASURES})
            for s in sessions]
