"""Training wizard, page 1: the data — an SVD folder, an SVD download (per pathology,
resumable) or a CSV manifest; counts by label, group and gender, and what was left out."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QProgressBar, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget, QWizardPage)

from voice_desk.ui.tasks import TaskRunner
from voice_desk.ui.wizard.draft import TrainingDraft
from voice_desk.ui.wizard.messages import error_html, message_of


def _fmt_counts(counter: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items())) or "none"


class DataPage(QWizardPage):
    """Writes ``data_spec``, ``data_settings`` and ``corpus`` into the draft."""

    def __init__(self, draft: TrainingDraft):
        super().__init__()
        self.draft = draft
        self.setTitle("Training data")
        self.setSubTitle("The Saarbrücken Voice Database (a local copy, or download it), or your own recordings "
                         "listed in a CSV file (path, label, speaker, gender, optional group).")
        layout = QVBoxLayout(self)
        kinds = QHBoxLayout()
        self.svd_radio = QRadioButton("Saarbrücken Voice Database folder")
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
        # options that only the Saarbrücken Voice Database has (hidden for a CSV manifest)
        self.svd_options = QWidget()
        options = QFormLayout(self.svd_options)
        options.setContentsMargins(0, 0, 0, 0)
        from voice_desk.data.diagnosis_map import MAPS, MULTI_RULES

        self.map_combo = QComboBox()
        self.map_combo.addItems(list(MAPS))
        self.rule_combo = QComboBox()
        for name, text in MULTI_RULES.items():   # the rule in words; its key goes to training
            self.rule_combo.addItem(text.split(" (")[0], name)
            self.rule_combo.setItemData(self.rule_combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        self.rule_combo.setToolTip("How a session with several diagnoses is grouped")
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
        layout.addWidget(self.svd_options)
        self.counts_label = QLabel("No data read yet.")
        self.counts_label.setWordWrap(True)
        self.counts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.counts_label)
        self.download_box = self._download_box()
        layout.addWidget(self.download_box)
        self.manifest_radio.toggled.connect(self._kind_changed)
        # reading and downloading run side by side (a download may take hours)
        self.tasks = TaskRunner(2, self)
        self._reading = 0       # which reading counts: a later Read data replaces an earlier one
        self._download = None

    def _kind_changed(self, manifest: bool) -> None:
        """A CSV manifest has its own labels and groups: the SVD-only options and the download go."""
        self.svd_options.setVisible(not manifest)
        self.download_box.setVisible(not manifest)
        self.path_edit.setPlaceholderText("a .csv file: path, label, speaker, gender[, group]" if manifest else
                                          "folder holding data/<session>/sentences/…")

    def _download_box(self) -> QGroupBox:
        box = QGroupBox("Download the Saarbrücken Voice Database (needs internet; resumes where it stopped)")
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
            path = QFileDialog.getExistingDirectory(self, "Saarbrücken Voice Database folder")
        if path:
            self.path_edit.setText(path)

    def data_spec(self) -> str:
        kind = "manifest" if self.manifest_radio.isChecked() else "svd"
        return f"{kind}:{self.path_edit.text().strip()}"

    def data_settings(self) -> dict:
        return {"diagnosis_map": self.map_combo.currentText(), "multi_diagnosis_rule": self.rule_combo.currentData(),
                "exclude_singers": self.singers_box.isChecked(),
                "exclude_known_bad": self.bad_box.isChecked(), "diagnosis_override": self.override_edit.text().strip()}

    def load(self) -> None:
        from voice_desk.data.source import load_corpus

        spec, settings = self.data_spec(), self.data_settings()
        self.draft.corpus = None
        self.completeChanged.emit()
        self.counts_label.setText("Reading the data… (the first time, sbvoicedb indexes the SVD copy)")
        self.load_button.setEnabled(False)

        def read(state):
            corpus = load_corpus(spec, diagnosis_map=settings["diagnosis_map"],
                                 diagnosis_override=settings["diagnosis_override"] or None,
                                 multi_diagnosis_rule=settings["multi_diagnosis_rule"],
                                 exclude_singers=settings["exclude_singers"],
                                 exclude_known_bad=settings["exclude_known_bad"])
            # what the corpus was read with: training gets the same, even when a field was
            # edited while it was read
            return corpus, spec, settings

        self._reading += 1
        self.tasks.submit("read", read, self._reading, on_success=self._loaded, on_failure=self._failed)

    def _loaded(self, task, result) -> None:
        if task.token != self._reading:
            return
        corpus, spec, settings = result
        self.load_button.setEnabled(True)
        self.draft.corpus, self.draft.data_spec, self.draft.data_settings = corpus, spec, settings
        c = corpus.counts()
        excluded = "".join(f"<br>&nbsp;&nbsp;{html.escape(line, quote=False)}" for line in corpus.excluded_summary())
        self.counts_label.setText(
            f"<b>{c['clips']} recordings from {c['speakers']} speakers</b><br>"
            f"label — {_fmt_counts(c['label'])}<br>group — {_fmt_counts(c['group'])}"
            + (f" (map {corpus.diagnosis_map}, several diagnoses: {settings['multi_diagnosis_rule']})"
               if corpus.diagnosis_map else "")
            + f"<br>gender — {_fmt_counts(c['gender'])}<br>left out: {sum(c['excluded'].values())}{excluded}")
        self.completeChanged.emit()

    def _failed(self, task, exc) -> None:
        if task.token != self._reading:
            return
        self.load_button.setEnabled(True)
        self.counts_label.setText(error_html(message_of(exc)))

    def download(self) -> None:
        from voice_desk.data.svd_download import download_svd

        folder = self.download_folder.text().strip()
        if not folder:
            self.download_status.setText("Choose a folder to download into first.")
            return
        names = [item.text() for item in self.pathology_list.selectedItems()] or None
        self.download_button.setEnabled(False)
        self.stop_download_button.setEnabled(True)
        self.download_status.setText("Contacting Zenodo…")

        def fetch(state):   # Stop: DownloadCancelled (a TaskCancelled) at the next block
            return download_svd(folder, names, cancelled=state.is_cancelled,
                                progress=lambda name, done, total: state.set_partial_result((name, done, total)))

        self._download = self.tasks.submit("download", fetch, on_partial=self._download_progress,
                                           on_success=self._downloaded, on_failure=self._download_failed,
                                           on_cancel=self._download_stopped)

    def _download_progress(self, task, info) -> None:
        name, done, total = info
        self.download_progress.setMaximum(max(total, 1))
        self.download_progress.setValue(done)
        self.download_status.setText(f"{name}: {done / 1e6:.0f} of {total / 1e6:.0f} MB")

    def stop_download(self) -> None:
        """Stop at the next block; what arrived is kept and the next Download resumes it."""
        if self._download is not None and self._download in self.tasks.running:
            self._download.cancel()
            self.stop_download_button.setEnabled(False)
            self.download_status.setText("Stopping…")

    def _download_stopped(self, task) -> None:
        self.download_button.setEnabled(True)
        self.stop_download_button.setEnabled(False)
        self.download_status.setText("Download stopped. What arrived is kept: Download again to resume.")

    def _downloaded(self, task, folder) -> None:
        self.download_button.setEnabled(True)
        self.stop_download_button.setEnabled(False)
        self.download_status.setText(f"Downloaded into {folder}.")
        self.svd_radio.setChecked(True)
        self.path_edit.setText(str(folder))
        self.load()

    def _download_failed(self, task, exc) -> None:
        self.download_button.setEnabled(True)
        self.stop_download_button.setEnabled(False)
        self.download_status.setText(error_html(message_of(exc)))

    def isComplete(self) -> bool:
        return self.draft.corpus is not None
