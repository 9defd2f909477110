"""The window's model job: what runs in its worker thread. The models themselves run in the
model process (:mod:`voice_desk.model.model_process`); this thread only waits for its
messages and hands them on, so torch is never imported into the window's process."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from voice_desk.model.model_process import ModelProcess


def explain_all(process: ModelProcess, recording, paths: list[str], progress: Callable[[float], None],
                cancelled: Callable[[], bool], emit: Callable[[object], None]) -> int:
    """Explain ``recording`` with each model in turn; ``emit(('status', text))`` before each
    model and ``emit(('result', path, explanation))`` after it, or ``emit(('model_failed',
    path, error))`` when that model could not run (the others still run). Returns how many ran."""

    def on_message(kind: str, value) -> None:
        if kind == "progress":
            progress(value)
        elif kind == "status":
            emit(("status", value))
        elif kind in ("result", "model_failed"):
            emit((kind, *value))

    return process.run(process.new_job_id(), "explain", (recording, list(paths)), on_message, cancelled)


def import_model(process: ModelProcess, folder: str, models_folder: Path, cancelled: Callable[[], bool]) -> str:
    """Load ``folder`` in the model process to prove it works, then copy it into ``models_folder``."""
    return process.run(process.new_job_id(), "import", (str(folder), str(models_folder)), None, cancelled)


def preload(process: ModelProcess, paths: list[str], cancelled: Callable[[], bool]) -> int:
    """Start the model process and load ``paths`` so the first verdict comes sooner."""
    return process.run(process.new_job_id(), "load", list(paths), None, cancelled)
