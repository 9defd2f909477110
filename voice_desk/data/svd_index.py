"""sbvoicedb's index of a user's SVD copy, built in Voice Desk's cache.

sbvoicedb keeps its SQLite index (``sbvoice.db``) inside the folder it reads, indexes a
pathology's recordings only when every session folder of that pathology exists, and indexes
once. So that the user's copy is never written to and a grown copy is re-indexed, the index
lives in a cache folder whose ``data/`` holds one link per session folder of the user's copy,
keyed by the copy's location and its list of session folders.

sbvoicedb stops at the first NSP file whose header it cannot read. Then Voice Desk finds every
such damaged file, links the other files of those sessions one by one (so a damaged vowel file
does not cost the session's sentence), indexes again and records the damaged files in
``damaged.json``; they are reported, and a repaired file (new size or time) re-indexes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

from voice_desk.data.svd import KNOWN_BAD_SESSIONS, SvdError

DAMAGED_FILE = "damaged.json"


def _index_folder(data_dir: Path, sessions: list[str], include_known_bad: bool) -> Path:
    from voice_desk.data.svd import load_sbvoicedb
    from voice_desk.paths import cache_dir

    sbvoicedb = load_sbvoicedb()

    key = hashlib.sha256("\n".join([str(data_dir.resolve()), sbvoicedb.__version__, str(include_known_bad)]
                                   + sessions).encode()).hexdigest()[:20]
    return cache_dir() / "svd-index" / key


def _stamp(path: Path) -> list:
    try:
        st = path.stat()
        return [st.st_size, int(st.st_mtime)]
    except OSError:
        return [None, None]


def damaged_files(data_dir: Path, sessions: list[str]) -> dict[str, str]:
    """NSP files (relative to ``data_dir``) whose header cannot be read, with the reason."""
    from voice_desk.audio.nsp import nsp_layout
    from voice_desk.errors import VoiceDeskError

    out = {}
    for sid in sessions:
        for path in sorted((data_dir / sid).rglob("*.nsp")):
            if path.name.endswith("-fixed.nsp"):
                continue
            try:
                with open(path, "rb") as f:
                    nsp_layout(f, path)            # Voice Desk's own header check (no GPL-2.0-only code)
            except (VoiceDeskError, OSError) as exc:
                out[str(path.relative_to(data_dir))] = getattr(exc, "problem", None) or str(exc)
    return out


def _link_files(source: Path, target: Path, skip: set[Path]) -> None:
    """Mirror ``source`` under ``target`` with one link per file, leaving out ``skip``."""
    for path in sorted(source.rglob("*")):
        dest = target / path.relative_to(source)
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif path not in skip and Path(str(path)[:-len("-egg.egg")] + ".nsp") not in skip:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(path.resolve())


def _build(data_dir: Path, sessions: list[str], tmp: Path, include_known_bad: bool, damaged: dict[str, str]):
    from sbvoicedb import SbVoiceDb

    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    damaged_sessions = {Path(p).parts[0] for p in damaged}
    skip = {data_dir / p for p in damaged}
    for sid in sessions:
        target = tmp / "data" / sid
        if int(sid) in KNOWN_BAD_SESSIONS:
            if include_known_bad:  # sbvoicedb writes repaired copies beside them: copy, never touch the source
                shutil.copytree(data_dir / sid, target, ignore=lambda d, names: [
                    n for n in names if Path(d, n) in skip])
            else:  # an empty folder still counts for sbvoicedb's "pathology complete" rule
                target.mkdir()
            continue
        try:
            if sid in damaged_sessions:
                target.mkdir()
                _link_files(data_dir / sid, target, skip)
            else:
                target.symlink_to((data_dir / sid).resolve(), target_is_directory=True)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise SvdError(f"Voice Desk could not link the SVD session folders into its index ({exc}).",
                           path=data_dir, hint="On Windows, turn on Developer Mode (it allows links) "
                                               "and try again.") from exc
    with contextlib.redirect_stderr(io.StringIO()):  # sbvoicedb's tqdm bars
        db = SbVoiceDb(str(tmp), download_mode="off")
    db._db.dispose()


def _stale(index: Path, data_dir: Path) -> bool:
    """True when a file recorded as damaged has changed since (repaired: index again)."""
    record = index / DAMAGED_FILE
    if not record.is_file():
        return False
    try:
        stamps = json.loads(record.read_text(encoding="utf-8"))["stamps"]
    except (OSError, ValueError, KeyError):
        return True
    return any(_stamp(data_dir / rel) != stamp for rel, stamp in stamps.items())


def read_damaged(index: Path) -> dict[str, str]:
    try:
        return json.loads((index / DAMAGED_FILE).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return {}


def open_index(data_dir: Path, include_known_bad: bool = False):
    """``(sbvoicedb.SbVoiceDb over the user's copy, {damaged file: reason})``; the index is built
    once in the cache."""
    from sbvoicedb import SbVoiceDb

    sessions = sorted((p.name for p in data_dir.iterdir() if p.name.isdigit() and p.is_dir()), key=int)
    index = _index_folder(data_dir, sessions, include_known_bad)
    if not (index / "sbvoice.db").is_file() or _stale(index, data_dir):
        tmp = index.with_name(index.name + f".building-{os.getpid()}")
        damaged: dict[str, str] = {}
        try:
            _build(data_dir, sessions, tmp, include_known_bad, damaged)
        except SvdError:
            raise
        except Exception as first:  # sbvoicedb raises whatever its readers raise on a damaged copy
            damaged = damaged_files(data_dir, sessions)
            if not damaged:
                shutil.rmtree(tmp, ignore_errors=True)
                raise SvdError(f"sbvoicedb could not index this SVD copy ({type(first).__name__}: {first}).",
                               path=data_dir, hint="A session folder may be incomplete: unzip that pathology's "
                                                   "archive again.") from first
            try:
                _build(data_dir, sessions, tmp, include_known_bad, damaged)
            except Exception as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise SvdError(f"sbvoicedb could not index this SVD copy ({type(exc).__name__}: {exc}).",
                               path=data_dir, hint="A session folder may be incomplete: unzip that pathology's "
                                                   "archive again.") from exc
        if damaged:
            record = {"files": damaged, "stamps": {rel: _stamp(data_dir / rel) for rel in damaged}}
            (tmp / DAMAGED_FILE).write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
        if (index / "sbvoice.db").is_file() and not _stale(index, data_dir):  # another process won the race
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            shutil.rmtree(index, ignore_errors=True)
            os.replace(tmp, index)
    return SbVoiceDb(str(index), download_mode="off"), read_damaged(index)
