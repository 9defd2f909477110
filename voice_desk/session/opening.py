"""Open one recording: load and check it, its spectrogram, its tiers, its true label.

The window runs :func:`open_recording` in a worker thread; ``voice-desk phones`` and
``voice-desk assess`` call it directly. The source files are only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from voice_desk.session.tiers import TierResult, find_tiers

DEMO_FILE = "guten_morgen_synthetic.wav"
DEMO_NOTICE = "DEMO — synthetic voice (espeak-ng), not a patient recording."
TRUE_LABEL_SOURCE = "the file's metadata"


@dataclass
class OpenedRecording:
    """Everything known about a recording once it is open."""

    path: Path
    recording: object                       # voice_desk.audio.recording.Recording
    tiers: TierResult
    true_label: str | None = None           # 'healthy' / 'pathological' from tags or the SVD session
    spectrogram: object | None = None       # voice_desk.audio.spectrogram.Spectrogram, when asked for
    is_demo: bool = False
    task: str | None = None                 # what it was recorded for (voice_desk.session.protocol.TASKS)

    @property
    def true_label_source(self) -> str | None:
        return TRUE_LABEL_SOURCE if self.true_label else None

    def warnings(self) -> list[str]:
        """The recording's own warnings (clipping, length, …) then the tiers'."""
        return list(self.recording.warnings) + self.tiers.all_warnings()


def demo_recording_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("voice_desk.resources").joinpath("demo", DEMO_FILE)))


def is_demo_recording(path: str | Path) -> bool:
    """The shipped synthetic demo, however it is opened (menu, command line, drag and drop)."""
    try:
        return Path(path).resolve() == demo_recording_path().resolve()
    except (OSError, RuntimeError):   # RuntimeError: a loop of links (Python < 3.13)
        return False


def true_label_from_metadata(path: str | Path) -> str | None:
    """'healthy' or 'pathological' if the file's tags say so, or, for an SVD sentence file
    (``<session>-phrase.nsp``), its session record in sbvoicedb's metadata."""
    if Path(path).suffix.lower() == ".nsp":
        from voice_desk.data.svd import session_label

        return session_label(path)
    from voice_desk.audio.metadata import label_from_tags

    return label_from_tags(path)


def open_recording(path: str | Path, textgrid: str | Path | None = None, spectrogram_settings=None,
                   backend: str = "builtin", transcript: str | None = None, mfa=None, timeout=None,
                   cancelled: Callable[[], bool] | None = None) -> OpenedRecording:
    """Load ``path``; compute its spectrogram when ``spectrogram_settings`` are given; find its
    tiers (:func:`voice_desk.session.tiers.find_tiers`); read its true label. Raises a
    :class:`~voice_desk.errors.VoiceDeskError` saying which file and what is wrong."""
    from voice_desk.audio.load import load_recording
    from voice_desk.session.protocol import TASKS

    recording = load_recording(path)
    spectrogram = None
    if spectrogram_settings is not None:
        from voice_desk.audio.spectrogram import compute_spectrogram

        spectrogram = compute_spectrogram(recording.samples, recording.sample_rate, spectrogram_settings)
    from voice_desk.session.protocol import task_of

    task = task_of(path)
    if task not in (None, "sentence") and not textgrid:     # a sustained vowel has no words to align
        tiers = TierResult(None, note=f"no tiers: a {TASKS[task].title.lower()} has no words or phones to align")
    else:
        tiers = find_tiers(recording, path, textgrid, backend, transcript, mfa, timeout, cancelled)
    return OpenedRecording(Path(path), recording, tiers, true_label_from_metadata(path), spectrogram,
                           is_demo_recording(path), task)
