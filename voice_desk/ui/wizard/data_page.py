"""Training wizard, page 1: the data — an SVD folder, an SVD download (per pathology,
resumable) or a CSV manifest; counts by label, group and gender, and what was left out."""

from __future__ import annotations

import html
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QProgressBar, QPushButton,
                               QRadioButton, QVBoxLayout, QWizardPage)

from voice_desk.ui.wizard.messages import BackgroundJob, error_html

if TYPE_CHECKING:  # pragma: no cover
    from voice_desk.ui.wizard.wizard import TrainingWizard


def _fmt_counts(counter: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items())) or "none"


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
        from voice_desk.data.diagnosis_map import MAPS, MULTI_RULES

        self.map_combo = QComboBox()
        self.map_combo.addItems(list(MAPS))
        self.rule_combo = QComboBox()
        for name, text in MULTI_RULES.items():
            self.rule_combo.addItem(name, name)
            self.rule_combo.setItemData(self.rule_combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        self.rule_combo.setToolTip("\n".join(f"{k}: {v}" for k, v in MULTI_RULES.items()))
        self.override_edit = QLineEdit()
        self.override_edit.setPlaceholderText("optional CSV: diagnosis,group (organic / functional / other)")
        self.singers_box = QCheckBox("leave out singers' voices (Gesangsstimme / Sängerstimme)")
        self.singers_box.setChecked(True)
        self.bad_box = QCheckBox("leave out known-bad files (sbvoicedb's list)")
        self.bad_box.setChecked(True)
        options.addRow("organic / functional map", self.map_combo)
        options.addRow("several diagnoses", self.rule_combo)
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
        self._stop_download: threading.Event | None = None

    def _download_box(self) -> QGroupBox:
        box = QGroupBox("Download the Saarbruecken Voice Database (needs internet; resumes where it stopped)")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.download_folder = QLineEdit()
        self.download_folder.setPlaceholderText("folder to download into")
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download)
        self.stop_download_button = QPushButton("Stop")
        self.stop_download_button.setEnabled(False)
        self.stop_download_button.clicked.connect(self.stop_download)
        row.addWidget(self.download_folder, 1)
        row.addWidget(self.download_button)
        row.addWidget(self.stop_download_button)
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
        return {"diagnosis_map": self.map_combo.currentText(), "multi_diagnosis_rule": self.rule_combo.currentText(),
                "exclude_singers": self.singers_box.isChecked(),
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
                               multi_diagnosis_rule=settings["multi_diagnosis_rule"],
                               exclude_singers=settings["exclude_singers"],
                               exclude_known_bad=settings["exclude_known_bad"])

        self.job = BackgroundJob(work, self)
        self.job.finished.connect(lambda corpus: self._loaded(corpus, spec, settings))
        self.job.failed.connect(self._failed)
        self.job.start()

    def _loaded(self, corpus, spec: str, settings: dict) -> None:
        """``spec`` and ``settings``: what the corpus was read with (training gets the same, even
        when a field was edited while it was read)."""
        self.load_button.setEnabled(True)
        self.w.corpus, self.w.data_spec, self.w.data_settings = corpus, spec, settings
        c = corpus.counts()
        excluded = "".join(f"<br>&nbsp;&nbsp;{html.escape(line, quote=False)}" for line in corpus.excluded_summary())
        self.counts_label.setText(
            f"<b>{c['clips']} recordings from {c['speakers']} speakers</b><br>"
            f"label — {_fmt_counts(c['label'])}<br>group — {_fmt_counts(c['group'])}"
            + (f" (map {corpus.diagnosis_map}, several diagnoses: {settings['multi_diagnosis_rule']})"
               if corpus.diagnosis_map else "")
            + f"<br>gender — {_fmt_counts(c['gender'])}<br>left out: {sum(c['excluded'].values())}{excluded}")
        self.completeChanged.emit()

    def _failed(self, message: str) -> None:
        self.load_button.setEnabled(True)
        self.counts_label.setText(error_html(message))

    def download(self) -> None:
        from voice_desk.data.svd_download import DownloadCancelled, download_svd

        folder = self.download_folder.text().strip()
        if not folder:
            self.download_status.setText("Choose a folder to download into first.")
            return
        names = [item.text() for item in self.pathology_list.selectedItems()] or None
        self.download_button.setEnabled(False)
        self.stop_download_button.setEnabled(True)
        self.download_status.setText("Contacting Zenodo…")
        stop = self._stop_download = threading.Event()

        def work(progress):
            try:
                return download_svd(folder, names, progress=lambda name, done, total: progress((name, done, total)),
                                    cancelled=stop.is_set)
            except DownloadCancelled:
                return None

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

    def stop_download(self) -> None:
        """Stop at the next block; what arrived is kept and the next Download resumes it."""
        job = getattr(self, "download_job", None)
        if self._stop_download is not None and job is not None and job.running():
            self._stop_download.set()
            self.stop_download_button.setEnabled(False)
            self.download_status.setText("Stopping…")

    def _downloaded(self, folder) -> None:
        self.download_button.setEnabled(True)
        self.stop_download_button.setEnabled(False)
        if folder is None:
            self.download_status.setText("Download stopped. What arrived is kept: Download again to resume.")
            return
        self.download_status.setText(f"Downloaded into {folder}.")
        self.svd_radio.setChecked(True)
        self.path_edit.setText(str(folder))
        self.load()

    def _download_failed(self, message: str) -> None:
        self.download_button.setEnabled(True)
        self.stop_download_button.setEnabled(False)
        self.download_status.setText(error_html(message))

    def isComplete(self) -> bool:
        return self.w.corpus is not None
