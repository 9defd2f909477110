"""The clinical label a recording's own metadata may carry.

A WAV (INFO chunk) or FLAC/OGG (Vorbis comment) file can hold text tags; a recording tagged
``label=healthy`` or ``label=pathological`` (also ``label: ...``, any case, in the comment,
title or any other tag) tells the window the true label, so the study's agreement case shows
without typing it. An SVD sentence file (``<session>-phrase.nsp``) has no tags, but its session
type is in sbvoicedb's metadata (:func:`voice_desk.session.opening.true_label_from_metadata`
asks both). The file is only read, and only if it is a regular file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

LABELS = ("healthy", "pathological")
_PATTERN = re.compile(r"\blabel\s*[=:]\s*(healthy|pathological)\b", re.IGNORECASE)


def tags(path: str | Path) -> dict[str, str]:
    """The file's text tags ({} for files without any, NSP files, or unreadable files)."""
    path = Path(path)
    if path.suffix.lower() == ".nsp":
        return {}
    import soundfile as sf

    from voice_desk.audio.load import sniff_format
    from voice_desk.files import open_regular

    try:  # as the loader: a regular file only (a pipe would block), and never MP3
        with open_regular(path) as raw:
            if sniff_format(raw.read(12)) not in ("wav", "flac", "ogg"):
                return {}
            os.lseek(raw.fileno(), 0, os.SEEK_SET)  # libsndfile reads the descriptor
            with sf.SoundFile(raw.fileno(), closefd=False) as f:
                if f.subtype.startswith("MPEG"):
                    return {}
                return {k: str(v) for k, v in f.copy_metadata().items()}
    except Exception:  # noqa: BLE001 - metadata is optional; loading reports real problems
        return {}


def label_from_tags(path: str | Path) -> str | None:
    """'healthy' or 'pathological' if one of the file's tags says so."""
    for value in tags(path).values():
        match = _PATTERN.search(value)
        if match:
            return match.group(1).lower()
    return None
