"""A small key to the relevance colours, next to the rendering choice in the toolbar.

The key is drawn by the same functions that colour the overlay, so it always matches it:
*Study colours* — left to right relevance from low (blue) to high (red), top to bottom
spectral power from loud (bright) to quiet (dark); *Heat map* — left to right relevance over
the grey spectrogram (transparent below 40 % of the clip's range, red, then yellow).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from voice_desk.model.relevance_image import DYNAMIC_RANGE_DB, study_rgb
from voice_desk.ui.relevance_render import relevance_rgba

WIDTH, HEIGHT = 72, 18
#: The grey the heat map is seen over in the key (a mid-loud spectrogram cell).
HEAT_BACKGROUND = 200

TIPS = {
    "study": ("Study colours: hue = relevance (blue = low, green, yellow, red = high, relative to this "
              "recording); brightness = spectral power (bright = loud, dark = quiet)."),
    "heat": ("Heat map: red to yellow where the model's relevance is high (relative to this recording); "
             "the grey spectrogram shows through where it is low."),
}


def legend_rgb(rendering: str, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """(height, width, 3) uint8: relevance rising left to right (and, for the study's colours,
    power falling from top to bottom)."""
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)
    if rendering == "study":
        relevance = np.repeat(ramp[:, None], height, axis=1)                  # (width, height)
        db = np.linspace(0.0, -DYNAMIC_RANGE_DB, height, dtype=np.float32)    # loud at the top
        log_power = np.repeat(db[None, :], width, axis=0) * (np.log(10.0) / 10.0)
        rgb = study_rgb(log_power, relevance)                                 # (width, height, 3)
        return (np.transpose(rgb, (1, 0, 2)) * 255).astype(np.uint8)
    frames = np.repeat(ramp[:, None], 128, axis=1)                            # (width, 128 mel bins)
    rgba = relevance_rgba(np.zeros_like(frames), frames, 5000.0, rendering)   # (width, rows, 4)
    colour = rgba[:, :1, :3].astype(np.float32)
    alpha = rgba[:, :1, 3:].astype(np.float32) / 255.0
    row = alpha * colour + (1.0 - alpha) * HEAT_BACKGROUND                    # over the grey spectrogram
    return np.repeat(np.transpose(row, (1, 0, 2)), height, axis=0).astype(np.uint8)


class RelevanceLegend(QWidget):
    """"low [colours] high" for the rendering shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(3)
        self.low = QLabel("low")
        self.swatch = QLabel()
        self.swatch.setFixedSize(WIDTH, HEIGHT)
        self.high = QLabel("high")
        for label in (self.low, self.high):
            label.setStyleSheet("color: #444;")
        layout.addWidget(self.low)
        layout.addWidget(self.swatch)
        layout.addWidget(self.high)
        self.rendering = ""
        self._image: QImage | None = None
        self.set_rendering("study")

    def set_rendering(self, rendering: str) -> None:
        rgb = np.ascontiguousarray(legend_rgb(rendering))
        image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888)
        self._image = image.copy()        # own the pixels (rgb is freed on return)
        self.swatch.setPixmap(QPixmap.fromImage(self._image))
        self.rendering = rendering
        self.setToolTip(TIPS.get(rendering, ""))
