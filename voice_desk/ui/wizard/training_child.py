"""The wizard's training process: the speed probe and the training run, one after the other, in
one child process (see :mod:`voice_desk.tasks.child` for why a process and not a thread).

The window's process never imports torch: device detection, the speed measurement and training
are :mod:`voice_desk.train.child` functions that run in the child; this object starts them as
:class:`~voice_desk.ui.tasks.TaskRunner` tasks (a worker thread waits on the child) and hands
their progress and outcome to the pages on the UI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from voice_desk.tasks.child import ChildProcess
from voice_desk.ui.tasks import Task, TaskRunner
from voice_desk.ui.wizard.messages import message_of

TRAIN = "voice_desk.train.child:train"
PROBE = "voice_desk.train.child:probe"
#: The child yields the CPU to the window (on a 2-core machine torch would take both).
NICENESS = 5
CANCELLED = "Training was cancelled. Press Resume to continue (cached work is kept)."


class TrainingChild(QObject):
    """``train(arguments)`` runs ``voice-desk train arguments`` in the child: ``event(dict)`` for
    each progress event, then ``ended(message)`` ('' when the model was saved, else what the
    user reads). ``probe(...)`` finds the device and measures speed in the same child; calls run
    one at a time, and starting a training asks a running probe to stop."""

    event = Signal(dict)
    ended = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tasks = TaskRunner(1, self)    # one at a time: the child runs one call at a time anyway
        self.child = ChildProcess(
            "voice-desk-training", niceness=NICENESS, warm_imports=("torch", "transformers"),
            died="The training process stopped unexpectedly (it was killed or crashed, e.g. out of memory); the "
                 "window is unaffected.",
            died_hint="Press Resume to continue from the last checkpoint and cached embeddings.")
        self.arguments: list[str] = []      # of the last training started (Start adds --restart, Resume not)
        self._training: Task | None = None

    # ---------------------------------------------------------------- training
    def train(self, arguments: list[str]) -> None:
        """Start ``voice-desk train arguments`` in the child; Cancel ends the child at once (the
        checkpoints and the embedding cache let Resume continue)."""
        self.tasks.cancel_all("probe")
        self.arguments = list(arguments)
        argv = tuple(self.arguments)
        self._training = self.tasks.submit(
            "train", lambda state: self.child.call(TRAIN, (argv,), state, hard_cancel=True),
            on_partial=self._event, on_success=self._succeeded, on_failure=self._failed, on_cancel=self._cancelled)

    def running(self) -> bool:
        return self._training is not None

    def cancel(self) -> None:
        if self._training is not None:
            self._training.cancel()

    def _event(self, task, event) -> None:
        if task is self._training and isinstance(event, dict):
            self.event.emit(event)

    def _succeeded(self, task, bundle) -> None:
        self._finish(task, "")

    def _failed(self, task, exc) -> None:
        self._finish(task, message_of(exc))

    def _cancelled(self, task) -> None:
        self._finish(task, CANCELLED)

    def _finish(self, task, message: str) -> None:
        if task is self._training:
            self._training = None
            self.ended.emit(message)

    # ---------------------------------------------------------------- speed probe
    def probe(self, base_model: str, device: str | None, clip: str, clips: list[str], fine_tune: bool,
              cache_embeddings: bool, *, token: int = 0, on_partial=None, on_success=None, on_failure=None,
              on_cancel=None) -> Task:
        """Find the device and measure the base model's speed (see
        :func:`voice_desk.train.child.probe`); a probe still running is asked to stop first."""
        self.tasks.cancel_all("probe")
        request = (str(base_model), device, str(clip), [str(c) for c in clips], bool(fine_tune),
                   bool(cache_embeddings))
        return self.tasks.submit("probe", lambda state: self.child.call(PROBE, request, state), token,
                                 on_partial=on_partial, on_success=on_success, on_failure=on_failure,
                                 on_cancel=on_cancel)

    # ---------------------------------------------------------------- closing
    def stop(self) -> None:
        """Stop whatever runs and end the child (the wizard closes)."""
        self.tasks.cancel_all()
        self.child.kill()
        self.child.close(timeout=1.0)
