"""Where a recording's tiers come from — one rule and one wording for the CLI and the window.

The rule, in order:
1. a TextGrid the user named (``--textgrid``, dropped with the audio, Tiers → Open TextGrid…)
   must fit the recording: if it does not, that is an error naming it (nothing else is guessed);
2. else a TextGrid next to the audio with the same stem; one that cannot be used is set aside
   with a warning that says why;
3. else an aligner (the built-in one by default; MFA when asked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from voice_desk.align.tiers import Alignment
from voice_desk.errors import VoiceDeskError

BUILTIN = "the built-in aligner"
MFA = "MFA (german_mfa)"
NO_TIERS = "no tiers (Tiers → Open TextGrid… or Align)"
UNUSABLE = "TextGrid not usable (see below)"


@dataclass
class TierResult:
    """The tiers found for a recording (or none), and why not."""

    alignment: Alignment | None
    textgrid_problem: str | None = None   # a TextGrid beside the audio could not be used: why
    note: str | None = None               # there are no tiers: why (the aligner found nothing, or failed)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_phones(self) -> bool:
        return has_phones(self.alignment)

    def summary(self) -> str:
        """One line: 'tiers from …', or why there are none (the info bar, the CLI's first line)."""
        if self.alignment is not None:
            line = source_text(self.alignment)
        else:
            line = self.note or NO_TIERS
        return f"{UNUSABLE}; {line}" if self.textgrid_problem else line

    def all_warnings(self) -> list[str]:
        """What to show under the summary: why a TextGrid was set aside, then the aligner's doubts."""
        out = [self.textgrid_problem] if self.textgrid_problem else []
        return out + (list(self.alignment.warnings) if self.alignment is not None else [])


def has_phones(alignment: Alignment | None) -> bool:
    return alignment is not None and bool(alignment.spoken_phones())


def source_name(alignment: Alignment) -> str:
    """Who made the tiers: 'the built-in aligner', 'MFA (german_mfa)' or the TextGrid's file name."""
    if alignment.source == "builtin":
        return BUILTIN
    if alignment.source == "mfa":
        return MFA
    return Path(alignment.source).name if alignment.source else "an aligner"


def source_text(alignment: Alignment) -> str:
    """'tiers from the built-in aligner (approximate, confidence 0.93)', 'tiers from take.TextGrid'."""
    quality = alignment.quality()
    return f"tiers from {source_name(alignment)}" + (f" ({', '.join(quality)})" if quality else "")


def doubt(alignment: Alignment | None) -> str:
    """Why phones drawn on these tiers may be wrong ('' when there is no reason to doubt them):
    an aligner's confidence below :data:`voice_desk.align.builtin.LOW_CONFIDENCE`."""
    from voice_desk.align.builtin import LOW_CONFIDENCE

    if alignment is None or alignment.confidence is None or alignment.confidence >= LOW_CONFIDENCE:
        return ""
    return (f"{source_name(alignment)} is not confident of these phones (confidence {alignment.confidence:.2f}, "
            f"below {LOW_CONFIDENCE:.2f}); the phone boundaries are probably wrong. Check them, or align with MFA.")


def source_id(alignment: Alignment | None) -> str | None:
    """The tiers' source for a results file (JSON, CSV): 'builtin', 'mfa' or the TextGrid's path,
    with ' (approximate)' where the aligner is approximate."""
    if alignment is None:
        return None
    return (alignment.source or "aligner") + (" (approximate)" if alignment.approximate else "")


def aligned(recording, backend: str = "builtin", transcript: str | None = None, mfa=None, timeout=None,
            cancelled: Callable[[], bool] | None = None) -> TierResult:
    """An aligner's tiers, or none with a line saying why (a cancelled MFA run raises)."""
    from voice_desk.align.aligner import align
    from voice_desk.align.reference import SENTENCE
    from voice_desk.tasks.state import is_cancellation

    who = BUILTIN if backend == "builtin" else "MFA"
    try:
        alignment = align(recording, backend=backend, transcript=transcript or SENTENCE, mfa=mfa, timeout=timeout,
                          cancelled=cancelled)
    except VoiceDeskError as exc:
        if is_cancellation(exc) or backend != "builtin":
            raise   # MFA's own message says how to install it or what went wrong: shown as an error
        return TierResult(None, note=f"no tiers: {who} could not align it ({exc.problem})")
    if not has_phones(alignment):
        why = alignment.warnings[0] if alignment.warnings else "it found no speech."
        return TierResult(None, note=f"no tiers: {who} found nothing to align. {why}")
    return TierResult(alignment)


def find_tiers(recording, path: str | Path | None, textgrid: str | Path | None = None, backend: str = "builtin",
               transcript: str | None = None, mfa=None, timeout=None,
               cancelled: Callable[[], bool] | None = None) -> TierResult:
    """The rule above. Raises :class:`~voice_desk.align.textgrid.TextGridError` for a named
    TextGrid that does not fit."""
    from voice_desk.align.textgrid import TextGridError, find_textgrid_for, read_textgrid

    if textgrid:
        return TierResult(read_textgrid(textgrid, recording.duration))
    beside = find_textgrid_for(path) if path else None
    problem = None
    if beside is not None:
        try:
            return TierResult(read_textgrid(beside, recording.duration))
        except TextGridError as exc:
            problem = str(exc)
    result = aligned(recording, backend, transcript, mfa, timeout, cancelled)
    result.textgrid_problem = problem
    return result
