"""Opening the user's files: only regular files, and a plain message for anything else.

A named pipe (FIFO), a socket or a device given as a recording, a TextGrid or a manifest would
block ``open`` until something writes to it, which in practice is forever (and in the window,
the thread that opens files would be stuck for the rest of the session). A loop of symbolic
links has no file at its end. So every reader of the user's files goes through
:func:`open_regular`: it checks with ``stat`` what the path is, says so in plain words when it
is not a regular file, and opens without waiting (``O_NONBLOCK``), checking the opened file
again, so that a file swapped for a pipe in between cannot block either.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

from voice_desk.errors import VoiceDeskError

_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _os_problem(path: Path, exc: OSError, error, missing) -> VoiceDeskError:
    """The plain message for an OSError from stat or open."""
    code = exc.errno
    if code == errno.ENOENT and os.path.islink(path):
        return (missing or error)(f"this is a link to {os.readlink(path)}, which does not exist.", path=path,
                                  hint="Choose the file itself, or point the link at a file that exists.")
    if code == errno.ENOENT:
        return (missing or error)("the file does not exist.", path=path, hint="Check the path and try again.")
    if code == errno.ELOOP:
        return (missing or error)("this path is a loop of symbolic links (a link that leads back to itself), "
                                  "so there is no file at its end.", path=path,
                                  hint="Choose the file itself, or point the link at the real file.")
    if code == errno.ENOTDIR:
        return (missing or error)("a part of this path is a file, not a folder, so nothing can be found under it.",
                                  path=path, hint="Check the path and try again.")
    if code in (errno.EACCES, errno.EPERM):
        return error("Voice Desk is not allowed to read this file (permission denied).", path=path,
                     hint="Copy it to a folder of your own, or ask for read access.")
    return error(f"the file cannot be read ({exc.strerror or exc}).", path=path,
                 hint="Check the path, the disk and your access to it.")


def check_regular(path: str | Path, what: str = "a file", error: type[VoiceDeskError] = VoiceDeskError,
                  missing: type[VoiceDeskError] | None = None, folder_hint: str | None = None) -> os.stat_result:
    """``os.stat(path)`` when it is a regular file (links followed); otherwise raise ``error``
    (``missing`` for a path that leads nowhere) saying what it is instead of ``what``."""
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _os_problem(path, exc, error, missing) from exc
    except ValueError as exc:  # a NUL character in the name
        raise (missing or error)("this is not a valid file name.", path=path) from exc
    if stat.S_ISREG(info.st_mode):
        return info
    if stat.S_ISDIR(info.st_mode):
        raise error(f"this is a folder, not {what}.", path=path, hint=folder_hint or f"Choose {what} inside it.")
    kind = next((name for test, name in _SPECIAL if test(info.st_mode)), "not a regular file")
    raise error(f"this is {kind}, not {what}. Voice Desk reads only regular files: it would wait for "
                "data from it without end.", path=path, hint="Save what it holds into a file and choose that file.")


def open_regular(path: str | Path, what: str = "a file", error: type[VoiceDeskError] = VoiceDeskError,
                 missing: type[VoiceDeskError] | None = None, folder_hint: str | None = None) -> BinaryIO:
    """Open a regular file for reading (binary, buffered); see :func:`check_regular`."""
    path = Path(path)
    check_regular(path, what, error, missing, folder_hint)
    nonblock = getattr(os, "O_NONBLOCK", 0)
    flags = os.O_RDONLY | nonblock | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _os_problem(path, exc, error, missing) from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"this is not a regular file, not {what} (it was replaced while being opened).", path=path,
                        hint="Choose the file again.")
        if nonblock:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, limit: int, what: str = "a file",
                 error: type[VoiceDeskError] = VoiceDeskError, missing: type[VoiceDeskError] | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (a larger one is refused)."""
    with open_regular(path, what, error, missing) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise error(f"the file is larger than {limit / 1e6:.0f} MB, far more than {what} can hold; it is not "
                    f"{what}, or it is damaged.", path=path, hint="Check that you chose the right file.")
    return data


def open_regular_text(path: str | Path, what: str = "a file", error: type[VoiceDeskError] = VoiceDeskError,
                      encoding: str = "utf-8", newline: str | None = None) -> io.TextIOWrapper:
    """:func:`open_regular` as text."""
    return io.TextIOWrapper(open_regular(path, what, error), encoding=encoding, newline=newline)
