"""Where Voice Desk keeps its files on this computer.

Everything lives under one folder, ``VOICE_DESK_HOME`` if set, else the platform's user data
folder (``~/.local/share/voice-desk`` on Linux, ``~/Library/Application Support/Voice Desk``
on macOS, ``%APPDATA%\\Voice Desk`` on Windows). Nothing is ever sent elsewhere.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


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
    home.mkdir(parents=True, exist_ok=True)
    return home


def _sub(name: str) -> Path:
    path = data_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


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

