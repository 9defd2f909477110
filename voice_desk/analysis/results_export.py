"""The window's results for one recording as JSON and CSV (probabilities, per-phone
relevance, model ids and the file's SHA-256), so they can be kept and compared later."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from voice_desk import __version__
from voice_desk.analysis.phone_relevance import PhoneRelevance
from voice_desk.model.json_io import dumps

NOTICE = "Research use only. Not a diagnosis."


@dataclass
class ModelResult:
    """One model's outcome for the recording, as the window shows it."""

    model_id: str
    name: str
    configuration: str | None
    card_summary: str
    prediction: dict
    """``Prediction.to_record()``: pathology_probability is None unless the model gives a verdict."""
    phones: list[PhoneRelevance] = field(default_factory=list)


def results_record(audio_path: str, sha256: str, duration: float, results: list[ModelResult],
                   tiers_source: str | None = None, true_label: str | None = None,
                   agreement_case: str | None = None) -> dict:
    return {
        "app": "voice-desk", "app_version": __version__, "notice": NOTICE,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "file": str(audio_path), "sha256": sha256, "duration_s": round(float(duration), 4),
        "tiers": tiers_source, "true_label": true_label, "agreement_case": agreement_case,
        "models": [{
            "model_id": r.model_id, "name": r.name, "configuration": r.configuration,
            "card": r.card_summary, **{k: v for k, v in r.prediction.items() if k != "file"},
            "phones": [{"phone": p.phone, "start_s": round(p.start, 4), "end_s": round(p.end, 4),
                        "mean_relevance": p.mean_relevance, "share": p.share} for p in r.phones],
        } for r in results],
    }


def write_json(record: dict, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


CSV_COLUMNS = ["file", "sha256", "model_id", "configuration", "gives_verdict", "pathology_probability",
               "label", "phone", "start_s", "end_s", "mean_relevance", "share"]


def write_csv(record: dict, path: str | Path) -> Path:
    """One row per model and phone (one row per model when there are no phone tiers)."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for m in record["models"]:
            prob = m.get("pathology_probability")
            head = [record["file"], record["sha256"], m["model_id"], m.get("configuration") or "",
                    m.get("gives_verdict"), "" if prob is None else f"{prob:.6f}", m.get("label") or ""]
            phones = m.get("phones") or [None]
            for p in phones:
                tail = ["", "", "", "", ""] if p is None else [
                    p["phone"], f"{p['start_s']:.4f}", f"{p['end_s']:.4f}", f"{p['mean_relevance']:.6g}",
                    f"{p['share']:.6g}"]
                writer.writerow(head + tail)
    return path
