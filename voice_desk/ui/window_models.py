"""Choosing, importing and running models, and showing their verdicts (part of
:class:`voice_desk.ui.main_window.MainWindow`). The models run in the model process."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton,
                               QWidget)

from voice_desk.errors import VoiceDeskError
from voice_desk.model.card import DEFAULT_BASE
from voice_desk.model.catalog import ModelEntry, describe_model_folder
from voice_desk.paths import list_bundles, models_dir
from voice_desk.ui import settings as stored
from voice_desk.ui.error_report import record as record_error
from voice_desk.model.model_process import install_in_own_process
from voice_desk.ui.model_runner import explain_all, import_model, preload

CONFIG_ORDER = {"ast_freeze": 0, "ast_finetuned": 1}
NO_MODEL_STEP = ("No model is installed yet, so there is no verdict or relevance map. One step gets one: "
                 "Models → Import… and choose a Voice Desk model folder (config.json, model.safetensors, "
                 "voice_desk.json), or Models → Train a model…, or Models → Download the AudioSet base model… "
                 "(relevance maps only, no verdict).")


class ModelsMixin:
    """Model choice (remembered), import, background runs with progress and cancel, verdicts."""

    def refresh_models(self, extra: list[str] | None = None) -> None:
        """Bundles in the models folder, folders added earlier, and ``extra`` (e.g. --model)."""
        s = stored.app_settings()
        first_time = not s.contains("chosen_models")
        chosen = set(stored.chosen_models())
        for path in extra or []:
            entry = self._describe(path)
            if entry is not None:
                if entry.path not in self.session_models:
                    self.session_models.append(entry.path)
                chosen.add(entry.path)
        entries: dict[str, ModelEntry] = {}
        for path in [*map(str, list_bundles()), *stored.known_models(), *self.session_models]:
            try:
                entry = describe_model_folder(path)
            except VoiceDeskError:
                continue
            entries.setdefault(entry.path, entry)
        if first_time and not extra:
            chosen = set(entries)
        self.model_entries = dict(sorted(entries.items(), key=lambda kv: (
            CONFIG_ORDER.get(kv[1].configuration or "", 2), kv[1].name)))
        self.verdict.set_models(list(self.model_entries.values()), chosen)
        self._save_model_choice()
        if not entries:
            self.statusBar().showMessage("No model installed yet: Models → Import… a model folder, or "
                                         "Models → Train a model…, to get verdicts.")

    def _describe(self, path: str) -> ModelEntry | None:
        try:
            return describe_model_folder(path)
        except VoiceDeskError as exc:
            self.show_error(exc, "Model not added")
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
        chosen = set(self.verdict.chosen()) | {entry.path}
        stored.save_models(sorted(chosen), stored.known_models())
        self.refresh_models()
        self.statusBar().showMessage(f"Model added: {entry.name}", 5000)
        return entry

    def _choice_changed(self) -> None:
        self._save_model_choice()
        self._show_verdicts()

    def _save_model_choice(self) -> None:
        stored.save_models(self.verdict.chosen(), stored.known_models())

    def open_training_wizard(self):
        """Models → Train a model…: the wizard trains in its own process; "Use this model"
        adds the new bundle to the chosen models."""
        from voice_desk.ui.wizard.wizard import TrainingWizard

        wizard = TrainingWizard(self, models_folder=models_dir())
        wizard.model_ready.connect(self.add_model)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.show()
        return wizard

    def import_model_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder to import")
        if folder:
            self.import_model(folder)

    def import_model(self, folder: str) -> None:
        """Load the folder to check it really is a usable model (worker), copy it into the models
        folder, then add the copy."""
        try:
            describe_model_folder(folder)   # quick checks first, with a plain message
        except VoiceDeskError as exc:
            self.show_error(exc, "Model not imported")
            return
        target_root = models_dir()
        self.statusBar().showMessage(f"Checking and importing {Path(folder).name}…")
        process = self.model_process
        self.io_jobs.submit("import", lambda progress, cancelled, emit: import_model(process, folder, target_root,
                                                                                     cancelled),
                            self.file_token, on_success=lambda job, path: self.add_model(str(path)),
                            on_failure=lambda job, exc: self.show_error(exc, "Model not imported"))

    def download_base_model(self, ask: bool = True) -> None:
        """Models → Download the AudioSet base model…: the study's starting checkpoint, fetched
        once from the Hugging Face hub (about 350 MB; offline afterwards) and saved as a bundle.
        It gives relevance maps and sound classes, never a verdict; training starts from it."""
        if ask:
            answer = QMessageBox.question(
                self, "Download the base model",
                f"Download {DEFAULT_BASE} (about 350 MB) from the Hugging Face hub?\n\n"
                "It is the AudioSet model the study starts from. It shows relevance maps and the sound classes "
                "it hears, but it was not trained on voices, so it gives no verdict. Only the model is "
                "downloaded; no recording leaves this computer.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        if self.download_jobs.busy:
            self.statusBar().showMessage("The base model is already being downloaded.", 5000)
            return
        target_root = models_dir()
        indicator = self._download_indicator()

        def done(job, path) -> None:
            self.add_model(str(path))

        def failed(job, exc) -> None:
            self.show_error(exc, "Base model not downloaded")

        def cancelled(job) -> None:
            self.statusBar().showMessage("Download cancelled; what arrived is kept for the next try.", 5000)

        job = self.download_jobs.submit("install", lambda progress, cancelled, emit: install_in_own_process(
            DEFAULT_BASE, str(target_root), cancelled), self.file_token,
            on_success=done, on_failure=failed, on_cancel=cancelled)
        job.signals.ended.connect(lambda _job: indicator.deleteLater())

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
        cancel.clicked.connect(lambda: self.download_jobs.cancel_all())
        row.addWidget(QLabel("Downloading the AudioSet base model:"))
        row.addWidget(bar)
        row.addWidget(cancel)
        self.statusBar().addPermanentWidget(box)
        return box

    def run_models(self) -> None:
        if self.recording is None:
            self.show_message("Open or record a recording first.", icon=QMessageBox.Icon.Information)
            return
        paths = self.verdict.chosen()
        if not self.model_entries:
            self.show_message(NO_MODEL_STEP, title="No model installed", icon=QMessageBox.Icon.Information)
            return
        if not paths:
            self.show_message("Tick at least one model in the Verdict panel (or import one: Models → Import…).",
                              icon=QMessageBox.Icon.Information)
            return
        self.model_jobs.cancel_all("explain")
        recording, process = self.recording, self.model_process
        for path in paths:
            self.model_failures.pop(path, None)
        self.verdict.set_busy(True, "Starting…")
        self.model_jobs.submit("explain", lambda progress, cancelled, emit: explain_all(
            process, recording, paths, progress, cancelled, emit), self.file_token,
            on_progress=self._job_progress, on_partial=self._job_partial, on_failure=self._job_failed,
            on_cancel=self._job_cancelled, on_success=lambda job, ran: self._job_done(job, ran, paths))

    def _preload_models(self) -> None:
        """Start the model process (torch loads there) and the chosen models while the window is
        idle, so starting the process never interrupts the user and the first verdict comes
        sooner. Nothing starts when no model is installed."""
        paths = self.verdict.chosen()
        if self.model_entries and not self.model_jobs.busy:
            process = self.model_process
            self.model_jobs.submit("preload", lambda progress, cancelled, emit: preload(process, paths, cancelled),
                                   self.file_token, on_failure=lambda job, exc: record_error(exc, "Preloading models"))

    def cancel_jobs(self) -> None:
        self.model_jobs.cancel_all("explain")
        self.download_jobs.cancel_all()
        self.align_jobs.cancel_all()
        self.verdict.set_progress(self.verdict.progress.value() / 1000, "Cancelling…")

    def _model_busy(self, busy: bool) -> None:
        if not busy:
            self.verdict.set_busy(False)

    def _job_progress(self, job, fraction: float) -> None:
        if job.token == self.file_token and not job.is_cancelled:
            self.verdict.set_progress(fraction, "%p%")

    def _job_partial(self, job, part) -> None:
        if job.token != self.file_token:
            self.dropped_results += 1
            return
        if part[0] == "status":
            self.verdict.set_progress(self.verdict.progress.value() / 1000, part[1])
            return
        if part[0] == "model_failed":
            _, path, error = part
            self.model_failures[path] = record_error(error, f"Model {path} could not run")
            if self.explanations.pop(path, None) is not None:   # an earlier result is not this run's
                self._refresh_overlay_models()
                self._update_relevance()
            self._show_verdicts()
            return
        _, path, explanation = part
        self.explanations[path] = explanation
        self._refresh_overlay_models()
        self._update_relevance()
        self._show_verdicts()
        self.results_changed.emit()

    def _job_done(self, job, ran: int, paths: list[str]) -> None:
        """One message for the models of this run (``paths``) that could not run (each also says why
        in the panel); a failure kept from an earlier run on this recording is not reported again."""
        failed = [path for path in paths if path in self.model_failures]
        if job.token != self.file_token or not failed:
            return
        names = {path: entry.name for path, entry in self.model_entries.items()}
        lines = [f"{names.get(path, path)}: {self.model_failures[path]}" for path in failed]
        total = ran + len(lines)
        head = (f"{len(lines)} of {total} models could not run on this recording"
                + (f"; the verdict panel shows the other {ran}." if ran else "."))
        self.show_message(head + "\n\n" + "\n\n".join(lines), title="A model could not run")

    def _job_failed(self, job, exc) -> None:
        if job.token == self.file_token:
            self.show_error(exc, "The model could not run")

    def _job_cancelled(self, job) -> None:
        if job.token == self.file_token:
            self.statusBar().showMessage("Cancelled.", 5000)

    def is_busy(self) -> bool:
        return self.io_jobs.busy or self.model_jobs.busy or self.align_jobs.busy or self.download_jobs.busy

    # ------------------------------------------------------------------ verdicts
    def _results_in_order(self) -> list[tuple[ModelEntry, object]]:
        return [(entry, self.explanations[path].prediction) for path, entry in self.model_entries.items()
                if path in self.explanations]

    def _failures_in_order(self) -> list[tuple[ModelEntry, str]]:
        return [(entry, self.model_failures[path]) for path, entry in self.model_entries.items()
                if path in self.model_failures]

    def _study_labels(self) -> dict[str, str]:
        """The first verdict of each study configuration (ast_freeze, ast_finetuned) shown."""
        labels = {}
        for entry, prediction in self._results_in_order():
            if entry.configuration in CONFIG_ORDER and prediction.gives_verdict:
                labels.setdefault(entry.configuration, prediction.label)
        return labels

    def known_true_label(self) -> str | None:
        truth = self.verdict.true_label.currentText()
        return truth if truth in ("healthy", "pathological") else None

    def agreement_case(self) -> str | None:
        from voice_desk.analysis.agreement import agreement_case

        truth, labels = self.known_true_label(), self._study_labels()
        if truth is None or len(labels) < 2:
            return None
        return agreement_case(truth, labels["ast_freeze"], labels["ast_finetuned"])

    def _show_verdicts(self) -> None:
        rows, failures = self._results_in_order(), self._failures_in_order()
        message = ""
        if self.recording is not None and not rows and not failures and self.model_entries:
            message = "No result yet: tick the models to run and press “Assess & explain”."
        truth, case = self.known_true_label(), self.agreement_case()
        case_note = ""
        if truth and rows and case is None:
            missing = [c for c in CONFIG_ORDER if c not in self._study_labels()]
            case_note = ("The study's agreement case (O, X, A, B) needs a verdict from both an ast_freeze and an "
                         f"ast_finetuned model; missing here: {' and '.join(missing)}.")
        self.verdict.show_results(rows, case, message, true_label=truth, case_note=case_note, failures=failures)
