"""Relevance per phone: how much of the model's attention falls on each phone interval."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_desk.align.tiers import Interval

CSV_COLUMNS = ["file", "model", "tiers", "tiers_confidence", "word", "phone", "start_s", "end_s", "duration_s",
               "mean_relevance", "relative", "share"]


@dataclass(frozen=True)
class PhoneRelevance:
    phone: str
    start: float
    end: float
    mean_relevance: float
    """Mean relevance over the phone's frames and all mel bins."""
    share: float
    """The phone's part of the utterance's total relevance (0..1; spoken phones sum to <= 1)."""
    word: str = ""
    """The word the phone belongs to ('' when there is no words tier)."""
    relative: float = float("nan")
    """``mean_relevance`` over the recording's mean relevance per frame: 1.0 = average, above = more
    than average, whatever the phone's length (``share`` mostly follows the length)."""

    @property
    def duration(self) -> float:
        return self.end - self.start


def _words_of(middles: np.ndarray, words: list[Interval] | None) -> list[str]:
    """The word whose interval holds each time in ``middles`` ('' where none does)."""
    spoken = sorted((w for w in words or () if not w.is_silence), key=lambda w: w.start)
    if not spoken:
        return [""] * len(middles)
    starts = np.array([w.start for w in spoken])
    index = np.searchsorted(starts, middles, side="right") - 1
    return [spoken[i].label if i >= 0 and m < spoken[i].end else "" for i, m in zip(index, middles)]


def phone_relevance(frame_relevance: np.ndarray, frame_shift: float, phones: list[Interval],
                    include_silence: bool = False, words: list[Interval] | None = None) -> list[PhoneRelevance]:
    """Per-phone relevance from a (frames x mel) relevance map.

    Frame i covers i*shift .. i*shift + 25 ms; it stands for the time ``shift`` wide around its
    centre (i*shift + 12.5 ms; the first frame also for the time before it), so frames tile the
    analysed time without overlap. A phone takes each frame's relevance in proportion to the part
    of the frame's time it overlaps: every frame's relevance is counted once, split between the
    phones it touches, so the shares of all phones sum to at most 1 however short the phones
    (a phone shorter than a frame gets its part of that frame, not the whole frame). Where tier
    intervals overlap, the overlapping time counts for the earlier one only. ``mean_relevance``
    is the overlap-weighted mean of the frames a phone touches.

    Phones that start after the last frame (a recording longer than the model's window) have no
    relevance and are left out; they can only be at the end, so the rows stay in the phones'
    order. ``words`` (the words tier) names the word each phone belongs to.
    """
    per_frame = np.asarray(frame_relevance, dtype=np.float64).mean(axis=1)
    n = per_frame.size
    analysed = n * frame_shift
    if n == 0 or not phones:
        return []
    centres = np.arange(n) * frame_shift + 0.0125
    edges = np.concatenate([[0.0], centres[1:] - frame_shift / 2, [centres[-1] + frame_shift / 2]])
    cumulative = np.concatenate([[0.0], np.cumsum(per_frame)])
    frames = np.arange(n + 1, dtype=np.float64)
    total = float(cumulative[-1]) or 1.0

    starts = np.array([p.start for p in phones], dtype=np.float64)
    ends = np.array([p.end for p in phones], dtype=np.float64)
    # Time already taken by an earlier interval (in time order) is not counted again.
    order = np.argsort(starts, kind="stable")
    taken = np.empty_like(starts)
    taken[order] = np.concatenate([[-np.inf], np.maximum.accumulate(ends[order])[:-1]])
    own_starts = np.minimum(np.maximum(starts, taken), ends)

    def integral(values, a, b):
        return np.interp(b, edges, values) - np.interp(a, edges, values)

    share = integral(cumulative, own_starts, ends) / total
    weight = integral(frames, starts, ends)
    nearest = np.clip(np.searchsorted(edges, (starts + ends) / 2, side="right") - 1, 0, n - 1)
    mean = np.where(weight > 0, integral(cumulative, starts, ends) / np.where(weight > 0, weight, 1.0),
                    per_frame[nearest])
    word = _words_of((starts + ends) / 2, words)
    average = float(per_frame.mean()) or 1.0
    return [PhoneRelevance(p.label, p.start, p.end, float(mean[i]), float(share[i]), word[i],
                           float(mean[i]) / average)
            for i, p in enumerate(phones)
            if (include_silence or not p.is_silence) and p.start < analysed]


def write_csv(rows_by_model: dict[str, list[PhoneRelevance]], path: str | Path, file: str = "",
              tiers: str = "", tiers_confidence: float | None = None) -> Path:
    """One row per (model, phone), columns :data:`CSV_COLUMNS`: the recording ``file``, where the
    phone tiers came from (``tiers``, ``tiers_confidence``), then the phone's word, label, times,
    mean relevance, relevance relative to the recording's mean, and share."""
    path = Path(path)
    confidence = "" if tiers_confidence is None else f"{tiers_confidence:.3f}"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for model, rows in rows_by_model.items():
            for r in rows:
                writer.writerow([file, model, tiers, confidence, r.word, r.phone, f"{r.start:.4f}", f"{r.end:.4f}",
                                 f"{r.duration:.4f}", f"{r.mean_relevance:.6g}", f"{r.relative:.6g}",
                                 f"{r.share:.6g}"])
    return path


def relevance_table(explanations: dict, phones: list[Interval], include_silence: bool = False,
                    words: list[Interval] | None = None) -> tuple[dict[str, list[PhoneRelevance]], list[str]]:
    """Per-phone relevance for each model's explanation of one recording, on the same phones.

    ``explanations`` maps a model name to its :class:`voice_desk.model.result.Explanation`.
    Phones that start after the frames a model analysed (a recording longer than the model's
    window) are left out for every model, and a note says so. Returns (rows per model, notes).
    """
    notes: list[str] = []
    if not explanations:
        return {}, notes
    analysed = min(e.n_frames * e.frame_shift for e in explanations.values())
    kept = [p for p in phones if p.start < analysed]
    dropped = [p for p in phones if p.start >= analysed and not p.is_silence]
    if dropped:
        notes.append(f"{len(dropped)} phones after {analysed:.2f} s lie beyond the model's window and are not "
                     "in the table.")
    table = {name: phone_relevance(e.frame_relevance, e.frame_shift, kept, include_silence=include_silence,
                                   words=words)
             for name, e in explanations.items()}
    return table, notes
