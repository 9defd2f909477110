"""Errors a user can act on.

Every error Voice Desk raises for bad input derives from :class:`VoiceDeskError` and carries
a message written for a clinician: which file, what is wrong, what to do. The CLI and the
window show ``str(error)`` and never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class VoiceDeskError(Exception):
    """Base class: a problem the user can understand and fix."""

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str | None = None):
        self.path = Path(path) if path is not None else None
        self.problem = message
        self.hint = hint
        text = f"{self.path}: {message}" if self.path is not None else message
        if hint:
            text = f"{text} {hint}"
        super().__init__(text)


# --- audio -------------------------------------------------------------------------------

class AudioError(VoiceDeskError):
    """The recording cannot be used."""


class AudioNotFoundError(AudioError):
    pass


class UnsupportedAudioError(AudioError):
    """Not audio, or a format we cannot read."""


class EmptyAudioError(AudioError):
    pass


class SilentAudioError(AudioError):
    pass


class AudioTooShortError(AudioError):
    pass


class InvalidSamplesError(AudioError):
    """NaN or infinite sample values."""


class SampleRateError(AudioError):
    """A sample rate too low to hold the voice the model listens to."""


# --- models ------------------------------------------------------------------------------

class ModelError(VoiceDeskError):
    """A model folder or hub id that cannot be used."""


class ModelNotFoundError(ModelError):
    pass


class NotAModelError(ModelError):
    pass


class UnsafeModelError(ModelError):
    """Weights only available as pickle files, which we never load."""


class ModelOutputError(ModelError):
    """The model gave NaN or infinite numbers for one recording: no answer for it."""
