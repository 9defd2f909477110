"""What the window's model job does in its worker thread: load each chosen model once (kept
for the session) and explain the recording with it. Plain Python: torch and transformers are
imported here, inside the worker, never on the UI thread."""

from __future__ import annotations

import threading
from typing import Callable


class ModelCache:
    """Loaded models by folder. Used from the model pool's single worker thread only, so each
    engine runs one forward pass at a time; the lock covers ``forget`` from the UI thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self._engines: dict[str, object] = {}

    def engine(self, path: str):
        with self._lock:
            engine = self._engines.get(path)
        if engine is None:
            from voice_desk.commands._common import quiet_libraries
            from voice_desk.model.bundle import load_model
            from voice_desk.model.engine import Engine

            quiet_libraries()
            engine = Engine(load_model(path))
            with self._lock:
                self._engines[path] = engine
        return engine

    def forget(self, path: str) -> None:
        with self._lock:
            self._engines.pop(path, None)


def explain_all(cache: ModelCache, recording, paths: list[str], progress: Callable[[float], None],
                cancelled: Callable[[], bool], emit: Callable[[object], None]) -> int:
    """Explain ``recording`` with each model in turn; ``emit(('status', text))`` before each
    model and ``emit(('result', path, explanation))`` after it. Returns how many ran."""
    n = len(paths)
    for i, path in enumerate(paths):
        emit(("status", f"Loading and running model {i + 1} of {n}…"))
        engine = cache.engine(path)
        if cancelled():
            from voice_desk.ui.jobs import JobCancelled

            raise JobCancelled()
        explanation = engine.explain(recording, progress=lambda f, i=i: progress((i + f) / n), cancelled=cancelled)
        emit(("result", path, explanation))
    return n
