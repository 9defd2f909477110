""":class:`Record`: the patient record a user works with, in the window and on the command line.

A ``Record`` holds one connection; its methods may be called from any thread (one at a time: they
are serialised). Each write is one transaction, on disk (WAL, synchronous FULL) before the method
returns, so a crash or a kill loses at most the write in progress. :meth:`Record.batch` joins
several writes into one transaction (an import is all or nothing).

Privacy: the file is 0600 in a 0700 folder, the takes' folders 0700 and their files 0600; logs name
rows by number, never a patient's name or clinic ID.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from voice_desk.model.json_io import dumps
from voice_desk.paths import data_home, private_dir
from voice_desk.record import checks, folders, queries
from voice_desk.record.database import RECORD_FILE, copy_database, now, open_database, sqlite_errors
from voice_desk.record.entities import TASKS, CoursePoint, Patient, Session, StoredResult, Take
from voice_desk.record.errors import RecordError

log = logging.getLogger(__name__)

_PATIENT_FIELDS = ("clinic_id", "name", "sex", "birth", "notes")
_SESSION_FIELDS = ("date", "examiner", "notes", "rating")


def _json(value, what: str) -> str:
    try:
        return dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be plain JSON data ({exc})") from exc


def _file_time(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat(timespec="seconds")


class Record:
    """The patient record in one SQLite file; see the module's docstring. Use :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, takes_root: Path):
        self._conn = conn
        self.path = path
        self.takes_root = takes_root
        self._lock = threading.RLock()
        self._depth = 0

    # ------------------------------------------------------------------------------ open / close

    @classmethod
    def open(cls, path: str | Path | None = None, takes_root: str | Path | None = None) -> "Record":
        """Open the record at ``path`` (default ``data_home()/record.sqlite``), creating it if missing.
        Takes live in ``takes_root`` (default: the folder ``takes`` beside the record file)."""
        path = Path(path).expanduser() if path is not None else data_home() / RECORD_FILE
        path = path.absolute()
        conn = open_database(path)
        root = Path(takes_root).expanduser().absolute() if takes_root is not None else path.parent / "takes"
        return cls(conn, path, root)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> "Record":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RecordError("The record has been closed.")
        return self._conn

    @contextmanager
    def _read(self):
        with self._lock, sqlite_errors(self.path, "read the record"):
            yield self.conn

    @contextmanager
    def batch(self):
        """Writes inside this block form one transaction: all of them are kept, or none."""
        with self._lock, sqlite_errors(self.path, "write to the record"):
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            with queries.transaction(self.conn):
                self._depth = 1
                try:
                    yield self.conn
                finally:
                    self._depth = 0

    _write = batch

    # ------------------------------------------------------------------------------ patients

    def add_patient(self, clinic_id: str, name: str | None = None, sex: str | None = None,
                    birth: str | None = None, notes: str = "") -> Patient:
        values = (checks.clinic_id(clinic_id), checks.name(name), checks.sex(sex), checks.birth(birth),
                  checks.text(notes))
        try:
            with self._write() as conn:
                patient_id = queries.insert_patient(conn, *values, now())
        except sqlite3.IntegrityError:
            raise self._taken(values[0]) from None
        log.info("patient %d added", patient_id)
        return self.patient(patient_id)

    @staticmethod
    def _taken(clinic_id: str) -> RecordError:
        return RecordError(f"A patient with the clinic ID {clinic_id} is already in the record.",
                           hint="Open that patient, or check the ID.")

    def update_patient(self, patient_id: int, **fields) -> Patient:
        unknown = set(fields) - set(_PATIENT_FIELDS)
        if unknown:
            raise TypeError(f"update_patient: unknown field(s) {', '.join(sorted(unknown))}")
        with self._write() as conn:
            current = self.patient(patient_id)
            merged = {k: fields.get(k, getattr(current, k)) for k in _PATIENT_FIELDS}
            values = (checks.clinic_id(merged["clinic_id"]), checks.name(merged["name"]), checks.sex(merged["sex"]),
                      checks.birth(merged["birth"]), checks.text(merged["notes"]))
            try:
                queries.update_patient(conn, patient_id, *values)
            except sqlite3.IntegrityError:
                raise self._taken(values[0]) from None
        log.info("patient %d changed", patient_id)
        return self.patient(patient_id)

    def patients(self, search: str = "") -> list[Patient]:
        """All patients by clinic ID, or those whose clinic ID or name holds ``search`` (any case)."""
        with self._read() as conn:
            rows = [self._patient(r) for r in queries.select_patients(conn)]
        needle = " ".join(str(search or "").split()).casefold()
        if not needle:
            return rows
        return [p for p in rows if needle in p.clinic_id.casefold() or needle in (p.name or "").casefold()]

    def patient(self, patient_id: int) -> Patient:
        with self._read() as conn:
            row = queries.select_patient(conn, int(patient_id))
        if row is None:
            raise RecordError(f"There is no patient number {patient_id} in the record.",
                              hint="It may have been deleted; choose the patient again.")
        return self._patient(row)

    def find_patient(self, clinic_id: str) -> Patient | None:
        """The patient with this clinic ID (any case), or None."""
        with self._read() as conn:
            row = queries.select_patient_by_clinic_id(conn, str(clinic_id).strip())
        return self._patient(row) if row is not None else None

    @staticmethod
    def _patient(row) -> Patient:
        return Patient(row["id"], row["clinic_id"], row["name"], row["sex"], row["birth"], row["notes"])

    def delete_patient(self, patient_id: int) -> None:
        """Delete the patient, their sessions, takes, results and measures, and their takes' files."""
        self.patient(patient_id)
        with self._write() as conn:
            queries.delete_patient(conn, int(patient_id))
        folders.remove_tree(folders.patient_folder(self.takes_root, patient_id), self.takes_root)
        log.info("patient %d deleted", patient_id)

    # ------------------------------------------------------------------------------ sessions

    def add_session(self, patient_id: int, date: str | None = None, examiner: str = "", notes: str = "",
                    rating: dict | None = None) -> Session:
        self.patient(patient_id)
        values = (checks.day(date), checks.text(examiner, "The examiner's name"), checks.text(notes),
                  self._rating_json(rating))
        with self._write() as conn:
            session_id = queries.insert_session(conn, int(patient_id), *values, now())
        log.info("session %d added to patient %d", session_id, patient_id)
        return self.session(session_id)

    @staticmethod
    def _rating_json(rating) -> str | None:
        rating = checks.rating(rating)
        return None if rating is None else _json(rating, "the rating")

    def update_session(self, session_id: int, **fields) -> Session:
        unknown = set(fields) - set(_SESSION_FIELDS)
        if unknown:
            raise TypeError(f"update_session: unknown field(s) {', '.join(sorted(unknown))}")
        with self._write() as conn:
            current = self.session(session_id)
            merged = {k: fields.get(k, getattr(current, k)) for k in _SESSION_FIELDS}
            queries.update_session(conn, int(session_id), checks.day(merged["date"]),
                                   checks.text(merged["examiner"], "The examiner's name"), checks.text(merged["notes"]),
                                   self._rating_json(merged["rating"]))
        log.info("session %d changed", session_id)
        return self.session(session_id)

    def sessions(self, patient_id: int) -> list[Session]:
        """The patient's sessions, oldest first."""
        self.patient(patient_id)
        with self._read() as conn:
            return [self._session(conn, r) for r in queries.select_sessions(conn, int(patient_id))]

    def session(self, session_id: int) -> Session:
        with self._read() as conn:
            row = queries.select_session(conn, int(session_id))
            if row is None:
                raise RecordError(f"There is no session number {session_id} in the record.",
                                  hint="It may have been deleted; choose the session again.")
            return self._session(conn, row)

    @staticmethod
    def _session(conn, row) -> Session:
        present = set(queries.select_session_tasks(conn, row["id"]))
        return Session(row["id"], row["patient_id"], row["date"], row["examiner"], row["notes"],
                       json.loads(row["rating"]) if row["rating"] else None,
                       tuple(t for t in TASKS if t in present) + tuple(sorted(present - set(TASKS))))

    def delete_session(self, session_id: int) -> None:
        """Delete one session with its takes, results, measures and files."""
        session = self.session(session_id)
        with self._write() as conn:
            queries.delete_session(conn, int(session_id))
        folder = folders.patient_folder(self.takes_root, session.patient_id) / str(int(session_id))
        folders.remove_tree(folder, self.takes_root)
        log.info("session %d deleted", session_id)

    def session_folder(self, session_id: int) -> Path:
        """The folder (0700) where the session's takes live: ``TAKES/<patient>/<session>/``."""
        session = self.session(session_id)
        return folders.session_folder(self.takes_root, session.patient_id, session.id)

    # ------------------------------------------------------------------------------ takes

    def add_take(self, session_id: int, path: str | Path, task: str, recorded: str | None = None) -> Take:
        """Add a take of ``task``. A file outside the session's folder is copied in (its TextGrid
        beside it too); one already inside is used where it is. ``recorded`` defaults to the file's
        modification time."""
        task = checks.task(task)
        folder = self.session_folder(session_id)
        source = Path(path).expanduser()
        when = recorded or (_file_time(source) if source.is_file() else None)
        take_path, created = folders.bring_in(source, folder)
        try:
            with self._write() as conn:
                take_id = queries.insert_take(conn, int(session_id), task, folders.relative_name(take_path, folder),
                                              when)
        except sqlite3.IntegrityError:
            folders.remove(created)
            raise RecordError("this file is already a take of the session.", path=take_path) from None
        except BaseException:
            folders.remove(created)
            raise
        log.info("take %d (%s) added to session %d", take_id, task, session_id)
        return self.take(take_id)

    def take(self, take_id: int) -> Take:
        with self._read() as conn:
            return self._take(self._take_row(conn, take_id))

    def takes(self, session_id: int) -> list[Take]:
        self.session(session_id)
        with self._read() as conn:
            return [self._take(r) for r in queries.select_takes(conn, int(session_id))]

    def _take(self, row) -> Take:
        return Take(row["id"], row["session_id"], row["task"], self._folder_of(row) / row["file"], row["recorded"])

    def _folder_of(self, take_row) -> Path:
        """The session folder of a take's row (without creating it)."""
        return folders.patient_folder(self.takes_root, take_row["patient_id"]) / str(take_row["session_id"])

    def _take_row(self, conn, take_id: int):
        row = queries.select_take(conn, int(take_id))
        if row is None:
            raise RecordError(f"There is no take number {take_id} in the record.")
        return row

    def delete_take(self, take_id: int) -> None:
        """Delete one take, its results and explanations, and its files (audio, TextGrid, maps)."""
        take = self.take(take_id)
        files = [take.path, take.textgrid] + [r.explanation for r in self.results(take_id)]
        with self._write() as conn:
            queries.delete_take(conn, int(take_id))
        folders.remove(f for f in files if f is not None)
        log.info("take %d deleted", take_id)

    # ------------------------------------------------------------------------------ results

    def store_result(self, take_id: int, model: str, card_hash: str, prediction: dict, map_summary: dict,
                     phones: list[dict], card_summary: str = "", stored: str | None = None) -> None:
        """Keep one model's result for one take (``prediction``: ``Prediction.to_record()``;
        ``card_summary``: the model card's line with its test figures). A re-run replaces it."""
        self.take(take_id)
        if not isinstance(prediction, dict):
            raise TypeError("store_result wants Prediction.to_record()")
        if not card_summary and isinstance(prediction.get("card_summary"), str):
            card_summary = prediction["card_summary"]        # given inside the prediction: the same line
        values = (str(model), str(card_hash), str(card_summary or ""), _json(prediction, "the prediction"),
                  _json(map_summary or {}, "the map summary"), _json(list(phones or []), "the phones"))
        with self._write() as conn:
            queries.upsert_result(conn, int(take_id), *values, stored or now())
        log.info("result of a model stored for take %d", take_id)

    def store_explanation(self, take_id: int, model: str, npz_path: str | Path, stored: str | None = None) -> Path:
        """Keep the explanation (.npz) of ``model`` for the take in the session's folder (copied in
        unless it is there already); returns where it is. A re-run replaces it."""
        take = self.take(take_id)
        folder = self.session_folder(take.session_id)
        source = Path(npz_path).expanduser()
        if not source.is_file():
            raise RecordError("there is no such explanation file.", path=source)
        created = []
        if folders.inside(source, folder):
            target = Path(os.path.realpath(source))
        else:
            target = folders.copy_private(source, folder / folders.explanation_name(take.path, str(model)))
            created.append(target)
        try:
            with self._write() as conn:
                queries.upsert_explanation(conn, int(take_id), str(model), folders.relative_name(target, folder),
                                           stored or now())
        except BaseException:
            folders.remove(created)
            raise
        return target

    def results(self, take_id: int) -> list[StoredResult]:
        with self._read() as conn:
            folder = self._folder_of(self._take_row(conn, take_id))
            rows = queries.select_results(conn, int(take_id))
        return [StoredResult(r["take_id"], r["model"], r["card_hash"], json.loads(r["prediction"]),
                             json.loads(r["map_summary"]), json.loads(r["phones"]), r["card_summary"],
                             folder / r["explanation"] if r["explanation"] else None, r["stored"]) for r in rows]

    def explanations(self, take_id: int) -> dict[str, Path]:
        """model -> its stored .npz for the take (also for a model whose result is not stored)."""
        with self._read() as conn:
            folder = self._folder_of(self._take_row(conn, take_id))
            return {r["model"]: folder / r["file"] for r in queries.select_explanations(conn, int(take_id))}

    # ------------------------------------------------------------------------------ measures

    def store_measures(self, session_id: int, measures: dict) -> None:
        """Keep the session's voice measures (``SessionMeasures.to_dict()``), replacing earlier ones."""
        self.session(session_id)
        if not isinstance(measures, dict):
            raise TypeError("store_measures wants SessionMeasures.to_dict()")
        with self._write() as conn:
            queries.upsert_measures(conn, int(session_id), _json(measures, "the measures"), now())
        log.info("measures stored for session %d", session_id)

    def measures(self, session_id: int) -> dict | None:
        self.session(session_id)
        with self._read() as conn:
            row = queries.select_measures(conn, int(session_id))
        return json.loads(row["data"]) if row is not None else None

    # ------------------------------------------------------------------------------ course, archive, backup

    def course(self, patient_id: int) -> list[CoursePoint]:
        """Per session, oldest first: P(pathological) per model from the sentence take, and the key
        measures (:data:`voice_desk.record.entities.COURSE_MEASURES`)."""
        from voice_desk.record.course import course_points

        sessions = self.sessions(patient_id)
        with self._read() as conn:
            results = [(r["session_id"], r["model"], json.loads(r["prediction"]))
                       for r in queries.select_sentence_results(conn, int(patient_id))]
            measures = {r["session_id"]: json.loads(r["data"])
                        for r in queries.select_patient_measures(conn, int(patient_id))}
        return course_points(sessions, results, measures)

    def export_patient(self, patient_id: int, archive: str | Path) -> Path:
        """One archive (.zip, 0600) with the patient's rows as JSON, takes, TextGrids, maps and results."""
        from voice_desk.record.archive import export_patient

        return export_patient(self, int(patient_id), Path(archive).expanduser())

    def import_patient(self, archive: str | Path) -> Patient:
        """Add the patient in an archive made by :meth:`export_patient` (on this or another computer);
        refused when the clinic ID is in the record already."""
        from voice_desk.record.archive import import_patient

        return import_patient(self, Path(archive).expanduser())

    def backup(self, dest: str | Path) -> Path:
        """A consistent copy of the record file (SQLite's online backup: safe while the window runs)
        at ``dest``, or inside it as ``record-YYYYMMDD-HHMMSS.sqlite`` when ``dest`` is a folder. The
        takes' files are not in it (export a patient for those)."""
        dest = Path(dest).expanduser()
        if dest.is_dir():
            dest = dest / f"{self.path.stem}-{datetime.now():%Y%m%d-%H%M%S}{self.path.suffix}"
        else:
            private_dir(dest.parent, fix_existing=False)
        if os.path.realpath(dest) == os.path.realpath(self.path):
            raise RecordError("a backup cannot replace the record itself.", path=dest, hint="Choose another file.")
        with self._lock, sqlite_errors(dest, "back up the record"):
            copy_database(self.conn, dest)
        log.info("record backed up")
        return dest

    def report(self, patient_id: int, out: str | Path, session_id: int | None = None, clinic: str = "") -> Path:
        """Write the printable report (PDF) of ``session_id`` (default: the latest); see
        :func:`voice_desk.record.report.write_report`."""
        from voice_desk.record.report import write_report

        return write_report(self, patient_id, out, session_id, clinic)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self._read() as conn:
            return queries.count_rows(conn)
