"""Errors as plain messages; the technical details go to a log file the user can send."""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

from voice_desk.errors import VoiceDeskError
from voice_desk.paths import logs_dir

LOG_NAME = "voice-desk.log"
_handler: logging.Handler | None = None


def log_file() -> Path:
    return logs_dir() / LOG_NAME


def setup_logging() -> Path:
    """Send Voice Desk's log records (INFO and up) to a rotating file; idempotent."""
    global _handler
    path = log_file()
    if _handler is None or getattr(_handler, "baseFilename", None) != str(path):
        root = logging.getLogger()
        if _handler is not None:
            root.removeHandler(_handler)
        _handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
        _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        _handler.setLevel(logging.INFO)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            # the file wants INFO; handlers already there (the terminal's, `voice-desk -v` or not)
            # keep the level they had, so a damaged file never prints a traceback in the terminal
            for handler in root.handlers:
                if handler.level == logging.NOTSET:
                    handler.setLevel(root.level or logging.WARNING)
            root.setLevel(logging.INFO)
        root.addHandler(_handler)
    return path


def plain_message(exc: BaseException) -> str:
    """What the user reads: our own errors speak for themselves; anything else is a bug."""
    if isinstance(exc, VoiceDeskError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "The computer ran out of memory. Close other programs or use a shorter recording."
    return (f"Something went wrong that Voice Desk did not expect ({type(exc).__name__}). "
            f"Nothing was changed on disk. The details are in the log file {log_file()}.")


def record(exc: BaseException, context: str) -> str:
    """Log the details of ``exc`` and return the plain message."""
    details = getattr(exc, "details", None) or "".join(traceback.format_exception(exc))
    level = logging.WARNING if isinstance(exc, VoiceDeskError) else logging.ERROR
    logging.getLogger("voice_desk.ui").log(level, "%s: %s\n%s", context, exc, details)
    return plain_message(exc)
