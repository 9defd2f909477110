"""Run a study: every model once per recording (one forward pass gives the verdict, the relevance map
and the pooled representation), the phone tiers, the per-recording measures and the findings.

``run_study(plan, cache, state)`` is a plain ``run(..., state)`` function
(:class:`voice_desk.tasks.state.TaskState`): progress, a status line, partial results
``{"stage", "done", "total", ...}`` and cancellation (``TaskCancelled``) between recordings and inside
a forward pass. Whatever was computed before a cancellation or a Ctrl+C is in the cache
(:mod:`voice_desk.study.cache`), so running the same study again resumes. Models are loaded (torch)
only when the cache lacks one of their runs: a re-run loads none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from voice_desk.errors import ModelOutputError, VoiceDeskError
from voice_desk.study.trust import compute_trust
from voice_desk.study.analyses import trust as trust_analysis
from voice_desk.study.cache import StudyCache, file_sha256
from voice_desk.study.data import StudyData, StudyRecording
from voice_desk.study.measures import Grid, measure_run, phone_measures
from voice_desk.study.plan import StudyPlan, slug
from voice_desk.tasks.state import TaskState

#: The aligner's cache folder: its results are kept per app version.
def aligner_key() -> str:
    from voice_desk import __version__

    return f"builtin-{__version__}"


@dataclass
class RunCounts:
    runs_computed: int = 0          # forward passes made in this run
    runs_reused: int = 0            # taken from the cache
    runs_failed: int = 0            # the model had no answer (NaN outputs)
    models_loaded: int = 0
    alignments_computed: int = 0
    alignments_reused: int = 0
    recordings_loaded: int = 0
    seconds: dict = field(default_factory=dict)

    def record(self) -> dict:
        return dict(self.__dict__)


@dataclass
class StudyRun:
    plan: StudyPlan
    data: StudyData
    findings: dict
    excluded: list[dict]            # recordings left out, with why (before and during the run)
    failures: list[dict]            # {"model", "file", "reason"}: a model without an answer for a recording
    counts: RunCounts
    cache: StudyCache
    run_paths: dict                 # model id -> recording index -> cached .npz
    trust: dict = field(default_factory=dict)   # model id -> method -> faithfulness records and sanity check


class _LazyRecording:
    """A recording whose samples are loaded only if something needs them (the aligner); its
    duration comes from the cache."""

    def __init__(self, path: str, duration: float, counts: RunCounts):
        self.path, self.duration, self._counts, self._loaded = Path(path), duration, counts, None

    def __getattr__(self, name):
        if self._loaded is None:
            from voice_desk.audio.load import load_recording

            self._loaded = load_recording(self.path)
            self._counts.recordings_loaded += 1
        return getattr(self._loaded, name)


def _alignment_record(result) -> dict:
    a = result.alignment
    alignment = None if a is None else {
        "words": [[w.start, w.end, w.label] for w in a.words], "phones": [[p.start, p.end, p.label] for p in a.phones],
        "duration": a.duration, "source": a.source, "confidence": a.confidence, "approximate": a.approximate,
        "warnings": list(a.warnings)}
    return {"alignment": alignment, "note": result.note, "warnings": list(result.warnings)}


def _tier_result(record: dict):
    from voice_desk.align.tiers import Alignment, Interval
    from voice_desk.session.tiers import TierResult

    a = record.get("alignment")
    alignment = None if a is None else Alignment(
        words=[Interval(*w) for w in a["words"]], phones=[Interval(*p) for p in a["phones"]], duration=a["duration"],
        source=a["source"], confidence=a["confidence"], approximate=a["approximate"], warnings=list(a["warnings"]))
    return TierResult(alignment, note=record.get("note"), warnings=list(record.get("warnings", [])))


def find_study_tiers(clip_path: str, sha: str, duration: float, textgrids: str | None, cache: StudyCache,
                     counts: RunCounts):
    """The recording's tiers by the one rule (:func:`voice_desk.session.tiers.find_tiers`): a TextGrid in
    ``textgrids`` named like the recording (set aside with a note when it does not fit), else one beside
    the recording, else the built-in aligner — whose result is cached by the recording's content."""
    from voice_desk.align.textgrid import TextGridError, find_textgrid_for
    from voice_desk.session.tiers import aligned, find_tiers

    recording = _LazyRecording(clip_path, duration, counts)
    problem = None
    named = find_textgrid_for(Path(textgrids) / Path(clip_path).name) if textgrids else None
    if named is not None:
        try:
            return find_tiers(recording, clip_path, named)
        except TextGridError as exc:
            problem = f"{named.name} in --textgrids was set aside: {exc.problem}"
    if find_textgrid_for(clip_path) is not None:
        result = find_tiers(recording, clip_path)
    else:
        record = cache.get_tiers(aligner_key(), sha)
        if record is not None:
            result = _tier_result(record)
            counts.alignments_reused += 1
        else:
            result = aligned(recording)
            cache.put_tiers(aligner_key(), sha, _alignment_record(result))
            counts.alignments_computed += 1
    if problem:
        result.textgrid_problem = problem if result.textgrid_problem is None else \
            f"{problem}; {result.textgrid_problem}"
    return result


def _read_recordings(plan: StudyPlan, cache: StudyCache, state: TaskState, counts: RunCounts):
    """(usable [(clip, sha, audio info)], excluded) — hashing every file, loading only new ones."""
    from voice_desk.audio.load import load_recording

    usable, excluded = [], []
    for k, clip in enumerate(plan.clips):
        state.check()
        try:
            sha = file_sha256(clip.path)
        except VoiceDeskError as exc:
            excluded.append({"item": clip.key or clip.path, "reason": exc.problem})
            continue
        info = cache.get_audio(sha)
        if info is None:
            try:
                recording = load_recording(clip.path)
                counts.recordings_loaded += 1
                info = {"duration": recording.duration, "sample_rate": recording.sample_rate,
                        "warnings": list(recording.warnings)}
            except VoiceDeskError as exc:
                info = {"error": exc.problem}
            cache.put_audio(sha, info)
        if "error" in info:
            excluded.append({"item": clip.key or clip.path, "reason": info["error"]})
            continue
        usable.append((clip, sha, info))
        state.set_partial_result({"stage": "read", "done": k + 1, "total": len(plan.clips)})
    return usable, excluded


def _compute_runs(plan: StudyPlan, usable: list, cache: StudyCache, state: TaskState, counts: RunCounts,
                  device: str | None) -> None:
    """Fill the cache: each model's missing runs, one model loaded at a time."""
    missing = {m.id: [(clip, sha) for clip, sha, _ in usable if not cache.has_run(m.fingerprint, sha)]
               for m in plan.models}
    total = sum(len(v) for v in missing.values())
    counts.runs_reused = len(usable) * len(plan.models) - total
    done = 0
    state.set_partial_result({"stage": "run", "done": 0, "total": total})
    if not total:
        return
    from voice_desk.audio.load import load_recording
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine
    from voice_desk.model.quiet import quiet_libraries

    quiet_libraries()
    rollout = plan.settings["rollout"]
    for model in plan.models:
        if not missing[model.id]:
            continue
        state.set_status(f"Loading {model.name}")
        engine = Engine(load_model(model.path, device=device))
        counts.models_loaded += 1
        for clip, sha in missing[model.id]:
            state.check()
            state.set_status(f"{model.name}: {Path(clip.path).name}")
            recording = load_recording(clip.path)
            counts.recordings_loaded += 1
            try:
                explanation, pooled = engine.explain_with_representation(
                    recording, head_fusion=rollout["head_fusion"], discard_ratio=rollout["discard_ratio"],
                    method=rollout.get("method", "rollout"), target_class=rollout.get("target_class"),
                    cancelled=state.is_cancelled)
            except ModelOutputError as exc:
                cache.put_failure(model.fingerprint, sha, exc.problem)
                counts.runs_failed += 1
            else:
                cache.put_run(model.fingerprint, sha, explanation, pooled)
            counts.runs_computed += 1
            done += 1
            state.set_progress(done / total)
            state.set_partial_result({"stage": "run", "done": done, "total": total, "model": model.name})
        del engine


def _threshold(model) -> float | None:
    from voice_desk.model.operating_point import OperatingPoint

    return OperatingPoint.from_metrics((model.card or {}).get("metrics")).threshold if model.expects_verdict else None


def _grid(model) -> Grid:
    import json

    return Grid.from_config(json.loads((Path(model.path) / "config.json").read_text(encoding="utf-8")))


def run_study(plan: StudyPlan, cache: StudyCache | None = None, state: TaskState | None = None,
              device: str | None = None) -> StudyRun:
    """Compute what is missing, then measure every recording and summarise the findings."""
    from voice_desk.align.builtin import LOW_CONFIDENCE
    from voice_desk.session.tiers import source_id

    cache = cache or StudyCache()
    state = state or TaskState()
    counts = RunCounts()
    clock = time.perf_counter()
    state.set_status("Reading the recordings")
    usable, excluded = _read_recordings(plan, cache, state, counts)
    counts.seconds["read"] = time.perf_counter() - clock
    if not usable:
        raise VoiceDeskError("none of the chosen recordings can be used.",
                             hint="; ".join(f"{e['item']}: {e['reason']}" for e in excluded[:3]) or None)
    t = time.perf_counter()
    _compute_runs(plan, usable, cache, state, counts, device)
    counts.seconds["models"] = time.perf_counter() - t
    t = time.perf_counter()
    trust = compute_trust(plan, usable, cache, state, device)
    counts.seconds["trust"] = time.perf_counter() - t

    t = time.perf_counter()
    state.set_status("Phones and measures")
    grids = {m.id: _grid(m) for m in plan.models}
    thresholds = {m.id: _threshold(m) for m in plan.models}
    min_conf = plan.settings.get("min_align_confidence")
    recordings, runs, run_paths, failures = [], {m.id: {} for m in plan.models}, {m.id: {} for m in plan.models}, []
    slugs = set()
    for clip, sha, info in usable:
        state.check()
        index = len(recordings)
        name = slug(Path(clip.path).stem, 40) + "-" + sha[:8]
        while name in slugs:
            name += "x"
        slugs.add(name)
        tiers = find_study_tiers(clip.path, sha, info["duration"], plan.textgrids, cache, counts)
        alignment = tiers.alignment if tiers.has_phones else None
        confidence = alignment.confidence if alignment is not None else None
        rec = StudyRecording(index=index, file=clip.path, key=clip.key, speaker=clip.speaker, gender=clip.gender,
                             group=clip.group, label=clip.label, sha256=sha, slug=name, duration=info["duration"],
                             warnings=list(info.get("warnings", [])) + tiers.all_warnings(),
                             tiers_source=source_id(alignment), tiers_confidence=confidence,
                             tiers_note=" ".join(filter(None, [tiers.textgrid_problem, tiers.note])),
                             doubtful=confidence is not None and confidence < LOW_CONFIDENCE,
                             alignment=alignment)
        rec.phones_used = alignment is not None and (min_conf is None or confidence is None or confidence >= min_conf)
        explanations, pooled = {}, {}
        for model in plan.models:
            cached = cache.get_run(model.fingerprint, sha)
            if cached is None:
                reason = cache.failure(model.fingerprint, sha) or "no result in the cache"
                failures.append({"model": model.id, "file": clip.path, "reason": reason})
                continue
            explanations[model.id], pooled[model.id] = cached.explanation, cached.pooled
            run_paths[model.id][index] = cached.path
        table, segments = ({}, {})
        if rec.phones_used and explanations:
            table, segments, notes = phone_measures(explanations, alignment)
            rec.warnings += notes
        for model_id, explanation in explanations.items():
            runs[model_id][index] = measure_run(
                explanation, pooled[model_id], grids[model_id], phones=table.get(model_id, []),
                segment=segments.get(model_id), alignment=alignment if rec.phones_used else None,
                threshold=thresholds[model_id], fraction=plan.settings["top_fraction"],
                share=plan.settings["area_share"])
        recordings.append(rec)
        state.set_partial_result({"stage": "measure", "done": index + 1, "total": len(usable)})
    counts.seconds["measures"] = time.perf_counter() - t

    t = time.perf_counter()
    state.set_status("Findings")
    data = StudyData(recordings=recordings, models=plan.models, runs=runs, settings=plan.settings,
                     pair=_pair(plan, runs))
    findings = analyse(data)
    findings["trust"] = trust_analysis.analyse(data, trust)
    counts.seconds["findings"] = time.perf_counter() - t
    return StudyRun(plan=plan, data=data, findings=findings, excluded=plan.excluded + excluded, failures=failures,
                    counts=counts, cache=cache, run_paths=run_paths, trust=trust)


def _pair(plan: StudyPlan, runs: dict) -> tuple[str | None, str | None]:
    """The first ast_freeze and ast_finetuned models whose runs give verdicts."""
    def first(configuration):
        return next((m.id for m in plan.models if m.configuration == configuration
                     and any(r.gives_verdict for r in runs[m.id].values())), None)

    return first("ast_freeze"), first("ast_finetuned")


def analyse(data: StudyData) -> dict:
    """The five sections of the report, each from its own module."""
    from voice_desk.study.analyses import cases, energy, phones, representations, spread

    return {"cases": cases.analyse(data), "representations": representations.analyse(data),
            "energy": energy.analyse(data), "phones": phones.analyse(data), "spread": spread.analyse(data)}
