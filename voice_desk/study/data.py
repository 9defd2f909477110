"""The study's data as the analyses see it: recordings with what is known about their speakers and
tiers, and every model's measures on each (:class:`voice_desk.study.measures.RunMeasures`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from voice_desk.study.measures import RunMeasures


@dataclass
class StudyRecording:
    index: int                      # position in the study (rows of every table)
    file: str
    key: str                        # 'svd:1234', 'manifest:a/b.wav'
    speaker: str
    gender: str                     # 'male' | 'female' | 'unknown'
    group: str                      # 'healthy' | 'organic' | 'functional' | 'other' | a manifest's own
    label: str                      # 'healthy' | 'pathological'
    sha256: str = ""
    slug: str = ""                  # file names of this recording's outputs
    duration: float | None = None
    warnings: list[str] = field(default_factory=list)
    tiers_source: str | None = None           # 'builtin (approximate)', a TextGrid path, None: no tiers
    tiers_confidence: float | None = None     # the aligner's confidence (None for a TextGrid)
    tiers_note: str = ""                      # why there are no tiers, or why a TextGrid was set aside
    doubtful: bool = False                    # the aligner is not confident of the phones
    phones_used: bool = False                 # in the per-phone analyses (tiers, confident enough)
    alignment: object | None = None           # voice_desk.align.tiers.Alignment (not saved in results.json)

    @property
    def group_name(self) -> str:
        """organic / functional / other for pathological recordings, healthy for controls."""
        if self.label == "healthy":
            return "healthy"
        return self.group if self.group in ("organic", "functional") else "other"

    def record(self) -> dict:
        return {"index": self.index, "file": self.file, "key": self.key, "speaker": self.speaker,
                "gender": self.gender, "group": self.group_name, "label": self.label, "sha256": self.sha256,
                "slug": self.slug, "duration_s": self.duration, "warnings": list(self.warnings),
                "tiers": self.tiers_source, "tiers_confidence": self.tiers_confidence, "tiers_note": self.tiers_note,
                "alignment_doubtful": self.doubtful, "in_phone_analyses": self.phones_used}


@dataclass
class ModelRef:
    """What an analysis needs of a model (a StudyModel has these too)."""

    id: str
    name: str
    configuration: str | None = None


@dataclass
class StudyData:
    recordings: list[StudyRecording]
    models: list                                    # StudyModel / ModelRef, in the order given
    runs: dict[str, dict[int, RunMeasures]]         # model id -> recording index -> measures
    settings: dict = field(default_factory=dict)
    pair: tuple[str | None, str | None] = (None, None)   # the ast_freeze and ast_finetuned model ids

    def model(self, model_id: str):
        return next(m for m in self.models if m.id == model_id)

    def verdict_models(self) -> list:
        return [m for m in self.models if any(r.gives_verdict for r in self.runs.get(m.id, {}).values())]

    def model_runs(self, model_id: str) -> tuple[dict, list[int], list]:
        """A model's runs, the indices of the recordings it ran on (in recording order) and their speakers."""
        runs = self.runs.get(model_id, {})
        indices = [r.index for r in self.recordings if r.index in runs]
        return runs, indices, [self.recordings[i].speaker for i in indices]

    @property
    def n_boot(self) -> int:
        return int(self.settings.get("bootstrap", 1000))

    @property
    def seed(self) -> int:
        return int(self.settings.get("seed", 0))

    def comparison_pair(self) -> tuple[str, str] | None:
        """The two models the relevance analyses compare: the study's pair, else the only two models."""
        if self.pair[0] and self.pair[1]:
            return self.pair[0], self.pair[1]
        if len(self.models) == 2:
            return self.models[0].id, self.models[1].id
        return None
