"""Models and verdicts: the model list (remembered), import, the base-model download, the
training wizard, runs with progress and cancel, and the Verdict panel.

Models run in the model process (:mod:`voice_desk.model.model_process`); this controller's
tasks only wait for it in a worker thread, so torch is never imported into the window's
process. What the study reads from the results (first verdict per configuration, the
agreement case) is the session layer's :class:`voice_desk.session.assessment.Assessment`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar,
                               QPushButton, QWidget)

from voice_desk.errors import VoiceDeskError
from voice_desk.model.card import DEFAULT_BASE
from voice_desk.model.catalog import ModelEntry, describe_model_folder, list_bundles
from voice_desk.model.model_process import error_from_child, install_in_own_process, shared_model_process
from voice_desk.paths import models_dir
from voice_desk.session.assessment import model_order
from voice_desk.ui import settings as stored
from voice_desk.ui.actions import make_action
from voice_desk.ui.error_report import record as record_error
from voice_desk.ui.tasks import TaskRunner
from voice_desk.ui.widgets.verdict_panel import VerdictPanel

NO_MODEL_STEP = ("No model is installed yet, so there is no verdict or relevance map. One step gets one: "
                 "Models → Import… and choose a Voice Desk model folder (config.json, model.safetensors, "
                 "voice_desk.json), or Models → Train a model…, or Models → Download the AudioSet base model… "
                 "(relevance maps only, no verdict).")
#: After the window shows, start the model process and load the chosen models (in the background).
#: Starting a process blocks the window's process for a few tens of ms once: better at launch.
PRELOAD_DELAY_MS = 1500


class ModelsController(QObject):
    def __init__(self, window, extra_models: list[str] | None = None):
        super().__init__(window)
        self.window, self.session = window, window.session
        self.process = shared_model_process()
        self.tasks = TaskRunner(1, self)
        self.download_tasks = TaskRunner(1, self)   # minutes long: must not hold up the model runs
        self.session_models: list[str] = []         # folders added for this session only (--model)
        self.panel = VerdictPanel()
        self.panel.run_requested.connect(self.run)
        self.panel.cancel_requested.connect(self.window.cancel_jobs)
        self.panel.import_requested.connect(self.import_dialog)
        self.panel.choice_changed.connect(self._choice_changed)
        self.panel.true_label_changed.connect(self.session.set_true_label)
        self.dock = QDockWidget("Verdict", window)
        self.dock.setObjectName("verdict_dock")
        self.dock.setWidget(self.panel)
        self.tasks.busy_changed.connect(lambda busy: busy or self.panel.set_busy(False))
        a = lambda *args, **kw: make_action(window, *args, **kw)  # noqa: E731
        self.import_action = a("&Import…", self.import_dialog, tip="Copy a model folder into Voice Desk")
        # a lambda: connected directly, triggered(checked=False) would fill ``ask`` and skip the question
        self.download_base_action = a("&Download the AudioSet base model…", lambda: self.download_base_model(),
                                      tip="The study's starting checkpoint: relevance maps, no verdict (about 350 MB)")
        self.train_action = a("&Train a model…", self.open_training_wizard,
                              tip="Train ast_freeze or ast_finetuned on the Saarbrücken Voice Database or your own data")
        self.run_action = a("Assess && &explain", self.run, "Ctrl+Return")
        s = self.session
        s.recording_changed.connect(self._recording_changed)
        s.results_changed.connect(self.show_verdicts)
        s.true_label_changed.connect(self._true_label_changed)
        s.relevance_method_changed.connect(self._method_changed)
        s.faithfulness_changed.connect(self.show_verdicts)
        self.ran_with: tuple[str, str | None] | None = None    # the map choice of the last run
        self.refresh(extra_models or [])

    def actions(self) -> list:
        return [self.import_action, self.train_action, self.download_base_action, self.run_action]

    @property
    def busy(self) -> bool:
        return self.tasks.busy or self.download_tasks.busy

    # ------------------------------------------------------------------ the model list
    def refresh(self, extra: list[str] | None = None) -> None:
        """Bundles in the models folder, folders added earlier, and ``extra`` (e.g. --model)."""
        first_time = not stored.app_settings().contains("chosen_models")
        chosen = set(stored.chosen_models())
        for path in extra or []:
            entry = self._describe(path)
            if entry is not None:
                if entry.path not in self.session_models:
                    self.session_models.append(entry.path)
                chosen.add(entry.path)
        entries: dict[str, ModelEntry] = {}
        self.damaged: list[tuple[str, str]] = []      # folders that cannot be used, and why
        for path in [*map(str, list_bundles()), *stored.known_models(), *self.session_models]:
            try:
                entry = describe_model_folder(path)
            except VoiceDeskError as exc:
                if not any(path == d for d, _ in self.damaged):
                    self.damaged.append((path, exc.problem))
                continue
            entries.setdefault(entry.path, entry)
        if first_time and not extra:
            chosen = set(entries)
        self.session.set_models({e.path: e for e in model_order(entries.values())})
        self.panel.set_models(list(self.session.model_entries.values()), chosen, self.damaged)
        self._save_choice()
        if not entries:
            self.window.status("No model installed yet: Models → Import… a model folder, or "
                               "Models → Train a model…, to get verdicts.")

    def _describe(self, path: str) -> ModelEntry | None:
        try:
            return describe_model_folder(path)
        except VoiceDeskError as exc:
            self.window.show_error(exc, "Model not added")
            return None

    def add_model(self, path: str) -> ModelEntry | None:
        """Validate a model folder and add it to the chosen models (remembered between sessions)."""
        entry = self._describe(path)
        if entry is None:
            return None
        if Path(entry.path).parent != models_dir().resolve():
            known = stored.known_models()
            if entry.path not in known:
                stored.save_models(stored.chosen_models(), known + [entry.path])
        chosen = set(self.panel.chosen()) | {entry.path}
        stored.save_models(sorted(chosen), stored.known_models())
        self.refresh()
        self.window.status(f"Model added: {entry.name}", 5000)
        return entry

    def use_trained_model(self, path: str) -> None:
        """The wizard's "Use this model": add it and run it on the recording shown."""
        entry = self.add_model(path)
        if entry is not None and self.session.recording is not None:
            self.run()

    def _choice_changed(self) -> None:
        self._save_choice()
        self.show_verdicts()

    def _save_choice(self) -> None:
        stored.save_models(self.panel.chosen(), stored.known_models())

    # ------------------------------------------------------------------ getting models
    def open_training_wizard(self):
        """Models → Train a model…: the wizard trains in its own process; "Use this model"
        adds the new bundle to the chosen models."""
        from voice_desk.ui.wizard.wizard import TrainingWizard

        wizard = TrainingWizard(self.window, models_folder=models_dir())
        wizard.model_ready.connect(self.use_trained_model)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.show()
        self.wizard = wizard
        return wizard

    def import_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Choose a model folder to import")
        if folder:
            self.import_model(folder)

    def import_model(self, folder: str) -> None:
        """Load the folder in the model process to check it really is a usable model, copy it
        into the models folder, then add the copy."""
        try:
            describe_model_folder(folder)   # quick checks first, with a plain message
        except VoiceDeskError as exc:
            self.window.show_error(exc, "Model not imported")
            return
        target_root, process = str(models_dir()), self.process
        self.window.status(f"Checking and importing {Path(folder).name}…")
        self.tasks.submit("import", lambda state: process.import_model(folder, target_root, state),
                          on_success=lambda task, path: self.add_model(str(path)),
                          on_failure=lambda task, exc: self.window.show_error(exc, "Model not imported"))

    def download_base_model(self, ask: bool = True) -> None:
        """Models → Download the AudioSet base model…: the study's starting checkpoint, fetched
        once from the Hugging Face hub (about 350 MB; offline afterwards) and saved as a bundle.
        It gives relevance maps and sound classes, never a verdict; training starts from it."""
        if ask:
            answer = QMessageBox.question(
                self.window, "Download the base model",
                f"Download {DEFAULT_BASE} (about 350 MB) from the Hugging Face hub?\n\n"
                "It is the AudioSet model the study starts from. It shows relevance maps and the sound classes "
                "it hears, but it was not trained on voices, so it gives no verdict. Only the model is "
                "downloaded; no recording leaves this computer.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        if self.download_tasks.busy:
            self.window.status("The base model is already being downloaded.", 5000)
            return
        target_root = str(models_dir())
        indicator = self._download_indicator()
        task = self.download_tasks.submit(
            "install", lambda state: install_in_own_process(DEFAULT_BASE, target_root, state),
            on_success=lambda task, path: self.add_model(str(path)),
            on_failure=lambda task, exc: self.window.show_error(exc, "Base model not downloaded"),
            on_cancel=lambda task: self.window.status("Download cancelled; what arrived is kept for the next try.",
                                                      5000))
        task.signals.ended.connect(lambda _task: indicator.deleteLater())

    def _download_indicator(self) -> QWidget:
        """A busy bar with its own Cancel in the status bar, apart from the Verdict panel's
        progress (models can run on a recording while the download goes on)."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setFormat("Downloading the base model…")
        bar.setTextVisible(True)
        bar.setMaximumWidth(220)
        cancel = QPushButton("Cancel download")
        cancel.clicked.connect(lambda: self.download_tasks.cancel_all())
        row.addWidget(QLabel("Downloading the AudioSet base model:"))
        row.addWidget(bar)
        row.addWidget(cancel)
        self.window.statusBar().addPermanentWidget(box)
        return box

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        recording = self.session.recording
        if recording is None:
            self.window.show_message("Open or record a recording first.", icon=QMessageBox.Icon.Information)
            return
        paths = self.panel.chosen()
        if not self.session.model_entries:
            self.window.show_message(NO_MODEL_STEP, title="No model installed", icon=QMessageBox.Icon.Information)
            return
        if not paths:
            self.window.show_message("Tick at least one model in the Verdict panel (or import one: Models → Import…).",
                                     icon=QMessageBox.Icon.Information)
            return
        self.tasks.cancel_all("explain")
        self.session.forget_failures(paths)
        self.panel.set_busy(True, "Starting…")
        process, (method, target) = self.process, self.session.map_choice
        self.ran_with = (method, target)
        self.tasks.submit("explain", lambda state: process.explain(recording, paths, state, method, target),
                          self.session.file_token,
                          on_progress=self._progress, on_status=self._status, on_partial=self.take_partial,
                          on_failure=self._failed, on_cancel=self._cancelled,
                          on_success=lambda task, ran: self._done(task, ran, paths))

    def preload(self) -> None:
        """Start the model process (torch loads there) and the chosen models while the window is
        idle, so starting the process never interrupts the user and the first verdict comes
        sooner. Nothing starts when no model is installed."""
        paths, process = self.panel.chosen(), self.process
        if self.session.model_entries and not self.tasks.busy:
            self.tasks.submit("preload", lambda state: process.load(paths, state),
                              on_failure=lambda task, exc: record_error(exc, "Preloading models"))

    def cancel(self) -> None:
        self.tasks.cancel_all("explain")
        self.download_tasks.cancel_all()
        self.panel.set_progress(self.panel.progress.value() / 1000, "Cancelling…")

    def _method_changed(self) -> None:
        """Another method or class makes other maps: the models that ran on this recording run again."""
        s, running = self.session, any(task.name == "explain" for task in self.tasks.running)
        ran = s.recording is not None and (s.explanations or s.failures or running)
        if ran and s.map_choice != self.ran_with and self.panel.chosen():
            self.run()

    def _recording_changed(self) -> None:
        self.tasks.cancel_all("explain")
        if self.panel.auto_run.isChecked() and self.panel.chosen():
            self.run()

    def _progress(self, task, fraction: float) -> None:
        if task.token == self.session.file_token and not task.is_cancelled:
            self.panel.set_progress(fraction, "%p%")

    def _status(self, task, text: str) -> None:
        if task.token == self.session.file_token:
            self.panel.set_progress(self.panel.progress.value() / 1000, text)

    def take_partial(self, task, part) -> None:
        """``('result', path, Explanation)`` or ``('model_failed', path, error record)`` from the
        model process (:func:`voice_desk.model.model_jobs.explain`)."""
        if not self.session.is_current(task.token):
            return
        kind, path, value = part
        if kind == "model_failed":
            self.session.add_failure(path, record_error(error_from_child(*value), f"Model {path} could not run"))
        else:
            self.session.add_result(path, value)

    def _done(self, task, ran: int, paths: list[str]) -> None:
        """One message for the models of this run that could not run (each also says why in the
        panel); a failure kept from an earlier run on this recording is not reported again."""
        if task.token != self.session.file_token:
            return
        report = self.session.assessment.failure_report(paths, ran)
        if report:
            self.window.show_message(report, title="A model could not run")

    def _failed(self, task, exc) -> None:
        if task.token == self.session.file_token:
            self.window.show_error(exc, "The model could not run")

    def _cancelled(self, task) -> None:
        if task.token == self.session.file_token:
            self.window.status("Cancelled.", 5000)

    # ------------------------------------------------------------------ verdicts
    def _true_label_changed(self) -> None:
        self.panel.set_true_label(self.session.true_label)
        self.show_verdicts()

    def show_verdicts(self) -> None:
        assessment = self.session.assessment
        rows, failures = assessment.results(), assessment.failed()
        message = ""
        if self.session.recording is not None and not rows and not failures and self.session.model_entries:
            message = "No result yet: tick the models to run and press “Assess & explain”."
        measured = {path for path in self.session.explanations if self.session.faithfulness_of(path) is not None}
        self.panel.show_results(rows, assessment.agreement_case(), message, true_label=assessment.true_label,
                                case_note=assessment.case_note(), failures=failures, measured=measured)
