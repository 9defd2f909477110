"""Train a model…: a wizard from data to a bundle the window can use.

Pages: data (SVD folder, download or CSV manifest; counts and exclusions) → split (counts
per part) → configuration (recipe fields, device, a time estimate measured on this machine,
GPU advice for fine-tuning on a CPU) → training (a separate process; live loss and dev UAR,
progress, cancel, resume) → results (UAR, AUC, confusion matrix, ROC; "Use this model").
All work runs off the UI thread or in the training subprocess.
"""

from __future__ import annotations

import shlex
import sys
import time
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QProgressBar,
                               QPushButton, QRadioButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWizard, QWizardPage)

from voice_desk.ui.training_job import BackgroundJob
from voice_desk.ui.training_plots import ConfusionTable, CurvesView, RocView
from voice_desk.ui.training_process import TrainingProcess

DATA_KEYS = ("diagnosis_map", "exclude_singers", "exclude_known_bad", "diagnosis_override")


def _fmt_counts(counter: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items())) or "none"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class DataPage(QWizardPage):
    def __init__(self, wizard: "TrainingWizard"):
        super().__init__()
        self.w = wizard
        self.setTitle("Training data")
        self.setSubTitle("The Saarbruecken Voice Database (a local copy, or download it), or your own recordings "
                         "listed in a CSV file (path, label, speaker, gender, optional group).")
        layout = QVBoxLayout(self)
        kinds = QHBoxLayout()
        self.svd_radio = QRadioButton("Saarbruecken Voice Database folder")
        self.manifest_radio = QRadioButton("CSV manifest")
        self.svd_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.svd_radio)
        group.addButton(self.manifest_radio)
        kinds.addWidget(self.svd_radio)
        kinds.addWidget(self.manifest_radio)
        layout.addLayout(kinds)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("folder holding data/<session>/sentences/… or a .csv file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.load_button = QPushButton("Read data")
        self.load_button.clicked.connect(self.load)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        row.addWidget(self.load_button)
        layout.addLayout(row)
        options = QFormLayout()
        self.map_combo = QComboBox()
        self.map_combo.addItems(["USVAC_2025", "daSilvaMoura_2024"])
        self.override_edit = QLineEdit()
        self.override_edit.setPlaceholderText("optional CSV: diagnosis,group (organic / functional / other)")
        self.singers_box = QCheckBox("leave out singers' voices (Gesangsstimme / Sängerstimme)")
        self.singers_box.setChecked(True)
        self.bad_box = QCheckBox("leave out known-bad files (sbvoicedb's list)")
        self.bad_box.setChecked(True)
        options.addRow("organic / functional map", self.map_combo)
        options.addRow("diagnosis override", self.override_edit)
        options.addRow(self.singers_box)
        options.addRow(self.bad_box)
        layout.addLayout(options)
        self.counts_label = QLabel("No data read yet.")
        self.counts_label.setWordWrap(True)
        self.counts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.counts_label)
        layout.addWidget(self._download_box())
        self.job: BackgroundJob | None = None

    def _download_box(self) -> QGroupBox:
        box = QGroupBox("Download the Saarbruecken Voice Database (needs internet; resumes where it stopped)")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.download_folder = QLineEdit()
        self.download_folder.setPlaceholderText("folder to download into")
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download)
        row.addWidget(self.download_folder, 1)
        row.addWidget(self.download_button)
        layout.addLayout(row)
        self.pathology_list = QListWidget()
        self.pathology_list.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.pathology_list.setMaximumHeight(90)
        try:
            from voice_desk.data.svd import pathology_names

            self.pathology_list.addItems(pathology_names())
        except Exception:  # sbvoicedb missing: the list stays empty and download says why
            pass
        layout.addWidget(QLabel("Pathologies to fetch (none selected: the whole database, 17.9 GB):"))
        layout.addWidget(self.pathology_list)
        self.download_progress = QProgressBar()
        self.download_status = QLabel("")
        self.download_status.setWordWrap(True)
        layout.addWidget(self.download_progress)
        layout.addWidget(self.download_status)
        return box

    def _browse(self) -> None:
        if self.manifest_radio.isChecked():
            path, _ = QFileDialog.getOpenFileName(self, "CSV manifest", "", "CSV (*.csv)")
        else:
            path = QFileDialog.getExistingDirectory(self, "Saarbruecken Voice Database folder")
        if path:
            self.path_edit.setText(path)

    def data_spec(self) -> str:
        kind = "manifest" if self.manifest_radio.isChecked() else "svd"
        return f"{kind}:{self.path_edit.text().strip()}"

    def data_settings(self) -> dict:
        return {"diagnosis_map": self.map_combo.currentText(), "exclude_singers": self.singers_box.isChecked(),
                "exclude_known_bad": self.bad_box.isChecked(), "diagnosis_override": self.override_edit.text().strip()}

    def load(self) -> None:
        from voice_desk.data.source import load_corpus

        spec, settings = self.data_spec(), self.data_settings()
        self.w.corpus = None
        self.completeChanged.emit()
        self.counts_label.setText("Reading the data… (the first time, sbvoicedb indexes the SVD copy)")
        self.load_button.setEnabled(False)

        def work(progress):
            return load_corpus(spec, diagnosis_map=settings["diagnosis_map"],
                               diagnosis_override=settings["diagnosis_override"] or None,
                               exclude_singers=settings["exclude_singers"],
                               exclude_known_bad=settings["exclude_known_bad"])

        self.job = BackgroundJob(work, self)
        self.job.finished.connect(self._loaded)
        self.job.failed.connect(self._failed)
        self.job.start()

    def _loaded(self, corpus) -> None:
        self.load_button.setEnabled(True)
        self.w.corpus, self.w.data_spec, self.w.data_settings = corpus, self.data_spec(), self.data_settings()
        c = corpus.counts()
        excluded = "".join(f"<br>&nbsp;&nbsp;{n} × {reason}" for reason, n in sorted(c["excluded"].items()))
        self.counts_label.setText(
            f"<b>{c['clips']} recordings from {c['speakers']} speakers</b><br>"
            f"label — {_fmt_counts(c['label'])}<br>group — {_fmt_counts(c['group'])}"
            + (f" (map {corpus.diagnosis_map})" if corpus.diagnosis_map else "")
            + f"<br>gender — {_fmt_counts(c['gender'])}<br>left out: {sum(c['excluded'].values())}{excluded}")
        self.completeChanged.emit()

    def _failed(self, message: str) -> None:
        self.load_button.setEnabled(True)
        self.counts_label.setText(f"<span style='color:#b00'>{message}</span>")

    def download(self) -> None:
        from voice_desk.data.svd_download import download_svd

        folder = self.download_folder.text().strip()
        if not folder:
            self.download_status.setText("Choose a folder to download into first.")
            return
        names = [item.text() for item in self.pathology_list.selectedItems()] or None
        self.download_button.setEnabled(False)
        self.download_status.setText("Contacting Zenodo…")

        def work(progress):
            return download_svd(folder, names, progress=lambda name, done, total: progress((name, done, total)))

        self.download_job = BackgroundJob(work, self)
        self.download_job.progress.connect(self._download_progress)
        self.download_job.finished.connect(self._downloaded)
        self.download_job.failed.connect(self._download_failed)
        self.download_job.start()

    def _download_progress(self, info) -> None:
        name, done, total = info
        self.download_progress.setMaximum(max(total, 1))
        self.download_progress.setValue(done)
        self.download_status.setText(f"{name}: {done / 1e6:.0f} of {total / 1e6:.0f} MB")

    def _downloaded(self, folder) -> None:
        self.download_button.setEnabled(True)
        self.download_status.setText(f"Downloaded into {folder}.")
        self.svd_radio.setChecked(True)
        self.path_edit.setText(str(folder))
        self.load()

    def _download_failed(self, message: str) -> None:
        self.download_button.setEnabled(True)
        self.download_status.setText(f"<span style='color:#b00'>{message}</span>")

    def isComplete(self) -> bool:
        return self.w.corpus is not None


class SplitPage(QWizardPage):
    COLUMNS = ("clips", "speakers", "healthy", "pathological", "organic", "functional", "other", "male", "female")

    def __init__(self, wizard: "TrainingWizard"):
        super().__init__()
        self.w = wizard
        self.setTitle("Split")
        self.setSubTitle("80 / 10 / 10, stratified by label and gender, and speaker-disjoint: every speaker's "
                         "recordings stay in one part. Saved next to the model.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("seed"))
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setValue(42)
        self.seed.valueChanged.connect(lambda _value: self.initializePage())
        row.addWidget(self.seed)
        row.addStretch(1)
        layout.addLayout(row)
        self.table = QTableWidget(3, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setVerticalHeaderLabels(["train", "dev", "test"])
        layout.addWidget(self.table)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)

    def initializePage(self) -> None:
        from voice_desk.data.split import make_split

        self.w.split = make_split(self.w.corpus, seed=self.seed.value())
        counts = self.w.split.counts(self.w.corpus)
        for r, part in enumerate(("train", "dev", "test")):
            c = counts[part]
            values = [c["clips"], c["speakers"], *(c["label"].get(k, 0) for k in ("healthy", "pathological")),
                      *(c["group"].get(k, 0) for k in ("organic", "functional", "other")),
                      *(c["gender"].get(k, 0) for k in ("male", "female"))]
            for col, value in enumerate(values):
                self.table.setItem(r, col, QTableWidgetItem(str(value)))
        self.notes.setText("; ".join(self.w.split.notes))


class ConfigPage(QWizardPage):
    def __init__(self, wizard: "TrainingWizard"):
        super().__init__()
        self.w = wizard
        self.setTitle("Configuration")
        self.setSubTitle("Either study recipe; every value can be changed.")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.recipe_combo = QComboBox()
        self.recipe_combo.addItems(["ast_freeze", "ast_finetuned"])
        self.recipe_combo.currentTextChanged.connect(self._fill)
        self.name_edit = QLineEdit()
        form.addRow("recipe", self.recipe_combo)
        form.addRow("model name", self.name_edit)
        layout.addLayout(form)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["setting", "value"])
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.device_label = QLabel("")
        layout.addWidget(self.device_label)
        row = QHBoxLayout()
        self.measure_button = QPushButton("Measure speed on this computer")
        self.measure_button.clicked.connect(self.measure)
        row.addWidget(self.measure_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.estimate_label = QLabel("")
        self.estimate_label.setWordWrap(True)
        layout.addWidget(self.estimate_label)
        self.advice = QPlainTextEdit()
        self.advice.setReadOnly(True)
        self.advice.setMaximumHeight(110)
        layout.addWidget(self.advice)
        self.recipe = None
        self._filling = False
        self.table.itemChanged.connect(lambda item: self._update_estimate())
        self.per_clip_s: float | None = None
        self.per_clip_train_s: float | None = None
        self.cached_clips = 0

    def initializePage(self) -> None:
        from voice_desk.model.device import pick_device

        try:
            self.device = pick_device(None)
        except Exception:
            self.device = "cpu"
        names = {"cuda": "a CUDA GPU", "mps": "Apple GPU (MPS)", "cpu": "the CPU (no GPU found)"}
        self.device_label.setText(f"Device found: {names.get(self.device, self.device)}")
        self._fill(self.recipe_combo.currentText())

    def _fill(self, name: str) -> None:
        from voice_desk.train.recipe import load_recipe

        self.recipe = load_recipe(name)
        self._filling = True
        if not self.name_edit.text() or self.name_edit.text().startswith(("ast_freeze-", "ast_finetuned-")):
            self.name_edit.setText(f"{name}-{datetime.now().strftime('%Y%m%d-%H%M')}")
        skip = set(DATA_KEYS) | {"configuration", "name", "split_seed"}
        keys = [k for k in self.recipe.values if k not in skip]
        self.table.setRowCount(len(keys))
        for r, key in enumerate(keys):
            item = QTableWidgetItem(key)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(r, 0, item)
            value = self.recipe.values[key]
            text = str(value).lower() if isinstance(value, bool) else (
                "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value))
            self.table.setItem(r, 1, QTableWidgetItem(text))
        if self.w.base_model:
            self.set_value("base_model", self.w.base_model)
        self._filling = False
        self.per_clip_s = None
        self._update_estimate()

    def set_value(self, key: str, value) -> None:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).text() == key:
                self.table.setItem(r, 1, QTableWidgetItem(str(value)))
                return
        raise KeyError(key)

    def overrides(self) -> list[str]:
        """``key=value`` for every field that differs from the recipe file."""
        from voice_desk.train.recipe import parse_override

        out = []
        for r in range(self.table.rowCount()):
            key, text = self.table.item(r, 0).text(), self.table.item(r, 1).text().strip()
            _, value = parse_override(f"{key}={text}")
            current = self.recipe.values[key]
            if isinstance(current, bool):
                value = str(value).lower() in ("true", "1", "yes")
            if value != current and not (isinstance(current, float) and isinstance(value, (int, float))
                                         and float(value) == current):
                out.append(f"{key}={text}")
        return out

    def edited_recipe(self):
        from voice_desk.train.recipe import load_recipe

        return load_recipe(self.recipe_combo.currentText(), self.overrides())

    def measure(self) -> None:
        recipe = self.edited_recipe()
        clip = self.w.split.clips(self.w.corpus, "train")[0]
        clips = list(self.w.corpus.clips)
        finetune = recipe.configuration == "ast_finetuned"
        self.measure_button.setEnabled(False)
        self.estimate_label.setText("Measuring one step with the base model…")

        def work(progress):
            import torch

            from voice_desk.train.base_model import load_base
            from voice_desk.train.clip_inputs import input_values, load_samples

            model, extractor, _ = load_base(str(recipe["base_model"]))
            x = torch.from_numpy(input_values([load_samples(clip.path)], extractor))
            with torch.inference_mode():
                model(input_values=x)
                t0 = time.perf_counter()
                model(input_values=x)
                forward = time.perf_counter() - t0
            cached = 0
            if not finetune and recipe.get("cache_embeddings", True):
                from voice_desk.train.clip_inputs import file_sha256
                from voice_desk.train.embedding_cache import EmbeddingCache

                cache = EmbeddingCache(model, extractor, str(recipe["base_model"]))
                cached = sum(1 for c in clips if cache.path_for(file_sha256(c.path)).is_file())
            train = None
            if finetune:
                model.train()
                t0 = time.perf_counter()
                model(input_values=x, labels=torch.tensor([0])).loss.backward()
                train = time.perf_counter() - t0
            return forward, train, cached

        self.measure_job = BackgroundJob(work, self)
        self.measure_job.finished.connect(self._measured)
        self.measure_job.failed.connect(lambda m: (self.measure_button.setEnabled(True),
                                                    self.estimate_label.setText(f"Could not measure: {m}")))
        self.measure_job.start()

    def _measured(self, result) -> None:
        self.measure_button.setEnabled(True)
        self.per_clip_s, self.per_clip_train_s, self.cached_clips = result
        self._update_estimate()

    def _update_estimate(self) -> None:
        from voice_desk.errors import VoiceDeskError

        if self._filling or self.recipe is None:
            return
        try:
            recipe = self.edited_recipe()
        except VoiceDeskError as exc:
            self.estimate_label.setText(f"<span style='color:#b00'>{exc}</span>")
            return
        counts = self.w.split.counts(self.w.corpus) if self.w.split else None
        n_train = counts["train"]["clips"] if counts else 0
        n_all = sum(c["clips"] for c in counts.values()) if counts else 0
        epochs = int(recipe["num_train_epochs"])
        text = ""
        if self.per_clip_s is not None:
            if recipe.configuration == "ast_freeze":
                new = max(n_all - self.cached_clips, 0)
                total = new * self.per_clip_s
                text = (f"Measured here: {self.per_clip_s:.2f} s per clip through the frozen backbone. Estimate: "
                        f"{_duration(total)} to embed {new} clips ({self.cached_clips} of {n_all} are already in "
                        f"the cache), then seconds for {epochs} epochs of the head.")
            else:
                per_epoch = n_train * (self.per_clip_train_s or 3 * self.per_clip_s) + \
                    (n_all - n_train) * self.per_clip_s
                text = (f"Measured here: {(self.per_clip_train_s or 0):.2f} s per clip for a training step, "
                        f"{self.per_clip_s:.2f} s per clip for evaluation. Estimate: {_duration(per_epoch)} per "
                        f"epoch, up to {_duration(per_epoch * epochs)} for {epochs} epochs (early stopping may end "
                        f"sooner).")
        else:
            text = "Press 'Measure speed' for an estimate measured on this computer."
        self.estimate_label.setText(text)
        if recipe.configuration == "ast_finetuned" and getattr(self, "device", "cpu") == "cpu":
            command = self.w.command_line(recipe.configuration, self.overrides(), for_gpu=True)
            self.advice.setPlainText(
                "Fine-tuning the full AST on a CPU takes days (about 37 s per step of 8 clips on 2 cores). "
                "Run it on a GPU machine with a copy of the data and this command, then copy the model folder "
                "back and import it:\n\n" + command + "\n\nSeveral GPUs: torchrun --nproc_per_node=N -m "
                "voice_desk train … (see training/README.md).")
            self.advice.show()
        else:
            self.advice.hide()


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
        self.process.start(self.w.arguments(config.recipe_combo.currentText(), config.overrides()))
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
            self.status.setText(f"<span style='color:#b00'>{message}</span>")
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
        self.roc.set_roc(test["roc"]["fpr"], test["roc"]["tpr"])

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
        self.train_page.process.cancel()
        super().done(result)


def main() -> int:  # pragma: no cover - manual use: python -m voice_desk.ui.training_wizard
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    wizard = TrainingWizard()
    wizard.model_ready.connect(lambda path: print(path))
    wizard.show()
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
