"""Work off the UI thread: each job runs a plain function in a QThreadPool with a progress
callback, a cancel flag and a token saying which recording it was started for, so the
window can drop results that arrive for a recording it no longer shows."""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised by a job function that noticed ``cancelled()``."""


def is_cancellation(exc: BaseException) -> bool:
    """A job function's own JobCancelled, or a cancellation from the model process or the engine."""
    from voice_desk.model.model_process import is_cancellation as cancelled_model_job

    return isinstance(exc, JobCancelled) or cancelled_model_job(exc)


class JobSignals(QObject):
    progressed = Signal(object, float)   # job, fraction
    partial = Signal(object, object)     # job, a result part
    succeeded = Signal(object, object)   # job, result
    failed = Signal(object, object)      # job, exception
    cancelled = Signal(object)           # job
    ended = Signal(object)               # job (always last)


class Job(QRunnable):
    """``fn(progress, cancelled, emit)`` runs in a worker thread; its return value is the result."""

    def __init__(self, name: str, fn: Callable, token: int):
        super().__init__()
        self.setAutoDelete(False)
        self.name, self.fn, self.token = name, fn, token
        self.signals = JobSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        s = self.signals
        try:
            if self.is_cancelled:
                raise JobCancelled()
            result = self.fn(lambda f: s.progressed.emit(self, float(f)), self._cancel.is_set,
                             lambda part: s.partial.emit(self, part))
            if self.is_cancelled:
                raise JobCancelled()
            s.succeeded.emit(self, result)
        except Exception as exc:  # noqa: BLE001 - shown to the user as a plain message, details logged
            if is_cancellation(exc):
                s.cancelled.emit(self)
                return
            exc.details = traceback.format_exc()
            # the log file gets the details; the window reports the error (plainly) itself
            log.info("job %s failed:\n%s", self.name, exc.details)
            s.failed.emit(self, exc)
        finally:
            s.ended.emit(self)


class JobRunner(QObject):
    """One pool per kind of work (loading audio must not wait behind a slow model)."""

    busy_changed = Signal(bool)

    def __init__(self, threads: int = 1, parent=None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.running: list[Job] = []

    def submit(self, name: str, fn: Callable, token: int, *, on_success=None, on_failure=None,
               on_progress=None, on_partial=None, on_cancel=None) -> Job:
        job = Job(name, fn, token)
        for signal, slot in ((job.signals.succeeded, on_success), (job.signals.failed, on_failure),
                             (job.signals.progressed, on_progress), (job.signals.partial, on_partial),
                             (job.signals.cancelled, on_cancel)):
            if slot is not None:
                signal.connect(slot)
        job.signals.ended.connect(self._ended)
        was_busy = self.busy
        self.running.append(job)
        self.pool.start(job)
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    @property
    def busy(self) -> bool:
        return bool(self.running)

    def cancel_all(self, name: str | None = None) -> None:
        """Cancel every running or queued job (only those called ``name`` if given)."""
        for job in self.running:
            if name is None or job.name == name:
                job.cancel()

    def _ended(self, job: Job) -> None:
        if job in self.running:
            self.running.remove(job)
        if not self.running:
            self.busy_changed.emit(False)

    def shutdown(self, wait_ms: int = 10000) -> None:
        self.cancel_all()
        self.pool.waitForDone(wait_ms)
