"""Voice measures beside the verdict: the Measures dock for the recording shown.

The measures are Praat's own (:mod:`voice_desk.session.measures`, the function ``voice-desk
measures`` calls). They run in a child process of their own: Praat's analyses hold Python's lock
for up to ~0.2 s at a time, which would freeze the window in a thread. The recording's task
(the sentence, or a sustained /a/) and the speaker's sex (it sets the pitch range) are chosen in
the dock; AVQI needs the sentence and a sustained /a/ of the same session, so a vowel take can be
added. Results for a recording no longer shown are dropped.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (QComboBox, QDockWidget, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from voice_desk.tasks.child import ChildProcess
from voice_desk.ui.tasks import TaskRunner
from voice_desk.ui.widgets.measures_table import MeasuresTable

MEASURE = "voice_desk.session.measures:measure_session"
TASKS = (("sentence", "The sentence"), ("vowel_a", "A sustained /a/"))
SEXES = (("", "sex not given (75–500 Hz)"), ("f", "female (100–500 Hz)"), ("m", "male (75–300 Hz)"))


class MeasuresController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window, self.session = window, window.session
        self.tasks = TaskRunner(1, self)
        self.child = ChildProcess("voice-desk-measures", warm_imports=("parselmouth",),
                                  died="The voice measures stopped unexpectedly.",
                                  died_hint="Open the recording again; the details are in the log file.")
        self.vowel: str | None = None        # a sustained /a/ take of the same session (for AVQI)
        self.task_box, self.sex_box = QComboBox(), QComboBox()
        for key, text in TASKS:
            self.task_box.addItem(text, key)
        for key, text in SEXES:
            self.sex_box.addItem(text, key)
        self.task_box.setToolTip("What this recording is: the measures use what each task is for")
        self.sex_box.setToolTip("The speaker's sex sets Praat's pitch range (as Praat's manual advises)")
        self.vowel_button = QPushButton("Add sustained /a/ take…")
        self.vowel_button.setToolTip("AVQI combines the sentence with 3 s of sustained /a/ from the same session")
        self.vowel_button.clicked.connect(self.choose_vowel)
        self.vowel_label = QLabel("")
        self.table = MeasuresTable()
        self.table.show_message("Voice measures appear here once a recording is open.")
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(2, 2, 2, 2)
        row = QHBoxLayout()
        for widget in (QLabel("This recording:"), self.task_box, self.sex_box, self.vowel_button, self.vowel_label):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.dock = QDockWidget("Voice measures", window)
        self.dock.setObjectName("measures_dock")
        self.dock.setWidget(box)
        self.task_box.currentIndexChanged.connect(lambda _i: self.run())
        self.sex_box.currentIndexChanged.connect(lambda _i: self.run())
        self.session.recording_changed.connect(self._recording_changed)

    @property
    def busy(self) -> bool:
        return self.tasks.busy

    def _recording_changed(self) -> None:
        """A new recording: its task (from its tags) chooses how it is measured."""
        self.vowel = None
        self.vowel_label.setText("")
        task = self.session.opened.task if self.session.opened else None
        self.task_box.blockSignals(True)
        self.task_box.setCurrentIndex(max(self.task_box.findData("vowel_a" if task == "vowel_a" else "sentence"), 0))
        self.task_box.blockSignals(False)
        self.run()

    def choose_vowel(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "A sustained /a/ take of the same session",
                                              self.window.opening.last_folder(), "Recordings (*.wav *.flac *.ogg *.nsp);;All files (*)")
        if path:
            self.set_vowel(path)

    def set_vowel(self, path: str | None) -> None:
        self.vowel = path
        self.vowel_label.setText(f"/a/: {Path(path).name}" if path else "")
        self.run()

    def run(self) -> None:
        """Measure the recording shown (and the vowel take, if added) in the measures' process."""
        opened = self.session.opened
        self.tasks.cancel_all()
        if opened is None:
            return
        task, sex = self.task_box.currentData(), self.sex_box.currentData() or None
        sentence = str(opened.path) if task == "sentence" else None
        vowel = str(opened.path) if task == "vowel_a" else self.vowel
        child = self.child
        self.table.show_message("Measuring with Praat…")
        self.tasks.submit("measures", lambda state: child.call(MEASURE, (sentence, vowel, sex), state),
                          self.session.file_token, on_success=self._measured, on_failure=self._failed)

    def _measured(self, task, measures) -> None:
        if self.session.is_current(task.token) and not task.is_cancelled:
            self.session.set_measures(measures)
            self.table.show_session(measures)

    def _failed(self, task, exc) -> None:
        if task.token == self.session.file_token:
            from voice_desk.ui.error_report import record

            self.table.show_message(f"No measures: {record(exc, 'Voice measures')}")

    def close(self) -> None:
        self.tasks.shutdown()
        self.child.close(timeout=1.0)
