"""Training wizard, page 3: the recipe with editable fields, the device, a time estimate
measured on this computer and, for fine-tuning on a CPU, the exact command for a GPU machine.

The device and the speed are found by the training process (:class:`TrainingChild`), never
here: importing torch would freeze the window for seconds. The probe starts when the page
opens; "Measure speed on this computer" runs it again."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWizardPage)

from voice_desk.ui.wizard.draft import TrainingDraft
from voice_desk.ui.wizard.messages import error_html, message_of
from voice_desk.ui.wizard.training_child import TrainingChild

#: Set on the data and split pages (the split is made there and passed as a file), not here.
DATA_KEYS = ("diagnosis_map", "multi_diagnosis_rule", "exclude_singers", "exclude_known_bad", "diagnosis_override",
             "pathologies", "split_fractions", "split_seed", "stratify_gender")
DEVICE_NAMES = {"cuda": "a CUDA GPU", "mps": "Apple GPU (MPS)", "cpu": "the CPU (no GPU found)"}


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class ConfigPage(QWizardPage):
    """Reads the draft's data and split; writes ``recipe_name``, ``overrides``, ``model_name``
    and the ``device`` the training process found."""

    def __init__(self, draft: TrainingDraft, training: TrainingChild):
        super().__init__()
        self.draft, self.training = draft, training
        self.setTitle("Configuration")
        self.setSubTitle("Either study recipe; every value can be changed.")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.recipe_combo = QComboBox()
        self.recipe_combo.addItems(["ast_freeze", "ast_finetuned"])
        self.recipe_combo.currentTextChanged.connect(self._fill)
        self.name_edit = QLineEdit()
        self.name_edit.textChanged.connect(self._name_changed)
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
        self.table.itemChanged.connect(self._item_changed)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.probe_problem = ""    # why the last measurement failed (a missing base model): training would too
        self.per_clip_s: float | None = None
        self.per_clip_train_s: float | None = None
        self.cached_clips = 0
        self._probe = 0     # which probe's speed counts (a changed recipe or a new probe drops older ones)
        self._measuring = False

    def initializePage(self) -> None:
        self._fill(self.recipe_combo.currentText())
        self.measure()

    def _fill(self, name: str) -> None:
        from voice_desk.train.recipe import load_recipe

        self.recipe = load_recipe(name)
        self._filling = True
        if not self.name_edit.text() or self.name_edit.text().startswith(("ast_freeze-", "ast_finetuned-")):
            self.name_edit.setText(f"{name}-{datetime.now().strftime('%Y%m%d-%H%M')}")
        skip = set(DATA_KEYS) | {"configuration", "name"}
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
        if self.draft.base_model:
            self.set_value("base_model", self.draft.base_model)
        self._filling = False
        self.per_clip_s = None
        self._probe += 1        # a measurement of the other recipe would mislead
        self._measuring = False
        self.measure_button.setEnabled(True)
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

    def _name_changed(self, text: str) -> None:
        self.draft.model_name = text

    def _write_draft(self) -> None:
        self.draft.recipe_name = self.recipe_combo.currentText()
        self.draft.overrides = self.overrides()
        self.draft.model_name = self.name_edit.text()

    def _item_changed(self, item) -> None:
        """A new base model or device is measured again (the last measurement no longer holds)."""
        row = item.row()
        key = self.table.item(row, 0)
        if not self._filling and item.column() == 1 and key is not None and key.text() in ("base_model", "device"):
            self.measure()
        else:
            self._update_estimate()

    def validatePage(self) -> bool:
        """Go on only with values training accepts, and not with a base model the measurement could not
        load: training would fail on it minutes later (the reason is shown under the table)."""
        from voice_desk.errors import VoiceDeskError

        if self.probe_problem:
            self.estimate_label.setText(error_html(f"Training cannot start: {self.probe_problem} Change base_model "
                                                   "above (a local AST folder), then measure again."))
            return False

        try:
            self.edited_recipe()
        except VoiceDeskError as exc:
            self.estimate_label.setText(error_html(str(exc)))
            return False
        self._write_draft()
        return True

    def edited_recipe(self):
        from voice_desk.train.recipe import load_recipe

        return load_recipe(self.recipe_combo.currentText(), self.overrides())

    # ---------------------------------------------------------------- device and speed
    def measure(self) -> None:
        """Ask the training process for the device and the base model's speed on one clip."""
        from voice_desk.errors import VoiceDeskError

        try:
            recipe = self.edited_recipe()
        except VoiceDeskError as exc:
            self.estimate_label.setText(error_html(str(exc)))
            return
        corpus, split = self.draft.corpus, self.draft.split
        if corpus is None or split is None:
            return
        if self.draft.device is None:
            self.device_label.setText("Device: measuring…")
        self.measure_button.setEnabled(False)
        self.probe_problem = ""
        self._measuring = True
        self._probe += 1
        self._update_estimate()
        self.training.probe(str(recipe["base_model"]), str(recipe.get("device") or "auto"),
                            split.clips(corpus, "train")[0].path, [c.path for c in corpus.clips],
                            fine_tune=recipe.configuration == "ast_finetuned",
                            cache_embeddings=bool(recipe.get("cache_embeddings", True)), token=self._probe,
                            on_partial=self._device_found, on_success=self._measured,
                            on_failure=self._not_measured, on_cancel=self._measure_stopped)

    def _device_found(self, task, part) -> None:
        device = part.get("device") if isinstance(part, dict) else None
        if device:
            self.draft.device = device
            self.device_label.setText(f"Device found: {DEVICE_NAMES.get(device, device)}")
            self._update_estimate()

    def _measured(self, task, result: dict) -> None:
        self._device_found(task, result)
        if task.token != self._probe:
            return
        self._measuring = False
        self.measure_button.setEnabled(True)
        self.per_clip_s, self.per_clip_train_s = result["forward_s"], result["train_step_s"]
        self.cached_clips = result["cached_clips"]
        self._update_estimate()

    def _not_measured(self, task, exc) -> None:
        if task.token != self._probe:
            return
        self._measuring = False
        self.measure_button.setEnabled(True)
        if self.draft.device is None:
            self.device_label.setText("Device: not found (the measurement failed).")
        self.probe_problem = message_of(exc)
        self.estimate_label.setText(error_html(f"Could not measure: {self.probe_problem}"))

    def _measure_stopped(self, task) -> None:
        if task.token == self._probe:
            self._measuring = False
            self.measure_button.setEnabled(True)
            self._update_estimate()
            if self.draft.device is None:
                self.device_label.setText("Device: not measured (stopped).")

    def _update_estimate(self) -> None:
        from voice_desk.errors import VoiceDeskError

        if self._filling or self.recipe is None:
            return
        self._write_draft()
        try:
            recipe = self.edited_recipe()
        except VoiceDeskError as exc:
            self.estimate_label.setText(error_html(str(exc)))
            return
        split = self.draft.split
        counts = split.counts(self.draft.corpus) if split is not None else None
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
        elif self._measuring:
            text = "Measuring one step with the base model…"
        else:
            text = "Press 'Measure speed' for an estimate measured on this computer."
        self.estimate_label.setText(text)
        if recipe.configuration == "ast_finetuned" and self.draft.device == "cpu" and split is not None:
            command = self.draft.command_line(for_gpu=True)
            self.advice.setPlainText(
                "Fine-tuning the full AST on a CPU takes days (about 37 s per step of 8 clips on 2 cores). "
                "Run it on a GPU machine: copy the data folder and the split file named after --split (so the "
                "GPU run uses this very split), change the paths if they differ there, run this command, then "
                "copy the model folder back into the models folder:\n\n" + command +
                "\n\nSeveral GPUs: torchrun --nproc_per_node=N -m voice_desk train … with the same arguments "
                "(see training/README.md).")
            self.advice.show()
        else:
            self.advice.hide()
