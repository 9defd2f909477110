"""Keeping results: the view as PNG, and the results as JSON + CSV (the session layer's
:func:`voice_desk.session.export.export_results`, as ``voice-desk assess --out`` writes them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from voice_desk.errors import VoiceDeskError
from voice_desk.session.export import export_results
from voice_desk.ui.actions import make_action


class ExportController(QObject):
    def __init__(self, window, views_widget):
        super().__init__(window)
        self.window, self.session, self.views_widget = window, window.session, views_widget
        self.export_png_action = make_action(window, "Export view as &PNG…", self.export_png_dialog, "Ctrl+E")
        self.export_results_action = make_action(window, "Export &results (JSON + CSV)…", self.export_results_dialog,
                                                 "Ctrl+Shift+E")

    def actions(self) -> list:
        return [self.export_png_action, self.export_results_action]

    def export_png_dialog(self) -> None:
        if self.session.recording is None:
            self.window.show_message("There is nothing to export yet: open or record a recording first.",
                                     title="Nothing to export")
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Export the view as PNG", self._suggested("view.png"),
                                              "PNG images (*.png)")
        if path:
            self.export_png(path)

    def export_png(self, path: str) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        if not self.views_widget.grab().save(str(path), "PNG"):
            self.window.show_message(f"{path}: the picture could not be written. Choose another folder.")
        else:
            self.window.status(f"Picture saved: {path}", 5000)
        return path

    def _suggested(self, name: str) -> str:
        """``<recording>-<name>`` beside the recording; for the demo (read-only, shipped with the app)
        or a recording without a file, in the takes folder."""
        rec = self.session.recording
        stem = rec.path.stem if rec is not None and rec.path is not None else "recording"
        if rec is not None and rec.path is not None and not self.session.is_demo:
            return str(rec.path.with_name(f"{stem}-{name}"))
        return str(self.window.recorder.takes_folder() / f"{stem}-{name}")

    def export_results_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export results (a .json and a .csv are written)",
                                              self._suggested("results.json"), "JSON (*.json)")
        if path:
            try:
                self.export_results(path)
            except (VoiceDeskError, OSError) as exc:
                self.window.show_error(exc, "Results not exported")

    def export_results(self, json_path: str) -> tuple[Path, Path]:
        s = self.session
        measured = {path: s.faithfulness_of(path) for path in s.explanations if s.faithfulness_of(path) is not None}
        out_json, out_csv = export_results(s.recording, s.alignment, s.assessment, json_path, s.measures, measured)
        self.window.status(f"Results saved: {out_json} and {out_csv.name}", 8000)
        return out_json, out_csv
