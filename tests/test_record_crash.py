"""kill -9 in the middle of writing loses no committed session: a child process adds sessions (and
changes them) as fast as it can and says which ones it committed; it is killed without warning;
the record opens, checks out whole, and holds every session the child said was committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from voice_desk.record import Record

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import sys
    from voice_desk.record import Record

    record = Record.open(sys.argv[1])
    patient = record.add_patient("CRASH-1", "Kill Nine")
    print("patient", patient.id, flush=True)
    i = 0
    while True:
        i += 1
        with record.batch():                      # two writes in one transaction: both or neither
            session = record.add_session(patient.id, "2024-01-01", notes="x" * (i % 500))
            record.update_session(session.id, examiner=f"examiner {i}")
        print("committed", session.id, i, flush=True)
""")


def test_kill_9_during_writes_loses_no_committed_session(tmp_path):
    path = tmp_path / "record.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=env,
                             cwd=ROOT)
    committed: dict[int, int] = {}
    deadline = time.monotonic() + 60
    try:
        assert child.stdout.readline().startswith("patient")
        while len(committed) < 150 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            _, session_id, i = line.split()
            committed[int(session_id)] = int(i)
        os.kill(child.pid, signal.SIGKILL)         # mid-write: it never stops between sessions
        rest = child.stdout.read()                 # what it reported before it died counts too
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    for line in rest.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "committed":
            committed[int(parts[1])] = int(parts[2])
    assert len(committed) >= 20
    with Record.open(path) as record:               # integrity_check on open: it would refuse a damaged file
        [patient] = record.patients()
        sessions = {s.id: s for s in record.sessions(patient.id)}
        assert set(committed) <= set(sessions)
        for session_id, i in committed.items():
            assert sessions[session_id].examiner == f"examiner {i}"
        # at most the one transaction in flight is lost, and nothing half-done is left
        assert len(sessions) - len(committed) <= 1
        assert all(s.examiner.startswith("examiner ") for s in sessions.values())
        assert record.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
