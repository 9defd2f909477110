"""Studies in the window: File → Open study… (a folder ``voice-desk study`` wrote) opens the study
browser; Models → Run a study… runs one over a data set in a child process (it needs torch) with
progress and Cancel, never blocking the window, then opens it. A recording chosen in the browser
opens in the main view with each model's map side by side and its phones."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from voice_desk.errors import VoiceDeskError
from voice_desk.tasks.child import run_in_child
from voice_desk.ui.actions import make_action
from voice_desk.ui.tasks import TaskRunner

RUN = "voice_desk.study.task:run_study_task"


class StudyController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.tasks = TaskRunner(1, self)
        self.browser = None
        self.study = None
        self.open_action = make_action(window, "Open stud&y…", self.open_dialog,
                                       tip="Browse a study folder written by voice-desk study")
        self.run_action = make_action(window, "Run a stud&y…", self.run_dialog,
                                      tip="The study's findings over a data set with the ticked models (in the background)")

    @property
    def busy(self) -> bool:
        return self.tasks.busy

    def open_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open a study folder (it holds results.json)")
        if folder:
            self.open_study(folder)

    def open_study(self, folder: str):
        from voice_desk.study.folder import StudyFolder
        from voice_desk.ui.study.browser import StudyBrowser

        try:
            self.study = StudyFolder.open(folder)
        except VoiceDeskError as exc:
            self.window.show_error(exc, "Study not opened")
            return None
        self.browser = StudyBrowser(self.study, self.window)
        self.browser.recording_chosen.connect(self.show_recording)
        self.browser.show()
        return self.browser

    def show_recording(self, index: int) -> None:
        """The recording in the main view, its tiers as the study used them, each model's map side by side."""
        tiers = self.study.tiers_path(index)
        self.window.opening.open_file(str(self.study.audio_path(index)), textgrid=str(tiers) if tiers else None)
        relevance = self.window.relevance
        if not relevance.side_by_side_action.isChecked():
            relevance.side_by_side_action.setEnabled(True)
            relevance.side_by_side_action.setChecked(True)

    def run_dialog(self) -> None:
        models = self.window.models.panel.chosen()
        if not models:
            self.window.show_message("Tick the models to study in the Verdict panel first (an ast_freeze and an "
                                     "ast_finetuned give the agreement cases).", title="No model chosen",
                                     icon=QMessageBox.Icon.Information)
            return
        data, ok = QInputDialog.getText(self.window, "Run a study", "Data (svd:FOLDER or manifest:FILE.csv):")
        if not ok or not data.strip():
            return
        out = QFileDialog.getExistingDirectory(self.window, "Folder for the study's results")
        if out:
            self.run_study(models, data.strip(), out)

    def run_study(self, models: list[str], data: str, out: str) -> None:
        panel = self.window.models.panel
        panel.set_busy(True, "Study: starting…")
        self.tasks.submit("study", lambda state: run_in_child("voice-desk-study", RUN, (models, data, out), state),
                          on_progress=lambda task, f: panel.set_progress(f, "Study: %p%"),
                          on_status=lambda task, text: panel.set_progress(panel.progress.value() / 1000, text),
                          on_success=lambda task, folder: (panel.set_busy(False), self.open_study(folder)),
                          on_failure=lambda task, exc: (panel.set_busy(False),
                                                        self.window.show_error(exc, "Study not run")),
                          on_cancel=lambda task: (panel.set_busy(False),
                                                  self.window.status("Study cancelled; what was computed is kept "
                                                                     "in the cache.", 8000)))

    def cancel(self) -> None:
        self.tasks.cancel_all()
