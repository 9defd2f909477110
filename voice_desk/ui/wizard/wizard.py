"""Train a model…: a wizard from data to a bundle the window can use.

Pages: data (SVD folder, download or CSV manifest; counts and exclusions) → split (shares,
seed, counts per part) → configuration (recipe fields, device, a time estimate measured on this machine,
GPU advice for fine-tuning on a CPU) → training (a separate process; live loss and dev UAR,
progress, cancel, resume) → results (UAR, AUC, confusion matrix, ROC; "Use this model").

The pages share one :class:`TrainingDraft` (each reads what the pages before it chose and
writes its own part). Reading and downloading data run as tasks in a thread pool; the device,
the speed probe and training run in the training process (:class:`TrainingChild`), so the
window's process never imports torch.
"""

from __future__ import annotations

import html

import sys
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWizard, QWizardPage

from voice_desk.ui.wizard.config_page import ConfigPage
from voice_desk.ui.wizard.data_page import DataPage
from voice_desk.ui.wizard.draft import TrainingDraft
from voice_desk.ui.wizard.messages import error_html
from voice_desk.ui.wizard.plots import ConfusionTable, CurvesView, RocView
from voice_desk.ui.wizard.split_page import SplitPage
from voice_desk.ui.wizard.training_child import TrainingChild


class TrainPage(QWizardPage):
    """Runs the draft's training in the training process; writes ``bundle`` and ``result_event``."""

    #: the training ended: '' when the model was saved, else the message shown
    ended = Signal(str)

    def __init__(self, draft: TrainingDraft, training: TrainingChild):
        super().__init__()
        self.draft = draft
        self.setTitle("Training")
        self.setSubTitle("Training runs in a separate process; the window stays responsive.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.start_button = QPushButton("Start training")
        self.cancel_button = QPushButton("Cancel")
        self.resume_button = QPushButton("Resume")
        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.cancel_button.clicked.connect(self.cancel)
        for b in (self.start_button, self.cancel_button, self.resume_button):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.curves = CurvesView()
        layout.addWidget(self.curves, 1)
        self.process = training
        self.process.event.connect(self.on_event)
        self.process.ended.connect(self.on_ended)
        self._buttons(running=False, resumable=False)

    def _buttons(self, running: bool, resumable: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.resume_button.setEnabled(resumable and not running)

    def start(self, resume: bool = False) -> None:
        self.draft.bundle = None
        self.draft.result_event = None
        if not resume:
            self.curves.clear_data()
        # Start begins afresh (an interrupted run's checkpoints in the folder are discarded);
        # Resume continues it (last checkpoint; the embedding cache serves ast_freeze either way).
        self.process.train(self.draft.arguments() + ([] if resume else ["--restart"]))
        self.status.setText("Starting the training process…")
        self._buttons(running=True, resumable=False)
        self.completeChanged.emit()

    def cancel(self) -> None:
        self.process.cancel()

    def on_event(self, event: dict) -> None:
        kind = event.get("event")
        if kind in ("log", "eval"):
            self.curves.add_event(event)
        if kind == "stage":
            self.status.setText(event.get("message", ""))
        elif kind == "progress":
            self.progress.setMaximum(max(int(event.get("total", 1)), 1))
            self.progress.setValue(int(event.get("done", 0)))
        elif kind == "log" and event.get("total_steps"):
            self.progress.setMaximum(int(event["total_steps"]))
            self.progress.setValue(int(event["step"]))
        elif kind == "eval":
            self.status.setText(f"epoch {event['epoch']}: dev UAR {event['dev_uar']:.3f}")
        elif kind == "done":
            self.draft.bundle = event["bundle"]
            self.draft.result_event = event

    def on_ended(self, message: str) -> None:
        done = self.draft.bundle is not None and not message
        self._buttons(running=False, resumable=not done)
        if done:
            self.status.setText(f"Finished: {self.draft.bundle}")
        else:
            self.draft.bundle = None
            self.status.setText(error_html(message))
        self.completeChanged.emit()
        self.ended.emit(message)

    def isComplete(self) -> bool:
        return self.draft.bundle is not None and not self.process.running()

    def cleanupPage(self) -> None:
        self.process.cancel()


class ResultsPage(QWizardPage):
    """Shows the draft's trained ``bundle``; "Use this model" emits ``chosen(bundle folder)``."""

    chosen = Signal(str)

    def __init__(self, draft: TrainingDraft):
        super().__init__()
        self.draft = draft
        self.setTitle("Results on the test part")
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        self.confusion = ConfusionTable()
        self.roc = RocView()
        row.addWidget(self.confusion)
        row.addWidget(self.roc, 1)
        layout.addLayout(row, 1)
        self.use_button = QPushButton("Use this model")
        self.use_button.clicked.connect(self.use)
        layout.addWidget(self.use_button)

    def initializePage(self) -> None:
        from voice_desk.model.card import ModelCard
        from voice_desk.model.operating_point import OperatingPoint, test_summary

        card = ModelCard.load(self.draft.bundle)
        test = card.metrics["test"]
        genders = "<br>".join(f"&nbsp;&nbsp;{html.escape(g)}: {html.escape(test_summary(m, warn=False))}"
                              for g, m in test.get("per_gender", {}).items())
        point = OperatingPoint.from_metrics(card.metrics)
        self.summary.setText(f"<b>{html.escape(test_summary(test))}</b> ({card.configuration}; UAR at 0.5, as the "
                             f"study reports it)<br>Verdicts use {html.escape(point.describe(warn=False))}<br>"
                             f"By gender:<br>{genders}<br>Saved in {html.escape(str(self.draft.bundle))}")
        self.confusion.set_matrix(test["confusion_matrix"])
        self.roc.set_roc(test["roc"]["fpr"], test["roc"]["tpr"],
                         {g: m["roc"] for g, m in test.get("per_gender", {}).items() if "roc" in m})

    def use(self) -> None:
        self.chosen.emit(str(self.draft.bundle))


class TrainingWizard(QWizard):
    """Train a model…; emits ``model_ready(bundle folder)`` when the user picks "Use this model"."""

    model_ready = Signal(str)

    def __init__(self, parent=None, models_folder: Path | None = None, base_model: str | None = None):
        super().__init__(parent)
        from voice_desk.paths import models_dir

        self.setWindowTitle("Train a model")
        self.models_folder = Path(models_folder) if models_folder else models_dir()
        self.base_model = base_model
        self.draft = TrainingDraft(self.models_folder, base_model)
        self.training = TrainingChild(self)
        self.data_page = DataPage(self.draft)
        self.split_page = SplitPage(self.draft)
        self.config_page = ConfigPage(self.draft, self.training)
        self.train_page = TrainPage(self.draft, self.training)
        self.results_page = ResultsPage(self.draft)
        self.results_page.chosen.connect(self._use)
        for page in (self.data_page, self.split_page, self.config_page, self.train_page, self.results_page):
            self.addPage(page)
        self.resize(900, 700)

    def _use(self, bundle: str) -> None:
        self.model_ready.emit(bundle)
        self.accept()

    def done(self, result: int) -> None:
        """Closing the wizard stops its training process (and a speed probe) and any download."""
        self.training.stop()
        self.data_page.stop_download()
        super().done(result)


def main() -> int:  # pragma: no cover - manual use: python -m voice_desk.ui.wizard.wizard
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    wizard = TrainingWizard()
    wizard.model_ready.connect(lambda path: print(path))
    wizard.show()
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
