"""Speaker-disjoint, stratified, seeded train / dev / test split.

SVD has speakers with many sessions (up to 24) and some with both healthy and pathological
sessions, so a clip-level split would put one voice in training and test. Speakers are
assigned whole: each speaker's stratum is (majority label, gender); within a stratum the
speakers are shuffled with the seed and each goes to the part furthest below its share of
that stratum's clips. Saved as ``split.csv`` (one row per clip: part, key, path, …) and
``split.json`` (seed, fractions, counts per part, label, group and gender) next to the model.
A saved split is matched to the data by path, else by key, so it can be used on a computer
where the data lies elsewhere.
"""

from __future__ import annotations

import collections
import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from voice_desk.data.corpus import Clip, Corpus
from voice_desk.errors import VoiceDeskError
from voice_desk.files import open_regular_text, read_regular
from voice_desk.paths import open_private, private_dir

PARTS = ("train", "dev", "test")
DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
SPLIT_CSV = "split.csv"
SPLIT_JSON = "split.json"


class SplitError(VoiceDeskError):
    pass


@dataclass
class Split:
    assignment: dict[str, str]                 # clip path -> part
    seed: int = 0
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
    stratify_gender: bool = True
    notes: list[str] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)   # clip key -> part (read from a split file)

    def clips(self, corpus: Corpus, part: str) -> list[Clip]:
        return [c for c in corpus.clips if self.assignment.get(c.path) == part]

    def counts(self, corpus: Corpus) -> dict:
        out = {}
        for part in PARTS:
            clips = self.clips(corpus, part)
            out[part] = {"clips": len(clips), "speakers": len({c.speaker for c in clips}),
                         "label": dict(collections.Counter(c.label for c in clips)),
                         "group": dict(collections.Counter(c.group for c in clips if c.group)),
                         "gender": dict(collections.Counter(c.gender for c in clips)),
                         "label_gender": dict(collections.Counter(f"{c.label}/{c.gender}" for c in clips))}
        return out

    def label_notes(self, corpus: Corpus) -> list[str]:
        """A warning for each dev/test part that lacks a class (its UAR or AUC is then undefined)."""
        notes = []
        for part in PARTS[1:]:
            labels = {c.label for c in self.clips(corpus, part)}
            if labels and len(labels) < 2:
                notes.append(f"the {part} part has no {'healthy' if 'pathological' in labels else 'pathological'} "
                             "clips: too few speakers for this split")
        return notes

    def describe(self, corpus: Corpus) -> dict:
        return {"seed": self.seed, "fractions": list(self.fractions), "speaker_disjoint": True,
                "stratified_by": ["label", "gender"] if self.stratify_gender else ["label"],
                "counts": self.counts(corpus), "notes": list(self.notes)}

    def save(self, folder: str | Path, corpus: Corpus) -> tuple[Path, Path]:
        """Write split.csv and split.json: they list patients' recordings, speakers, labels and
        genders, so they are the user's alone (0600; a new folder 0700)."""
        folder = private_dir(folder, fix_existing=False)
        csv_path, json_path = folder / SPLIT_CSV, folder / SPLIT_JSON
        with open_private(csv_path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["part", "key", "path", "speaker", "label", "gender", "group", "session"])
            for c in corpus.clips:
                if c.path in self.assignment:
                    writer.writerow([self.assignment[c.path], c.key, c.path, c.speaker, c.label, c.gender, c.group,
                                     c.session])
        with open_private(json_path, "w", encoding="utf-8") as f:
            f.write(json.dumps(self.describe(corpus), indent=2, ensure_ascii=False) + "\n")
        return csv_path, json_path

    @classmethod
    def load(cls, path: str | Path) -> "Split":
        """Read ``split.csv`` (or a folder holding it, with ``split.json`` for seed and fractions)."""
        path = Path(path).expanduser()
        if path.is_dir():
            path = path / SPLIT_CSV
        if not path.exists() and not path.is_symlink():
            raise SplitError("the split file does not exist.", path=path,
                             hint="Give the split.csv saved next to a model, or leave --split out to make one.")
        assignment, by_key = {}, {}
        try:
            with open_regular_text(path, "a split file", SplitError, encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                if not {"part", "path"} <= set(reader.fieldnames or []):
                    raise SplitError("the split file lacks the columns 'part' and 'path'.", path=path,
                                     hint="Give the split.csv Voice Desk saved next to a model.")
                for n, row in enumerate(reader, start=2):
                    if row.get("part") not in PARTS:
                        raise SplitError(f"line {n}: unknown part '{row.get('part')}' (train, dev or test).",
                                         path=path)
                    assignment[row["path"]] = row["part"]
                    if row.get("key"):
                        by_key[row["key"]] = row["part"]
            info = {}
            if (path.parent / SPLIT_JSON).is_file():
                info = json.loads(read_regular(path.parent / SPLIT_JSON, 10_000_000, "a split file", SplitError))
        except UnicodeDecodeError as exc:
            raise SplitError("the split file is not UTF-8 text.", path=path) from exc
        except ValueError as exc:
            raise SplitError(f"{SPLIT_JSON} next to it cannot be read ({exc}).", path=path) from exc
        if not assignment:
            raise SplitError("the split file lists no recordings.", path=path)
        return cls(assignment, seed=int(info.get("seed", 0)),
                   fractions=tuple(info.get("fractions", DEFAULT_FRACTIONS)),
                   stratify_gender="gender" in info.get("stratified_by", ["label", "gender"]), by_key=by_key)

    def for_corpus(self, corpus: Corpus) -> tuple["Split", int, list[Clip]]:
        """This split matched to ``corpus``: clips are found by path, else by key (SVD session,
        manifest path as written), so a split made on another computer works here.
        Returns (split, rows matching no clip, clips not in the split)."""
        by_key = self.by_key
        assignment, used, missing = {}, set(), []
        for clip in corpus.clips:
            if clip.path in self.assignment:
                assignment[clip.path] = self.assignment[clip.path]
                used.add(("path", clip.path))
            elif clip.key and clip.key in by_key:
                assignment[clip.path] = by_key[clip.key]
                used.add(("key", clip.key))
            else:
                missing.append(clip)
        unmatched = max(len(self.assignment) - len(used), 0)
        split = Split(assignment, self.seed, self.fractions, self.stratify_gender, list(self.notes))
        return split, unmatched, missing


def _stratum(clips: list[Clip], stratify_gender: bool) -> tuple[str, str]:
    labels = collections.Counter(c.label for c in clips)
    label = "pathological" if labels["pathological"] >= labels["healthy"] else "healthy"
    gender = collections.Counter(c.gender for c in clips).most_common(1)[0][0] if stratify_gender else ""
    return label, gender


def make_split(corpus: Corpus, fractions=DEFAULT_FRACTIONS, seed: int = 0, stratify_gender: bool = True) -> Split:
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1.0) > 1e-6:
        raise SplitError(f"split fractions {fractions} must be three non-negative numbers adding up to 1.",
                         hint="For example 0.8,0.1,0.1.")
    by_speaker: dict[str, list[Clip]] = collections.defaultdict(list)
    for clip in corpus.clips:
        by_speaker[clip.speaker].append(clip)
    strata: dict[tuple, list[str]] = collections.defaultdict(list)
    for speaker in sorted(by_speaker):
        strata[_stratum(by_speaker[speaker], stratify_gender)].append(speaker)
    rng = random.Random(seed)
    assignment: dict[str, str] = {}
    for key in sorted(strata):
        speakers = strata[key]
        rng.shuffle(speakers)
        total = sum(len(by_speaker[s]) for s in speakers)
        have = [0, 0, 0]
        for speaker in speakers:
            deficits = [fractions[i] * total - have[i] for i in range(3)]
            part = max(range(3), key=lambda i: (deficits[i], -i))
            have[part] += len(by_speaker[speaker])
            for clip in by_speaker[speaker]:
                assignment[clip.path] = PARTS[part]
    split = Split(assignment, seed=seed, fractions=fractions, stratify_gender=stratify_gender)
    split.notes = split.label_notes(corpus)
    return split
