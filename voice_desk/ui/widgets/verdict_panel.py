"""The verdict panel: which models to run, each model's outcome, the model card, the
study's agreement case when the true label is known, and the research-use notice.

A model that is not a trained healthy/pathological model never shows a probability of
pathology here: only its top classes."""

from __future__ import annotations

from pathlib import Path

import html

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QProgressBar, QPushButton, QScrollArea, QSplitter, QTextBrowser, QVBoxLayout,
                               QWidget)

from voice_desk.analysis.agreement import describe_case
from voice_desk.model.catalog import ModelEntry
from voice_desk.ui.widgets.faithfulness_plot import FaithfulnessPlot

NOTICE = ("Research use only. Voice Desk is not a medical device and this is not a diagnosis: "
          "a clinician judges the voice.")
NO_MODEL = ("<b>No model is installed yet.</b> The window shows, plays and annotates recordings "
            "without one; to get a verdict you need one model folder.<br><b>One step:</b> "
            "<i>Models → Import…</i> and choose a Voice Desk model folder (for example one your group "
            "trained; it holds config.json, model.safetensors and voice_desk.json), or "
            "<i>Models → Train a model…</i> with the Saarbrücken Voice Database or your own labelled "
            "recordings. <i>Models → Download the AudioSet base model…</i> (online, once) gives relevance "
            "maps but no verdict.")
TRUE_LABELS = ("unknown", "healthy", "pathological")
CHECK_LINK = "Check the map…"
CHECK_TIP = ("How faithful is this map? Removes the patches it ranks highest, then restores them, and follows "
             "the model's probability against random orders (a few minutes on a full-size model).")


class _KeepSpace(QObject):
    """Space ticks a model or presses a button in this panel (rather than the window's play/stop)
    while that control has the keyboard focus."""

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space:
            event.accept()
            return True
        return False


def verdict_html(prediction, true_label: str | None) -> str:
    """P(pathological), the model's threshold and borderline band, the label — in neutral colours
    (a verdict is not a diagnosis; green and red would read as one) — and whether it matches the
    true label when that is known."""
    p, band = prediction.pathology_probability, prediction.band
    rule = f"threshold {prediction.threshold:.2f}" + (f", borderline {band[0]:.2f}–{band[1]:.2f}" if band
                                                       else ", no borderline band recorded")
    text = (f"P(pathological) = <b>{p:.2f}</b> <span style='color:#555'>({rule})</span><br>"
            f"→ <b>{html.escape(prediction.label)}</b>")
    if prediction.borderline:
        text += (" <span style='background:#eee6c8;padding:1px 3px'><b>borderline</b>: this model could as well "
                 "have said the other</span>")
    if true_label:
        if prediction.label.lower() == true_label:
            text += f" <span style='color:#555'>(matches the true label, {html.escape(true_label)})</span>"
        else:
            text += (f" <span style='color:#7a4b00'><b>✗ does not match the true label, "
                     f"{html.escape(true_label)}</b></span>")
    return text + "<br>"


class VerdictPanel(QWidget):
    run_requested = Signal()
    cancel_requested = Signal()
    import_requested = Signal()
    choice_changed = Signal()
    true_label_changed = Signal(str)
    check_requested = Signal(str)       # a model's path: measure how faithful its map is

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(QLabel("<b>Models</b>"))
        self.model_list = QListWidget()
        self.model_list.setMaximumHeight(72)
        self.model_list.itemChanged.connect(lambda _item: self.choice_changed.emit())
        layout.addWidget(self.model_list)
        self.no_model = QLabel(NO_MODEL)
        self.no_model.setWordWrap(True)
        self.no_model.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.no_model)
        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import model…")
        self.import_button.clicked.connect(self.import_requested)
        self.run_button = QPushButton("Assess && explain")
        self.run_button.setToolTip("Run the ticked models on this recording (in the background)")
        self.run_button.clicked.connect(self.run_requested)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.run_button)
        layout.addLayout(buttons)
        self.auto_run = QCheckBox("Run when a recording opens")
        self.auto_run.setChecked(True)
        layout.addWidget(self.auto_run)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        self.set_busy(False)
        truth = QHBoxLayout()
        truth.addWidget(QLabel("True label:"))
        self.true_label = QComboBox()
        self.true_label.addItems(TRUE_LABELS)
        self.true_label.setToolTip("Enter the clinical label when it is known, to see the study's agreement case")
        self.true_label.currentTextChanged.connect(self.true_label_changed)
        truth.addWidget(self.true_label, 1)
        layout.addLayout(truth)
        self.results = QTextBrowser()
        self.results.setOpenExternalLinks(False)
        self.results.setOpenLinks(False)
        self.results.anchorClicked.connect(self._link_clicked)
        self.results.setMinimumHeight(90)
        self.row_paths: list[str] = []            # the models of the result rows, for their links
        self.faithfulness = QScrollArea()         # each checked map's curves, under the verdicts
        self.faithfulness.setWidgetResizable(True)
        self.faithfulness.setMinimumHeight(120)
        self.faithfulness.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.faithfulness_plots: list[FaithfulnessPlot] = []
        self.faithfulness.hide()
        self.results_split = QSplitter(Qt.Orientation.Vertical)   # the user shares the height out
        self.results_split.setChildrenCollapsible(False)
        self.results_split.addWidget(self.results)
        self.results_split.addWidget(self.faithfulness)
        layout.addWidget(self.results_split, 1)
        self.notice = QLabel(NOTICE)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #7a4b00; background: #fff4d6; padding: 4px; border-radius: 3px;")
        layout.addWidget(self.notice)
        self.setMinimumWidth(290)
        self._keep_space = _KeepSpace(self)
        for widget in (self.model_list, self.import_button, self.run_button, self.auto_run, self.cancel_button,
                       self.true_label):
            widget.installEventFilter(self._keep_space)

    def set_true_label(self, label: str | None) -> None:
        """Show ``label`` ('healthy', 'pathological'; None: 'unknown') without sending ``true_label_changed``."""
        self.true_label.blockSignals(True)
        self.true_label.setCurrentText(label or "unknown")
        self.true_label.blockSignals(False)

    # --- models ----------------------------------------------------------------------------
    def set_models(self, entries: list[ModelEntry], chosen: set[str],
                   damaged: list[tuple[str, str]] = ()) -> None:
        """``entries`` to tick; ``damaged``: (folder, why) for bundles that cannot be used, listed
        greyed with the reason so a bad bundle never just vanishes."""
        self.model_list.blockSignals(True)
        self.model_list.clear()
        for entry in entries:
            item = QListWidgetItem(entry.name)
            item.setData(Qt.ItemDataRole.UserRole, entry.path)
            item.setToolTip(f"{entry.summary}\n{entry.path}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if entry.path in chosen else Qt.CheckState.Unchecked)
            self.model_list.addItem(item)
        for folder, why in damaged:
            item = QListWidgetItem(f"{Path(folder).name} (damaged)")
            item.setToolTip(f"Cannot be used: {why}\n{folder}")
            item.setFlags(Qt.ItemFlag.NoItemFlags)          # greyed, never ticked or run
            self.model_list.addItem(item)
        self.model_list.blockSignals(False)
        shown = bool(entries) or bool(damaged)
        self.no_model.setVisible(not entries)
        self.model_list.setVisible(shown)
        self.run_button.setEnabled(bool(entries))

    def chosen(self) -> list[str]:
        out = []
        for i in range(self.model_list.count()):
            item = self.model_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def set_checked(self, path: str, checked: bool = True) -> None:
        for i in range(self.model_list.count()):
            item = self.model_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == path:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    # --- progress --------------------------------------------------------------------------
    def set_busy(self, busy: bool, text: str = "") -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.progress.setValue(0)
            self.progress.setFormat(text or "%p%")

    def set_progress(self, fraction: float, text: str | None = None) -> None:
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if text:
            self.progress.setFormat(text)

    # --- results ---------------------------------------------------------------------------
    def show_results(self, rows: list[tuple[ModelEntry, object]], case: str | None, message: str = "",
                     true_label: str | None = None, case_note: str = "",
                     failures: list[tuple[ModelEntry, str]] = (), measured: set[str] = frozenset()) -> None:
        """``rows``: (model, Prediction) pairs; ``case``: 'O'/'X'/'A'/'B' or None; with the
        ``true_label`` known, each verdict says whether it matches it; ``failures``: (model,
        plain message) for models that could not run on this recording; ``measured``: the models
        whose map's faithfulness is shown below (the others get a link to check it)."""
        parts = []
        if message:
            parts.append(f"<p>{html.escape(message)}</p>")
        self.row_paths = [entry.path for entry, _ in rows]
        for row, (entry, prediction) in enumerate(rows):
            parts.append(f"<p><b>{html.escape(entry.name)}</b><br>")
            if prediction.gives_verdict and prediction.pathology_probability is not None:
                parts.append(verdict_html(prediction, true_label))
            else:
                reason = prediction.no_verdict_reason or "it was not trained to tell healthy from pathological voices"
                parts.append(f"<i>No verdict: {html.escape(reason)}.</i>")
                tops = ", ".join(f"{html.escape(l)} {v:.2f}" for l, v in prediction.top_classes(3))
                parts.append(f" Its top classes: {tops}<br>" if tops else "<br>")
            parts.append(f"<span style='color:#555'>{html.escape(entry.summary)}</span>")
            for warning in prediction.warnings:
                parts.append(f"<br><span style='color:#8a5a00'>⚠ {html.escape(warning)}</span>")
            if entry.path in measured:
                parts.append("<br><span style='color:#555'>Map checked: its curves are below.</span>")
            else:
                parts.append(f"<br><a href='check:{row}' title='{html.escape(CHECK_TIP)}'>{CHECK_LINK}</a>")
            parts.append("</p>")
        for entry, text in failures:
            parts.append(f"<p><b>{html.escape(entry.name)}</b><br><span style='color:#a01010'>Could not run: "
                         f"{html.escape(text)}</span></p>")
        if case:
            head, _, rest = describe_case(case).partition(": ")
            parts.append(f"<p><b>{html.escape(head)}</b>: {html.escape(rest)}</p>")
        elif case_note:
            parts.append(f"<p style='color:#555'>{html.escape(case_note)}</p>")
        self.results.setHtml("".join(parts))

    def results_text(self) -> str:
        return self.results.toPlainText()

    def _link_clicked(self, url) -> None:
        kind, _, row = url.toString().partition(":")
        if kind == "check" and row.isdigit() and int(row) < len(self.row_paths):
            self.check_requested.emit(self.row_paths[int(row)])

    def request_check(self, path: str) -> None:
        """As if the user clicked ``path``'s “Check the map…” link."""
        self.check_requested.emit(path)

    # --- faithfulness ----------------------------------------------------------------------
    def show_faithfulness(self, items: list[tuple[str, object]]) -> None:
        """``items``: (model name, :class:`voice_desk.model.faithfulness.Curves`) of the maps checked."""
        while len(self.faithfulness_plots) > len(items):
            self.faithfulness_plots.pop().deleteLater()
        if not self.faithfulness_plots and items:
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(2, 0, 2, 0)
            column.addStretch(1)
            self.faithfulness.setWidget(box)
        appeared, new = items and not self.faithfulness.isVisibleTo(self), None
        for index, (name, curves) in enumerate(items):
            if index == len(self.faithfulness_plots):
                new = FaithfulnessPlot()
                column = self.faithfulness.widget().layout()
                column.insertWidget(column.count() - 1, new)
                self.faithfulness_plots.append(new)
            self.faithfulness_plots[index].set_curves(name, curves)
        if new is not None:            # the new map's title at the top, then as much of its plot and reading as fit
            QTimer.singleShot(0, new, lambda: (self.faithfulness.ensureWidgetVisible(new.reading),
                                               self.faithfulness.ensureWidgetVisible(new.title)))
        self.faithfulness.setVisible(bool(items))
        if appeared:                   # the curves get most of the height; the verdicts stay readable
            total = sum(self.results_split.sizes())
            self.results_split.setSizes([max(130, total // 3), total - max(130, total // 3)])
