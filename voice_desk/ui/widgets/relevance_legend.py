"""A small key to the relevance colours, next to the rendering choice in the toolbar.

The key is :func:`voice_desk.model.relevance_image.legend_rgb`, drawn by the function that
colours the overlay and the ``explain --png`` picture, so it always matches both:
*Study colours* — left to right relevance from low (blue) to high (red), top to bottom
spectral power from loud (bright) to quiet (dark); *Heat map* — left to right relevance over
the grey spectrogram (transparent below 40 % of the clip's range, red, then yellow).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from voice_desk.model.relevance_image import SCALE_WORDS, legend_rgb

WIDTH, HEIGHT = 72, 18

TIPS = {
    "study": ("Study colours: hue = relevance (blue = low, green, yellow, red = high, {scale}); "
              "brightness = spectral power (bright = loud, dark = quiet)."),
    "heat": ("Heat map: red to yellow where the model's relevance is high ({scale}); "
             "the grey spectrogram shows through where it is low."),
}
SCALE_TIPS = {"recording": "relative to this recording: colours cannot be compared between recordings or models",
              "uniform": "relative to a uniform map, from ¼× to 4× with 1× in the middle: the same colour means "
                         "the same for every recording and model"}


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
        self.scale = "recording"
        self._image: QImage | None = None
        self.set_rendering("study")

    def set_rendering(self, rendering: str) -> None:
        rgb = np.ascontiguousarray(legend_rgb(rendering, WIDTH, HEIGHT))
        image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888)
        self._image = image.copy()        # own the pixels (rgb is freed on return)
        self.swatch.setPixmap(QPixmap.fromImage(self._image))
        self.rendering = rendering
        self.setToolTip(TIPS.get(rendering, "").format(scale=SCALE_TIPS[self.scale]))

    def set_scale(self, scale: str) -> None:
        """Which scale the colours are on: the end labels and the tip say it."""
        self.scale = scale
        low, high, _ = SCALE_WORDS[scale]
        self.low.setText(low)
        self.high.setText(high)
        self.setToolTip(TIPS.get(self.rendering, "").format(scale=SCALE_TIPS[scale]))
