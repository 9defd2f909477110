"""TaskState: what a long computation sees of whoever runs it (a thread, a child process, the CLI).

A function written as ``run(..., state)`` calls ``state.set_progress(0.4)``,
``state.set_status("Loading model 1 of 2…")``, ``state.set_partial_result(part)``, and checks
``state.cancelled`` (or ``state.check()``, which raises :class:`TaskCancelled`). The runner
decides where those go: Qt signals in the window, a pipe in a child process, nowhere in a test.
"""

from __future__ import annotations

import threading
from typing import Callable


class TaskCancelled(Exception):
    """The task stopped because it was asked to. Every cancellation in Voice Desk (a model run,
    an MFA alignment, a download, a child process) is one of these, so runners test one class."""


def is_cancellation(exc: BaseException) -> bool:
    return isinstance(exc, TaskCancelled)


class TaskState:
    """Progress (0..1), a status line, partial results and the cancel flag of one task."""

    def __init__(self, progress: Callable[[float], None] | None = None, status: Callable[[str], None] | None = None,
                 partial: Callable[[object], None] | None = None, cancel_event: threading.Event | None = None,
                 cancelled: Callable[[], bool] | None = None):
        self._progress, self._status, self._partial = progress, status, partial
        self._event = cancel_event if cancel_event is not None else threading.Event()
        self._asked = cancelled

    # ---------------------------------------------------------------- reported by the task
    def set_progress(self, fraction: float) -> None:
        if self._progress is not None:
            self._progress(float(fraction))

    def set_status(self, text: str) -> None:
        if self._status is not None:
            self._status(str(text))

    def set_partial_result(self, part) -> None:
        if self._partial is not None:
            self._partial(part)

    # ---------------------------------------------------------------- cancellation
    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._asked is not None and bool(self._asked()))

    def is_cancelled(self) -> bool:
        """``cancelled`` as a callable, for core functions that take ``cancelled=``."""
        return self.cancelled

    def check(self) -> None:
        """Raise :class:`TaskCancelled` when the task was asked to stop."""
        if self.cancelled:
            raise TaskCancelled()

    def fraction(self, start: float, stop: float) -> "TaskState":
        """A view of this state whose progress 0..1 maps to ``start..stop`` of this one (one step
        of several); status, partial results and cancellation pass straight through."""
        return TaskState(lambda f: self.set_progress(start + (stop - start) * f), self.set_status,
                         self.set_partial_result, self._event, self._asked)


#: For callers that want no reports and never cancel.
def quiet() -> TaskState:
    return TaskState()
