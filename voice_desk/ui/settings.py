"""The window's remembered settings (QSettings in an INI file inside Voice Desk's data folder,
so tests and several installations never share them)."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings

from voice_desk.audio.spectrogram import SpectrogramSettings
from voice_desk.paths import data_home

MAX_RECENT = 10


def app_settings() -> QSettings:
    return QSettings(str(data_home() / "window.ini"), QSettings.Format.IniFormat)


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
    s.sync()


def recent_files() -> list[str]:
    return _list(app_settings(), "recent_files")


def add_recent_file(path: str) -> list[str]:
    items = [path] + [p for p in recent_files() if p != path]
    s = app_settings()
    s.setValue("recent_files", json.dumps(items[:MAX_RECENT]))
    s.sync()
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
    s.sync()
