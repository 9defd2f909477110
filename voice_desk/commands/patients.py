"""`voice-desk patients`: the patient record on this computer (list, add, show, delete, export, import, backup)."""

from __future__ import annotations

import argparse
import sys

HELP = "the patient record: list, add, show, delete, export or import patients; back up the record"
DESCRIPTION = (
    "Patients, their sessions and takes, the models' results and the voice measures, kept in one file on this "
    "computer (record.sqlite in Voice Desk's data folder; --record for another). Patients are named by their "
    "clinic ID. 'export' writes one patient as a .zip (rows, takes, TextGrids, maps) to import on another "
    "computer; 'backup' copies the record file safely while Voice Desk runs. Research use only.")


def add_arguments(parser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--record", metavar="FILE", help="the record file (default: record.sqlite in Voice Desk's "
                                                          "data folder)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("list", parents=[common], help="the patients, with their sessions")
    p.add_argument("--search", "-s", default="", help="only clinic IDs or names holding this text (any case)")
    p = actions.add_parser("add", parents=[common], help="add a patient")
    p.add_argument("clinic_id", metavar="CLINIC_ID")
    p.add_argument("--name", default=None)
    p.add_argument("--sex", choices=("f", "m"), default=None)
    p.add_argument("--birth", default=None, metavar="YYYY[-MM-DD]")
    p.add_argument("--notes", default="")
    p = actions.add_parser("show", parents=[common], help="one patient: sessions, takes, results, measures")
    p.add_argument("clinic_id", metavar="CLINIC_ID")
    p = actions.add_parser("delete", parents=[common], help="delete a patient with their sessions and takes' files")
    p.add_argument("clinic_id", metavar="CLINIC_ID")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p = actions.add_parser("export", parents=[common], help="one patient as one archive (.zip) for another computer")
    p.add_argument("clinic_id", metavar="CLINIC_ID")
    p.add_argument("--out", "-o", required=True, metavar="FILE.zip")
    p = actions.add_parser("import", parents=[common], help="add the patient in an archive made by 'export'")
    p.add_argument("archive", metavar="FILE.zip")
    p = actions.add_parser("backup", parents=[common], help="a consistent copy of the record file (not the takes)")
    p.add_argument("dest", metavar="FILE_OR_FOLDER")


def find(record, clinic_id: str):
    from voice_desk.errors import VoiceDeskError

    patient = record.find_patient(clinic_id)
    if patient is None:
        raise VoiceDeskError(f"There is no patient with the clinic ID {clinic_id} in the record.",
                             hint="voice-desk patients list shows the patients.")
    return patient


def run(args) -> int:
    from voice_desk.record import Record

    if not args.action:
        print("voice-desk patients: choose an action: list, add, show, delete, export, import or backup "
              "(voice-desk patients --help).", file=sys.stderr)
        return 2
    with Record.open(args.record) as record:
        return _ACTIONS[args.action](record, args)


def _list(record, args) -> int:
    patients = record.patients(args.search)
    if not patients:
        print("No patients match." if args.search else f"No patients in the record yet ({record.path}).")
        return 0
    print(f"{'clinic ID':<18} {'name':<28} {'sex':<4} {'born':<11} {'sessions':>8}  last session")
    for p in patients:
        sessions = record.sessions(p.id)
        last = sessions[-1].date if sessions else "—"
        print(f"{p.clinic_id:<18} {(p.name or '—'):<28} {(p.sex or '—'):<4} {(p.birth or '—'):<11} "
              f"{len(sessions):>8}  {last}")
    return 0


def _add(record, args) -> int:
    patient = record.add_patient(args.clinic_id, args.name, args.sex, args.birth, args.notes)
    print(f"added patient {patient.clinic_id}")
    return 0


def _show(record, args) -> int:
    from voice_desk.record import TASK_NAMES
    from voice_desk.record.figure import model_name
    from voice_desk.record.report import rating_text

    p = find(record, args.clinic_id)
    print(f"clinic ID  {p.clinic_id}\nname       {p.name or '—'}\nsex        {p.sex or '—'}\n"
          f"born       {p.birth or '—'}")
    if p.notes:
        print(f"notes      {p.notes}")
    sessions = record.sessions(p.id)
    print(f"\n{len(sessions)} session(s)")
    for s in sessions:
        print(f"\nsession {s.id}  {s.date}" + (f"  examiner {s.examiner}" if s.examiner else ""))
        if s.rating:
            print(f"  rating   {rating_text(s.rating).splitlines()[0]}")
        if s.notes:
            print(f"  notes    {s.notes}")
        for take in record.takes(s.id):
            print(f"  take {take.id}: {TASK_NAMES.get(take.task, take.task)}  {take.path.name}"
                  + ("  (+ TextGrid)" if take.textgrid else "") + ("" if take.path.is_file() else "  (file missing)"))
            for r in record.results(take.id):
                p_text = f"P(pathological) {r.probability:.2f}" if r.probability is not None else "no verdict"
                print(f"      {model_name(r.model)}: {p_text}" + ("  (borderline)" if r.prediction.get("borderline")
                                                                   else "") + ("  [map]" if r.explanation else ""))
        measures = record.measures(s.id)
        if measures:
            avqi = (measures.get("avqi") or {}).get("value")
            print("  measures stored" + (f"; AVQI {avqi:.2f}" if isinstance(avqi, (int, float)) else ""))
    return 0


def _delete(record, args) -> int:
    from voice_desk.errors import VoiceDeskError

    p = find(record, args.clinic_id)
    n = len(record.sessions(p.id))
    if not args.yes:
        if not sys.stdin.isatty():
            raise VoiceDeskError(f"Deleting patient {p.clinic_id} removes {n} session(s) and their recordings for good.",
                                 hint="Add --yes to confirm.")
        answer = input(f"Delete patient {p.clinic_id} with {n} session(s) and their recordings for good? "
                       "Type the clinic ID to confirm: ")
        if answer.strip().casefold() != p.clinic_id.casefold():
            print("Nothing deleted.")
            return 1
    record.delete_patient(p.id)
    print(f"deleted patient {p.clinic_id}")
    return 0


def _export(record, args) -> int:
    p = find(record, args.clinic_id)
    out = record.export_patient(p.id, args.out)
    print(f"patient {p.clinic_id} exported to {out} (it holds the patient's data: keep it as you keep patient files)")
    return 0


def _import(record, args) -> int:
    patient = record.import_patient(args.archive)
    print(f"imported patient {patient.clinic_id} ({len(record.sessions(patient.id))} session(s))")
    return 0


def _backup(record, args) -> int:
    out = record.backup(args.dest)
    print(f"record backed up to {out} (the takes' files are not in it: they stay in {record.takes_root})")
    return 0


_ACTIONS = {"list": _list, "add": _add, "show": _show, "delete": _delete, "export": _export, "import": _import,
            "backup": _backup}
