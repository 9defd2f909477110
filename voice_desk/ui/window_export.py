"""Keeping results: the view as PNG, results as JSON + CSV (part of
:class:`voice_desk.ui.main_window.MainWindow`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from voice_desk.errors import VoiceDeskError


class ExportMixin:
    """Export of the view (PNG) and of the results (JSON + CSV)."""

    def export_png_dialog(self) -> None:
        if self.recording is None:
            self.show_message("There is nothing to export yet: open or record a recording first.",
                              title="Nothing to export")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export the view as PNG", self._suggested("view.png"),
                                              "PNG images (*.png)")
        if path:
            self.export_png(path)

    def export_png(self, path: str) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        if not self.views_widget.grab().save(str(path), "PNG"):
            self.show_message(f"{path}: the picture could not be written. Choose another folder.")
        else:
            self.statusBar().showMessage(f"Picture saved: {path}", 5000)
        return path

    def _suggested(self, name: str) -> str:
        if self.recording is not None and self.recording.path is not None and not self.is_demo:
            return str(self.recording.path.with_name(f"{self.recording.path.stem}-{name}"))
        return str(Path.home() / name)

    def export_results_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export results (a .json and a .csv are written)",
                                              self._suggested("results.json"), "JSON (*.json)")
        if path:
            try:
                self.export_results(path)
            except (VoiceDeskError, OSError) as exc:
                self.show_error(exc, "Results not exported")

    def export_results(self, json_path: str) -> tuple[Path, Path]:
        from voice_desk.analysis.results_export import ModelResult, results_record, write_csv, write_json

        if self.recording is None or not self.explanations:
            raise VoiceDeskError("There are no results to export yet.",
                                 hint="Open a recording and run a model first (Assess & explain).")
        rows = []
        for path, entry in self.model_entries.items():
            if path in self.explanations:
                rows.append(ModelResult(model_id=path, name=entry.name, configuration=entry.configuration,
                                        card_summary=entry.summary,
                                        prediction=self.explanations[path].prediction.to_record(),
                                        phones=self.phone_rows(path)))
        truth = self.verdict.true_label.currentText()
        rec = self.recording
        record = results_record(str(rec.path or rec.name), rec.sha256(), rec.duration, rows,
                                tiers_source=self.alignment.source if self.alignment else None,
                                true_label=truth if truth != "unknown" else None,
                                agreement_case=self.agreement_case())
        json_path = Path(json_path)
        if json_path.suffix.lower() != ".json":
            json_path = json_path.with_suffix(".json")
        try:
            out_json = write_json(record, json_path)
            out_csv = write_csv(record, json_path.with_suffix(".csv"))
        except OSError as exc:
            raise VoiceDeskError(f"the results cannot be written there ({exc.strerror or exc}).",
                                 path=json_path, hint="Choose another folder.") from exc
        self.statusBar().showMessage(f"Results saved: {out_json} and {out_csv.name}", 8000)
        return out_json, out_csv
