"""The report's picture of the sentence: its spectrogram, each stored model's relevance map drawn as
the study draws it (hue = relevance, brightness = mel power; colours from
:mod:`voice_desk.model.relevance_image`, nowhere else), and the phone tier, one panel under the
other on one time axis so a phone lines up with every panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PANEL_IN = 0.92
TIER_IN = 0.32
KEY_IN = 0.42


@dataclass
class SentencePicture:
    """What the figure shows; ``notes`` say what is missing and why (for the text under it)."""

    title: str
    spectrogram: object = None            # a voice_desk.audio.spectrogram.Spectrogram (no map stored)
    maps: list = field(default_factory=list)   # [(model name, Explanation)]
    phones: list = field(default_factory=list)
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def panels(self) -> int:
        return (1 if self.spectrogram is not None or self.maps else 0) + len(self.maps)

    def height(self) -> float:
        if not self.panels:
            return 0.0
        return self.panels * (PANEL_IN + 0.26) + (TIER_IN + 0.33 if self.phones else 0.3) + (KEY_IN if self.maps else 0)


def _matches(explanation, result) -> bool:
    """The stored map belongs to the stored result (same P), not to an earlier run."""
    stored = result.probability
    p = explanation.prediction.pathology_probability
    if stored is None or p is None:
        return stored is None and p is None
    return abs(stored - p) <= 1e-3


def sentence_picture(take, results, name_of) -> SentencePicture:
    """Gather the sentence take's maps (those that match their stored results), or its spectrogram
    from the audio when no map is stored, and the phone tier of its TextGrid."""
    from voice_desk.model.result import Explanation

    picture = SentencePicture(title=f"Sentence: {take.path.name}")
    for result in results:
        if result.explanation is None:
            continue
        name = name_of(result.model)
        try:
            explanation = Explanation.load_npz(result.explanation)
        except Exception as exc:  # noqa: BLE001 - a damaged or missing map is reported, never a crash
            picture.notes.append(f"The relevance map of {name} cannot be read ({type(exc).__name__}).")
            continue
        if not _matches(explanation, result):
            picture.notes.append(f"The relevance map stored for {name} is from an earlier run; run the model "
                                 "again to draw its map.")
            continue
        picture.maps.append((name, explanation))
    if picture.maps:
        first = picture.maps[0][1]
        picture.duration = first.n_frames * first.frame_shift
    else:
        try:
            from voice_desk.audio.load import read_samples, to_mono
            from voice_desk.audio.spectrogram import compute_spectrogram

            raw, rate, _ = read_samples(take.path)
            mono = to_mono(raw)
            picture.spectrogram = compute_spectrogram(mono, rate)
            picture.duration = mono.size / rate
        except Exception as exc:  # noqa: BLE001
            picture.notes.append(f"The sentence's audio cannot be read ({exc}).")
        if results:
            picture.notes.append("No relevance map is stored for this take; the figure shows its spectrogram only.")
    grid = take.textgrid
    if grid is not None:
        try:
            from voice_desk.align.textgrid import read_textgrid

            picture.phones = [p for p in read_textgrid(grid).phones]
        except Exception as exc:  # noqa: BLE001
            picture.notes.append(f"Its TextGrid cannot be read ({getattr(exc, 'problem', exc)}).")
    else:
        picture.notes.append("The take has no TextGrid, so no phone tier is shown.")
    return picture


def draw(book, picture: SentencePicture) -> None:
    """Draw ``picture`` at the book's cursor, across the text width."""
    from voice_desk.model.relevance_image import (MEL_TICKS_HZ, frame_extent, grey_levels, hz_to_mel,
                                                  legend_rgb, mel_axis_range, mel_rows_extent, picture_rgb)
    from voice_desk.record.pages import MARGIN

    left, width = MARGIN + 0.55, book.width - 0.55
    t1 = picture.duration
    axes = []
    if picture.maps:
        first = picture.maps[0][1]
        t0, t1 = frame_extent(first.log_mel_power.shape[0], first.frame_shift)
        panels = [("Spectrogram (mel power; black = loud)",
                   np.repeat(grey_levels(first.log_mel_power)[..., None], 3, axis=-1))]
        panels += [(f"{name}: relevance map (hue: blue low, red high; brightness: power)",
                    picture_rgb(e.log_mel_power, e.frame_relevance, "study", axis="mel")) for name, e in picture.maps]
        for title, image in panels:
            ax = _panel(book, left, width, title)
            y0, y1 = mel_rows_extent(image.shape[1])
            ax.imshow(np.transpose(image, (1, 0, 2)), origin="lower", aspect="auto", extent=(t0, t1, y0, y1),
                      interpolation="nearest")
            ax.set_ylim(*mel_axis_range(image.shape[1]))
            ax.set_yticks([float(hz_to_mel(hz)) for hz in MEL_TICKS_HZ[1:-1]],
                          [f"{hz:g}" for hz in MEL_TICKS_HZ[1:-1]])
            ax.set_ylabel("Hz", fontsize=7)
            axes.append(ax)
    elif picture.spectrogram is not None:
        t0 = 0.0
        spec = picture.spectrogram
        ax = _panel(book, left, width, "Spectrogram (0–5000 Hz; black = loud)")
        ax.imshow(spec.grey().T, origin="lower", aspect="auto", cmap="Greys", vmin=0, vmax=1,
                  extent=(spec.t0 - spec.time_step / 2, spec.t0 + (spec.db.shape[0] - 0.5) * spec.time_step,
                          0, spec.max_hz), interpolation="nearest")
        ax.set_ylim(0, spec.max_hz)
        ax.set_ylabel("Hz", fontsize=7)
        axes.append(ax)
    else:
        return
    for ax in axes:
        ax.set_xlim(t0, t1)
        ax.tick_params(labelsize=6.5, length=2, labelbottom=False)
    if picture.phones:
        book.space(0.03)
        ax = book.axes(left, book.y, width, TIER_IN)
        book.space(TIER_IN + 0.3)
        ax.set_xlim(t0, t1)
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.set_ylabel("phones", fontsize=6.5, rotation=0, ha="right", va="center")
        for p in picture.phones:
            if p.end <= t0 or p.start >= t1:
                continue
            ax.axvline(p.start, color="#777", lw=0.5)
            if p.label.strip():
                ax.text((max(p.start, t0) + min(p.end, t1)) / 2, 0.5, p.label, ha="center", va="center", fontsize=6)
        ax.tick_params(labelsize=6.5, length=2)
    else:
        axes[-1].tick_params(labelbottom=True)
        book.space(0.3)
        ax = axes[-1]
    ax.set_xlabel("Time (s)", fontsize=7, labelpad=1)
    if picture.maps:
        key = book.axes(left + width - 2.2, book.y, 2.2, 0.12)
        key.imshow(legend_rgb("study", 256, 1), aspect="auto", extent=(0, 1, 0, 1))
        key.set_xticks([0, 1], ["low", "high"])
        key.set_yticks([])
        key.tick_params(labelsize=6.5, length=2)
        book.text(MARGIN, book.y, "Colour key of the maps: relevance within this recording →", 7, color="#555555")
        book.space(KEY_IN)


def _panel(book, left: float, width: float, title: str):
    book.space(0.24)
    book.text(left, book.y - 0.18, title, 7.5, color="#333333")
    ax = book.axes(left, book.y, width, PANEL_IN)
    book.space(PANEL_IN + 0.02)
    return ax


def model_name(model: str) -> str:
    """A model as the report names it: the last part of a folder path, or the name as given."""
    text = str(model).rstrip("/\\")
    return Path(text).name if ("/" in text or "\\" in text) else text
