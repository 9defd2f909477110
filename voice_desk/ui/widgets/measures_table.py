"""The voice measures of a session's takes as a table: value, normal range with its source, and a
mark when a value lies outside its range — a mark, not a colour: a measure is not a diagnosis.
A measure that could not be computed shows why instead of a number."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

COLUMNS = ("measure", "value", "normal range", "")
MARKS = {"above": "↑ above", "below": "↓ below"}
TASK_TITLES = {"sentence": "Sentence", "vowel_a": "Sustained /a/", "mpt": "Maximum phonation /a/"}


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


class MeasuresTable(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)   # a reason spans value..mark
        self.setColumnWidth(1, 110)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.message = ""

    def show_message(self, text: str) -> None:
        self.setRowCount(0)
        self.message = text
        self._row([text], italic=True)

    def show_session(self, measures) -> None:
        """A :class:`voice_desk.measures.result.SessionMeasures`: each take, then AVQI and DSI."""
        self.setRowCount(0)
        self.message = ""
        for task, report in measures.takes.items():
            self._row([f"{TASK_TITLES.get(task, task)} — {Path(report.source).name}"], bold=True,
                      tip="; ".join(f"{k}: {v}" for k, v in report.settings.items()))
            for warning in report.warnings:
                self._row([f"⚠ {warning}"], italic=True)
            for m in report.measures.values():
                if m.value is None:
                    self._row([m.label, f"— {m.why_not}"], tip=m.praat)
                    continue
                normal = m.normal.describe() if m.normal is not None else "—"
                tip = "\n".join(part for part in (m.normal.source if m.normal else m.no_range, m.praat) if part)
                self._row([m.label, f"{_number(m.value)} {m.unit}".strip(), normal, MARKS.get(m.flag, "")], tip=tip)
        self._row(["Indices"], bold=True)
        for index in (measures.avqi, measures.dsi):
            if index.value is None:
                self._row([index.label, f"— {index.why_not}"], tip=index.source)
            else:
                self._row([index.label, _number(index.value), index.threshold.describe(),
                           MARKS.get(index.flag, "")], tip=f"{index.formula}\n{index.source}\n{index.threshold.source}")

    def _row(self, cells: list[str], bold: bool = False, italic: bool = False, tip: str = "") -> None:
        row = self.rowCount()
        self.insertRow(row)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            font = QFont()
            font.setBold(bold)
            font.setItalic(italic)
            item.setFont(font)
            if tip:
                item.setToolTip(tip)
            item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, col, item)
        if len(cells) == 1 or (len(cells) == 2 and cells[1].startswith("—")):
            self.setSpan(row, len(cells) - 1, 1, len(COLUMNS) - len(cells) + 1)
        self.resizeRowToContents(row)

    def rows_text(self) -> list[list[str]]:
        """What the table shows, row by row (for tests and copying)."""
        return [[self.item(r, c).text() if self.item(r, c) else "" for c in range(self.columnCount())]
                for r in range(self.rowCount())]
