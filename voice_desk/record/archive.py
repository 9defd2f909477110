"""One patient as one archive (.zip) and back: ``patient.json`` (the patient's, sessions', takes',
results' and measures' rows) and the session folders' files (takes, TextGrids, explanation maps).

An archive holds everything about a patient, so it is written 0600 and should travel as a patient
file does. Importing adds the patient in one transaction (all or nothing); only the files
``patient.json`` names are read from the archive, each under a name of our own making.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path

from voice_desk import __version__
from voice_desk.paths import open_private, private_dir
from voice_desk.record import folders
from voice_desk.record.database import now
from voice_desk.record.errors import RecordError
from voice_desk.record.queries import SCHEMA_VERSION

log = logging.getLogger(__name__)

FORMAT = "voice-desk-patient"
VERSION = 1
MANIFEST = "patient.json"
MANIFEST_LIMIT = 64 * 1024 * 1024
MEMBER_LIMIT = 4 * 1024 ** 3


# ------------------------------------------------------------------------------------ export

def _relative(path: Path, folder: Path) -> str:
    try:
        return folders.relative_name(path, folder)
    except ValueError:
        return Path(path).name


def export_patient(record, patient_id: int, archive: Path) -> Path:
    patient = record.patient(patient_id)
    if archive.is_dir():
        archive = archive / f"patient-{folders.safe_name(patient.clinic_id, 'patient')}.zip"
    elif archive.suffix.lower() != ".zip":
        archive = archive.with_name(archive.name + ".zip")
    files: list[tuple[str, Path]] = []
    sessions = []
    for n, session in enumerate(record.sessions(patient_id), 1):
        folder = record.session_folder(session.id)
        prefix = f"sessions/{n}/"
        takes = []
        for take in record.takes(session.id):
            if not take.path.is_file():
                raise RecordError(f"the {take.task} take of the session of {session.date} is missing from its "
                                  "folder, so the patient cannot be exported whole.", path=take.path,
                                  hint="Put the file back, or delete that take in the record.")
            entry = {"task": take.task, "recorded": take.recorded, "file": prefix + _relative(take.path, folder),
                     "textgrid": None, "results": [], "explanations": []}
            files.append((entry["file"], take.path))
            if take.textgrid is not None:
                entry["textgrid"] = prefix + _relative(take.textgrid, folder)
                files.append((entry["textgrid"], take.textgrid))
            for result in record.results(take.id):
                entry["results"].append({"model": result.model, "card_hash": result.card_hash,
                                         "card_summary": result.card_summary, "prediction": result.prediction,
                                         "map_summary": result.map_summary, "phones": result.phones,
                                         "stored": result.stored})
            for model, path in record.explanations(take.id).items():
                if path.is_file():
                    name = prefix + _relative(path, folder)
                    entry["explanations"].append({"model": model, "file": name})
                    files.append((name, path))
            takes.append(entry)
        sessions.append({"date": session.date, "examiner": session.examiner, "notes": session.notes,
                         "rating": session.rating, "measures": record.measures(session.id), "takes": takes})
    manifest = {"format": FORMAT, "version": VERSION, "record_version": SCHEMA_VERSION,
                "written": now(), "voice_desk": __version__,
                "patient": {"clinic_id": patient.clinic_id, "name": patient.name, "sex": patient.sex,
                            "birth": patient.birth, "notes": patient.notes},
                "sessions": sessions}
    private_dir(archive.parent, fix_existing=False)
    partial = archive.with_name(f".{archive.name}.{os.getpid()}.partial")
    try:
        with open_private(partial, "wb") as out:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, allow_nan=False))
                for name, path in files:
                    zf.write(path, name)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, archive)
    except OSError as exc:
        raise RecordError(f"the archive could not be written ({exc.strerror or exc}).", path=archive,
                          hint="Check that the disk is not full and that you may write there.") from exc
    finally:
        partial.unlink(missing_ok=True)
    log.info("patient %d exported (%d files)", patient_id, len(files))
    return archive


# ------------------------------------------------------------------------------------ import

def _bad(archive: Path, why: str) -> RecordError:
    return RecordError(f"this is not a patient archive Voice Desk can read: {why}.", path=archive,
                       hint="Choose a file made with 'Export patient' (voice-desk patients export).")


def _manifest(zf: zipfile.ZipFile, archive: Path) -> dict:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise _bad(archive, f"it holds no {MANIFEST}") from None
    if info.file_size > MANIFEST_LIMIT:
        raise _bad(archive, f"its {MANIFEST} is far too large")
    try:
        manifest = json.loads(zf.read(info).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, RecursionError) as exc:
        raise _bad(archive, f"its {MANIFEST} cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _bad(archive, f"its {MANIFEST} is not Voice Desk's")
    version = manifest.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RecordError(f"this patient archive was written by a newer Voice Desk (archive version {version}; "
                          f"this one reads up to {VERSION}).", path=archive, hint="Update Voice Desk to import it.")
    if not isinstance(manifest.get("patient"), dict) or not isinstance(manifest.get("sessions"), list):
        raise _bad(archive, f"its {MANIFEST} lacks the patient or the sessions")
    return manifest


def _extract(zf: zipfile.ZipFile, archive: Path, name, folder: Path, as_name: str | None = None) -> Path:
    """The member ``name`` written into ``folder`` under a safe name of our own."""
    if not isinstance(name, str):
        raise _bad(archive, "a file it names is not a file name")
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise _bad(archive, f"it lacks the file {name[:80]} that {MANIFEST} names") from None
    if info.is_dir() or info.file_size > MEMBER_LIMIT:
        raise _bad(archive, f"{name[:80]} is not a take Voice Desk wrote")
    private_dir(folder)
    target = folder / (as_name or folders.safe_name(name))
    written = 0
    with zf.open(info) as src, open_private(target, "wb") as out:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > info.file_size:
                raise _bad(archive, f"{name[:80]} is larger than the archive says")
            out.write(chunk)
    return target


def _list(value, archive: Path, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _bad(archive, f"its {what} are not a list of entries")
    return value


def import_patient(record, archive: Path):
    if not archive.is_file():
        raise RecordError("there is no such file.", path=archive, hint="Choose the patient archive (.zip).")
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _bad(archive, f"it is not a zip archive ({exc})") from None
    with zf, tempfile.TemporaryDirectory(prefix="voice-desk-import-") as tmp:
        manifest = _manifest(zf, archive)
        info = manifest["patient"]
        existing = record.find_patient(str(info.get("clinic_id") or ""))
        if existing is not None:
            raise RecordError(f"A patient with the clinic ID {existing.clinic_id} is already in this record, so the "
                              "archive was not imported.", path=archive,
                              hint="If it is the same patient, keep the record you have; if not, change the clinic "
                                   "ID of the patient here first.")
        patient = None
        try:
            with record.batch():
                patient = record.add_patient(info.get("clinic_id"), info.get("name"), info.get("sex"),
                                             info.get("birth"), info.get("notes") or "")
                for n, entry in enumerate(_list(manifest["sessions"], archive, "sessions")):
                    session = record.add_session(patient.id, entry.get("date"), entry.get("examiner") or "",
                                                 entry.get("notes") or "", entry.get("rating"))
                    for k, take_entry in enumerate(_list(entry.get("takes"), archive, "takes")):
                        _import_take(record, zf, archive, session.id, take_entry, Path(tmp) / f"{n}-{k}")
                    if entry.get("measures") is not None:
                        if not isinstance(entry["measures"], dict):
                            raise _bad(archive, "a session's measures are not an entry")
                        record.store_measures(session.id, entry["measures"])
        except (KeyError, TypeError, AttributeError) as exc:
            _remove_files(record, patient)
            raise _bad(archive, f"its {MANIFEST} is not as Voice Desk writes it ({type(exc).__name__}: {exc})") \
                from None
        except BaseException:
            _remove_files(record, patient)
            raise
    log.info("patient %d imported", patient.id)
    return record.patient(patient.id)


def _import_take(record, zf, archive: Path, session_id: int, entry: dict, folder: Path) -> None:
    audio = _extract(zf, archive, entry["file"], folder)
    if entry.get("textgrid"):
        _extract(zf, archive, entry["textgrid"], folder, audio.stem + ".TextGrid")
    take = record.add_take(session_id, audio, entry["task"], recorded=entry.get("recorded") or None)
    for result in _list(entry.get("results"), archive, "results"):
        record.store_result(take.id, result["model"], result["card_hash"], result["prediction"],
                            result["map_summary"], result["phones"], result.get("card_summary") or "",
                            stored=result.get("stored") or None)
    for explanation in _list(entry.get("explanations"), archive, "explanations"):
        npz = _extract(zf, archive, explanation["file"], folder / "maps")
        record.store_explanation(take.id, explanation["model"], npz)


def _remove_files(record, patient) -> None:
    """After a failed import: the files copied in for the patient whose rows were rolled back."""
    if patient is not None:
        folders.remove_tree(folders.patient_folder(record.takes_root, patient.id), record.takes_root)
