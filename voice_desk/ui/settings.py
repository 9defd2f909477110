"""The window's remembered settings (QSettings in an INI file inside Voice Desk's data folder,
so tests and several installations never share them).

The file names recent recordings, so it is the user's alone: created 0600 before Qt writes it
(Qt's atomic save keeps an existing file's mode) and set back to 0600 after every sync.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings

from voice_desk.audio.spectrogram import SpectrogramSettings
from voice_desk.paths import data_home, make_private, open_private

MAX_RECENT = 10


SETTINGS_FILE = "window.ini"


def app_settings() -> QSettings:
    path = data_home() / SETTINGS_FILE
    open_private(path, "a").close()     # exists, 0600, before Qt writes to it
    return QSettings(str(path), QSettings.Format.IniFormat)


def _sync(settings: QSettings) -> None:
    settings.sync()
    make_private(settings.fileName())


def _list(settings: QSettings, key: str) -> list[str]:
    raw = settings.value(key, "[]")
    try:
        value = json.loads(raw) if isinstance(raw, str) else list(raw or [])
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def load_spectrogram_settings() -> SpectrogramSettings:
    raw = app_settings().value("spectrogram", "{}")
    try:
        data = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        data = {}
    return SpectrogramSettings.from_dict(data if isinstance(data, dict) else {})


def save_spectrogram_settings(value: SpectrogramSettings) -> None:
    s = app_settings()
    s.setValue("spectrogram", json.dumps(value.to_dict()))
    _sync(s)


def recent_files() -> list[str]:
    return _list(app_settings(), "recent_files")


def add_recent_file(path: str) -> list[str]:
    items = [path] + [p for p in recent_files() if p != path]
    s = app_settings()
    s.setValue("recent_files", json.dumps(items[:MAX_RECENT]))
    _sync(s)
    return items[:MAX_RECENT]


def chosen_models() -> list[str]:
    return _list(app_settings(), "chosen_models")


def known_models() -> list[str]:
    """Model folders added by hand (outside the models folder) in earlier sessions."""
    return _list(app_settings(), "known_models")


def save_models(chosen: list[str], known: list[str]) -> None:
    s = app_settings()
    s.setValue("chosen_models", json.dumps(chosen))
    s.setValue("known_models", json.dumps(known))
    _sync(s)
