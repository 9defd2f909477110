"""Every SQL statement of the record, and nothing else: the schema, its migrations and the queries.

Standard-library ``sqlite3`` with ``?`` parameters. The queries are plain SQL (no SQLite-only
functions; case-insensitive search is done by the caller); what is SQLite's own — the pragmas, the
``AUTOINCREMENT`` and ``COLLATE NOCASE`` of the schema, ``BEGIN IMMEDIATE`` and the online backup —
is here too, so pointing the record at PostgreSQL later means replacing this one module. Callers pass
a connection opened by :mod:`voice_desk.record.database` and get rows (``sqlite3.Row``) back; writes
run inside :func:`transaction`.

Schema versions (``PRAGMA user_version``):

0 — a database without a version: an empty file, or the draft layout (``patients`` with clinic ID,
    name and notes; ``sessions`` with patient, date and notes); the draft's rows are carried over.
1 — patients, sessions, takes, results, explanations, measures (below).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

SCHEMA_VERSION = 1

_SCHEMA_1 = (
    """CREATE TABLE patients (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        clinic_id TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT,
        sex TEXT CHECK (sex IN ('f', 'm')),
        birth TEXT,
        notes TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL)""",
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
        date TEXT NOT NULL,
        examiner TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        rating TEXT,
        created TEXT NOT NULL)""",
    "CREATE INDEX sessions_by_patient ON sessions (patient_id, date)",
    """CREATE TABLE takes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        task TEXT NOT NULL,
        file TEXT NOT NULL,
        recorded TEXT NOT NULL,
        UNIQUE (session_id, file))""",
    """CREATE TABLE results (
        take_id INTEGER NOT NULL REFERENCES takes (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        card_hash TEXT NOT NULL,
        card_summary TEXT NOT NULL DEFAULT '',
        prediction TEXT NOT NULL,
        map_summary TEXT NOT NULL,
        phones TEXT NOT NULL,
        stored TEXT NOT NULL,
        PRIMARY KEY (take_id, model))""",
    """CREATE TABLE explanations (
        take_id INTEGER NOT NULL REFERENCES takes (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        file TEXT NOT NULL,
        stored TEXT NOT NULL,
        PRIMARY KEY (take_id, model))""",
    """CREATE TABLE measures (
        session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        data TEXT NOT NULL,
        stored TEXT NOT NULL)""",
)
_TABLES_1 = ("patients", "sessions", "takes", "results", "explanations", "measures")


# ------------------------------------------------------------------------------------ connection

def configure(conn: sqlite3.Connection) -> None:
    """Foreign keys enforced; wait up to 10 s for another writer. Changes nothing in the file."""
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")


def use_wal(conn: sqlite3.Connection) -> None:
    """WAL (readers never block the writer, a crash loses nothing committed) and every commit on
    disk before it returns (synchronous FULL). Marks the file as WAL, so only for a record we keep."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")


def integrity(conn: sqlite3.Connection) -> list[str]:
    """The problems ``PRAGMA integrity_check`` and ``foreign_key_check`` find ([] when sound)."""
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
    problems += [f"row {row[1]} of {row[0]} refers to a missing {row[2]}" for row in
                 conn.execute("PRAGMA foreign_key_check")]
    return problems


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")}


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    if table not in table_names(conn):
        return set()
    return {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}


@contextmanager
def transaction(conn: sqlite3.Connection):
    """One write transaction (taken at once, so two writers queue instead of failing halfway);
    committed when the block ends, rolled back if it raises. The connection is in autocommit mode."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def backup(conn: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """Copy the whole database with SQLite's online backup (safe while others read and write)."""
    conn.backup(target)


# ------------------------------------------------------------------------------------ migrations

def is_draft(conn: sqlite3.Connection) -> bool:
    """A version-0 database in the draft layout (patients with a clinic ID)."""
    return "clinic_id" in columns(conn, "patients")


def migrate_0_to_1(conn: sqlite3.Connection, now: str) -> None:
    """Version 0 (empty, or the draft layout) -> 1. Runs inside a transaction with foreign keys off."""
    draft = is_draft(conn)
    if draft:
        conn.execute("PRAGMA legacy_alter_table = ON")    # rename without rewriting other tables' references
        conn.execute("ALTER TABLE patients RENAME TO patients_v0")
        if "sessions" in table_names(conn):
            conn.execute("ALTER TABLE sessions RENAME TO sessions_v0")
        conn.execute("PRAGMA legacy_alter_table = OFF")
    for statement in _SCHEMA_1:
        conn.execute(statement)
    if draft:
        notes = "COALESCE(notes, '')" if "notes" in columns(conn, "patients_v0") else "''"
        conn.execute("INSERT INTO patients (id, clinic_id, name, notes, created) "
                     f"SELECT id, TRIM(clinic_id), name, {notes}, ? FROM patients_v0", (now,))
        conn.execute("DROP TABLE patients_v0")
        if "sessions_v0" in table_names(conn):
            notes = "COALESCE(notes, '')" if "notes" in columns(conn, "sessions_v0") else "''"
            conn.execute("INSERT INTO sessions (id, patient_id, date, notes, created) "
                         f"SELECT id, patient_id, date, {notes}, ? FROM sessions_v0", (now,))
            conn.execute("DROP TABLE sessions_v0")


#: version -> the step that brings a database of that version to the next.
MIGRATIONS = {0: migrate_0_to_1}


def migrate(conn: sqlite3.Connection, now: str) -> int:
    """Run every step from the database's version up to :data:`SCHEMA_VERSION`, all in one
    transaction (a failure leaves the database as it was); returns the version it started at."""
    start = user_version(conn)
    if start >= SCHEMA_VERSION:
        return start
    conn.execute("PRAGMA foreign_keys = OFF")     # cannot change inside a transaction
    try:
        with transaction(conn):
            for version in range(start, SCHEMA_VERSION):
                MIGRATIONS[version](conn, now)
            broken = list(conn.execute("PRAGMA foreign_key_check"))
            if broken:
                raise sqlite3.IntegrityError(f"{len(broken)} rows refer to rows that are not there")
            conn.execute(f"PRAGMA user_version = {int(SCHEMA_VERSION)}")
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return start


# ------------------------------------------------------------------------------------ patients

_PATIENT = "SELECT id, clinic_id, name, sex, birth, notes FROM patients"


def insert_patient(conn, clinic_id: str, name, sex, birth, notes: str, now: str) -> int:
    cur = conn.execute("INSERT INTO patients (clinic_id, name, sex, birth, notes, created) VALUES (?, ?, ?, ?, ?, ?)",
                       (clinic_id, name, sex, birth, notes, now))
    return int(cur.lastrowid)


def update_patient(conn, patient_id: int, clinic_id: str, name, sex, birth, notes: str) -> None:
    conn.execute("UPDATE patients SET clinic_id = ?, name = ?, sex = ?, birth = ?, notes = ? WHERE id = ?",
                 (clinic_id, name, sex, birth, notes, patient_id))


def select_patient(conn, patient_id: int):
    return conn.execute(f"{_PATIENT} WHERE id = ?", (patient_id,)).fetchone()


def select_patient_by_clinic_id(conn, clinic_id: str):
    return conn.execute(f"{_PATIENT} WHERE clinic_id = ?", (clinic_id,)).fetchone()


def select_patients(conn) -> list:
    return conn.execute(f"{_PATIENT} ORDER BY clinic_id, id").fetchall()


def delete_patient(conn, patient_id: int) -> None:
    conn.execute("DELETE FROM patients WHERE id = ?", (patient_id,))


# ------------------------------------------------------------------------------------ sessions

_SESSION = "SELECT id, patient_id, date, examiner, notes, rating FROM sessions"


def insert_session(conn, patient_id: int, day: str, examiner: str, notes: str, rating_json, now: str) -> int:
    cur = conn.execute("INSERT INTO sessions (patient_id, date, examiner, notes, rating, created) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (patient_id, day, examiner, notes, rating_json, now))
    return int(cur.lastrowid)


def update_session(conn, session_id: int, day: str, examiner: str, notes: str, rating_json) -> None:
    conn.execute("UPDATE sessions SET date = ?, examiner = ?, notes = ?, rating = ? WHERE id = ?",
                 (day, examiner, notes, rating_json, session_id))


def select_session(conn, session_id: int):
    return conn.execute(f"{_SESSION} WHERE id = ?", (session_id,)).fetchone()


def select_sessions(conn, patient_id: int) -> list:
    return conn.execute(f"{_SESSION} WHERE patient_id = ? ORDER BY date, id", (patient_id,)).fetchall()


def select_session_tasks(conn, session_id: int) -> list[str]:
    return [row[0] for row in conn.execute("SELECT DISTINCT task FROM takes WHERE session_id = ?", (session_id,))]


def delete_session(conn, session_id: int) -> None:
    conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))


# ------------------------------------------------------------------------------------ takes

_TAKE = "SELECT takes.id, takes.session_id, takes.task, takes.file, takes.recorded, sessions.patient_id " \
        "FROM takes JOIN sessions ON sessions.id = takes.session_id"


def insert_take(conn, session_id: int, task: str, file: str, recorded: str) -> int:
    cur = conn.execute("INSERT INTO takes (session_id, task, file, recorded) VALUES (?, ?, ?, ?)",
                       (session_id, task, file, recorded))
    return int(cur.lastrowid)


def select_take(conn, take_id: int):
    return conn.execute(f"{_TAKE} WHERE takes.id = ?", (take_id,)).fetchone()


def select_takes(conn, session_id: int) -> list:
    return conn.execute(f"{_TAKE} WHERE takes.session_id = ? ORDER BY takes.recorded, takes.id",
                        (session_id,)).fetchall()


def delete_take(conn, take_id: int) -> None:
    conn.execute("DELETE FROM takes WHERE id = ?", (take_id,))


# ------------------------------------------------------------------------------------ results

_RESULT = ("SELECT results.take_id, results.model, results.card_hash, results.prediction, results.map_summary, "
           "results.phones, results.card_summary, explanations.file AS explanation, results.stored FROM results "
           "LEFT JOIN explanations ON explanations.take_id = results.take_id AND explanations.model = results.model")


def upsert_result(conn, take_id: int, model: str, card_hash: str, card_summary: str, prediction_json: str,
                  map_summary_json: str, phones_json: str, now: str) -> None:
    conn.execute("DELETE FROM results WHERE take_id = ? AND model = ?", (take_id, model))
    conn.execute("INSERT INTO results (take_id, model, card_hash, card_summary, prediction, map_summary, phones, "
                 "stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (take_id, model, card_hash, card_summary, prediction_json, map_summary_json, phones_json, now))


def select_results(conn, take_id: int) -> list:
    return conn.execute(f"{_RESULT} WHERE results.take_id = ? ORDER BY results.model", (take_id,)).fetchall()


def select_sentence_results(conn, patient_id: int) -> list:
    """Every result of the patient's sentence takes, with its session, latest take last."""
    return conn.execute(
        "SELECT takes.session_id, results.model, results.prediction FROM results "
        "JOIN takes ON takes.id = results.take_id JOIN sessions ON sessions.id = takes.session_id "
        "WHERE sessions.patient_id = ? AND takes.task = 'sentence' ORDER BY takes.recorded, takes.id",
        (patient_id,)).fetchall()


def upsert_explanation(conn, take_id: int, model: str, file: str, now: str) -> None:
    conn.execute("DELETE FROM explanations WHERE take_id = ? AND model = ?", (take_id, model))
    conn.execute("INSERT INTO explanations (take_id, model, file, stored) VALUES (?, ?, ?, ?)",
                 (take_id, model, file, now))


def select_explanations(conn, take_id: int) -> list:
    return conn.execute("SELECT model, file, stored FROM explanations WHERE take_id = ? ORDER BY model",
                        (take_id,)).fetchall()


# ------------------------------------------------------------------------------------ measures

def upsert_measures(conn, session_id: int, data_json: str, now: str) -> None:
    conn.execute("DELETE FROM measures WHERE session_id = ?", (session_id,))
    conn.execute("INSERT INTO measures (session_id, data, stored) VALUES (?, ?, ?)", (session_id, data_json, now))


def select_measures(conn, session_id: int):
    return conn.execute("SELECT data, stored FROM measures WHERE session_id = ?", (session_id,)).fetchone()


def select_patient_measures(conn, patient_id: int) -> list:
    return conn.execute("SELECT measures.session_id, measures.data FROM measures JOIN sessions ON "
                        "sessions.id = measures.session_id WHERE sessions.patient_id = ?", (patient_id,)).fetchall()


def count_rows(conn) -> dict[str, int]:
    """Rows per table (for a check after a crash, and for ``voice-desk patients list``)."""
    return {table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) for table in _TABLES_1}
