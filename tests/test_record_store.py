"""The patient record on a real SQLite file: rows in and out, private files, reopening, migrating
an older file, refusing a newer or damaged one, deleting, and the course over time."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat

import numpy as np
import pytest
import soundfile as sf

from tests.record_support import fill_session, prediction, session_measures
from voice_desk.record import COURSE_MEASURES, Patient, Record, RecordError
from voice_desk.record.queries import SCHEMA_VERSION


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def wav(path, seconds=0.5, rate=16_000):
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), rate)
    return path


@pytest.fixture
def record(tmp_path):
    with Record.open(tmp_path / "home" / "record.sqlite") as rec:
        yield rec


def test_the_file_and_folders_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        rec = Record.open(tmp_path / "new" / "record.sqlite")
        patient = rec.add_patient("A-1")
        session = rec.add_session(patient.id, "2024-01-02")
        take = rec.add_take(session.id, wav(tmp_path / "in.wav"), "sentence")
    finally:
        os.umask(old)
    assert mode(rec.path) == 0o600 and mode(rec.path.parent) == 0o700
    for suffix in ("-wal", "-shm"):
        if os.path.exists(f"{rec.path}{suffix}"):
            assert mode(f"{rec.path}{suffix}") & 0o077 == 0
    folder = rec.session_folder(session.id)
    assert folder == rec.takes_root / str(patient.id) / str(session.id)
    assert mode(folder) == mode(folder.parent) == mode(rec.takes_root) == 0o700
    assert mode(take.path) == 0o600
    with sqlite3.connect(rec.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    rec.close()


def test_the_default_record_lives_in_the_data_folder():
    from voice_desk.paths import data_home

    with Record.open() as rec:
        assert rec.path == data_home() / "record.sqlite"
        assert rec.takes_root == data_home() / "takes"
        assert rec.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_patients_sessions_takes_results_and_measures_survive_reopening(tmp_path):
    path = tmp_path / "record.sqlite"
    with Record.open(path) as rec:
        patient = rec.add_patient(" KL-17 ", "Anna Müller", "F", "1961-04-02", "hoarse since spring")
        assert patient == Patient(patient.id, "KL-17", "Anna Müller", "f", "1961-04-02", "hoarse since spring")
        session = fill_session(rec, patient.id, "2024-03-05", models=(("ast_freeze", 0.71), ("ast_finetuned", 0.4)),
                               notes="voice rest", rating={"scale": "GRBAS", "G": 2, "R": 1, "B": 2, "A": 0, "S": 1})
    with Record.open(path) as rec:
        [again] = rec.patients()
        assert again == patient
        [s] = rec.sessions(patient.id)
        assert s == session and s.tasks == ("sentence", "vowel_a") and s.rating["G"] == 2 and s.notes == "voice rest"
        takes = rec.takes(s.id)
        assert [t.task for t in takes] == ["sentence", "vowel_a"]
        sentence_take = takes[0]
        assert sentence_take.path.parent == rec.session_folder(s.id) and sentence_take.path.is_file()
        assert sentence_take.textgrid is not None and sentence_take.textgrid.parent == sentence_take.path.parent
        results = rec.results(sentence_take.id)
        assert [r.model for r in results] == ["ast_finetuned", "ast_freeze"]
        freeze = results[1]
        assert freeze.prediction == prediction("ast_freeze", 0.71).to_record()
        assert freeze.probability == pytest.approx(0.71) and freeze.card_hash == "hash-ast_freeze"
        assert freeze.card_summary.startswith("ast_freeze") and freeze.map_summary == {"peak_s": 1.1}
        assert freeze.phones[0]["phone"] == "a"
        assert freeze.explanation is not None and freeze.explanation.parent == rec.session_folder(s.id)
        assert rec.results(takes[1].id) == []
        assert rec.measures(s.id) == session_measures(0)


def test_a_take_from_elsewhere_is_copied_in_and_one_inside_is_used_where_it_is(record, tmp_path):
    patient = record.add_patient("C-1")
    session = record.add_session(patient.id)
    source = wav(tmp_path / "mine.wav")
    first = record.add_take(session.id, source, "vowel_a")
    second = record.add_take(session.id, source, "vowel_a")       # the same file again: a second copy
    assert source.is_file() and first.path != source and first.path.read_bytes() == source.read_bytes()
    assert (first.path.name, second.path.name) == ("mine.wav", "mine-2.wav")
    inside = wav(record.session_folder(session.id) / "recorded-here.wav")
    third = record.add_take(session.id, inside, "mpt")
    assert third.path == inside
    with pytest.raises(RecordError, match="already a take"):
        record.add_take(session.id, inside, "mpt")
    assert session.date == __import__("datetime").date.today().isoformat()


def test_re_running_a_model_replaces_its_result(record, tmp_path):
    patient = record.add_patient("R-1")
    session = record.add_session(patient.id, "2024-01-01")
    take = record.add_take(session.id, wav(tmp_path / "s.wav"), "sentence")
    record.store_result(take.id, "m", "h1", prediction("m", 0.2).to_record(), {}, [])
    record.store_result(take.id, "m", "h2", prediction("m", 0.9).to_record(), {}, [], card_summary="new")
    [result] = record.results(take.id)
    assert (result.card_hash, result.probability, result.card_summary) == ("h2", pytest.approx(0.9), "new")


def test_search_update_and_plain_refusals(record):
    a = record.add_patient("KL-1", "Anna Müller")
    record.add_patient("KL-2", "Bernd Schulz", "m", "1950")
    assert [p.clinic_id for p in record.patients("MÜLLER")] == ["KL-1"]
    assert [p.clinic_id for p in record.patients("kl-")] == ["KL-1", "KL-2"]
    assert record.find_patient("kl-2").name == "Bernd Schulz"
    assert record.update_patient(a.id, sex="f", notes="x").sex == "f"
    with pytest.raises(RecordError, match="clinic ID kl-2 is already"):
        record.update_patient(a.id, clinic_id="kl-2")
    with pytest.raises(RecordError, match="clinic ID kl-1 is already"):
        record.add_patient("kl-1")
    for bad, match in (({"sex": "x"}, "'f', 'm'"), ({"birth": "1961-13-01"}, "neither a year"),
                       ({"birth": "2999"}, "cannot be right"), ({"clinic_id": " "}, "needs a clinic ID")):
        with pytest.raises(RecordError, match=match):
            record.update_patient(a.id, **bad)
    session = record.add_session(a.id, "2024-02-03")
    with pytest.raises(RecordError, match="not a date"):
        record.update_session(session.id, date="3.2.2024")
    with pytest.raises(RecordError, match="whole number from 0 to 3"):
        record.update_session(session.id, rating={"scale": "GRBAS", "G": 4})
    with pytest.raises(RecordError, match="has no score"):
        record.update_session(session.id, rating={"scale": "CAPE-V", "G": 4})
    capev = record.update_session(session.id, rating={"scale": "CAPE-V", "overall": 35, "strain": None})
    assert capev.rating == {"scale": "CAPE-V", "overall": 35.0, "strain": None}
    with pytest.raises(RecordError, match="Unknown task"):
        record.add_take(session.id, __file__, "reading")
    with pytest.raises(RecordError, match="no patient number 999"):
        record.patient(999)
    with pytest.raises(TypeError):
        record.update_patient(a.id, colour="red")


def test_deleting_a_patient_removes_rows_and_files_and_nothing_of_others(record):
    keep = record.add_patient("K-1")
    gone = record.add_patient("G-1", "Gone Name")
    kept_session = fill_session(record, keep.id, "2024-01-01", maps=False)
    gone_session = fill_session(record, gone.id, "2024-01-02")
    gone_folder = record.session_folder(gone_session.id)
    assert any(gone_folder.iterdir())
    record.delete_patient(gone.id)
    assert [p.clinic_id for p in record.patients()] == ["K-1"]
    assert not gone_folder.parent.exists()
    counts = record.counts()
    assert counts["sessions"] == 1 and counts["takes"] == 2 and counts["results"] == 1 and counts["measures"] == 1
    assert counts["explanations"] == 0
    assert all(t.path.is_file() for t in record.takes(kept_session.id))
    with pytest.raises(RecordError):
        record.sessions(gone.id)


def test_the_course_follows_the_sentence_and_the_vowel_over_sessions(record):
    patient = record.add_patient("C-9")
    later = fill_session(record, patient.id, "2024-06-01", seed=1, models=(("ast_freeze", 0.3),), maps=False)
    first = fill_session(record, patient.id, "2024-01-01", seed=0, models=(("ast_freeze", 0.8), ("other", 0.6)),
                         maps=False)
    empty = record.add_session(patient.id, "2024-03-01")
    course = record.course(patient.id)
    assert [(c.session_id, c.date) for c in course] == [(first.id, "2024-01-01"), (empty.id, "2024-03-01"),
                                                         (later.id, "2024-06-01")]
    assert course[0].probabilities == {"ast_freeze": pytest.approx(0.8), "other": pytest.approx(0.6)}
    assert course[1].probabilities == {} and set(course[1].measures) == set(COURSE_MEASURES)
    assert all(v is None for v in course[1].measures.values())
    vowel = {m["key"]: m["value"] for m in session_measures(1)["takes"]["vowel_a"]["measures"]}
    for key in ("cpps", "hnr", "jitter_local", "shimmer_local"):
        assert course[2].measures[key] == pytest.approx(vowel[key])
    assert course[2].measures["avqi"] == pytest.approx(session_measures(1)["avqi"]["value"])


def test_an_older_record_is_upgraded_and_a_copy_kept(tmp_path):
    path = tmp_path / "record.sqlite"
    with sqlite3.connect(path) as conn:        # version 0: the draft layout, no user_version
        conn.executescript("""
            CREATE TABLE patients (id INTEGER PRIMARY KEY, clinic_id TEXT UNIQUE, name TEXT, notes TEXT);
            CREATE TABLE sessions (id INTEGER PRIMARY KEY, patient_id INTEGER REFERENCES patients (id), date TEXT,
                                   notes TEXT);
            INSERT INTO patients VALUES (1, 'OLD-1', 'Old Name', NULL), (2, 'OLD-2', NULL, 'note');
            INSERT INTO sessions VALUES (7, 1, '2023-05-06', 'first visit'), (8, 2, '2023-07-01', NULL);
        """)
    conn.close()
    with Record.open(path) as rec:
        assert rec.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [(p.id, p.clinic_id, p.name, p.notes) for p in rec.patients()] == [
            (1, "OLD-1", "Old Name", ""), (2, "OLD-2", None, "note")]
        [s] = rec.sessions(1)
        assert (s.id, s.date, s.notes, s.tasks) == (7, "2023-05-06", "first visit", ())
        new = rec.add_patient("NEW-1")                   # the upgraded schema works
        assert rec.add_session(new.id, "2024-01-01").patient_id == new.id
        assert rec.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    [kept] = [p for p in tmp_path.iterdir() if p.name.startswith("record-v0-")]
    with sqlite3.connect(kept) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 2
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    conn.close()
    assert mode(kept) == 0o600


def test_a_newer_damaged_or_foreign_file_is_refused_unchanged(tmp_path):
    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as conn:
        conn.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, clinic_id TEXT, future TEXT)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = newer.read_bytes()
    with pytest.raises(RecordError, match=f"newer Voice Desk .*version {SCHEMA_VERSION + 1}") as info:
        Record.open(newer)
    assert "Update Voice Desk" in str(info.value)
    assert newer.read_bytes() == before
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    with pytest.raises(RecordError, match="not a Voice Desk record"):
        Record.open(foreign)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(RecordError, match="not a Voice Desk record or it is damaged"):
        Record.open(junk)
    with pytest.raises(RecordError, match="not a file"):
        Record.open(tmp_path)


def test_a_damaged_page_fails_the_integrity_check(tmp_path):
    path = tmp_path / "record.sqlite"
    with Record.open(path) as rec:
        patient = rec.add_patient("D-1")
        for i in range(300):
            rec.add_session(patient.id, "2024-01-01", notes=f"note {i} " * 20)
        rec.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    start = data.index(b"note 150 ") // page * page       # the page holding that session's row
    data[start] = 0x55                                     # not a b-tree page type any more
    path.write_bytes(bytes(data))
    with pytest.raises(RecordError, match="damaged") as info:
        Record.open(path)
    assert "backup" in str(info.value)


def test_logs_never_name_a_patient(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with Record.open(tmp_path / "record.sqlite") as rec:
        patient = rec.add_patient("SECRET-ID-77", "Zacharias Geheimname", notes="Geheimnotiz")
        session = rec.add_session(patient.id, "2024-01-01", notes="Geheimnotiz")
        rec.update_patient(patient.id, name="Zacharias Geheimname-Neu")
        rec.export_patient(patient.id, tmp_path / "p.zip")
        rec.delete_patient(patient.id)
        rec.import_patient(tmp_path / "p.zip")
        rec.backup(tmp_path / "b.sqlite")
        assert session.id
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records
    for secret in ("SECRET-ID-77", "Zacharias", "Geheim"):
        assert secret not in text


def test_a_take_keeps_the_time_it_was_recorded(record, tmp_path):
    patient = record.add_patient("T-1")
    session = record.add_session(patient.id)
    source = wav(tmp_path / "old.wav")
    os.utime(source, (1_700_000_000, 1_700_000_000))
    take = record.add_take(session.id, source, "sentence")
    assert take.recorded.startswith(__import__("datetime").datetime.fromtimestamp(1_700_000_000).strftime("%Y-%m-%d"))
    assert take.path.stat().st_mtime == 1_700_000_000
    assert record.add_take(session.id, source, "vowel_a", recorded="2020-01-01T10:00:00+01:00").recorded == \
        "2020-01-01T10:00:00+01:00"


def test_a_batch_is_all_or_nothing_and_threads_may_share_a_record(record):
    import threading

    patient = record.add_patient("B-1")
    with pytest.raises(RecordError):
        with record.batch():
            record.add_session(patient.id, "2024-01-01")
            record.add_patient("b-1")                  # taken: the whole batch goes
    assert record.sessions(patient.id) == []
    errors = []

    def work(n):
        try:
            for i in range(15):
                s = record.add_session(patient.id, f"2024-02-{n + 1:02d}", notes=str(i))
                record.update_session(s.id, examiner=f"t{n}")
                record.sessions(patient.id)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(record.sessions(patient.id)) == 60
