"""How the training wizard's pages word what went wrong."""

from __future__ import annotations

import html


def error_html(message: str) -> str:
    """``message`` as red rich text for a wizard page's label (escaped: a path may hold '<' or '&')."""
    return f"<span style='color:#b00'>{html.escape(message, quote=False)}</span>"


def message_of(exc: BaseException) -> str:
    """A failed task's error as a page shows it: our own errors as worded (which file, what is
    wrong, what to do), anything else by its kind and text (the details are in the log file)."""
    from voice_desk.errors import VoiceDeskError

    if isinstance(exc, VoiceDeskError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
