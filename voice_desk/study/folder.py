"""A finished study folder, read back for the window's study browser (or a script).

Imports neither torch nor Qt: only ``results.json`` is read (safely: a regular file, valid JSON, no
NaN), and the per-recording files are named, not opened. ::

    study = StudyFolder.open("voice-desk-study")
    study.models                                  # [StudyModelInfo(id, name, configuration, gives_verdict)]
    study.table_columns(), study.table_rows()     # one row per recording: who, truth, P and verdict per model, case
    study.embedding("ast_freeze")                 # Embedding: x, y, recording indexes, colours by gender/label/group
    study.phone_ranking("ast_freeze", "all")      # [PhoneStat]: mean × the recording's mean, 95 % CI, rank
    study.explanation_path(0, "ast_freeze")       # the .npz (Explanation.load_npz), tiers_path(0): the TextGrid
    study.claims()                                # [(finding, verdict, sentence)]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voice_desk.errors import VoiceDeskError

RESULTS = "results.json"
#: results.json of a study of the whole SVD stays far below this.
RESULTS_LIMIT = 1024 * 1024 * 1024
CLASSES = ("all", "healthy", "pathological")


class StudyFolderError(VoiceDeskError):
    pass


@dataclass(frozen=True)
class StudyModelInfo:
    id: str
    name: str
    configuration: str | None
    gives_verdict: bool
    path: str


@dataclass(frozen=True)
class Embedding:
    """One model's representation map: point k is recording ``recordings[k]`` at (x[k], y[k])."""

    model: str
    recordings: list[int]
    x: list[float]
    y: list[float]
    explained_variance: list[float]
    gender: list[str]
    label: list[str]
    group: list[str]
    case: list[str | None]

    def colours(self, by: str) -> list[str]:
        """The category of each point for ``by`` in 'gender', 'label', 'group' or 'case'."""
        return list(getattr(self, by))


@dataclass(frozen=True)
class PhoneStat:
    phone: str
    value: float | None               # mean relevance × the recording's mean (1.0 = average)
    ci_low: float | None
    ci_high: float | None
    n_recordings: int
    speakers: int
    rank: int | None                  # 1 = most relevant; None: in fewer than 3 recordings
    of: int                           # how many labels are ranked
    segment: bool                     # the segment /e s i n/, not a single phone
    study_phone: bool                 # /ɔ/


class StudyFolder:
    def __init__(self, folder: Path, record: dict):
        self.folder = folder
        self.record = record
        self.models = [StudyModelInfo(m["id"], m["name"], m.get("configuration"), bool(m.get("gives_verdict")),
                                      m.get("path", "")) for m in record["models"]]
        self.recordings: list[dict] = record["recordings"]
        self.findings: dict = record["findings"]

    @classmethod
    def open(cls, folder: str | Path) -> "StudyFolder":
        from voice_desk.model.json_io import read_json

        folder = Path(folder).expanduser()
        path = folder / RESULTS if folder.is_dir() or not folder.suffix else folder
        folder = path.parent
        if not path.is_file():
            raise StudyFolderError("this folder holds no study (no results.json).", path=folder,
                                   hint="Choose the --out folder of voice-desk study.")
        try:
            record = read_json(path, RESULTS_LIMIT)
        except ValueError as exc:
            raise StudyFolderError(f"results.json cannot be read: {exc}.", path=path,
                                   hint="Run voice-desk study again into this folder.") from exc
        if not isinstance(record, dict) or record.get("format") != "voice-desk-study":
            raise StudyFolderError("results.json is not a Voice Desk study's.", path=path)
        if int(record.get("format_version", 0)) > 1:
            raise StudyFolderError("this study was written by a newer Voice Desk.", path=path,
                                   hint="Update Voice Desk, or run the study again with this version.")
        return cls(folder, record)

    # ---------------------------------------------------------------- provenance and claims
    @property
    def report_path(self) -> Path:
        return self.folder / "report.html"

    @property
    def pair(self) -> tuple[str | None, str | None]:
        p = self.record.get("pair") or {}
        return p.get("ast_freeze"), p.get("ast_finetuned")

    def model(self, model_id: str) -> StudyModelInfo:
        return next(m for m in self.models if m.id == model_id)

    def claims(self) -> list[tuple[str, str, str]]:
        """(finding, verdict: 'holds' / 'does not hold' / 'is not decided' / …, sentence) for findings 1–4."""
        names = (("representations", "Representations separate gender before pathology, the reverse after "
                                      "fine-tuning"),
                 ("energy", "Highest relevance is not on the highest-energy regions"),
                 ("phones", "/ɔ/ and /e s i n/ get higher relevance"),
                 ("spread", "Fine-tuning narrows the spread of relevance"))
        return [(title, self.findings[key]["claim"]["verdict"], self.findings[key]["claim"]["sentence"])
                for key, title in names]

    # ---------------------------------------------------------------- the table
    def table_columns(self) -> list[tuple[str, str]]:
        """(key, title) of :meth:`table_rows`' columns, in order."""
        columns = [("file", "File"), ("speaker", "Speaker"), ("gender", "Gender"), ("group", "Group"),
                   ("label", "True label")]
        for m in self.models:
            if m.gives_verdict:
                columns += [(f"p:{m.id}", f"P(path.) {m.name}"), (f"verdict:{m.id}", f"Verdict {m.name}")]
        columns += [("case", "Case"), ("tiers", "Tiers"), ("tiers_confidence", "Alignment confidence")]
        return columns

    def table_rows(self) -> list[dict]:
        """One flat row per recording (``index`` is the recording's index in every other call)."""
        cases = {r["index"]: r["case"] for r in self.findings["cases"]["rows"]}
        rows = []
        for rec in self.recordings:
            row = {"index": rec["index"], "file": rec["file"], "speaker": rec["speaker"], "gender": rec["gender"],
                   "group": rec["group"], "label": rec["label"], "case": cases.get(rec["index"]),
                   "tiers": rec.get("tiers"), "tiers_confidence": rec.get("tiers_confidence"),
                   "alignment_doubtful": rec.get("alignment_doubtful", False)}
            for m in self.models:
                run = (rec.get("runs") or {}).get(m.id)
                if m.gives_verdict:
                    row[f"p:{m.id}"] = run.get("p_pathological") if run else None
                    row[f"verdict:{m.id}"] = run.get("label") if run else None
            rows.append(row)
        return rows

    def case_counts(self) -> dict:
        return self.findings["cases"]["counts"]

    def scores(self, model_id: str) -> dict | None:
        """UAR and AUC with intervals: {'all': …, 'gender': {…}, 'group': {…}}."""
        return self.findings["cases"]["scores"].get(model_id)

    # ---------------------------------------------------------------- representations
    def embedding(self, model_id: str) -> Embedding | None:
        rep = self.findings["representations"]["models"].get(model_id)
        if not rep:
            return None
        pca = rep["pca"]
        recs = self.recordings
        cases = {r["index"]: r["case"] for r in self.findings["cases"]["rows"]}
        idx = list(pca["recordings"])
        return Embedding(model_id, idx, list(pca["x"]), list(pca["y"]), list(pca["explained_variance"]),
                         [recs[i]["gender"] for i in idx], [recs[i]["label"] for i in idx],
                         [recs[i]["group"] for i in idx], [cases.get(i) for i in idx])

    def separation(self, model_id: str) -> dict | None:
        """Per question ('gender', 'health', 'organic_functional'): probe balanced accuracy and silhouette,
        each {'value', 'ci', 'n_valid'}; and 'gender_minus_health'."""
        rep = self.findings["representations"]["models"].get(model_id)
        if not rep:
            return None
        return {**rep["separation"], "gender_minus_health": rep.get("gender_minus_health")}

    # ---------------------------------------------------------------- phones
    def phone_ranking(self, model_id: str, cls: str = "all") -> list[PhoneStat]:
        """Phone labels (and the segment) by mean relevance across recordings, ranked first."""
        if cls not in CLASSES:
            raise ValueError(f"class must be one of {CLASSES}")
        f = self.findings["phones"]
        part = (f["models"].get(model_id) or {}).get(cls) or {"rows": []}
        return [PhoneStat(r["phone"], r["value"], r["ci"][0], r["ci"][1], r["n_recordings"], r["speakers"],
                          r["rank"], r["of"], bool(r["segment"]), r["phone"] == f["study_phone"])
                for r in part["rows"]]

    def phone_callouts(self, model_id: str, cls: str = "all") -> dict:
        """{'study_phone': …, 'segment': …} with value, ci, rank, of, above_average (None when not found)."""
        part = (self.findings["phones"]["models"].get(model_id) or {}).get(cls) or {}
        return {"study_phone": part.get("study_phone"), "segment": part.get("segment")}

    def recording_phones(self, index: int, model_id: str) -> list[dict]:
        """The per-phone rows of one recording and model (word, phone, start_s, end_s, mean_relevance,
        relative, share), as voice-desk phones gives them."""
        run = (self.recordings[index].get("runs") or {}).get(model_id)
        return list(run.get("phones", [])) if run else []

    # ---------------------------------------------------------------- per-recording files
    def explanation_path(self, index: int, model_id: str) -> Path | None:
        """The recording's explanation by ``model_id`` (load with
        :meth:`voice_desk.model.result.Explanation.load_npz`), None if that model has none."""
        run = (self.recordings[index].get("runs") or {}).get(model_id)
        if not run or not run.get("explanation"):
            return None
        path = self.folder / run["explanation"]
        return path if path.is_file() else None

    def tiers_path(self, index: int) -> Path | None:
        path = self.folder / "tiers" / f"{self.recordings[index]['slug']}.TextGrid"
        return path if path.is_file() else None

    def audio_path(self, index: int) -> Path:
        return Path(self.recordings[index]["file"])
