"""A patient exported on one computer and imported on another (a fresh data folder) arrives whole:
the same rows and the same bytes; an archive that cannot be used is refused and changes nothing;
a backup taken while the record is in use is a sound copy."""

from __future__ import annotations

import json
import os
import stat
import zipfile

import pytest

from tests.record_support import fill_session
from voice_desk.record import Record, RecordError


def snapshot(record: Record, patient_id: int) -> dict:
    """Everything about a patient, without the row numbers that differ between records."""
    p = record.patient(patient_id)
    out = {"patient": (p.clinic_id, p.name, p.sex, p.birth, p.notes), "sessions": []}
    for s in record.sessions(patient_id):
        folder = record.session_folder(s.id)
        takes = []
        for t in record.takes(s.id):
            results = [(r.model, r.card_hash, r.card_summary, r.prediction, r.map_summary, r.phones, r.stored,
                        r.explanation.name if r.explanation else None,
                        r.explanation.read_bytes() if r.explanation else None) for r in record.results(t.id)]
            takes.append((t.task, t.recorded, t.path.relative_to(folder).as_posix(), t.path.read_bytes(),
                          t.textgrid.read_bytes() if t.textgrid else None, results))
        out["sessions"].append((s.date, s.examiner, s.notes, s.rating, s.tasks, record.measures(s.id), takes))
    return out


@pytest.fixture
def filled(tmp_path):
    rec = Record.open(tmp_path / "clinic-a" / "record.sqlite")
    patient = rec.add_patient("EX-1", "Erika Export", "f", "1970", "transfer")
    fill_session(rec, patient.id, "2024-01-10", models=(("ast_freeze", 0.8), ("/models/ast_finetuned", 0.6)),
                 rating={"scale": "GRBAS", "G": 1, "R": 1, "B": 0, "A": 0, "S": 0}, notes="first")
    fill_session(rec, patient.id, "2024-04-10", seed=1, models=(("ast_freeze", 0.5),), maps=False)
    yield rec, patient
    rec.close()


def test_export_then_import_on_a_fresh_data_folder_gives_identical_rows_and_files(filled, tmp_path):
    rec, patient = filled
    archive = rec.export_patient(patient.id, tmp_path / "out" / "erika")
    assert archive.name == "erika.zip" and stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("patient.json"))
        assert manifest["format"] == "voice-desk-patient" and len(manifest["sessions"]) == 2
        assert sum(name.endswith(".npz") for name in zf.namelist()) == 2
        assert sum(name.endswith(".TextGrid") for name in zf.namelist()) == 2
    other = Record.open(tmp_path / "clinic-b" / "record.sqlite")
    other.add_patient("SOMEONE-ELSE")                 # the numbers differ on the other computer
    imported = other.import_patient(archive)
    assert imported.id != patient.id
    assert snapshot(other, imported.id) == snapshot(rec, patient.id)
    assert [c.probabilities for c in other.course(imported.id)] == [c.probabilities for c in rec.course(patient.id)]
    for s in other.sessions(imported.id):
        for t in other.takes(s.id):
            assert str(t.path).startswith(str(other.takes_root)) and stat.S_IMODE(os.stat(t.path).st_mode) == 0o600
    with pytest.raises(RecordError, match="clinic ID EX-1 is already in this record") as info:
        other.import_patient(archive)
    assert "not imported" in str(info.value)
    assert other.counts()["patients"] == 2
    other.close()


def _rewrite(archive, target, change):
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "patient.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            out.writestr(item, data)
    return target


def test_an_archive_that_cannot_be_used_changes_nothing(filled, tmp_path):
    rec, patient = filled
    archive = rec.export_patient(patient.id, tmp_path / "p.zip")
    fresh = Record.open(tmp_path / "fresh" / "record.sqlite")

    def lose_a_file(m):
        m["sessions"][1]["takes"][1]["file"] = "sessions/2/gone.wav"

    def newer(m):
        m["version"] = 99

    def bad_rating(m):
        m["sessions"][1]["rating"] = {"scale": "GRBAS", "G": 9}

    cases = [(_rewrite(archive, tmp_path / "lost.zip", lose_a_file), "lacks the file sessions/2/gone.wav"),
             (_rewrite(archive, tmp_path / "newer.zip", newer), "newer Voice Desk"),
             (_rewrite(archive, tmp_path / "rating.zip", bad_rating), "GRBAS score G")]
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK nothing")
    cases.append((junk, "not a zip archive"))
    for path, message in cases:
        with pytest.raises(RecordError, match=message):
            fresh.import_patient(path)
        assert fresh.counts() == dict.fromkeys(fresh.counts(), 0)
        assert not fresh.takes_root.exists() or not any(fresh.takes_root.iterdir())
    fresh.close()


def test_export_refuses_when_a_take_is_missing(filled, tmp_path):
    rec, patient = filled
    take = rec.takes(rec.sessions(patient.id)[0].id)[1]
    take.path.unlink()
    with pytest.raises(RecordError, match="missing from its folder"):
        rec.export_patient(patient.id, tmp_path / "p.zip")
    assert not (tmp_path / "p.zip").exists()


def test_a_backup_while_the_record_is_in_use_is_sound(filled, tmp_path):
    rec, patient = filled
    reader = Record.open(rec.path)               # the window has it open too
    assert [p.clinic_id for p in reader.patients()] == ["EX-1"]
    folder = tmp_path / "backups"
    folder.mkdir()
    copy = rec.backup(folder)
    assert copy.parent == folder and copy.name.startswith("record-") and stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    with Record.open(copy, takes_root=rec.takes_root) as restored:
        assert snapshot(restored, patient.id) == snapshot(rec, patient.id)
    with pytest.raises(RecordError, match="cannot replace the record itself"):
        rec.backup(rec.path)
    reader.close()
