"""Starting the window: :func:`run` for ``voice-desk gui`` (:mod:`voice_desk.commands.gui`).

The window is shown before anything heavy is imported; torch and transformers load in the
workers when a model first runs. ``--screenshot`` waits until every requested job has
finished, writes the window as a PNG and exits.
"""

from __future__ import annotations

import sys
import time

SCREENSHOT_TIMEOUT_S = 600.0
SCREENSHOT_SIZE = (1280, 800)


def application():
    """The QApplication (created once), named so QSettings and the window title agree."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Voice Desk")
    app.setOrganizationName("Voice Desk")
    pg.setConfigOptions(antialias=False, imageAxisOrder="col-major")
    return app


def start_window(audio: str | None = None, models: list[str] | None = None, textgrid: str | None = None,
                 screenshot: str | None = None, player=None, record_source_factory=None):
    """Create and show the window, open ``audio``; returns the window."""
    from voice_desk.ui.error_report import setup_logging
    from voice_desk.ui.main_window import MainWindow

    setup_logging()
    window = MainWindow(player=player, record_source_factory=record_source_factory, extra_models=models or [])
    window.show()
    _report_unexpected_errors(window)
    if audio:
        window.opening.open_file(audio, textgrid=textgrid)
    if screenshot:
        _arm_screenshot(window, screenshot, expect_file=bool(audio))
    return window


def _report_unexpected_errors(window) -> None:
    """A mistake of ours in a button's handler must not pass silently (Qt only prints it):
    log the details and show the plain message, as for every other error. Installed by the
    real launch only, so that tests still fail loudly on such a mistake."""
    previous = sys.excepthook

    def hook(kind, exc, tb):
        if not issubclass(kind, Exception):
            previous(kind, exc, tb)
            return
        try:
            exc.__traceback__ = tb
            window.show_error(exc, "Voice Desk")
        except Exception:  # noqa: BLE001 - the window is gone: fall back to the default report
            previous(kind, exc, tb)

    sys.excepthook = hook


def _arm_screenshot(window, path: str, expect_file: bool) -> None:
    """Poll until the window is idle (file shown, models done), then write the PNG and quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    window.resize(*SCREENSHOT_SIZE)      # the same picture whatever size the window was left at
    began = time.monotonic()
    state = {"idle_ticks": 0}

    def tick():
        ready = not window.is_busy() and (not expect_file or window.session.recording is not None or window.last_message)
        state["idle_ticks"] = state["idle_ticks"] + 1 if ready else 0
        timed_out = time.monotonic() - began > SCREENSHOT_TIMEOUT_S
        if state["idle_ticks"] >= 3 or timed_out:
            timer.stop()
            QApplication.processEvents()
            ok = window.grab().save(path, "PNG")
            window.screenshot_written = path if ok else None
            if not ok:
                print(f"voice-desk: {path}: the screenshot could not be written.", file=sys.stderr)
            for message in window.messages:     # what a user would have read in a message box
                print(f"voice-desk: {message}", file=sys.stderr)
            if timed_out:
                print(f"voice-desk: the work was not finished after {SCREENSHOT_TIMEOUT_S:.0f} s; the picture "
                      "shows the window as it was.", file=sys.stderr)
            opened = not expect_file or window.session.recording is not None
            window.close()
            QApplication.instance().exit(0 if ok and opened and not timed_out else 2)

    timer = QTimer(window)
    timer.setInterval(100)
    timer.timeout.connect(tick)
    timer.start()


def run(args) -> int:
    import multiprocessing

    from voice_desk.model.model_process import shared_model_process

    multiprocessing.freeze_support()   # the model process, in a PyInstaller build
    from voice_desk.ui.error_report import setup_logging

    setup_logging(verbose=getattr(args, "verbose", False))   # `voice-desk -v gui`: full paths in the log
    app = application()
    window = start_window(args.audio, args.models, args.textgrid, args.screenshot)
    code = app.exec()
    window.deleteLater()
    shared_model_process().close()
    return int(code)
