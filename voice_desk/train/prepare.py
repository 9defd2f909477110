"""From a data spec and a recipe to checked train / dev / test parts (shared by train and evaluate).

The corpus is read with the recipe's data settings; the split is made with its seed and
fractions, or read from a saved ``split.csv`` and matched to this data (by path, else by the
clip's key, so a split made on another computer works). What is left out, and why, is
reported; a split that cannot train (an empty part, one class only) is refused with what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voice_desk.errors import VoiceDeskError
from voice_desk.train.progress import Report, silent

PARTS = ("train", "dev", "test")


class TrainingError(VoiceDeskError):
    pass


@dataclass
class Prepared:
    corpus: object
    split: object

    def parts(self) -> dict:
        return {p: self.split.clips(self.corpus, p) for p in PARTS}


def load_recipe_corpus(recipe, data: str, report: Report = silent):
    from voice_desk.data.source import load_corpus

    report({"event": "stage", "stage": "data", "message": f"Reading {data}"})
    corpus = load_corpus(data, diagnosis_map=str(recipe["diagnosis_map"]),
                         diagnosis_override=recipe.get("diagnosis_override") or None,
                         multi_diagnosis_rule=str(recipe["multi_diagnosis_rule"]),
                         exclude_singers=bool(recipe["exclude_singers"]),
                         exclude_known_bad=bool(recipe["exclude_known_bad"]),
                         pathologies=list(recipe.get("pathologies") or []) or None)
    return corpus


def apply_split_file(corpus, split_file: str | Path, report: Report = silent):
    """The saved split matched to ``corpus``; clips it does not list are left out (and said so)."""
    from voice_desk.data.corpus import Excluded
    from voice_desk.data.split import Split

    saved = Split.load(split_file)
    split, unmatched, missing = saved.for_corpus(corpus)
    if not split.assignment:
        raise TrainingError("none of the split file's recordings are in this data.", path=split_file,
                            hint="Use the split saved with the same data (SVD sessions or manifest paths must "
                                 "match), or leave --split out to make a new split.")
    for clip in missing:
        corpus.excluded.append(Excluded(clip.key or clip.path, "not in the split file"))
    corpus.clips = [c for c in corpus.clips if c.path in split.assignment]
    if unmatched:
        report({"event": "stage", "stage": "warning",
                "message": f"{unmatched} recordings listed in the split file are not in this data"})
    split.notes = split.label_notes(corpus)
    return split


def recipe_split(recipe, corpus):
    """A new speaker-disjoint split of ``corpus`` with the recipe's fractions, seed and stratification."""
    from voice_desk.data.split import make_split

    return make_split(corpus, recipe["split_fractions"], int(recipe["split_seed"]),
                      bool(recipe.get("stratify_gender", True)))


def prepare_data(recipe, data: str, split_file: str | Path | None = None, report: Report = silent) -> Prepared:
    """Load the corpus with the recipe's data settings and split it (or apply a saved split)."""
    corpus = load_recipe_corpus(recipe, data, report)
    split = apply_split_file(corpus, split_file, report) if split_file else recipe_split(recipe, corpus)
    for line in corpus.excluded_summary():
        report({"event": "stage", "stage": "excluded", "message": f"Left out {line}"})
    return Prepared(corpus, split)


def check_trainable(prepared: Prepared) -> dict:
    """The three parts, or a TrainingError saying why this data cannot train a model."""
    labels = {c.label for c in prepared.corpus.clips}
    if len(labels) < 2:
        only = next(iter(labels), "no")
        raise TrainingError(f"the data holds only {only} recordings: a healthy/pathological model needs both.",
                            hint="Add recordings of the other class (for SVD: download 'healthy' and at least one "
                                 "pathology).")
    return check_parts(prepared.parts(), prepared.split.fractions)


def check_parts(parts: dict, fractions=(0.8, 0.1, 0.1)) -> dict:
    """Refuse an empty part or a one-class train part (also after unusable recordings are left out)."""
    clips = [c for p in PARTS for c in parts[p]]
    speakers = len({c.speaker for c in clips})
    for part in PARTS:
        if not parts[part]:
            raise TrainingError(
                f"the {part} part of the split is empty: {len(clips)} usable recordings from {speakers} speakers "
                f"are too few for a speaker-disjoint {'/'.join(str(round(100 * f)) for f in fractions)} split.",
                hint="Add recordings (speakers), or change split_fractions, e.g. --set split_fractions=[0.6,0.2,0.2].")
    if len({c.label for c in parts["train"]}) < 2:
        raise TrainingError("the train part of the split holds one class only.",
                            hint="Add speakers of the other class, or use another split_seed / split file.")
    return parts
