"""A small painted input level meter: RMS bar, peak line with hold, and a clipping light."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

FLOOR_DB = -60.0
GREEN_UNTIL_DB = -18.0
YELLOW_UNTIL_DB = -6.0
PEAK_HOLD_S = 1.5


class LevelMeter(QWidget):
    """Horizontal meter from -60 to 0 dBFS.

    The bar shows RMS (green, yellow above -18 dBFS, red above -6 dBFS), a white line the
    held peak. The "CLIP" light turns red when a block clipped and stays lit until the
    user clicks the meter or :meth:`reset` is called — a short clip must not go unnoticed.
    """

    clip_reset = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.peak_db = FLOOR_DB
        self.rms_db = FLOOR_DB
        self.held_peak_db = FLOOR_DB
        self.clipping = False
        self._held_at = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Input level (dBFS). Aim for peaks between -18 and -6 dB. "
                        "CLIP lights when the input is too loud; click to clear it.")
        self.setAccessibleName("Input level meter")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(280, 24)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(120, 20)

    def set_level(self, peak_db: float, rms_db: float, clipped: bool = False) -> None:
        now = time.monotonic()
        self.peak_db = max(FLOOR_DB, min(0.0, peak_db))
        self.rms_db = max(FLOOR_DB, min(0.0, rms_db))
        if self.peak_db >= self.held_peak_db or now - self._held_at > PEAK_HOLD_S:
            self.held_peak_db, self._held_at = self.peak_db, now
        if clipped:
            self.clipping = True
        self.update()

    def reset(self) -> None:
        """Back to silence, peak hold and clip light cleared."""
        self.peak_db = self.rms_db = self.held_peak_db = FLOOR_DB
        self.clipping = False
        self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.clipping:
            self.clipping = False
            self.clip_reset.emit()
            self.update()
        super().mousePressEvent(event)

    @staticmethod
    def _fraction(db: float) -> float:
        return (max(FLOOR_DB, min(0.0, db)) - FLOOR_DB) / -FLOOR_DB

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        h = self.height()
        clip_w = max(36, h * 2)
        bar = QRectF(0, 0, self.width() - clip_w - 4, h)
        painter.fillRect(bar, QColor(30, 30, 30))
        # RMS bar in three colour zones
        level_x = bar.width() * self._fraction(self.rms_db)
        for lo, hi, colour in ((FLOOR_DB, GREEN_UNTIL_DB, QColor(60, 180, 75)),
                               (GREEN_UNTIL_DB, YELLOW_UNTIL_DB, QColor(230, 200, 40)),
                               (YELLOW_UNTIL_DB, 0.0, QColor(220, 50, 40))):
            x0, x1 = bar.width() * self._fraction(lo), min(level_x, bar.width() * self._fraction(hi))
            if x1 > x0:
                painter.fillRect(QRectF(x0, 2, x1 - x0, h - 4), colour)
        # held peak
        peak_x = bar.width() * self._fraction(self.held_peak_db)
        if self.held_peak_db > FLOOR_DB:
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawLine(int(peak_x), 1, int(peak_x), h - 2)
        # ticks every 6 dB
        painter.setPen(QPen(QColor(90, 90, 90), 1))
        for db in range(int(FLOOR_DB), 1, 6):
            x = int(bar.width() * self._fraction(db))
            painter.drawLine(x, h - 4, x, h - 1)
        # clip light
        light = QRectF(self.width() - clip_w, 0, clip_w, h)
        painter.fillRect(light, QColor(220, 30, 30) if self.clipping else QColor(60, 20, 20))
        painter.setPen(QColor(255, 255, 255) if self.clipping else QColor(140, 110, 110))
        painter.drawText(light, Qt.AlignmentFlag.AlignCenter, "CLIP")
        painter.end()
