"""The Saarbrücken Voice Database through ``sbvoicedb``.

sbvoicedb's index of the user's copy is built in Voice Desk's cache, never in the copy
(:mod:`voice_desk.data.svd_index`).

Only the sentence recordings (utterance ``phrase``, "Guten Morgen, wie geht es Ihnen?") are
used, as in the study; 50 kHz NSP is resampled to 16 kHz when the audio is loaded.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from voice_desk.data.corpus import Clip, Corpus, Excluded, normalise_gender
from voice_desk.data.diagnosis_map import DiagnosisGrouping
from voice_desk.errors import VoiceDeskError

SVD_NAME = "Saarbrücken Voice Database"
#: Sessions sbvoicedb repairs on the fly because their files are known to be bad.
KNOWN_BAD_SESSIONS = {
    713: "known-bad file: incomplete NSP header (sbvoicedb's list)",
    980: "known-bad file: acoustic and EGG channels swapped (sbvoicedb's list)",
    1697: "known-bad file: acoustic and EGG channels swapped (sbvoicedb's list)",
    139: "known-bad file: acoustic and EGG channels swapped (sbvoicedb's list)",
    141: "known-bad file: acoustic and EGG channels swapped (sbvoicedb's list)",
}
SINGER_DIAGNOSES = ("Gesangsstimme", "Sängerstimme")
REASON_SINGER = "singer's voice (Gesangsstimme / Sängerstimme)"
REASON_NO_SENTENCE = "session folder has no sentence recording"
REASON_INCOMPLETE = "not indexed: its pathology's download is incomplete"
REASON_DAMAGED = "damaged sentence file (its NSP header cannot be read; unzip its pathology's archive again)"
#: sbvoicedb skips sessions above this id: they have no data files.
LAST_SESSION_WITH_DATA = 2611


class SvdError(VoiceDeskError):
    pass


def phrase_file(data_dir: Path, session: int | str) -> Path:
    return Path(data_dir) / str(session) / "sentences" / f"{session}-phrase.nsp"


def find_data_folder(folder: str | Path) -> Path:
    """The folder holding one sub-folder per session: ``folder/data`` or ``folder`` itself."""
    folder = Path(folder).expanduser()
    if folder.is_file():
        raise SvdError("this is a file, not the Saarbrücken Voice Database folder.", path=folder,
                       hint="Choose the folder holding 'data'; a CSV list of recordings is read as a manifest "
                            "(manifest:FILE.csv).")
    if not folder.is_dir():
        raise SvdError("the SVD folder does not exist.", path=folder,
                       hint="Choose the folder you unzipped the Saarbrücken Voice Database into "
                            "(the one holding 'data'), or download it first.")
    for candidate in (folder / "data", folder):
        if candidate.is_dir() and any(p.name.isdigit() and p.is_dir() for p in candidate.iterdir()):
            return candidate
    raise SvdError("this folder holds no Saarbrücken Voice Database sessions (no numbered session folders).",
                   path=folder, hint="Choose the folder that holds 'data/<session>/sentences/<session>-phrase.nsp'.")


SBVOICEDB_MISSING = ("reading the Saarbrücken Voice Database needs the optional package sbvoicedb, which is not "
                     "installed (it is GPL-2.0-only, so the clinic bundle leaves it out).")
SBVOICEDB_HINT = ("In a Python install of Voice Desk: pip install 'voice-desk[svd]' (scripts/setup-env does), then "
                  "try again. The clinic bundle cannot hold it: train on SVD from a Python install.")


def load_sbvoicedb():
    """The optional ``sbvoicedb`` package, or an :class:`SvdError` saying how to get it."""
    try:
        import sbvoicedb
    except ImportError as exc:
        raise SvdError(SBVOICEDB_MISSING, hint=SBVOICEDB_HINT) from exc
    return sbvoicedb


@lru_cache(maxsize=1)
def svd_metadata() -> dict[int, dict]:
    """Every SVD session from sbvoicedb's bundled metadata (no data files needed)."""
    sbvoicedb = load_sbvoicedb()

    path = Path(sbvoicedb.__file__).with_name("summary.csv")
    out = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            sid = int(row["AufnahmeID"])
            if sid > LAST_SESSION_WITH_DATA:
                continue
            pathologies = [unicodedata.normalize("NFC", p) for p in row["Pathologien"].split(", ") if p]
            out[sid] = {"type": row["AufnahmeTyp"], "speaker": int(row["SprecherID"]),
                        "gender": row["Geschlecht"], "pathologies": pathologies}
    return out


def session_label(path: str | Path) -> str | None:
    """'healthy' or 'pathological' for an SVD sentence file (``<session>-phrase.nsp``) whose
    session is in sbvoicedb's metadata, else None. As SVD files them: singers count as
    pathological."""
    match = re.fullmatch(r"(\d+)-phrase\.nsp", Path(path).name, flags=re.IGNORECASE)
    if not match:
        return None
    try:
        session = svd_metadata().get(int(match.group(1)))
    except SvdError:       # without sbvoicedb the session's record is not here: no label, not an error
        return None
    if session is None:
        return None
    return "healthy" if session["type"] == "n" else "pathological"


def pathology_names() -> list[str]:
    """All pathology names (German) plus 'healthy': the per-pathology download units."""
    names = sorted({p for s in svd_metadata().values() for p in s["pathologies"]})
    return ["healthy"] + names


def sessions_of(pathology: str) -> list[int]:
    meta = svd_metadata()
    if pathology == "healthy":
        return sorted(s for s, m in meta.items() if m["type"] == "n")
    return sorted(s for s, m in meta.items() if pathology in m["pathologies"])


def load_svd(folder: str | Path, *, grouping: DiagnosisGrouping | None = None, exclude_singers: bool = True,
             exclude_known_bad: bool = True, pathologies: list[str] | None = None) -> Corpus:
    """Sentence recordings of an SVD copy as a :class:`Corpus`.

    ``pathologies``: keep only sessions with one of these diagnoses (and 'healthy' for controls);
    None keeps everything present.
    """
    from sbvoicedb import Recording

    from voice_desk.data.svd_index import open_index

    grouping = grouping or DiagnosisGrouping()
    data_dir = find_data_folder(folder)
    db, damaged = open_index(data_dir, include_known_bad=not exclude_known_bad)
    clips, excluded, indexed = [], [], set()
    wanted = set(pathologies) if pathologies else None
    for rec in db.iter_recordings(recording_filter=Recording.utterance == "phrase"):
        session = rec.session
        sid = int(session.id)
        indexed.add(sid)
        diagnoses = tuple(unicodedata.normalize("NFC", p.name) for p in session.pathologies)
        item = f"session {sid}"
        if wanted is not None:
            keys = {"healthy"} if session.type == "n" else set(diagnoses)
            if not keys & wanted:
                continue
        if exclude_known_bad and sid in KNOWN_BAD_SESSIONS:
            excluded.append(Excluded(item, KNOWN_BAD_SESSIONS[sid]))
            continue
        if exclude_singers and any(d in SINGER_DIAGNOSES for d in diagnoses):
            excluded.append(Excluded(item, REASON_SINGER))
            continue
        label = "healthy" if session.type == "n" else "pathological"
        group = "healthy" if label == "healthy" else grouping.session_group(diagnoses)
        speaker = session.speaker
        clips.append(Clip(path=str(Path(rec.nspfile)), label=label, speaker=f"svd-{speaker.id}",
                          gender=normalise_gender(speaker.gender), group=group, session=str(sid),
                          age=int(session.speaker_age), session_type=session.type, diagnoses=diagnoses,
                          key=f"svd:{sid}"))
    meta = svd_metadata()
    for rel in sorted(damaged):
        sid = Path(rel).parts[0]
        if Path(rel).name.lower() == f"{sid}-phrase.nsp" and int(sid) not in indexed:
            indexed.add(int(sid))
            excluded.append(Excluded(f"session {sid} ({rel})", REASON_DAMAGED))
    for entry in sorted(data_dir.iterdir(), key=lambda p: p.name):
        if not entry.name.isdigit() or int(entry.name) in indexed or int(entry.name) not in meta:
            continue
        sid = int(entry.name)
        if exclude_known_bad and sid in KNOWN_BAD_SESSIONS:
            if phrase_file(data_dir, sid).is_file():
                excluded.append(Excluded(f"session {sid}", KNOWN_BAD_SESSIONS[sid]))
            continue
        reason = REASON_INCOMPLETE if phrase_file(data_dir, sid).is_file() else REASON_NO_SENTENCE
        excluded.append(Excluded(f"session {sid}", reason))
    db._db.dispose()
    # Point clips at the user's own files rather than the index's links.
    # (sbvoicedb's repaired copies of known-bad files, "-fixed.nsp", stay in the index.)
    for clip in clips:
        if not clip.path.endswith("-fixed.nsp"):
            clip.path = os.path.realpath(clip.path)
    if not clips:
        left_out = Corpus([], "", "", excluded).excluded_summary()
        raise SvdError("no usable sentence recordings were found in this SVD copy"
                       + (f" (left out: {'; '.join(left_out)})." if left_out else "."), path=data_dir,
                       hint="Check that session folders hold sentences/<session>-phrase.nsp, and that every session "
                            "folder of each downloaded pathology is present.")
    settings = {"exclude_singers": exclude_singers, "exclude_known_bad": exclude_known_bad,
                "pathologies": sorted(wanted) if wanted else None, "utterance": "phrase",
                "diagnosis_grouping": grouping.describe(), "damaged_files": damaged}
    return Corpus(clips=clips, source=f"svd:{Path(folder).expanduser()}", name=SVD_NAME, excluded=excluded,
                  diagnosis_map=grouping.map_name, settings=settings)
