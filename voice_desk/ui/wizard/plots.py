"""Plots for the training wizard: live loss / dev-UAR curves, ROC curve, confusion matrix."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem


class CurvesView(pg.GraphicsLayoutWidget):
    """Training loss (every logging_steps, or the epoch's mean when fewer steps were logged) and
    dev loss (every evaluation) by optimiser step, and dev UAR by epoch, updated as events arrive."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.loss_plot = self.addPlot(title="loss")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.addLegend(offset=(-10, 10))
        self.uar_plot = self.addPlot(title="dev UAR")
        self.uar_plot.setLabel("bottom", "epoch")
        self.uar_plot.setYRange(0, 1)
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#1f77b4", width=2), symbol="t", symbolSize=5,
                                              symbolBrush="#1f77b4", name="training")
        self.dev_loss_curve = self.loss_plot.plot(pen=pg.mkPen("#ff7f0e", width=2), symbol="o", symbolSize=5,
                                                  name="dev")
        self.uar_curve = self.uar_plot.plot(pen=pg.mkPen("#d62728", width=2), symbol="o", symbolSize=6)
        self.clear_data()

    def clear_data(self) -> None:
        self.steps, self.losses, self.epochs, self.uars, self.eval_steps, self.dev_losses = [], [], [], [], [], []
        self.logged_since_eval = False
        self.loss_curve.setData([], [])
        self.dev_loss_curve.setData([], [])
        self.uar_curve.setData([], [])

    def add_event(self, event: dict) -> None:
        """A resumed run that redoes steps or epochs replaces them (never two points for one epoch)."""
        if event.get("event") == "log":
            self.logged_since_eval = True
            self.steps, self.losses = _redo_from(self.steps, self.losses, event["step"], event["loss"])
            self.loss_curve.setData(self.steps, self.losses)
        elif event.get("event") == "eval":
            self.epochs, self.uars = _redo_from(self.epochs, self.uars, event["epoch"], event["dev_uar"])
            self.uar_curve.setData(self.epochs, self.uars)
            train_loss = event.get("train_loss")
            if train_loss is not None and "step" in event and not self.logged_since_eval:
                # no training log since the last evaluation (fewer steps than logging_steps): the
                # epoch's mean training loss stands for it
                self.steps, self.losses = _redo_from(self.steps, self.losses, event["step"], train_loss)
                self.loss_curve.setData(self.steps, self.losses)
            self.logged_since_eval = False
            loss = event.get("dev_loss")
            if loss is not None and loss == loss and "step" in event:
                self.eval_steps, self.dev_losses = _redo_from(self.eval_steps, self.dev_losses, event["step"], loss)
                self.dev_loss_curve.setData(self.eval_steps, self.dev_losses)


def _redo_from(xs: list, ys: list, x, y) -> tuple[list, list]:
    """The curve (xs, ys) with the point (x, y) last: points at x or later (a resumed run doing
    them again) are dropped."""
    keep = sum(1 for old in xs if old < x)
    return xs[:keep] + [x], ys[:keep] + [y]


class RocView(pg.PlotWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.setLabel("bottom", "false positive rate (healthy called pathological)")
        self.setLabel("left", "true positive rate")
        self.setXRange(0, 1)
        self.setYRange(0, 1)
        self.addLegend(offset=(-10, -10))
        self.plot([0, 1], [0, 1], pen=pg.mkPen("#999999", style=pg.QtCore.Qt.PenStyle.DashLine))
        self.curve = self.plot(pen=pg.mkPen("#2ca02c", width=2), name="all")
        self.gender_curves: dict = {}

    def set_roc(self, fpr, tpr, per_gender: dict | None = None) -> None:
        """The test ROC, and one thinner curve per gender (``{gender: {"fpr", "tpr"}}``)."""
        self.curve.setData(list(fpr), list(tpr))
        for curve in self.gender_curves.values():
            self.removeItem(curve)
        self.gender_curves = {}
        colours = {"female": "#d62728", "male": "#1f77b4"}
        for gender, roc in sorted((per_gender or {}).items()):
            self.gender_curves[gender] = self.plot(list(roc["fpr"]), list(roc["tpr"]), name=gender,
                                                   pen=pg.mkPen(colours.get(gender, "#7f7f7f"), width=1))


class ConfusionTable(QTableWidget):
    """Rows: true class; columns: predicted class."""

    def __init__(self, parent=None):
        super().__init__(2, 2, parent)
        self.setHorizontalHeaderLabels(["predicted\nhealthy", "predicted\npathological"])
        self.setVerticalHeaderLabels(["healthy", "pathological"])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setToolTip("Rows: the true label; columns: the model's verdict at P = 0.5 (the study's UAR)")

    def set_matrix(self, matrix) -> None:
        for i in range(2):
            for j in range(2):
                self.setItem(i, j, QTableWidgetItem(str(matrix[i][j])))
        self.resizeColumnsToContents()
        # wide enough for the headers and numbers, never cut off
        self.setMinimumWidth(self.verticalHeader().width() + self.horizontalHeader().length() + 2 * self.frameWidth() + 4)
