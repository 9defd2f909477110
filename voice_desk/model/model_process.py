"""Models in a separate process, so the program that shows them never imports torch.

Importing torch and loading a model hold Python's GIL for up to a few hundred ms at a time
(C extension loading, weight copies); in a thread of the window's process that freezes the
window. In a child process they cannot. The child keeps loaded models between jobs; jobs
run one at a time; each job's messages carry its id, so a late message is never mistaken
for another job's.

Messages from the child: ``("status", id, text)``, ``("progress", id, fraction)``,
``("result", id, (model_path, Explanation))``, ``("model_failed", id, (model_path,
is_voice_desk_error, message, details))`` (one model of an explain job could not run; the
others still run), ``("done", id, value)``,
``("cancelled", id, None)``, ``("failed", id, (is_voice_desk_error, message, details))``.
Jobs: ``explain`` (recording, model paths), ``load`` (model paths: warm up while the user
looks at the recording), ``import`` (folder, models folder).
"""

from __future__ import annotations

import threading
import traceback
from typing import Callable

from voice_desk.errors import VoiceDeskError


class ModelProcessError(VoiceDeskError):
    """The model process stopped or failed in a way the user cannot fix in the window."""


class JobCancelledError(Exception):
    """The job was cancelled (raised in the parent)."""


#: The model process yields the CPU to the window (on a 2-core machine torch would take both).
NICENESS = 5


def is_cancellation(exc: BaseException) -> bool:
    """A cancelled job: our own error, or the rollout's ``Cancelled`` (matched by name and module,
    since importing :mod:`voice_desk.model.rollout` here would import torch into the window)."""
    kind = type(exc)
    return isinstance(exc, JobCancelledError) or (kind.__name__ == "Cancelled"
                                                  and kind.__module__ == "voice_desk.model.rollout")


def _serve(conn, cancel_below) -> None:  # pragma: no cover - runs in the child process
    engines: dict = {}
    try:
        import os

        os.nice(NICENESS)
    except (AttributeError, OSError):   # Windows has no nice(); a failure only costs smoothness
        pass
    try:   # every job needs them: import now, while the user is still looking at the recording
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        pass   # reported by the first job, as a plain message

    def engine(path: str):
        if path not in engines:
            from voice_desk.commands._common import quiet_libraries
            from voice_desk.model.bundle import load_model
            from voice_desk.model.engine import Engine

            quiet_libraries()
            engines[path] = Engine(load_model(path))
        return engines[path]

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        kind, job_id, payload = message
        cancelled = lambda: cancel_below.value >= job_id  # noqa: E731
        try:
            if kind == "explain":
                recording, paths = payload
                n, ran = len(paths), 0
                for i, path in enumerate(paths):
                    conn.send(("status", job_id, f"Loading and running model {i + 1} of {n}…"))
                    try:
                        e = engine(path)
                        if cancelled():
                            raise JobCancelledError()
                        explanation = e.explain(recording, cancelled=cancelled, progress=lambda f, i=i: conn.send(
                            ("progress", job_id, (i + f) / n)))
                    except Exception as exc:  # noqa: BLE001 - one broken model must not stop the others
                        if is_cancellation(exc):
                            raise
                        conn.send(("model_failed", job_id, (path, isinstance(exc, VoiceDeskError), str(exc),
                                                            traceback.format_exc())))
                        continue
                    conn.send(("result", job_id, (path, explanation)))
                    ran += 1
                conn.send(("done", job_id, ran))
            elif kind == "load":
                loaded = 0
                for path in payload:
                    if cancelled():
                        raise JobCancelledError()
                    try:
                        engine(path)
                        loaded += 1
                    except Exception:  # noqa: BLE001 - a broken model is reported when it is run
                        continue
                conn.send(("done", job_id, loaded))
            elif kind == "import":
                from voice_desk.model.catalog import import_bundle

                folder, models_folder = payload
                conn.send(("done", job_id, str(import_bundle(folder, models_folder))))
            else:
                raise ValueError(f"unknown job kind {kind!r}")
        except Exception as exc:  # noqa: BLE001 - everything goes back to the window as a message
            if is_cancellation(exc):
                conn.send(("cancelled", job_id, None))
            else:
                conn.send(("failed", job_id, (isinstance(exc, VoiceDeskError), str(exc), traceback.format_exc())))


def _error_from_child(ours: bool, text: str, details: str) -> VoiceDeskError:
    """The child's error as the parent raises or shows it: our own errors read as they are,
    anything else as a plain sentence (the details go to the log file)."""
    error = VoiceDeskError(text) if ours else ModelProcessError(
        f"The model could not run ({text.splitlines()[-1] if text else 'unknown error'}).",
        hint="The details are in the log file.")
    error.details = details
    return error


class ModelProcess:
    """The parent's handle on the model process (started on first use, one job at a time)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._process = None
        self._conn = None
        self._cancel_below = None
        self._next_id = 0

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._cancel_below = ctx.Value("q", 0, lock=False)
        self._process = ctx.Process(target=_serve, args=(child, self._cancel_below), name="voice-desk-models",
                                    daemon=True)
        self._process.start()
        child.close()

    def new_job_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def cancel(self, job_id: int) -> None:
        if self._cancel_below is not None:
            self._cancel_below.value = max(self._cancel_below.value, job_id)

    def run(self, job_id: int, kind: str, payload, on_message: Callable[[str, object], None] | None = None,
            is_cancelled: Callable[[], bool] | None = None):
        """Send one job and wait for its end (call from a worker thread). Forwards status,
        progress and result messages to ``on_message(kind, value)``; returns the 'done' value;
        raises JobCancelledError, a VoiceDeskError, or ModelProcessError."""
        with self._lock:
            self._ensure_started()
            self._conn.send((kind, job_id, payload))
            while True:
                if is_cancelled is not None and is_cancelled():
                    self.cancel(job_id)
                try:
                    if not self._conn.poll(0.05):
                        if not self._process.is_alive():
                            raise EOFError
                        continue
                    what, got_id, value = self._conn.recv()
                except (EOFError, OSError) as exc:
                    self._process = None
                    raise ModelProcessError(
                        "The model stopped unexpectedly (perhaps the computer ran out of memory).",
                        hint="Close other programs or run one model at a time, then try again.") from exc
                if got_id != job_id:
                    continue          # a late message of an earlier job
                if what == "done":
                    return value
                if what == "cancelled":
                    raise JobCancelledError()
                if what == "failed":
                    raise _error_from_child(*value)
                if what == "model_failed":
                    path, ours, text, details = value
                    value = (path, _error_from_child(ours, text, details))
                if on_message is not None:
                    on_message(what, value)

    def close(self, timeout: float = 3.0) -> None:
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


def _install_child(hub_id: str, models_folder: str, conn) -> None:  # pragma: no cover - child process
    try:
        from voice_desk.commands._common import quiet_libraries
        from voice_desk.model.catalog import install_hub_model

        quiet_libraries()
        conn.send(("done", str(install_hub_model(hub_id, models_folder))))
    except Exception as exc:  # noqa: BLE001 - goes back to the window as a message
        conn.send(("failed", (isinstance(exc, VoiceDeskError), str(exc), traceback.format_exc())))


def install_in_own_process(hub_id: str, models_folder: str, is_cancelled: Callable[[], bool]) -> str:
    """Download ``hub_id`` and save it as a bundle in ``models_folder`` (see
    :func:`voice_desk.model.catalog.install_hub_model`) in a process of its own: Cancel stops
    the download at once (the Hugging Face cache resumes it next time), and the model process
    stays free for explanations meanwhile. Call from a worker thread; returns the new folder."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_install_child, args=(hub_id, str(models_folder), send),
                          name="voice-desk-download", daemon=True)
    process.start()
    send.close()
    try:
        while not receive.poll(0.1):
            if is_cancelled():
                raise JobCancelledError()
            if not process.is_alive() and not receive.poll():  # it may have answered just before exiting
                raise ModelProcessError("The download stopped unexpectedly.",
                                        hint="Try again; what was already downloaded is kept.")
        what, value = receive.recv()
    finally:
        if process.is_alive() and not receive.poll():
            process.terminate()
        process.join(5.0)
    if what == "failed":
        raise _error_from_child(*value)
    return value


_shared: ModelProcess | None = None


def shared_model_process() -> ModelProcess:
    """One model process per program: models stay loaded between jobs and windows."""
    global _shared
    if _shared is None:
        import atexit

        _shared = ModelProcess()
        atexit.register(_shared.close)
    return _shared
