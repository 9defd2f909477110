"""One way to align a recording, whichever aligner does it.

``align(recording, backend="builtin")`` works offline for the SVD sentence; ``backend="mfa"``
runs Montreal Forced Aligner (any German text, needs MFA installed). Both return an
:class:`~voice_desk.align.tiers.Alignment` with german_mfa phone labels.
"""

from __future__ import annotations

import os
from typing import Callable

from voice_desk.align.reference import SENTENCE
from voice_desk.align.tiers import Alignment
from voice_desk.audio.recording import Recording
from voice_desk.errors import VoiceDeskError

BACKENDS = ("builtin", "mfa")


def _normalise(text: str) -> str:
    return " ".join("".join(ch for ch in text.lower() if ch.isalnum() or ch.isspace()).split())


def align(recording: Recording, backend: str = "builtin", transcript: str = SENTENCE,
          mfa: str | os.PathLike | None = None, timeout: float | None = None,
          cancelled: Callable[[], bool] | None = None) -> Alignment:
    """Word and phone tiers for ``recording``.

    ``transcript`` defaults to the SVD sentence; the built-in aligner knows only that sentence.
    ``mfa`` (program or conda environment), ``timeout`` (seconds) and ``cancelled`` (polled while
    MFA runs; stops it with ``MfaCancelledError``) apply to the MFA backend.
    """
    if backend == "builtin":
        if _normalise(transcript) != _normalise(SENTENCE):
            raise VoiceDeskError(f"the built-in aligner only knows the sentence '{SENTENCE}'.",
                                 hint="Use the MFA backend (--backend mfa) for other texts.")
        from voice_desk.align.builtin import align_builtin

        return align_builtin(recording)
    if backend == "mfa":
        from voice_desk.align.mfa import DEFAULT_TIMEOUT_S, align_mfa

        if timeout is not None and not timeout > 0:
            raise VoiceDeskError(f"the MFA timeout must be a positive number of seconds, not {timeout}.")

        return align_mfa(recording, transcript, mfa=mfa, timeout=timeout or DEFAULT_TIMEOUT_S,
                         cancelled=cancelled)
    raise VoiceDeskError(f"there is no aligner called '{backend}'.", hint=f"Choose one of: {', '.join(BACKENDS)}.")
