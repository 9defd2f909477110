"""Any corpus through a CSV manifest: ``path,label,speaker,gender[,group]``.

Paths may be relative to the manifest's folder. Labels: healthy / pathological (also
accepted: normal, control, 0 / patient, disordered, 1). ``group`` is free text (e.g.
organic / functional) shown in counts; missing group means healthy or other.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from voice_desk.data.corpus import Clip, Corpus, Excluded, normalise_gender, resolve_path
from voice_desk.errors import VoiceDeskError
from voice_desk.files import check_regular, open_regular_text

REQUIRED = ("path", "label", "speaker", "gender")
HEALTHY = {"healthy", "normal", "control", "0", "n"}
PATHOLOGICAL = {"pathological", "patient", "disordered", "1", "p"}


class ManifestError(VoiceDeskError):
    pass


def _why_unusable(audio: str) -> str:
    """'file not found', or what the path is instead of a regular file."""
    if not os.path.lexists(audio):
        return "file not found"
    try:
        check_regular(audio, "an audio file")
    except VoiceDeskError as exc:
        return exc.problem.rstrip(".")
    return "file not found"


def load_manifest(path: str | Path) -> Corpus:
    path = Path(path).expanduser()
    if path.is_dir():
        raise ManifestError("this is a folder, not a CSV manifest.", path=path,
                            hint="Choose the .csv file; a Saarbrücken Voice Database folder is read with svd:FOLDER.")
    if not path.exists() and not path.is_symlink():
        raise ManifestError("the manifest file does not exist.", path=path,
                            hint="Give a CSV with the columns path,label,speaker,gender (optional: group).")
    clips, excluded, seen = [], [], {}
    try:
        with open_regular_text(path, "a CSV manifest", ManifestError, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise ManifestError(f"the manifest lacks the column(s) {', '.join(missing)}.", path=path,
                                    hint="First line: path,label,speaker,gender,group (group is optional).")
            for n, raw in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
                if not row.get("path"):
                    continue
                label = row["label"].lower()
                if label in HEALTHY:
                    label = "healthy"
                elif label in PATHOLOGICAL:
                    label = "pathological"
                else:
                    raise ManifestError(f"line {n}: label '{row['label']}' is neither healthy nor pathological.",
                                        path=path, hint="Use 'healthy' or 'pathological'.")
                if not row["speaker"]:
                    raise ManifestError(f"line {n}: the speaker is empty.", path=path,
                                        hint="Every recording needs a speaker id: the split keeps each speaker in "
                                             "one part only.")
                audio = resolve_path(row["path"], path.parent)
                if audio in seen:
                    raise ManifestError(f"line {n}: '{row['path']}' is already listed on line {seen[audio]}.",
                                        path=path, hint="List each recording once.")
                seen[audio] = n
                if not Path(audio).is_file():   # only regular files: a pipe would block training
                    excluded.append(Excluded(f"line {n}: {row['path']}", _why_unusable(audio)))
                    continue
                group = row.get("group", "").lower() or ("healthy" if label == "healthy" else "other")
                clips.append(Clip(path=audio, label=label, speaker=row["speaker"],
                                  gender=normalise_gender(row["gender"]), group=group, session=f"line {n}",
                                  key="manifest:" + row["path"].replace("\\", "/")))
    except UnicodeDecodeError as exc:
        raise ManifestError("the manifest is not UTF-8 text.", path=path, hint="Save it as CSV UTF-8.") from exc
    if not clips:
        missing = f" ({len(excluded)} listed files were not found, e.g. {excluded[0].item})" if excluded else ""
        raise ManifestError(f"the manifest lists no recording that exists{missing}.", path=path,
                            hint="Paths may be absolute or relative to the manifest's folder.")
    return Corpus(clips=clips, source=f"manifest:{path}", name=path.stem, excluded=excluded,
                  settings={"manifest": str(path)})
