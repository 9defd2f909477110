"""Spectrogram settings (window length, maximum frequency, dynamic range, pre-emphasis)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QPushButton

from voice_desk.audio.spectrogram import SpectrogramSettings


def _spin(minimum, maximum, step, decimals, suffix) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    return box


class SpectrogramDialog(QDialog):
    def __init__(self, settings: SpectrogramSettings, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Spectrogram settings")
        form = QFormLayout(self)
        self.window_ms = _spin(1.0, 100.0, 1.0, 1, " ms")
        self.max_hz = _spin(500.0, 8000.0, 500.0, 0, " Hz")
        self.dynamic_range = _spin(10.0, 150.0, 5.0, 0, " dB")
        self.preemphasis = _spin(0.0, 24.0, 1.0, 1, " dB/octave")
        form.addRow("Window length (Gaussian)", self.window_ms)
        form.addRow("Maximum frequency", self.max_hz)
        form.addRow("Dynamic range", self.dynamic_range)
        form.addRow("Pre-emphasis", self.preemphasis)
        presets = QHBoxLayout()
        broad = QPushButton("Broad-band (Praat default)")
        broad.clicked.connect(lambda: self.set_values(SpectrogramSettings()))
        narrow = QPushButton("Narrow-band (30 ms)")
        narrow.clicked.connect(lambda: self.set_values(SpectrogramSettings(window_s=0.03)))
        presets.addWidget(broad)
        presets.addWidget(narrow)
        form.addRow(presets)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.set_values(settings)

    def set_values(self, s: SpectrogramSettings) -> None:
        self.window_ms.setValue(s.window_s * 1000)
        self.max_hz.setValue(s.max_hz)
        self.dynamic_range.setValue(s.dynamic_range_db)
        self.preemphasis.setValue(s.preemphasis_db_per_octave)

    def values(self) -> SpectrogramSettings:
        return SpectrogramSettings(window_s=self.window_ms.value() / 1000, max_hz=self.max_hz.value(),
                                   dynamic_range_db=self.dynamic_range.value(),
                                   preemphasis_db_per_octave=self.preemphasis.value()).clamped()
