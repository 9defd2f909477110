"""Where Voice Desk keeps its files on this computer, and who may read them.

Everything lives under one folder, ``VOICE_DESK_HOME`` if set, else the platform's user data
folder (``~/.local/share/voice-desk`` on Linux, ``~/Library/Application Support/Voice Desk``
on macOS, ``%APPDATA%\\Voice Desk`` on Windows). Nothing is ever sent elsewhere.

What Voice Desk keeps derives from patients (takes, logs naming files, recent files, splits
listing speakers and diagnoses, embeddings), so it is the user's alone whatever the umask:
folders are created 0700 and files 0600 (:func:`private_dir`, :func:`open_private`), and the
data folder and its sub-folders are set back to 0700 if an older version left them readable.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private(path: str | Path) -> None:
    """Take group and other access away from ``path`` (a folder or a file we own); never fails."""
    try:
        info = os.stat(path)
        if info.st_mode & 0o077 and (not hasattr(os, "getuid") or info.st_uid == os.getuid()):
            os.chmod(path, PRIVATE_DIR if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE)
    except OSError:
        pass


def private_dir(path: str | Path, fix_existing: bool = True) -> Path:
    """Create ``path`` and any missing parents as 0700 folders; ``fix_existing`` also makes an
    existing ``path`` private (our own folders; not a folder the user chose elsewhere)."""
    path = Path(path)
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
            os.chmod(folder, PRIVATE_DIR)   # exactly 0700, whatever the umask took away
        except FileExistsError:             # made by another process meanwhile
            pass
    path = missing[0] if missing else path
    if fix_existing and not missing:
        make_private(path)
    if not path.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(path))
    return path


def _private_opener(path: str, flags: int) -> int:
    fd = os.open(path, flags, PRIVATE_FILE)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, PRIVATE_FILE)   # a file that was already there keeps its mode otherwise
    return fd


def open_private(path: str | Path, mode: str = "w", **kwargs):
    """``open()`` that creates the file 0600 (and makes an existing one 0600)."""
    return open(path, mode, opener=_private_opener, **kwargs)


def data_home() -> Path:
    env = os.environ.get("VOICE_DESK_HOME")
    if env:
        home = Path(env).expanduser()
    elif sys.platform == "darwin":
        home = Path.home() / "Library" / "Application Support" / "Voice Desk"
    elif sys.platform.startswith("win"):
        home = Path(os.environ.get("APPDATA", Path.home())) / "Voice Desk"
    else:
        home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "voice-desk"
    return private_dir(home)


def _sub(name: str) -> Path:
    return private_dir(data_home() / name)


def models_dir() -> Path:
    """Trained and imported model bundles, one folder each: the window lists these."""
    return _sub("models")


def takes_dir() -> Path:
    """Default folder for new recordings (the user can choose another)."""
    return _sub("takes")


def logs_dir() -> Path:
    return _sub("logs")


def cache_dir() -> Path:
    """Caches that can be rebuilt (e.g. embeddings for training)."""
    return _sub("cache")
