"""Training progress as events: JSON lines for the wizard, a text bar for a terminal.

Events are dicts with an ``event`` key:
``stage`` (stage, message), ``progress`` (stage, done, total), ``log`` (step, epoch, loss,
learning_rate), ``eval`` (epoch, step, dev_uar, dev_auc, dev_loss), ``excluded`` (item, reason),
``done`` (bundle, metrics), ``error`` (message).
"""

from __future__ import annotations

import sys
import time
from typing import Callable

from voice_desk.model.json_io import dumps

Report = Callable[[dict], None]


def silent(event: dict) -> None:
    """A reporter that drops everything."""


class JsonLines:
    """One JSON object per line on ``stream`` (stdout by default), flushed at once."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def __call__(self, event: dict) -> None:
        self.stream.write(dumps(event, ensure_ascii=False, default=str) + "\n")
        self.stream.flush()


class TextBar:
    """Plain-text progress for a terminal: a bar for long stages, a line per log/eval."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self._last = 0.0
        self._bar_open = False     # a bar drawn with \r and no line end yet

    def __call__(self, event: dict) -> None:
        kind = event.get("event")
        out = self.stream
        if self._bar_open and kind in ("stage", "log", "eval", "excluded", "done", "error"):
            out.write("\n")
            self._bar_open = False
        if kind == "stage":
            out.write(f"\n== {event.get('message', event.get('stage'))}\n")
        elif kind == "progress":
            done, total = event.get("done", 0), max(event.get("total", 1), 1)
            now = time.monotonic()
            if done < total and now - self._last < 0.2:
                return
            self._last = now
            filled = int(self.width * done / total)
            out.write(f"\r{event.get('stage', '')}: [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}")
            self._bar_open = done < total
            if done >= total:
                out.write("\n")
        elif kind == "log":
            out.write(f"step {event['step']} epoch {event['epoch']:.2f} loss {event['loss']:.4f}\n")
        elif kind == "eval":
            out.write(f"epoch {event['epoch']:.0f}: dev UAR {event['dev_uar']:.3f}"
                      + (f", dev AUC {event['dev_auc']:.3f}" if event.get("dev_auc") is not None else "") + "\n")
        elif kind == "excluded":
            out.write(f"left out {event['item']}: {event['reason']}\n")
        elif kind == "done":
            test = event.get("metrics", {}).get("test", {})
            out.write(f"\nSaved {event['bundle']}  test UAR {test.get('uar')}  AUC {test.get('auc')}\n")
        elif kind == "error":
            out.write(f"error: {event['message']}\n")
        out.flush()
