"""The printable report and the `voice-desk patients` / `voice-desk report` commands: the PDF's text
(pdftotext) holds the clinic, the patient, the session's date, each model's P with its threshold
and band, each measure, the course and the notice; the commands work on a record of their own."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.record_support import fill_session, session_measures
from voice_desk.cli import main
from voice_desk.record import Record
from voice_desk.record.report import NOTICE, write_report

pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (apt-get install poppler-utils)")


def text_of(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def page_texts(pdf) -> list[str]:
    return text_of(pdf).split("\f")


def _fmt(value, unit):
    return f"{value:.{ {'Hz': 1, '%': 3, 'dB': 2, 's': 2, 'semitones': 2}.get(unit, 2)}f}"


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    rec = Record.open(folder / "record.sqlite")
    patient = rec.add_patient("KL-2024-0117", "Anna Müller", "f", "1961-04-02", "Referred by ENT.")
    fill_session(rec, patient.id, "2024-01-10", seed=1, models=(("ast_freeze", 0.81), ("/m/ast_finetuned", 0.74)))
    fill_session(rec, patient.id, "2024-06-05", seed=0, models=(("ast_freeze", 0.47), ("/m/ast_finetuned", 0.401)),
                 notes="Voice rest for two weeks.", rating={"scale": "GRBAS", "G": 2, "R": 1, "B": 2, "A": 0, "S": 1})
    yield rec, patient
    rec.close()


@pdftotext
def test_the_report_holds_the_patient_the_session_each_p_and_each_measure(record, tmp_path):
    rec, patient = record
    out = write_report(rec, patient.id, tmp_path / "report", clinic="HNO-Klinik Musterstadt", printed="2024-06-06")
    assert out.name == "report.pdf" and out.stat().st_mode & 0o077 == 0
    pages = page_texts(out)
    text = "\n".join(pages)
    for expected in ("HNO-Klinik Musterstadt", "KL-2024-0117", "Anna Müller", "2024-06-05", "Dr. Weber",
                     "Voice rest for two weeks.", "GRBAS G 2 · R 1 · B 2 · A 0 · S 1", "Referred by ENT.",
                     "ast_freeze", "ast_finetuned", "0.47", "0.40", "0.45", "0.38–0.52", "pathological (borderline)",
                     "healthy (borderline)", "test UAR 0.712", "Sentence (", "Sustained /a/ (", "Course over sessions",
                     "2024-01-10", "0.81", "0.74", "phones"):
        assert expected in text, expected
    assert all(NOTICE in page for page in pages if page.strip())   # on every page
    assert all("KL-2024-0117" in page for page in pages if page.strip())
    measures = session_measures(0)
    for task, report in measures["takes"].items():
        for m in report["measures"]:
            assert m["label"] in text, m["label"]
            if m["value"] is not None:
                assert _fmt(m["value"], m["unit"]) in text, (task, m["key"])
            if m["normal"]:
                assert m["normal"]["text"] in text
    assert f"{measures['avqi']['value']:.2f}" in text and "AVQI" in text and "DSI" in text
    assert "Murton" in text                                   # the sources of the ranges


@pdftotext
def test_an_earlier_session_leaves_later_ones_out_and_a_bare_session_says_what_is_missing(record, tmp_path):
    rec, patient = record
    first = rec.sessions(patient.id)[0]
    text = text_of(write_report(rec, patient.id, tmp_path / "first.pdf", session_id=first.id))
    assert "2024-01-10" in text and "2024-06-05" not in text and "first session" in text
    other = rec.add_patient("BARE-1")
    rec.add_session(other.id, "2024-02-02")
    text = text_of(write_report(rec, other.id, tmp_path / "bare.pdf"))
    for expected in ("No model has been run", "No sentence was recorded", "No voice measures are stored",
                     "not rated", "Voice assessment report"):
        assert expected in text


def test_a_stale_map_is_not_drawn_as_if_it_were_current(record, tmp_path):
    from voice_desk.record.figure import model_name, sentence_picture

    rec, patient = record
    session = rec.sessions(patient.id)[1]
    take = rec.takes(session.id)[0]
    results = rec.results(take.id)
    picture = sentence_picture(take, results, model_name)
    assert [name for name, _ in picture.maps] == ["ast_finetuned", "ast_freeze"] and len(picture.phones) > 5
    result = results[1]
    rec.store_result(take.id, result.model, "new-card", {**result.prediction, "pathology_probability": 0.2}, {}, [])
    picture = sentence_picture(take, rec.results(take.id), model_name)
    assert [name for name, _ in picture.maps] == ["ast_finetuned"]
    assert any("earlier run" in note for note in picture.notes)
    rec.store_result(take.id, result.model, result.card_hash, result.prediction, result.map_summary, result.phones,
                     result.card_summary)


@pdftotext
def test_the_commands(tmp_path, capsys):
    db = str(tmp_path / "cli" / "record.sqlite")
    assert main(["patients", "add", "P-1", "--name", "Paula Probe", "--sex", "f", "--birth", "1980", "--record", db]) == 0
    assert main(["patients", "add", "p-1", "--record", db]) == 2
    assert "already in the record" in capsys.readouterr().err
    with Record.open(db) as rec:
        session = fill_session(rec, rec.find_patient("P-1").id, "2024-03-03", maps=False)
    capsys.readouterr()
    assert main(["patients", "list", "--record", db, "--search", "paula"]) == 0
    assert "P-1" in capsys.readouterr().out
    assert main(["patients", "show", "P-1", "--record", db]) == 0
    shown = capsys.readouterr().out
    assert "2024-03-03" in shown and "P(pathological) 0.70" in shown and "Sustained /a/" in shown
    pdf = tmp_path / "r.pdf"
    assert main(["report", "--patient", "p-1", "--session", "2024-03-03", "--out", str(pdf), "--clinic", "Praxis X",
                 "--record", db]) == 0
    text = text_of(pdf)
    assert "Praxis X" in text and "P-1" in text and "0.70" in text
    assert main(["report", "--patient", "P-1", "--session", str(session.id + 5), "--out", str(pdf), "--record", db]) == 2
    assert "has no session" in capsys.readouterr().err
    archive = tmp_path / "p1.zip"
    assert main(["patients", "export", "P-1", "--out", str(archive), "--record", db]) == 0
    assert main(["patients", "backup", str(tmp_path / "b.sqlite"), "--record", db]) == 0
    assert main(["patients", "delete", "P-1", "--record", db]) == 2          # not without --yes
    assert "--yes" in capsys.readouterr().err
    assert main(["patients", "delete", "P-1", "--yes", "--record", db]) == 0
    assert main(["patients", "import", str(archive), "--record", db]) == 0
    assert "imported patient P-1 (1 session(s))" in capsys.readouterr().out
    assert main(["patients", "show", "NOPE", "--record", db]) == 2


@pdftotext
def test_the_window_writes_the_report_in_a_child_process(record, tmp_path):
    from voice_desk.record.report import write_report_task
    from voice_desk.tasks.child import run_in_child

    rec, patient = record
    session = rec.sessions(patient.id)[1]
    take = rec.takes(session.id)[0]
    result = rec.results(take.id)[0]
    rec.store_result(take.id, "inside", "h", {**result.prediction, "card_summary": "inside, test UAR 0.600"}, {}, [])
    assert [r.card_summary for r in rec.results(take.id) if r.model == "inside"] == ["inside, test UAR 0.600"]
    out = run_in_child("voice-desk-report-test", "voice_desk.record.report:write_report_task",
                       (str(rec.path), patient.id, session.id, str(tmp_path / "child.pdf"), "Klinik"))
    assert out == str(tmp_path / "child.pdf")
    text = text_of(out)
    assert "Klinik" in text and "inside, test UAR 0.600" in text and "2024-06-05" in text
    assert write_report_task(str(rec.path), patient.id, None, str(tmp_path / "same.pdf")).endswith("same.pdf")
