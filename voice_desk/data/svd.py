"""The Saarbruecken Voice Database through ``sbvoicedb``.

sbvoicedb keeps its SQLite index (``sbvoice.db``) inside the folder it reads, indexes a
pathology's recordings only when every session folder of that pathology exists, and indexes
once. So that the user's copy is never written to and a grown copy is re-indexed, Voice Desk
builds the index in its cache: a folder whose ``data/`` holds one link per session folder of
the user's copy, keyed by the copy's location and its list of session folders.

Only the sentence recordings (utterance ``phrase``, "Guten Morgen, wie geht es Ihnen?") are
used, as in the study; 50 kHz NSP is resampled to 16 kHz when the audio is loaded.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import unicodedata
from functools import lru_cache
from pathlib import Path

from voice_desk.data.corpus import Clip, Corpus, Excluded, normalise_gender
from voice_desk.data.diagnosis_map import DiagnosisGrouping
from voice_desk.errors import VoiceDeskError

SVD_NAME = "Saarbruecken Voice Database"
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
#: sbvoicedb skips sessions above this id: they have no data files.
LAST_SESSION_WITH_DATA = 2611


class SvdError(VoiceDeskError):
    pass


def phrase_file(data_dir: Path, session: int | str) -> Path:
    return Path(data_dir) / str(session) / "sentences" / f"{session}-phrase.nsp"


def find_data_folder(folder: str | Path) -> Path:
    """The folder holding one sub-folder per session: ``folder/data`` or ``folder`` itself."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise SvdError("the SVD folder does not exist.", path=folder,
                       hint="Choose the folder you unzipped the Saarbruecken Voice Database into "
                            "(the one holding 'data'), or download it first.")
    for candidate in (folder / "data", folder):
        if candidate.is_dir() and any(p.name.isdigit() and p.is_dir() for p in candidate.iterdir()):
            return candidate
    raise SvdError("this folder holds no Saarbruecken Voice Database sessions (no numbered session folders).",
                   path=folder, hint="Choose the folder that holds 'data/<session>/sentences/<session>-phrase.nsp'.")


@lru_cache(maxsize=1)
def svd_metadata() -> dict[int, dict]:
    """Every SVD session from sbvoicedb's bundled metadata (no data files needed)."""
    import sbvoicedb

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
    session = svd_metadata().get(int(match.group(1)))
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


def _index_folder(data_dir: Path, sessions: list[str], include_known_bad: bool) -> Path:
    from voice_desk.paths import cache_dir

    import sbvoicedb

    key = hashlib.sha256("\n".join([str(data_dir.resolve()), sbvoicedb.__version__, str(include_known_bad)]
                                   + sessions).encode()).hexdigest()[:20]
    return cache_dir() / "svd-index" / key


def open_index(data_dir: Path, include_known_bad: bool = False):
    """An ``sbvoicedb.SbVoiceDb`` over the user's copy, its index built once in the cache."""
    from sbvoicedb import SbVoiceDb

    sessions = sorted((p.name for p in data_dir.iterdir() if p.name.isdigit()), key=int)
    index = _index_folder(data_dir, sessions, include_known_bad)
    if not (index / "sbvoice.db").is_file():
        tmp = index.with_name(index.name + f".building-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "data").mkdir(parents=True)
        for sid in sessions:
            target = tmp / "data" / sid
            if int(sid) in KNOWN_BAD_SESSIONS:
                if include_known_bad:  # sbvoicedb writes repaired copies beside them: copy, never touch the source
                    shutil.copytree(data_dir / sid, target)
                else:  # an empty folder still counts for sbvoicedb's "pathology complete" rule
                    target.mkdir()
                continue
            try:
                target.symlink_to((data_dir / sid).resolve(), target_is_directory=True)
            except OSError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise SvdError(f"Voice Desk could not link the SVD session folders into its index ({exc}).",
                               path=data_dir, hint="On Windows, turn on Developer Mode (it allows links) "
                                                   "and try again.") from exc
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # sbvoicedb's tqdm bars
                db = SbVoiceDb(str(tmp), download_mode="off")
        except Exception as exc:  # sbvoicedb raises whatever its readers raise on a damaged copy
            shutil.rmtree(tmp, ignore_errors=True)
            raise SvdError(f"sbvoicedb could not index this SVD copy ({type(exc).__name__}: {exc}).", path=data_dir,
                           hint="A session folder may be incomplete: unzip that pathology's archive again.") from exc
        db._db.dispose()
        del db
        if (index / "sbvoice.db").is_file():  # another process won the race
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            shutil.rmtree(index, ignore_errors=True)
            os.replace(tmp, index)
    return SbVoiceDb(str(index), download_mode="off")


def load_svd(folder: str | Path, *, grouping: DiagnosisGrouping | None = None, exclude_singers: bool = True,
             exclude_known_bad: bool = True, pathologies: list[str] | None = None) -> Corpus:
    """Sentence recordings of an SVD copy as a :class:`Corpus`.

    ``pathologies``: keep only sessions with one of these diagnoses (and 'healthy' for controls);
    None keeps everything present.
    """
    from sbvoicedb import Recording

    grouping = grouping or DiagnosisGrouping()
    data_dir = find_data_folder(folder)
    db = open_index(data_dir, include_known_bad=not exclude_known_bad)
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
                          age=int(session.speaker_age), session_type=session.type, diagnoses=diagnoses))
    meta = svd_metadata()
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
        raise SvdError("no usable sentence recordings were found in this SVD copy.", path=data_dir,
                       hint="Check that session folders hold sentences/<session>-phrase.nsp, and that every session "
                            "folder of each downloaded pathology is present.")
    settings = {"exclude_singers": exclude_singers, "exclude_known_bad": exclude_known_bad,
                "pathologies": sorted(wanted) if wanted else None, "utterance": "phrase",
                "diagnosis_grouping": grouping.describe()}
    return Corpus(clips=clips, source=f"svd:{Path(folder).expanduser()}", name=SVD_NAME, excluded=excluded,
                  diagnosis_map=grouping.map_name, settings=settings)
