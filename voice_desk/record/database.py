"""Opening the record's SQLite file: created private (file 0600 in a 0700 folder, whatever the
umask), checked (``PRAGMA integrity_check``), brought up to the current schema (a copy of an older
file is kept first), a newer one refused. SQLite's own failures become a :class:`RecordError`."""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from voice_desk.paths import make_private, open_private, private_dir
from voice_desk.record import queries
from voice_desk.record.errors import RecordError

log = logging.getLogger(__name__)

RECORD_FILE = "record.sqlite"
_SIDE_FILES = ("-wal", "-shm", "-journal")


def now() -> str:
    """This moment as ISO local time with its offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _restore_hint(path: Path) -> str:
    return (f"Open a backup instead (voice-desk patients backup makes one), or move {path.name} aside to start "
            "an empty record.")


@contextmanager
def sqlite_errors(path: Path, doing: str = "use the record"):
    """Turn SQLite's failures into a message a user can act on."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise                      # the caller knows which rule was broken and says so
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise RecordError(f"Voice Desk could not {doing}: another program has held the record for more than "
                              "10 seconds.", path=path, hint="Wait a moment and try again.") from exc
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            raise RecordError(f"Voice Desk could not {doing}: the record cannot be written there.", path=path,
                              hint="Check that the disk is not full and that you may write to that folder.") from exc
        if "disk" in text or "full" in text or "i/o" in text:
            raise RecordError(f"Voice Desk could not {doing}: the disk failed or is full ({exc}).", path=path,
                              hint="Free some space and try again.") from exc
        raise RecordError(f"Voice Desk could not {doing} ({exc}).", path=path) from exc
    except sqlite3.DatabaseError as exc:
        raise RecordError(f"Voice Desk could not {doing}: the file is not a Voice Desk record or it is damaged "
                          f"({exc}).", path=path, hint=_restore_hint(path)) from exc


def _create_private(path: Path) -> None:
    private_dir(path.parent, fix_existing=False)
    if not path.exists():
        with open_private(path, "ab"):
            pass
    for suffix in ("",) + _SIDE_FILES:
        make_private(f"{path}{suffix}")


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any one thread at a time."""
    conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def open_database(path: Path) -> sqlite3.Connection:
    """Open (creating it if missing) and check the record at ``path``; migrate an older schema."""
    if path.exists() and not path.is_file():
        raise RecordError("this is not a file, so it cannot be the record.", path=path,
                          hint="Give the path of a record file (record.sqlite).")
    with sqlite_errors(path, "create the record"):
        _create_private(path)
    conn = None
    try:
        with sqlite_errors(path, "open the record"):
            conn = connect(path)
            queries.configure(conn)
            problems = queries.integrity(conn)
            if problems:
                log.error("record integrity check failed: %d problem(s)", len(problems))
                raise RecordError("the record is damaged: " + "; ".join(problems[:3]) + ".", path=path,
                                  hint=_restore_hint(path))
            version = queries.user_version(conn)
            if version > queries.SCHEMA_VERSION:
                raise RecordError(f"this record was written by a newer Voice Desk (record version {version}; this "
                                  f"Voice Desk reads up to version {queries.SCHEMA_VERSION}).", path=path,
                                  hint="Update Voice Desk to open it. It has not been changed.")
            if version == 0 and queries.table_names(conn) and not queries.is_draft(conn):
                raise RecordError("this database is not a Voice Desk record.", path=path,
                                  hint="Give the path of a Voice Desk record file (record.sqlite).")
            queries.use_wal(conn)
            for suffix in _SIDE_FILES:
                make_private(f"{path}{suffix}")
            if version < queries.SCHEMA_VERSION:
                _upgrade(conn, path, version)
        return conn
    except BaseException:
        if conn is not None:
            conn.close()
        raise


def _upgrade(conn: sqlite3.Connection, path: Path, version: int) -> None:
    if queries.table_names(conn):           # keep the older file as it was, beside it
        keep = path.with_name(f"{path.stem}-v{version}-{datetime.now():%Y%m%d-%H%M%S}{path.suffix}")
        copy_database(conn, keep)
        log.info("record at version %d: a copy was kept before upgrading", version)
    queries.migrate(conn, now())
    log.info("record upgraded from version %d to %d", version, queries.SCHEMA_VERSION)


def copy_database(conn: sqlite3.Connection, dest: Path) -> Path:
    """A whole, consistent copy of the open database at ``dest`` (0600), written beside it and
    renamed into place, checked before it counts."""
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        with open_private(partial, "wb"):
            pass
        target = sqlite3.connect(str(partial))
        try:
            queries.backup(conn, target)
            problems = queries.integrity(target)
        finally:
            target.close()
        if problems:
            raise RecordError("the copy of the record did not check out: " + "; ".join(problems[:3]) + ".",
                              path=dest, hint="Try again, or copy to another disk.")
        os.replace(partial, dest)
    finally:
        for suffix in ("",) + _SIDE_FILES:
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return dest
