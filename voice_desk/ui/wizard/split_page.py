"""Training wizard, page 2: the split — seed, dev and test shares, gender stratification, and
the table of counts per part, class, group and gender. A split that cannot train (an empty
part, one class in train) is explained here and the wizard does not go on."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWizardPage)

from voice_desk.ui.wizard.draft import TrainingDraft
from voice_desk.ui.wizard.messages import error_html


class SplitPage(QWizardPage):
    """Reads the draft's ``corpus``, writes its ``split``."""

    COLUMNS = ("clips", "speakers", "healthy", "pathological", "organic", "functional", "other", "male", "female")

    def __init__(self, draft: TrainingDraft):
        super().__init__()
        self.draft = draft
        self.setTitle("Split")
        self.setSubTitle("Train / dev / test, stratified by label (and gender), and speaker-disjoint: every "
                         "speaker's recordings stay in one part. The study: 80 / 10 / 10. Saved next to the model.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setValue(42)
        self.dev_percent, self.test_percent = QSpinBox(), QSpinBox()
        for box in (self.dev_percent, self.test_percent):
            box.setRange(1, 45)
            box.setValue(10)
            box.setSuffix(" %")
        self.train_label = QLabel("")
        self.gender_box = QCheckBox("stratify by gender too")
        self.gender_box.setChecked(True)
        for label, widget in (("seed", self.seed), ("dev", self.dev_percent), ("test", self.test_percent)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addWidget(self.train_label)
        row.addWidget(self.gender_box)
        row.addStretch(1)
        layout.addLayout(row)
        for signal in (self.seed.valueChanged, self.dev_percent.valueChanged, self.test_percent.valueChanged,
                       self.gender_box.toggled):
            signal.connect(lambda _value: self.initializePage())
        self.table = QTableWidget(3, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setVerticalHeaderLabels(["train", "dev", "test"])
        layout.addWidget(self.table)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)
        self.problem = ""

    def fractions(self) -> tuple[float, float, float]:
        dev, test = self.dev_percent.value(), self.test_percent.value()
        return (100 - dev - test) / 100, dev / 100, test / 100

    def initializePage(self) -> None:
        from voice_desk.data.split import make_split
        from voice_desk.errors import VoiceDeskError
        from voice_desk.train.prepare import Prepared, check_trainable

        corpus = self.draft.corpus
        if corpus is None:
            return
        self.train_label.setText(f"train {round(100 * self.fractions()[0])} %")
        split = self.draft.split = make_split(corpus, self.fractions(), seed=self.seed.value(),
                                              stratify_gender=self.gender_box.isChecked())
        counts = split.counts(corpus)
        for r, part in enumerate(("train", "dev", "test")):
            c = counts[part]
            values = [c["clips"], c["speakers"], *(c["label"].get(k, 0) for k in ("healthy", "pathological")),
                      *(c["group"].get(k, 0) for k in ("organic", "functional", "other")),
                      *(c["gender"].get(k, 0) for k in ("male", "female"))]
            for col, value in enumerate(values):
                self.table.setItem(r, col, QTableWidgetItem(str(value)))
        try:
            check_trainable(Prepared(corpus, split))
            self.problem = ""
        except VoiceDeskError as exc:  # its hint speaks of --set: say what to do on this page
            self.problem = f"{exc.problem[0].upper()}{exc.problem[1:]} Change the dev / test shares or the seed " \
                           "above, or add recordings."
        notes = [html.escape(n, quote=False) for n in split.notes]
        if self.problem:
            notes.insert(0, error_html(self.problem))
        self.notes.setText("<br>".join(notes))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.draft.split is not None and not self.problem
