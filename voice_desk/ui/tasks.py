"""The window's one way to run work off the UI thread: a plain ``fn(state)`` in a thread pool.

``fn`` gets a :class:`voice_desk.tasks.state.TaskState` whose progress, status and partial
results arrive on the UI thread as Qt signals; ``TaskRunner.cancel_all`` sets its cancel flag.
Each task carries a token saying which recording it was started for, so a controller can drop
a result that arrives for a recording it no longer shows. Work that must not run in the
window's process (models, training, downloads) is a task whose ``fn`` waits on a
:class:`voice_desk.tasks.child.ChildProcess`.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from voice_desk.tasks.state import TaskCancelled, TaskState, is_cancellation

log = logging.getLogger(__name__)

__all__ = ["Task", "TaskRunner", "TaskCancelled"]


class TaskSignals(QObject):
    progressed = Signal(object, float)   # task, fraction
    status = Signal(object, str)         # task, a status line
    partial = Signal(object, object)     # task, a result part
    succeeded = Signal(object, object)   # task, result
    failed = Signal(object, object)      # task, exception
    cancelled = Signal(object)           # task
    ended = Signal(object)               # task (always last)


class Task(QRunnable):
    """``fn(state)`` runs in a worker thread; its return value is the result."""

    def __init__(self, name: str, fn: Callable[[TaskState], object], token: int):
        super().__init__()
        self.setAutoDelete(False)
        self.name, self.fn, self.token = name, fn, token
        self.signals = TaskSignals()
        self._cancel = threading.Event()
        s = self.signals
        self.state = TaskState(progress=lambda f: s.progressed.emit(self, float(f)),
                               status=lambda text: s.status.emit(self, text),
                               partial=lambda part: s.partial.emit(self, part), cancel_event=self._cancel)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        s = self.signals
        try:
            self.state.check()
            result = self.fn(self.state)
            self.state.check()
            s.succeeded.emit(self, result)
        except Exception as exc:  # noqa: BLE001 - shown to the user as a plain message, details logged
            if is_cancellation(exc):
                s.cancelled.emit(self)
                return
            exc.details = getattr(exc, "details", None) or traceback.format_exc()
            # the log file gets the details; the controller reports the error (plainly) itself
            log.info("task %s failed:\n%s", self.name, exc.details)
            s.failed.emit(self, exc)
        finally:
            s.ended.emit(self)


class TaskRunner(QObject):
    """One pool per kind of work (loading audio must not wait behind a slow model)."""

    busy_changed = Signal(bool)

    def __init__(self, threads: int = 1, parent=None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.running: list[Task] = []

    def submit(self, name: str, fn: Callable[[TaskState], object], token: int = 0, *, on_success=None,
               on_failure=None, on_progress=None, on_status=None, on_partial=None, on_cancel=None) -> Task:
        task = Task(name, fn, token)
        for signal, slot in ((task.signals.succeeded, on_success), (task.signals.failed, on_failure),
                             (task.signals.progressed, on_progress), (task.signals.status, on_status),
                             (task.signals.partial, on_partial), (task.signals.cancelled, on_cancel)):
            if slot is not None:
                signal.connect(slot)
        task.signals.ended.connect(self._ended)
        was_busy = self.busy
        self.running.append(task)
        self.pool.start(task)
        if not was_busy:
            self.busy_changed.emit(True)
        return task

    @property
    def busy(self) -> bool:
        return bool(self.running)

    def cancel_all(self, name: str | None = None) -> None:
        """Cancel every running or queued task (only those called ``name`` if given)."""
        for task in self.running:
            if name is None or task.name == name:
                task.cancel()

    def _ended(self, task: Task) -> None:
        if task in self.running:
            self.running.remove(task)
        if not self.running:
            self.busy_changed.emit(False)

    def shutdown(self, wait_ms: int = 10000) -> None:
        self.cancel_all()
        self.pool.waitForDone(wait_ms)
