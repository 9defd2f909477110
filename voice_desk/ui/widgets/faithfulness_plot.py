"""How faithful one relevance map is, drawn: its deletion and insertion curves against the random
orders' (mean as a dashed line, their range as a light band), and the one-line reading under it.

Data in (:class:`voice_desk.model.faithfulness.Curves`), nothing out: what the curves mean is
the core's; this only draws them."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from voice_desk.model.relevance_methods import caption

#: deletion and insertion in two hues that stay apart for the common colour-vision deficiencies
DELETION, INSERTION = (200, 90, 30), (40, 100, 190)
TIP = ("Deletion: the map's most relevant patches are removed first; a faithful map makes P fall fast "
       "(small area). Insertion: they are put back first into an emptied spectrogram; a faithful map makes "
       "P rise fast (large area). Dashed: the mean of random orders; band: their range.")

KEY = (f"<span style='color:rgb{DELETION}'>━ deletion</span> &nbsp; <span style='color:rgb{INSERTION}'>━ "
       f"insertion</span> &nbsp; <span style='color:#777'>╌ random orders, band: their range</span>")


class FaithfulnessPlot(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(2)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setFixedHeight(140)
        self.plot.setXRange(0, 1, padding=0.02)
        self.plot.setYRange(0, 1, padding=0.04)
        self.plot.setLabel("bottom", "share of patches removed / restored")
        self.plot.setToolTip(TIP)
        self.key = QLabel(KEY)            # a line of its own: a legend inside the plot would hide the curves
        self.key.setToolTip(TIP)
        self.key.setWordWrap(True)
        self.reading = QLabel()
        self.reading.setWordWrap(True)
        self.reading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reading.setStyleSheet("color: #333;")
        layout.addWidget(self.title)
        layout.addWidget(self.key)
        layout.addWidget(self.plot)
        layout.addWidget(self.reading)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)   # never squeezed
        self.curves = None

    def set_curves(self, model_name: str, curves) -> None:
        """``curves``: a :class:`voice_desk.model.faithfulness.Curves` of ``model_name``'s map."""
        self.curves = curves
        method = caption(curves.method, curves.target_class)
        self.title.setText(f"<b>{html.escape(model_name)}</b>: {html.escape(method)} — "
                           f"<b>{html.escape(curves.verdict())}</b>")
        self.plot.clear()
        self.plot.setLabel("left", f"P({curves.target_class})")
        x = np.asarray(curves.fractions, dtype=float)
        for name, colour, mine, random in (("deletion", DELETION, curves.deletion, curves.random_deletion),
                                           ("insertion", INSERTION, curves.insertion, curves.random_insertion)):
            random = np.atleast_2d(np.asarray(random, dtype=float))
            low = pg.PlotDataItem(x, random.min(axis=0), pen=None)
            high = pg.PlotDataItem(x, random.max(axis=0), pen=None)
            self.plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(*colour, 40)))
            self.plot.plot(x, random.mean(axis=0), pen=pg.mkPen(*colour, 150, width=1.5, style=Qt.PenStyle.DashLine))
            self.plot.plot(x, np.asarray(mine, dtype=float), pen=pg.mkPen(*colour, width=2.5), name=name)
        self.reading.setText(curves.reading())

    def reading_text(self) -> str:
        return self.reading.text()
