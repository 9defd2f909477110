"""The record's one error: a problem the user can act on (a clinic ID taken, a damaged or newer
record file, an archive that is not Voice Desk's)."""

from __future__ import annotations

from voice_desk.errors import VoiceDeskError


class RecordError(VoiceDeskError):
    """The patient record cannot do what was asked; the message says why and what to do."""
