"""What the study measures on one model's run on one recording (numpy only).

:func:`measure_run` turns one explanation (and the pooled representation from the same forward
pass) into the numbers the findings summarise: the verdict, the relevance-vs-power measures
(finding 2), the per-phone relevance (finding 3) and the spread of the relevance (finding 4).
The analyses in :mod:`voice_desk.study.analyses` take only these numbers, so they can be tested
with planted values and never touch a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voice_desk.align.tiers import Alignment, Interval
from voice_desk.study import stats

#: The study's segment /e s i n/ ("geht es Ihnen"): one german_mfa phone of each set, in a row.
SEGMENT = (("ɛ", "eː", "e", "ə"), ("s", "z"), ("iː", "ɪ", "i"), ("n",))
SEGMENT_LABEL = "/e s i n/"
#: The study's other phone: /ɔ/ in "Morgen".
STUDY_PHONE = "ɔ"
TOP_FRACTION = 0.10
AREA_SHARE = 0.5


@dataclass
class Grid:
    """The patch geometry of a model (from its config.json): how patches map to frames and mel bins."""

    patch_size: int = 16
    frequency_stride: int = 10
    time_stride: int = 10
    num_mel_bins: int = 128

    @classmethod
    def from_config(cls, config: dict) -> "Grid":
        return cls(int(config.get("patch_size", 16)), int(config.get("frequency_stride", 10)),
                   int(config.get("time_stride", 10)), int(config.get("num_mel_bins", 128)))

    def audio_time_patches(self, n_frames: int, n_time: int) -> int:
        """How many leading time patches lie wholly on audio frames (at least one)."""
        whole = (n_frames - self.patch_size) // self.time_stride + 1 if n_frames >= self.patch_size else 0
        return int(min(max(whole, 1), n_time))


@dataclass
class RunMeasures:
    """One model on one recording."""

    gives_verdict: bool
    probability: float | None          # P(pathological); None without a verdict
    label: str | None                  # the verdict at the model's threshold
    threshold: float
    pooled: np.ndarray | None
    spearman: float                    # relevance vs log-mel power over the audio's cells
    overlap: float                     # top 10 % relevance cells that are top 10 % power cells
    chance: float                      # the overlap expected by chance
    cells: int
    entropy: float                     # normalised entropy of relevance over the audio's patches
    area: float                        # share of those patches holding half the relevance
    patches: int
    peak_time: float                   # s, centre of the most relevant patch
    peak_position: float               # peak_time over the analysed duration (0..1)
    peak_hz: float                     # centre frequency of the most relevant patch
    peak_phone: str | None = None      # the phone at peak_time ('' silence; None without tiers)
    phones: list = field(default_factory=list)   # PhoneRelevance rows (spoken phones), [] without tiers
    segment: float | None = None       # relevance over /e s i n/ relative to the recording's mean
    analysed_s: float = 0.0

    def record(self) -> dict:
        """The per-recording numbers (no arrays), for results.json and the CSVs."""
        return {"gives_verdict": self.gives_verdict, "p_pathological": self.probability, "label": self.label,
                "threshold": self.threshold, "spearman": self.spearman, "top_overlap": self.overlap,
                "top_overlap_chance": self.chance, "cells": self.cells, "entropy": self.entropy,
                "area_half": self.area, "patches": self.patches, "peak_time_s": self.peak_time,
                "peak_position": self.peak_position, "peak_hz": self.peak_hz, "peak_phone": self.peak_phone,
                "segment_relative": self.segment, "analysed_s": self.analysed_s}


def find_segment(phones: list[Interval]) -> Interval | None:
    """The first run of spoken phones matching :data:`SEGMENT`, as one interval."""
    spoken = [p for p in phones if not p.is_silence]
    labels = [p.label.strip() for p in spoken]
    for i in range(len(spoken) - len(SEGMENT) + 1):
        if all(labels[i + k] in SEGMENT[k] for k in range(len(SEGMENT))):
            return Interval(spoken[i].start, spoken[i + len(SEGMENT) - 1].end, SEGMENT_LABEL)
    return None


def phone_at(phones: list[Interval], t: float) -> str | None:
    for p in phones:
        if p.start <= t < p.end:
            return p.label.strip()
    return ""


def energy_measures(frame_relevance: np.ndarray, log_mel_power: np.ndarray,
                    fraction: float = TOP_FRACTION) -> tuple[float, float, float, int]:
    """(Spearman ρ, top-fraction overlap, its chance level, cells) over the cells that hold audio."""
    n = min(frame_relevance.shape[0], log_mel_power.shape[0])
    rel, power = frame_relevance[:n], log_mel_power[:n]
    overlap, chance = stats.top_overlap(rel, power, fraction)
    return stats.spearman(rel, power), overlap, chance, int(rel.size)


def spread_measures(patch_relevance: np.ndarray, n_frames: int, grid: Grid, frame_shift: float,
                    share: float = AREA_SHARE) -> tuple[float, float, int, float, float]:
    """(normalised entropy, area holding ``share``, patches, peak time s, peak Hz) over the audio's patches."""
    from voice_desk.model.relevance_image import mel_bin_centres_hz

    n_time = grid.audio_time_patches(n_frames, patch_relevance.shape[1])
    audio = np.asarray(patch_relevance[:, :n_time], dtype=np.float64)
    fi, ti = np.unravel_index(int(np.argmax(audio)), audio.shape)
    peak_time = (ti * grid.time_stride + grid.patch_size / 2) * frame_shift
    centre_bin = min(int(fi * grid.frequency_stride + grid.patch_size // 2), grid.num_mel_bins - 1)
    peak_hz = float(mel_bin_centres_hz(grid.num_mel_bins)[centre_bin])
    return stats.normalised_entropy(audio), stats.area_for_share(audio, share), int(audio.size), peak_time, peak_hz


def measure_run(explanation, pooled, grid: Grid, phones: list | None = None, segment: float | None = None,
                alignment: Alignment | None = None, threshold: float | None = None,
                fraction: float = TOP_FRACTION, share: float = AREA_SHARE) -> RunMeasures:
    """The numbers of one run. ``phones`` (PhoneRelevance rows) and ``segment`` come from
    :func:`phone_measures` over all models of the recording at once (as ``voice-desk phones``);
    ``threshold`` overrides the one stored with the run (the model card's current operating point)."""
    p = explanation.prediction
    threshold = p.threshold if threshold is None else threshold
    probability = p.pathology_probability if p.gives_verdict else None
    label = None
    if probability is not None:
        label = "pathological" if probability >= threshold else "healthy"
    rho, overlap, chance, cells = energy_measures(explanation.frame_relevance, explanation.log_mel_power, fraction)
    entropy, area, patches, peak_time, peak_hz = spread_measures(
        explanation.patch_relevance, explanation.n_frames, grid, explanation.frame_shift, share)
    analysed = explanation.n_frames * explanation.frame_shift
    peak_phone = phone_at(alignment.phones, peak_time) if alignment is not None else None
    return RunMeasures(gives_verdict=bool(p.gives_verdict), probability=probability, label=label,
                       threshold=float(threshold), pooled=None if pooled is None else np.asarray(pooled, np.float32),
                       spearman=rho, overlap=overlap, chance=chance, cells=cells, entropy=entropy, area=area,
                       patches=patches, peak_time=float(peak_time), peak_position=float(peak_time / analysed)
                       if analysed > 0 else float("nan"), peak_hz=peak_hz, peak_phone=peak_phone,
                       phones=list(phones or []), segment=segment, analysed_s=float(analysed))


def phone_measures(explanations: dict, alignment: Alignment) -> tuple[dict, dict, list[str]]:
    """Per-phone relevance of every model's map on one recording over the same phones, exactly as
    ``voice-desk phones`` computes it (:func:`voice_desk.analysis.phone_relevance.relevance_table`),
    and the relevance over the segment /e s i n/ in the same unit. Returns (rows by model, segment by
    model, notes)."""
    from voice_desk.analysis.phone_relevance import phone_relevance, relevance_table

    table, notes = relevance_table(explanations, alignment.phones, words=alignment.words)
    span = find_segment(alignment.phones)
    segments = {}
    for name, e in explanations.items():
        rows = phone_relevance(e.frame_relevance, e.frame_shift, [span]) if span is not None else []
        segments[name] = rows[0].relative if rows else None
    return table, segments, notes
