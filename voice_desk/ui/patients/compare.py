"""Two sessions of a patient side by side: for each, the sentence's map per stored model (the
study's rendering: hue = relevance, brightness = power, on the model's mel axis), each model's P
with its threshold, and the key voice measures with their ranges. Everything comes from the
record: no model runs again."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from voice_desk.record import COURSE_MEASURES

MAP_SIZE = (520, 130)


def _pixmap(rgb: np.ndarray) -> QPixmap:
    """(frames, rows, 3) uint8, row 0 the lowest frequency -> a picture with time across."""
    image = np.ascontiguousarray(np.transpose(rgb, (1, 0, 2))[::-1])
    qimage = QImage(image.data, image.shape[1], image.shape[0], image.strides[0], QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(qimage).scaled(*MAP_SIZE, Qt.AspectRatioMode.IgnoreAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation)


class SessionColumn(QWidget):
    def __init__(self, record, session_id: int, parent=None):
        super().__init__(parent)
        from voice_desk.model.relevance_image import picture_rgb
        from voice_desk.model.result import Explanation

        layout = QVBoxLayout(self)
        s = record.session(session_id)
        layout.addWidget(QLabel(f"<b>Session of {html.escape(s.date)}</b>"
                                + (f" — {html.escape(s.examiner)}" if s.examiner else "")))
        sentence = next((t for t in record.takes(session_id) if t.task == "sentence"), None)
        self.maps = 0
        if sentence is None:
            layout.addWidget(QLabel("No sentence take in this session."))
        else:
            results = {r.model: r for r in record.results(sentence.id)}
            for model, npz in sorted(record.explanations(sentence.id).items()):
                try:
                    e = Explanation.load_npz(npz)
                except (OSError, ValueError, KeyError):
                    layout.addWidget(QLabel(f"{html.escape(model)}: its stored map cannot be read."))
                    continue
                picture = QLabel()
                picture.setPixmap(_pixmap(picture_rgb(e.log_mel_power, e.frame_relevance, "study", axis="mel")))
                layout.addWidget(picture)
                self.maps += 1
                r = results.get(model)
                p = r.prediction if r else {}
                verdict = (f"P(pathological) = {p['pathology_probability']:.2f} (threshold {p.get('threshold', 0.5):.2f})"
                           f" → {p.get('label')}" + (" (borderline)" if p.get("borderline") else "")
                           if p.get("pathology_probability") is not None else "no verdict")
                layout.addWidget(QLabel(f"{html.escape(model)}: {html.escape(verdict)}"))
        measures = record.measures(session_id) or {}
        lines = []
        values = {m["key"]: m for take in (measures.get("takes") or {}).values() for m in take.get("measures", [])
                  if take.get("task") == "vowel_a"}
        for key, (label, unit, _task) in COURSE_MEASURES.items():
            m = measures.get("avqi") if key == "avqi" else values.get(key)
            if not m or m.get("value") is None:
                lines.append(f"{label}: —")
                continue
            normal = m.get("normal") or m.get("threshold") or {}
            mark = {"above": " ↑", "below": " ↓"}.get(m.get("flag") or "", "")
            lines.append(f"{label}: {m['value']:.3g} {unit}{mark}" + (f" (range {normal.get('text')})"
                                                                      if normal.get("text") else ""))
        self.measure_lines = lines
        layout.addWidget(QLabel("<br>".join(html.escape(line) for line in lines)))
        layout.addStretch(1)


class CompareSessions(QWidget):
    """``CompareSessions(record, first, second)``: a window with the two sessions' columns."""

    def __init__(self, record, first: int, second: int, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Compare sessions")
        self.resize(1140, 720)
        inner = QWidget()
        grid = QGridLayout(inner)
        self.columns = [SessionColumn(record, first), SessionColumn(record, second)]
        for col, column in enumerate(self.columns):
            grid.addWidget(column, 0, col, Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        QVBoxLayout(self).addWidget(scroll)
