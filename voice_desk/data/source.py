"""``svd:DIR`` or ``manifest:CSV``: one string names a training corpus on the command line."""

from __future__ import annotations

from pathlib import Path

from voice_desk.data.corpus import Corpus
from voice_desk.errors import VoiceDeskError


def load_corpus(spec: str, *, diagnosis_map: str = "USVAC_2025", diagnosis_override: str | None = None,
                multi_diagnosis_rule: str = "organic_first", exclude_singers: bool = True,
                exclude_known_bad: bool = True, pathologies: list[str] | None = None) -> Corpus:
    kind, sep, where = spec.partition(":")
    if not sep or kind not in ("svd", "manifest"):
        path = Path(spec).expanduser()  # a bare path: a CSV is a manifest, a folder an SVD copy
        if path.suffix.lower() == ".csv":
            kind, where = "manifest", spec
        elif path.is_dir():
            kind, where = "svd", spec
        else:
            raise VoiceDeskError(f"'{spec}' names no training data.",
                                 hint="Use svd:FOLDER (a Saarbrücken Voice Database copy) or manifest:FILE.csv.")
    if kind == "manifest":
        from voice_desk.data.manifest import load_manifest

        return load_manifest(where)
    from voice_desk.data.diagnosis_map import DiagnosisGrouping
    from voice_desk.data.svd import load_svd

    grouping = DiagnosisGrouping(diagnosis_map, diagnosis_override, multi_diagnosis_rule)
    return load_svd(where, grouping=grouping, exclude_singers=exclude_singers,
                    exclude_known_bad=exclude_known_bad, pathologies=pathologies)
