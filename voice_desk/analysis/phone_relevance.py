"""Relevance per phone: how much of the model's attention falls on each phone interval."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_desk.align.tiers import Interval

CSV_COLUMNS = ["file", "model", "tiers", "tiers_confidence", "word", "phone", "start_s", "end_s", "duration_s",
               "mean_relevance", "share"]


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

    @property
    def duration(self) -> float:
        return self.end - self.start


def _word_of(interval: Interval, words: list[Interval] | None) -> str:
    middle = (interval.start + interval.end) / 2
    return next((w.label for w in words or () if not w.is_silence and w.start <= middle < w.end), "")


def phone_relevance(frame_relevance: np.ndarray, frame_shift: float, phones: list[Interval],
                    include_silence: bool = False, words: list[Interval] | None = None) -> list[PhoneRelevance]:
    """Per-phone relevance from a (frames x mel) relevance map.

    A frame belongs to the phone containing its centre (frame i covers
    i*shift .. i*shift + 25 ms; its centre is at i*shift + 12.5 ms). Phones that start after the
    last frame (a recording longer than the model's window) have no relevance and are left out;
    they can only be at the end, so the rows stay in the phones' order. ``words`` (the words
    tier) names the word each phone belongs to.
    """
    per_frame = np.asarray(frame_relevance, dtype=np.float64).mean(axis=1)
    centres = np.arange(per_frame.size) * frame_shift + 0.0125
    analysed = per_frame.size * frame_shift
    total = float(per_frame.sum()) or 1.0
    out = []
    for interval in phones:
        if (interval.is_silence and not include_silence) or interval.start >= analysed:
            continue
        mask = (centres >= interval.start) & (centres < interval.end)
        if not mask.any():  # a phone shorter than a frame: take the nearest frame
            mask = np.zeros_like(per_frame, dtype=bool)
            mask[min(int(np.argmin(np.abs(centres - (interval.start + interval.end) / 2))), per_frame.size - 1)] = True
        values = per_frame[mask]
        out.append(PhoneRelevance(interval.label, interval.start, interval.end, float(values.mean()),
                                  float(values.sum() / total), _word_of(interval, words)))
    return out


def write_csv(rows_by_model: dict[str, list[PhoneRelevance]], path: str | Path, file: str = "",
              tiers: str = "", tiers_confidence: float | None = None) -> Path:
    """One row per (model, phone), columns :data:`CSV_COLUMNS`: the recording ``file``, where the
    phone tiers came from (``tiers``, ``tiers_confidence``), then the phone's word, label, times,
    mean relevance and share."""
    path = Path(path)
    confidence = "" if tiers_confidence is None else f"{tiers_confidence:.3f}"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for model, rows in rows_by_model.items():
            for r in rows:
                writer.writerow([file, model, tiers, confidence, r.word, r.phone, f"{r.start:.4f}", f"{r.end:.4f}",
                                 f"{r.duration:.4f}", f"{r.mean_relevance:.6g}", f"{r.share:.6g}"])
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
