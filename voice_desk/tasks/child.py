"""Plain ``run(..., state)`` functions in a child process: the one way Voice Desk runs work
outside the window's process (models, the base-model download, training and its speed probe).

Why a process and not a thread: importing torch and loading weights hold Python's GIL for up
to a few hundred ms at a time, which freezes a window in the same process; a crash or an
out-of-memory kill of a child cannot take the window down; and a download or a training run
can be stopped at once by ending its process.

``ChildProcess(name).call("voice_desk.model.model_jobs:explain", (recording, paths), state)``
sends the function's name and arguments to the child (spawned on first use and kept for the
next call, so loaded models stay loaded), forwards its progress, status and partial results to
``state`` and returns its value, or raises: :class:`~voice_desk.tasks.state.TaskCancelled`,
the child's own :class:`~voice_desk.errors.VoiceDeskError` as it was worded, or
:class:`ChildStopped` when the process died. Messages carry a call id, so a late message of an
earlier call is never taken for the current one. Call it from a worker thread, never the UI's.
"""

from __future__ import annotations

import importlib
import threading
import traceback

from voice_desk.errors import VoiceDeskError
from voice_desk.tasks.state import TaskCancelled, TaskState, is_cancellation

POLL_S = 0.05


class ChildStopped(VoiceDeskError):
    """The child process stopped or failed in a way the user cannot fix from the window."""


def error_from_child(ours: bool, text: str, details: str) -> VoiceDeskError:
    """The child's error as the parent raises or shows it: our own errors read as they were
    worded, anything else as a plain sentence (the details go to the log file)."""
    error = VoiceDeskError(text) if ours else ChildStopped(
        f"The work could not be done ({text.splitlines()[-1] if text else 'unknown error'}).",
        hint="The details are in the log file.")
    error.details = details
    return error


def error_record(exc: BaseException) -> tuple[bool, str, str]:
    """What crosses the pipe for an error (exceptions themselves may not pickle)."""
    return isinstance(exc, VoiceDeskError), str(exc), getattr(exc, "details", None) or traceback.format_exc()


def resolve(target: str):
    """'package.module:function' -> the function."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _serve(conn, cancel_below, niceness: int, warm_imports: tuple[str, ...]) -> None:  # pragma: no cover - child
    if niceness:
        try:
            import os

            os.nice(niceness)
        except (AttributeError, OSError):   # Windows has no nice(); a failure only costs smoothness
            pass
    for name in warm_imports:   # every call needs them: import now, while the user still reads
        try:
            importlib.import_module(name)
        except ImportError:
            pass   # reported by the first call, as a plain message

    def send(message) -> None:
        try:
            conn.send(message)
        except (OSError, ValueError, BrokenPipeError):
            pass

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        call_id, target, args = message
        state = TaskState(progress=lambda f, i=call_id: send(("progress", i, f)),
                          status=lambda t, i=call_id: send(("status", i, t)),
                          partial=lambda p, i=call_id: send(("partial", i, p)),
                          cancelled=lambda i=call_id: cancel_below.value >= i)
        try:
            value = resolve(target)(*args, state=state)
            conn.send(("done", call_id, value))
        except Exception as exc:  # noqa: BLE001 - everything goes back to the parent as a message
            send(("cancelled", call_id, None) if is_cancellation(exc) else ("failed", call_id, error_record(exc)))


class ChildProcess:
    """The parent's handle on one child process (started on first call, one call at a time).

    ``niceness`` lowers the child's priority (on a 2-core machine torch would otherwise take
    both cores from the window); ``warm_imports`` are imported as soon as the child starts.
    ``died`` and ``died_hint`` word the error raised when the child dies during a call.
    """

    def __init__(self, name: str, *, niceness: int = 0, warm_imports: tuple[str, ...] = (),
                 died: str = "The background process stopped unexpectedly (perhaps the computer ran out of memory).",
                 died_hint: str = "Close other programs, then try again."):
        self.name, self.niceness, self.warm_imports = name, niceness, tuple(warm_imports)
        self.died, self.died_hint = died, died_hint
        self._lock = threading.Lock()
        self._process = None
        self._conn = None
        self._cancel_below = None
        self._next_id = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def is_alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _ensure_started(self) -> None:
        if self.is_alive():
            return
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        conn, child = ctx.Pipe()
        cancel_below = ctx.Value("q", 0, lock=False)
        process = ctx.Process(target=_serve, args=(child, cancel_below, self.niceness, self.warm_imports),
                              name=self.name, daemon=True)
        process.start()
        child.close()
        # published only once started: close() or kill() from another thread never sees a process that
        # has not started yet (joining one raises)
        self._conn, self._cancel_below, self._process = conn, cancel_below, process

    def call(self, target: str, args: tuple = (), state: TaskState | None = None, *, hard_cancel: bool = False):
        """Run ``target(*args, state=…)`` in the child and wait for it (from a worker thread).

        On cancel the child is asked to stop at its next check; with ``hard_cancel`` it is ended at
        once instead (a download, a training run: their work resumes from what they saved)."""
        state = state or TaskState()
        with self._lock:
            self._ensure_started()
            self._next_id += 1
            call_id = self._next_id
            process, conn = self._process, self._conn
            conn.send((call_id, target, tuple(args)))
            while True:
                if state.cancelled:
                    if hard_cancel:
                        self._end(process)
                        raise TaskCancelled()
                    self._cancel_below.value = max(self._cancel_below.value, call_id)
                try:
                    if not conn.poll(POLL_S):
                        if not process.is_alive() and not conn.poll():   # it may have answered just before dying
                            raise EOFError
                        continue
                    what, got_id, value = conn.recv()
                except (EOFError, OSError) as exc:
                    self._end(process)
                    if state.cancelled:
                        raise TaskCancelled() from exc
                    raise ChildStopped(self.died, hint=self.died_hint) from exc
                if got_id != call_id:
                    continue          # a late message of an earlier call
                if what == "done":
                    return value
                if what == "cancelled":
                    raise TaskCancelled()
                if what == "failed":
                    raise error_from_child(*value)
                if what == "progress":
                    state.set_progress(value)
                elif what == "status":
                    state.set_status(value)
                elif what == "partial":
                    state.set_partial_result(value)

    def kill(self) -> None:
        """End the child now (from any thread); a call waiting on it raises ChildStopped."""
        process = self._process
        if process is not None and process.is_alive():
            process.kill()

    def _end(self, process) -> None:
        if process.is_alive():
            process.terminate()
        process.join(5.0)
        if self._process is process:
            self._process = None

    def close(self, timeout: float = 3.0) -> None:
        """Ask the child to exit after its current call; end it if it does not."""
        process, conn = self._process, self._conn
        self._process = None
        if process is None:
            return
        try:
            conn.send(None)
        except (OSError, ValueError):
            pass
        process.join(timeout)
        if process.is_alive():
            process.terminate()
            process.join(1.0)


def run_in_child(name: str, target: str, args: tuple = (), state: TaskState | None = None, **options):
    """One call in a child process of its own, ended at once on cancel and closed afterwards."""
    child = ChildProcess(name, **{k: v for k, v in options.items() if k in ("niceness", "warm_imports", "died",
                                                                             "died_hint")})
    try:
        return child.call(target, args, state, hard_cancel=True)
    finally:
        child.close(timeout=1.0)
