"""Train a model…: a wizard from data to a bundle the window can use.

Pages: data (SVD folder, download or CSV manifest; counts and exclusions) → split (shares,
seed, counts per part) → configuration (recipe fields, device, a time estimate measured on this machine,
GPU advice for fine-tuning on a CPU) → training (a separate process; live loss and dev UAR,
progress, cancel, resume) → results (UAR, AUC, confusion matrix, ROC; "Use this model").
All work runs off the UI thread or in the training subprocess.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWizard, QWizardPage

from voice_desk.ui.wizard.config_page import ConfigPage
from voice_desk.ui.wizard.data_page import DataPage
from voice_desk.ui.wizard.messages import error_html
from voice_desk.ui.wizard.plots import ConfusionTable, CurvesView, RocView
from voice_desk.ui.wizard.training_process import TrainingProcess
from voice_desk.ui.wizard.split_page import SplitPage


class TrainPage(QWizardPage):
    def __init__(self, wizard: "TrainingWizard"):
        super().__init__()
        self.w = wizard
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
        self.process = TrainingProcess(self)
        self.process.event.connect(self.on_event)
        self.process.ended.connect(self.on_ended)
        self._buttons(running=False, resumable=False)

    def _buttons(self, running: bool, resumable: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.resume_button.setEnabled(resumable and not running)

    def start(self, resume: bool = False) -> None:
        self.w.bundle = None
        self.w.result_event = None
        if not resume:
            self.curves.clear_data()
        config = self.w.config_page
        arguments = self.w.arguments(config.recipe_combo.currentText(), config.overrides())
        # Start begins afresh (an interrupted run's checkpoints in the folder are discarded);
        # Resume continues it (last checkpoint; the embedding cache serves ast_freeze either way).
        self.process.start(arguments + ([] if resume else ["--restart"]))
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
            self.w.bundle = event["bundle"]
            self.w.result_event = event

    def on_ended(self, code: int, message: str) -> None:
        done = self.w.bundle is not None
        self._buttons(running=False, resumable=not done)
        if done:
            self.status.setText(f"Finished: {self.w.bundle}")
        else:
            self.status.setText(error_html(message))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.w.bundle is not None and not self.process.running()

    def cleanupPage(self) -> None:
        self.process.cancel()


class ResultsPage(QWizardPage):
    def __init__(self, wizard: "TrainingWizard"):
        super().__init__()
        self.w = wizard
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

        card = ModelCard.load(self.w.bundle)
        test = card.metrics["test"]
        genders = "; ".join(f"{g}: UAR {m['uar']}, AUC {m['auc']} (n={m['n']})"
                            for g, m in test.get("per_gender", {}).items())
        self.summary.setText(f"<b>UAR {test['uar']:.3f} &nbsp; AUC "
                             f"{'n/a' if test['auc'] is None else format(test['auc'], '.3f')}</b> on {test['n']} "
                             f"test recordings ({card.configuration}).<br>By gender — {genders}<br>"
                             f"Saved in {self.w.bundle}")
        self.confusion.set_matrix(test["confusion_matrix"])
        self.roc.set_roc(test["roc"]["fpr"], test["roc"]["tpr"],
                         {g: m["roc"] for g, m in test.get("per_gender", {}).items() if "roc" in m})

    def use(self) -> None:
        self.w.model_ready.emit(str(self.w.bundle))
        self.w.accept()


class TrainingWizard(QWizard):
    """Train a model…; emits ``model_ready(bundle folder)`` when the user picks "Use this model"."""

    model_ready = Signal(str)

    def __init__(self, parent=None, models_folder: Path | None = None, base_model: str | None = None):
        super().__init__(parent)
        from voice_desk.paths import models_dir

        self.setWindowTitle("Train a model")
        self.models_folder = Path(models_folder) if models_folder else models_dir()
        self.base_model = base_model
        self.corpus = None
        self.split = None
        self.data_spec = ""
        self.data_settings: dict = {}
        self.bundle: str | None = None
        self.result_event: dict | None = None
        self.data_page = DataPage(self)
        self.split_page = SplitPage(self)
        self.config_page = ConfigPage(self)
        self.train_page = TrainPage(self)
        self.results_page = ResultsPage(self)
        for page in (self.data_page, self.split_page, self.config_page, self.train_page, self.results_page):
            self.addPage(page)
        self.resize(900, 700)

    def out_folder(self) -> Path:
        return self.models_folder / (self.config_page.name_edit.text().strip() or "model")

    def split_file(self) -> Path:
        from voice_desk.paths import cache_dir

        folder = cache_dir() / "wizard-splits" / self.out_folder().name
        self.split.save(folder, self.corpus)
        return folder / "split.csv"

    def _data_overrides(self) -> list[str]:
        out = []
        for key, value in self.data_settings.items():
            if key == "diagnosis_override" and not value:
                continue
            out.append(f"{key}={str(value).lower() if isinstance(value, bool) else value}")
        out.append(f"split_seed={self.split.seed}")
        out.append("split_fractions=[" + ",".join(f"{f:g}" for f in self.split.fractions) + "]")
        out.append(f"stratify_gender={str(self.split.stratify_gender).lower()}")
        return out

    def arguments(self, configuration: str, overrides: list[str]) -> list[str]:
        args = ["--recipe", configuration, "--data", self.data_spec, "--out", str(self.out_folder()),
                "--split", str(self.split_file())]
        for value in self._data_overrides() + overrides:
            args += ["--set", value]
        return args

    def command_line(self, configuration: str, overrides: list[str], for_gpu: bool = False) -> str:
        """The exact command that runs this training (for a GPU machine: same data, same split)."""
        args = self.arguments(configuration, overrides)
        args[args.index("--recipe") + 1] = f"training/{configuration}.toml"
        if for_gpu:
            args += ["--device", "cuda"]
        return "voice-desk train " + " ".join(shlex.quote(a) for a in args)

    def done(self, result: int) -> None:
        """Closing the wizard stops its training process and any download."""
        self.train_page.process.cancel()
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
