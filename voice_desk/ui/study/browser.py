"""The study browser: a study folder's recordings as a table (filters by case, class, gender,
group, correct or not, alignment confidence; sorted by P), each model's embedding map as a scatter
(hover names the recording, click opens it), and the per-phone ranking with CI whiskers for the
models side by side. Choosing a recording opens it in the main view with each model's map side by
side and its phones (``recording_chosen``)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

COLOURS = [(90, 120, 200), (200, 120, 60), (90, 160, 90), (150, 90, 170), (120, 120, 120), (200, 80, 120)]
FILTERS = (("case", "case"), ("label", "class"), ("gender", "gender"), ("group", "group"))


class _NumberItem(QTableWidgetItem):
    """Sorts by number, not by text."""

    def __lt__(self, other) -> bool:
        a, b = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        return (a if a is not None else -1.0) < (b if b is not None else -1.0)


class StudyBrowser(QWidget):
    recording_chosen = Signal(int)          # the recording's index in the study

    def __init__(self, study, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.study = study
        self.setWindowTitle(f"Study — {study.folder}")
        self.resize(1200, 800)
        self.rows = study.table_rows()
        self.columns = study.table_columns()
        layout = QVBoxLayout(self)
        claims = "<br>".join(f"<b>{finding}</b>: {sentence}" for finding, _verdict, sentence in study.claims())
        self.claims = QLabel(claims)
        self.claims.setWordWrap(True)
        layout.addWidget(self.claims)
        filters = QHBoxLayout()
        self.filters: dict[str, QComboBox] = {}
        for key, title in FILTERS:
            box = QComboBox()
            box.addItem(f"any {title}", None)
            for value in sorted({str(r.get(key)) for r in self.rows if r.get(key) is not None}):
                box.addItem(value, value)
            box.currentIndexChanged.connect(lambda _i: self.apply_filters())
            filters.addWidget(box)
            self.filters[key] = box
        self.correct = QComboBox()
        for key, text in ((None, "right or wrong"), ("right", "every verdict right"), ("wrong", "a verdict wrong")):
            self.correct.addItem(text, key)
        self.correct.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.sound = QComboBox()
        for key, text in ((None, "any alignment"), ("sound", "alignment not doubtful"), ("doubtful", "doubtful alignment")):
            self.sound.addItem(text, key)
        self.sound.currentIndexChanged.connect(lambda _i: self.apply_filters())
        filters.addWidget(self.correct)
        filters.addWidget(self.sound)
        filters.addStretch(1)
        layout.addLayout(filters)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(self.columns))
        self.table.setHorizontalHeaderLabels([title for _key, title in self.columns])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.choose(self._index_at(row)))
        split.addWidget(self.table)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self._embedding_view())
        lower.addWidget(self._phone_view())
        split.addWidget(lower)
        layout.addWidget(split, 1)
        self.fill_table()

    # ------------------------------------------------------------------ the table
    def fill_table(self) -> None:
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, (key, _title) in enumerate(self.columns):
                value = row.get(key)
                if isinstance(value, float):
                    item = _NumberItem(f"{value:.3f}")
                    item.setData(Qt.ItemDataRole.UserRole, value)
                else:
                    item = QTableWidgetItem("" if value is None else str(value))
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole + 1, row["index"])
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        p_columns = [c for c, (key, _t) in enumerate(self.columns) if key.startswith("p:")]
        if p_columns:                                   # highest P first
            self.table.sortItems(p_columns[0], Qt.SortOrder.DescendingOrder)
        self.table.resizeColumnsToContents()
        self.apply_filters()

    def _index_at(self, table_row: int) -> int:
        return int(self.table.item(table_row, 0).data(Qt.ItemDataRole.UserRole + 1))

    def _row(self, index: int) -> dict:
        return next(r for r in self.rows if r["index"] == index)

    def _passes(self, row: dict) -> bool:
        for key, box in self.filters.items():
            if box.currentData() is not None and str(row.get(key)) != box.currentData():
                return False
        verdicts = [row[k] for k in row if k.startswith("verdict:") and row[k] is not None]
        right = all(v == row.get("label") for v in verdicts) if verdicts else None
        wanted = self.correct.currentData()
        if wanted is not None and right is not (wanted == "right"):
            return False
        sound = self.sound.currentData()
        if sound is not None and bool(row.get("alignment_doubtful")) != (sound == "doubtful"):
            return False
        return True

    def apply_filters(self) -> None:
        for r in range(self.table.rowCount()):
            self.table.setRowHidden(r, not self._passes(self._row(self._index_at(r))))

    def visible_indices(self) -> list[int]:
        return [self._index_at(r) for r in range(self.table.rowCount()) if not self.table.isRowHidden(r)]

    def choose(self, index: int) -> None:
        self.recording_chosen.emit(index)

    # ------------------------------------------------------------------ embedding map
    def _embedding_view(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.embedding_model = QComboBox()
        for m in self.study.models:
            self.embedding_model.addItem(m.name, m.id)
        self.colour_by = QComboBox()
        for key in ("gender", "label", "group", "case"):
            self.colour_by.addItem(f"coloured by {key if key != 'label' else 'health status'}", key)
        for widget in (self.embedding_model, self.colour_by):
            widget.currentIndexChanged.connect(lambda _i: self.draw_embedding())
            row.addWidget(widget)
        self.hover_label = QLabel("")
        row.addWidget(self.hover_label, 1)
        layout.addLayout(row)
        self.scatter_plot = pg.PlotWidget(background="w")
        self.scatter_plot.addLegend(offset=(4, 4))
        self.scatter_plot.setLabel("bottom", "PC 1")
        self.scatter_plot.setLabel("left", "PC 2")
        layout.addWidget(self.scatter_plot, 1)
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self.draw_embedding()
        return box

    def draw_embedding(self) -> None:
        self.scatter_plot.clear()
        self.scatter_items = []
        embedding = self.study.embedding(self.embedding_model.currentData()) if self.study.models else None
        if embedding is None:
            return
        groups = embedding.colours(self.colour_by.currentData())
        for k, group in enumerate(sorted({str(g) for g in groups})):
            points = [dict(pos=(embedding.x[i], embedding.y[i]), data=embedding.recordings[i])
                      for i in range(len(groups)) if str(groups[i]) == group]
            item = pg.ScatterPlotItem(points, size=8, brush=pg.mkBrush(*COLOURS[k % len(COLOURS)], 200),
                                      pen=pg.mkPen(None), hoverable=True, name=group)
            item.sigClicked.connect(lambda _item, spots, _ev=None: spots and self.choose(int(spots[0].data())))
            item.sigHovered.connect(self._hovered)
            self.scatter_plot.addItem(item)
            self.scatter_items.append(item)

    def _hovered(self, _item, spots, _ev=None) -> None:
        if len(spots):
            row = self._row(int(spots[0].data()))
            self.hover_label.setText(f"{row['file']} · {row.get('label')} · {row.get('gender')} · case {row.get('case')}")

    # ------------------------------------------------------------------ phones
    def _phone_view(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.phone_class = QComboBox()
        for key in ("all", "healthy", "pathological"):
            self.phone_class.addItem(f"{key} recordings", key)
        self.phone_class.currentIndexChanged.connect(lambda _i: self.draw_phones())
        row.addWidget(QLabel("Per-phone relevance (× the recording's mean, 95 % CI):"))
        row.addWidget(self.phone_class)
        row.addStretch(1)
        layout.addLayout(row)
        self.phone_plot = pg.PlotWidget(background="w")
        self.phone_plot.addLegend(offset=(4, 4))
        layout.addWidget(self.phone_plot, 1)
        self.draw_phones()
        return box

    def draw_phones(self) -> None:
        import numpy as np

        self.phone_plot.clear()
        models = self.study.models
        rankings = {m.id: {s.phone: s for s in self.study.phone_ranking(m.id, self.phone_class.currentData())}
                    for m in models}
        first = [s.phone for s in self.study.phone_ranking(models[0].id, self.phone_class.currentData())] if models else []
        phones = [p for p in first if any(r.get(p) and r[p].value is not None for r in rankings.values())]
        width = 0.8 / max(len(models), 1)
        for k, m in enumerate(models):
            xs, ys, lo, hi = [], [], [], []
            for i, phone in enumerate(phones):
                stat = rankings[m.id].get(phone)
                if stat is None or stat.value is None:
                    continue
                xs.append(i - 0.4 + width * (k + 0.5))
                ys.append(stat.value)
                lo.append(stat.value - (stat.ci_low if stat.ci_low is not None else stat.value))
                hi.append((stat.ci_high if stat.ci_high is not None else stat.value) - stat.value)
            colour = COLOURS[k % len(COLOURS)]
            bars = pg.BarGraphItem(x=xs, height=ys, width=width * 0.9, brush=pg.mkBrush(*colour), name=m.name)
            self.phone_plot.addItem(bars)
            self.phone_plot.addItem(pg.ErrorBarItem(x=np.array(xs), y=np.array(ys), bottom=np.array(lo),
                                                    top=np.array(hi), beam=width * 0.3, pen=pg.mkPen((40, 40, 40))))
        self.phone_plot.addItem(pg.InfiniteLine(pos=1.0, angle=0, pen=pg.mkPen((120, 120, 120), style=Qt.PenStyle.DashLine)))
        self.phone_plot.getAxis("bottom").setTicks([[(i, p) for i, p in enumerate(phones)]])
        self.phones_shown = phones
