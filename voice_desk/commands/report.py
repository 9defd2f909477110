"""`voice-desk report`: the printable report (PDF) of a patient's session from the record."""

from __future__ import annotations

HELP = "a printable report (PDF) of one session of a patient in the record"
DESCRIPTION = (
    "Write the report of a session (default: the patient's latest): patient and session, tasks, the sentence's "
    "spectrogram with the stored models' relevance maps and its phones, each model's answer with its threshold, "
    "borderline band and test figures, the voice measures with their normal ranges, the course over the earlier "
    "sessions, and the clinician's notes and rating. Research use only; not a diagnosis.")


def add_arguments(parser) -> None:
    parser.add_argument("--patient", "-p", required=True, metavar="CLINIC_ID", help="the patient's clinic ID")
    parser.add_argument("--session", "-s", default=None, metavar="S",
                        help="the session: its number (voice-desk patients show) or its date YYYY-MM-DD "
                             "(default: the latest)")
    parser.add_argument("--out", "-o", required=True, metavar="FILE.pdf", help="the report file")
    parser.add_argument("--clinic", default="", metavar="NAME", help="the clinic's name, at the top of the report")
    parser.add_argument("--record", metavar="FILE", help="the record file (default: record.sqlite in Voice Desk's "
                                                          "data folder)")


def pick_session(record, patient, value: str | None):
    """The session ``value`` names (a number or a date; the latest of that date), or None for the latest."""
    from voice_desk.errors import VoiceDeskError

    if value is None:
        return None
    sessions = record.sessions(patient.id)
    text = str(value).strip()
    if text.isdigit():
        match = [s for s in sessions if s.id == int(text)]
    else:
        match = [s for s in sessions if s.date == text]
    if not match:
        listed = ", ".join(f"{s.id} ({s.date})" for s in sessions) or "none yet"
        raise VoiceDeskError(f"Patient {patient.clinic_id} has no session {text}.", hint=f"Their sessions: {listed}.")
    return match[-1].id


def run(args) -> int:
    from voice_desk.commands._common import output_path
    from voice_desk.commands.patients import find
    from voice_desk.record import Record
    from voice_desk.record.report import write_report

    out = output_path(args.out, (".pdf",), "--out")
    with Record.open(args.record) as record:
        patient = find(record, args.patient)
        written = write_report(record, patient.id, out, pick_session(record, patient, args.session), args.clinic)
    print(f"report written to {written}")
    return 0
