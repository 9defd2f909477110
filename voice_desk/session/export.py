"""One recording's results as JSON and CSV (the window's File → Export results and
``voice-desk assess --out``): probabilities, per-phone relevance, the tiers' source, the true
label and agreement case, model ids and the file's SHA-256."""

from __future__ import annotations

from pathlib import Path

from voice_desk.errors import VoiceDeskError
from voice_desk.session.assessment import Assessment, known_label
from voice_desk.session.tiers import source_id


def phone_rows(explanation, alignment):
    """Per-phone relevance of one model's map over ``alignment``'s phones ([] without tiers)."""
    from voice_desk.analysis.phone_relevance import phone_relevance

    if alignment is None or explanation is None:
        return []
    return phone_relevance(explanation.frame_relevance, explanation.frame_shift, alignment.phones)


def results_record(recording, alignment, assessment: Assessment, measures=None, faithfulness=None) -> dict:
    """``faithfulness``: model path -> :meth:`voice_desk.model.faithfulness.Curves.to_record` of the
    map exported, for the maps whose faithfulness was measured."""
    from voice_desk.analysis.results_export import ModelResult, results_record as record

    if recording is None or not assessment.explanations:
        raise VoiceDeskError("There are no results to export yet.",
                             hint="Open a recording and run a model first (Assess & explain).")
    rows = [ModelResult(model_id=path, name=entry.name, configuration=entry.configuration,
                        card_summary=entry.summary, prediction=assessment.explanations[path].prediction.to_record(),
                        phones=phone_rows(assessment.explanations[path], alignment))
            for path, entry in assessment.entries.items() if path in assessment.explanations]
    out = record(str(recording.path or recording.name), recording.sha256(), recording.duration, rows,
                 tiers_source=source_id(alignment), true_label=known_label(assessment.true_label),
                 agreement_case=assessment.agreement_case())
    if measures is not None:      # Praat's voice measures of the session's takes, with ranges and reasons
        out["voice_measures"] = measures.to_dict()
    if faithfulness:              # how faithful each checked map is: deletion and insertion curves
        out["faithfulness"] = [{"model_id": path, **faithfulness[path]} for path in assessment.entries
                               if path in faithfulness and path in assessment.explanations]
    return out


def export_results(recording, alignment, assessment: Assessment, json_path: str | Path,
                   measures=None, faithfulness=None) -> tuple[Path, Path]:
    """Write ``NAME.json`` and ``NAME.csv`` beside it (and ``NAME-measures.csv`` when there are
    voice measures); returns the first two paths."""
    from voice_desk.analysis.results_export import write_csv, write_json

    record = results_record(recording, alignment, assessment, measures, faithfulness)
    json_path = Path(json_path)
    if json_path.suffix.lower() != ".json":
        json_path = json_path.with_suffix(".json")
    try:
        if measures is not None:
            _write_measures_csv(measures, json_path.with_name(json_path.stem + "-measures.csv"))
        return write_json(record, json_path), write_csv(record, json_path.with_suffix(".csv"))
    except OSError as exc:
        raise VoiceDeskError(f"the results cannot be written there ({exc.strerror or exc}).",
                             path=json_path, hint="Choose another folder.") from exc


def _write_measures_csv(measures, path: Path) -> Path:
    """One row per take and measure, then AVQI and DSI (the columns of ``voice-desk measures --csv``)."""
    import csv

    from voice_desk.session.measures import CSV_COLUMNS, rows

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        for report in [*measures.takes.values(), measures.avqi, measures.dsi]:
            writer.writerows(rows(report))
    return path
