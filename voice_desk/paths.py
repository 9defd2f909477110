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


def list_bundles(folder: Path | None = None) -> list[Path]:
    """Bundle folders (those with a voice_desk.json card) directly under ``folder``."""
    from voice_desk.model.card import CARD_FILE

    folder = folder or models_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and (p / CARD_FILE).is_file())
