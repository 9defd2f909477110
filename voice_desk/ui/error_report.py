"""Errors as plain messages; the technical details go to a log file the user can send.

The log is the user's alone (0600, in the 0700 logs folder) and names no patient's file: every
path in it is written as a short hash of the path and its suffix (``[file 3fa2b1c9 .wav]``:
the same file gets the same hash, so lines can still be matched), except Voice Desk's and
Python's own files in tracebacks. ``voice-desk -v gui`` (verbose) writes the paths as they are.
"""

from __future__ import annotations

import hashlib
import logging
import logging.handlers
import os
import re
import sys
import traceback
from pathlib import Path

from voice_desk.errors import VoiceDeskError
from voice_desk.paths import logs_dir, make_private, open_private

LOG_NAME = "voice-desk.log"
_handler: logging.Handler | None = None
_verbose = False

#: An absolute path (POSIX, ~, or a Windows drive). Folder names may hold spaces (they end with a
#: slash); a file name may when it ends with a suffix (``anna m.wav``). Prose that looks like part
#: of a path is hidden with it, which is the safe side.
_PATH = re.compile(r"""(?<![\w.~/\\])(?:~|[A-Za-z]:)?[/\\]"""
                   r"""(?:[^\s'"/\\]+(?:[ ][^\s'"/\\]+)*[/\\])*"""
                   r"""(?:[^\s'"/\\]+(?:[ ][^\s'"/\\]+)*\.[A-Za-z0-9]{1,9}(?=[\s'":,;)]|$)|[^\s'"/\\:,;()]*)""")
_PROGRAM_FOLDERS = tuple({str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                            Path(__file__).resolve().parents[1])})


def _hide(match: re.Match) -> str:
    path = match.group(0)
    if len(path) <= 2 or path.startswith(_PROGRAM_FOLDERS):
        return match.group(0)
    suffix = Path(path).suffix
    suffix = f" {suffix}" if re.fullmatch(r"\.[A-Za-z0-9]{1,9}", suffix) else ""
    return f"[file {hashlib.sha256(path.encode('utf-8', 'replace')).hexdigest()[:8]}{suffix}]"


def redact_paths(text: str) -> str:
    """``text`` with every path outside Voice Desk's and Python's own files hidden."""
    return _PATH.sub(_hide, text)


class _PrivateFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if _verbose else redact_paths(text)


class _PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are created 0600, whatever the umask."""

    def _open(self):
        return open_private(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors)


def log_file() -> Path:
    return logs_dir() / LOG_NAME


def setup_logging(verbose: bool | None = None) -> Path:
    """Send Voice Desk's log records (INFO and up) to a rotating file; idempotent.
    ``verbose`` (``voice-desk -v``) keeps full paths in it; None keeps the earlier choice."""
    global _handler, _verbose
    if verbose is not None:
        _verbose = bool(verbose)
    path = log_file()
    for old in path.parent.glob(LOG_NAME + "*"):   # files an older version left readable by others
        make_private(old)
    if _handler is None or getattr(_handler, "baseFilename", None) != os.path.abspath(path):
        root = logging.getLogger()
        if _handler is not None:
            root.removeHandler(_handler)
        _handler = _PrivateFileHandler(path, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
        _handler.setFormatter(_PrivateFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
