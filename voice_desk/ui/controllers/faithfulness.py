"""How faithful the maps shown are, on demand: a model's “Check the map…” link in the Verdict panel
measures its deletion and insertion curves (:func:`voice_desk.model.faithfulness.faithfulness_curves`)
in the model process, and the panel draws them with their one-line reading.

The check runs in the models controller's task queue (one model process: it waits behind a model
run and never runs beside one), with the panel's progress and Cancel. A result for another
recording, or for a map that was replaced while it ran, is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from voice_desk.model.faithfulness import Curves

TASK = "faithfulness"


class FaithfulnessController(QObject):
    def __init__(self, window, models):
        super().__init__(window)
        self.window, self.session, self.models = window, window.session, models
        self.panel, self.tasks = models.panel, models.tasks
        self.panel.check_requested.connect(self.check)
        s = self.session
        s.faithfulness_changed.connect(self.show)
        s.results_changed.connect(self.show)
        s.recording_changed.connect(self.cancel)
        s.relevance_method_changed.connect(self.cancel)

    def check(self, path: str) -> None:
        explanation = self.session.explanations.get(path)
        if explanation is None:
            return
        entry = self.session.model_entries.get(path)
        name = entry.name if entry is not None else path
        process = self.models.process
        self.panel.set_busy(True, f"Checking the map of {name}…")
        self.tasks.submit(TASK, lambda state: process.faithfulness(explanation, path, state), self.session.file_token,
                          on_progress=self._progress,
                          on_success=lambda task, record: self._measured(task, path, explanation, record),
                          on_failure=self._failed, on_cancel=self._cancelled)

    def cancel(self) -> None:
        self.tasks.cancel_all(TASK)

    def show(self) -> None:
        """The curves of every map shown whose faithfulness was measured, in the models' order."""
        items = []
        for path, entry in self.session.model_entries.items():
            record = self.session.faithfulness_of(path)
            if record is not None:
                items.append((entry.name, Curves.from_record(record)))
        self.panel.show_faithfulness(items)

    def _progress(self, task, fraction: float) -> None:
        if task.token == self.session.file_token and not task.is_cancelled:
            self.panel.set_progress(fraction)

    def _measured(self, task, path: str, explanation, record: dict) -> None:
        if not self.session.is_current(task.token) or self.session.explanations.get(path) is not explanation:
            return
        self.session.add_faithfulness(path, record)

    def _failed(self, task, exc) -> None:
        if task.token == self.session.file_token:
            self.window.show_error(exc, "The map could not be checked")

    def _cancelled(self, task) -> None:
        if task.token == self.session.file_token:
            self.window.status("Check of the map cancelled.", 5000)
