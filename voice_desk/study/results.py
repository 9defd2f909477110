"""A study's output folder: ``results.json`` (every number), per-recording CSVs, the per-recording
explanations and tiers, and ``run.json`` (what this run computed and how long it took).

    OUT/results.json                       format 'voice-desk-study' 1; valid JSON (no NaN: null)
    OUT/recordings.csv                     one row per recording: who, truth, each model's P and verdict, case
    OUT/measures.csv                       one row per recording and model: energy, spread, peak
    OUT/phones.csv                         one row per recording, model and phone (voice-desk phones' columns)
    OUT/phone_ranking.csv                  per model, class and phone label: mean, interval, rank
    OUT/embedding.csv                      per model and recording: the two principal components
    OUT/explanations/<model>/<recording>.npz         the explanation (README, 'Explain results')
    OUT/explanations/<model>/<recording>.pooled.npy  the pooled representation of the same pass
    OUT/tiers/<recording>.TextGrid         the phone tiers the study used
    OUT/report.html                        the report (voice_desk.study.report)
    OUT/run.json                           this run: counts of computed and reused results, times

Only ``results.json``'s ``created`` and ``run.json`` change when the same study runs again.
"""

from __future__ import annotations

import csv
import json
import math
import os
import platform
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from voice_desk.paths import open_private

FORMAT = "voice-desk-study"
FORMAT_VERSION = 1
RESULTS = "results.json"
RUN = "run.json"
PACKAGES = ("voice-desk", "torch", "transformers", "numpy", "scipy", "scikit-learn", "matplotlib", "praatio")


def plain(value):
    """JSON-ready: numpy numbers and arrays to Python, NaN and infinities to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    return value


def versions() -> dict:
    from importlib import metadata

    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def explanation_file(model_id: str, recording_slug: str) -> str:
    return f"explanations/{model_id}/{recording_slug}.npz"


def results_record(run) -> dict:
    plan, data = run.plan, run.data
    excluded_counts = Counter(e["reason"] for e in run.excluded)
    recordings = []
    for rec in data.recordings:
        row = rec.record()
        row["runs"] = {}
        for model in plan.models:
            measures = data.runs[model.id].get(rec.index)
            if measures is None:
                row["runs"][model.id] = None
                continue
            entry = measures.record()
            entry["explanation"] = explanation_file(model.id, rec.slug)
            entry["phones"] = [{"word": p.word, "phone": p.phone, "start_s": p.start, "end_s": p.end,
                                "mean_relevance": p.mean_relevance, "relative": p.relative, "share": p.share}
                               for p in measures.phones]
            row["runs"][model.id] = entry
        recordings.append(row)
    models = []
    for model in plan.models:
        record = model.describe()
        runs = data.runs[model.id]
        record["gives_verdict"] = any(r.gives_verdict for r in runs.values())
        record["runs"] = len(runs)
        record["failures"] = sum(f["model"] == model.id for f in run.failures)
        models.append(record)
    counts = {"recordings": len(data.recordings), "speakers": len({r.speaker for r in data.recordings}),
              "label": dict(Counter(r.label for r in data.recordings)),
              "gender": dict(Counter(r.gender for r in data.recordings)),
              "group": dict(Counter(r.group_name for r in data.recordings))}
    return plain({
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": plan.command,
        "provenance": {"versions": versions(), "python": platform.python_version(),
                       "platform": platform.platform(terse=True)},
        "data": {"source": plan.data, "part": plan.part, "corpus": plan.corpus_summary, "counts": counts,
                 "excluded": run.excluded, "excluded_counts": dict(excluded_counts), "notes": plan.notes,
                 "failures": run.failures},
        "settings": plan.settings,
        "models": models,
        "pair": {"ast_freeze": data.pair[0], "ast_finetuned": data.pair[1]},
        "recordings": recordings,
        "findings": run.findings,
    })


def dumps(record: dict) -> str:
    return json.dumps(record, allow_nan=False, ensure_ascii=False, indent=1)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` under a temporary name, then rename it into place (0600)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open_private(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def _csv(path: Path, header: list[str], rows) -> Path:
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    write_text_atomic(path, buffer.getvalue())
    return path


def _g(value) -> str:
    return "" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.6g}"


def write_csvs(out: Path, run, record: dict) -> list[Path]:
    from voice_desk.analysis.phone_relevance import CSV_COLUMNS

    plan, data = run.plan, run.data
    ids = [m.id for m in plan.models]
    rows = record["findings"]["cases"]["rows"]
    by_index = {r.index: r for r in data.recordings}
    header = ["file", "key", "speaker", "gender", "group", "label", "tiers", "tiers_confidence", "alignment_doubtful"]
    for model_id in ids:
        header += [f"p_pathological:{model_id}", f"label:{model_id}"]
    header.append("case")
    table = []
    for row in rows:
        rec = by_index[row["index"]]
        line = [rec.file, rec.key, rec.speaker, rec.gender, rec.group_name, rec.label, rec.tiers_source,
                _g(rec.tiers_confidence), int(rec.doubtful)]
        for model_id in ids:
            m = row["models"].get(model_id) or {}
            line += [_g(m.get("p_pathological")), m.get("label")]
        line.append(row["case"])
        table.append(line)
    written = [_csv(out / "recordings.csv", header, table)]

    keys = ["p_pathological", "label", "spearman", "top_overlap", "top_overlap_chance", "entropy", "area_half",
            "peak_time_s", "peak_position", "peak_hz", "peak_phone", "segment_relative"]
    measures = []
    for rec in data.recordings:
        for model_id in ids:
            m = data.runs[model_id].get(rec.index)
            if m is not None:
                values = m.record()
                measures.append([rec.file, rec.key, model_id] + [_g(values[k]) if isinstance(values[k], float)
                                                                   else values[k] for k in keys])
    written.append(_csv(out / "measures.csv", ["file", "key", "model"] + keys, measures))

    phone_rows = []
    for rec in data.recordings:
        confidence = "" if rec.tiers_confidence is None else f"{rec.tiers_confidence:.3f}"
        for model_id in ids:
            m = data.runs[model_id].get(rec.index)
            for r in (m.phones if m is not None else []):
                phone_rows.append([rec.file, model_id, rec.tiers_source or "", confidence, r.word, r.phone,
                                   f"{r.start:.4f}", f"{r.end:.4f}", f"{r.duration:.4f}", f"{r.mean_relevance:.6g}",
                                   f"{r.relative:.6g}", f"{r.share:.6g}", rec.key])
    written.append(_csv(out / "phones.csv", CSV_COLUMNS + ["key"], phone_rows))

    ranking = []
    for model_id, by_class in record["findings"]["phones"]["models"].items():
        for cls, part in by_class.items():
            for r in part["rows"]:
                ranking.append([model_id, cls, r["phone"], r["rank"], _g(r["value"]), _g(r["ci"][0]),
                                _g(r["ci"][1]), r["n_recordings"], r["speakers"]])
    written.append(_csv(out / "phone_ranking.csv", ["model", "class", "phone", "rank", "mean_relative", "ci_low",
                                                      "ci_high", "recordings", "speakers"], ranking))

    embedding = []
    for model_id, rep in record["findings"]["representations"]["models"].items():
        if not rep:
            continue
        pca = rep["pca"]
        for i, x, y in zip(pca["recordings"], pca["x"], pca["y"]):
            rec = by_index[i]
            embedding.append([model_id, rec.file, rec.key, _g(x), _g(y), rec.gender, rec.label, rec.group_name])
    written.append(_csv(out / "embedding.csv", ["model", "file", "key", "pc1", "pc2", "gender", "label", "group"],
                        embedding))

    trust = getattr(run, "trust", None) or {}
    if trust:
        by_sha = {r.sha256: r for r in data.recordings}
        keys = ["target_class", "deletion_auc", "random_deletion_auc", "insertion_auc", "random_insertion_auc",
                "deletion_gain", "insertion_gain", "response", "verdict"]
        faith = []
        for model_id, by_method in trust.items():
            for method, entry in by_method.items():
                for sha, curves in (entry.get("faithfulness") or {}).items():
                    rec = by_sha.get(sha)
                    if rec is not None:
                        faith.append([rec.file, rec.key, model_id, method] + [_g(curves.get(k)) if isinstance(
                            curves.get(k), float) else curves.get(k) for k in keys])
        written.append(_csv(out / "faithfulness.csv", ["file", "key", "model", "method"] + keys, faith))
    return written


def _link(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (a copy across file systems); kept when already the same."""
    import shutil

    try:
        if target.exists() and os.path.samefile(source, target):
            return
        if target.exists() or target.is_symlink():
            target.unlink()
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_artifacts(out: Path, run) -> None:
    """The per-recording explanations (linked from the cache) and the tiers as TextGrids."""
    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.paths import private_dir

    for model in run.plan.models:
        folder = private_dir(out / "explanations" / model.id, fix_existing=False)
        for index, path in run.run_paths[model.id].items():
            rec = run.data.recordings[index]
            _link(path, folder / f"{rec.slug}.npz")
            pooled = path.with_suffix(".pooled.npy")
            if pooled.is_file():
                _link(pooled, folder / f"{rec.slug}.pooled.npy")
    tiers = private_dir(out / "tiers", fix_existing=False)
    for rec in run.data.recordings:
        if rec.alignment is not None:
            target = tiers / f"{rec.slug}.TextGrid"
            try:
                write_textgrid(rec.alignment, target)
            except Exception:  # noqa: BLE001 - a tier praatio refuses: the numbers are in results.json
                pass


def write_results(out: str | Path, run) -> dict:
    """Write results.json, the CSVs and the per-recording files into ``out``; returns the record."""
    from voice_desk.paths import private_dir

    out = private_dir(Path(out).expanduser(), fix_existing=False)
    record = results_record(run)
    write_artifacts(out, run)
    write_csvs(out, run, record)
    write_text_atomic(out / RESULTS, dumps(record) + "\n")
    return record


def write_run_log(out: str | Path, run, started: str, seconds: float) -> None:
    write_text_atomic(Path(out) / RUN, json.dumps(plain({
        "started": started, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": seconds, "command": run.plan.command, "counts": run.counts.record()}), indent=1) + "\n")
