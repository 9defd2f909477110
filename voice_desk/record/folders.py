"""Where a session's files live, and how a file comes in: ``TAKES/<patient id>/<session id>/``
(0700), files 0600. A file from elsewhere is copied in (written beside its final name and renamed
into place), never moved: the user's original stays where it was, and the record never depends on it."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from voice_desk.paths import open_private, private_dir
from voice_desk.record.errors import RecordError

TEXTGRID_SUFFIXES = (".TextGrid", ".textgrid", ".TEXTGRID")
#: What a file name may not hold on any of the three systems (folders, control characters, Windows' reserved).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def session_folder(root: Path, patient_id: int, session_id: int) -> Path:
    return private_dir(private_dir(private_dir(root) / str(int(patient_id))) / str(int(session_id)))


def patient_folder(root: Path, patient_id: int) -> Path:
    return root / str(int(patient_id))


def inside(path: Path, folder: Path) -> bool:
    """``path`` (links resolved) lies in ``folder`` or below it."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def relative_name(path: Path, folder: Path) -> str:
    return Path(os.path.realpath(path)).relative_to(os.path.realpath(folder)).as_posix()


def safe_name(name: str, fallback: str = "take") -> str:
    """The last part of ``name`` as a file name every system accepts (no folders, no leading dot)."""
    clean = _UNSAFE.sub("_", str(name).replace("\\", "/").rsplit("/", 1)[-1]).strip().lstrip(".")
    return clean[:120] or fallback


def free_stem(folder: Path, stem: str, suffixes: tuple[str, ...]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``… so that no file ``stem + suffix`` exists in ``folder``."""
    candidate, n = stem, 1
    while any((folder / (candidate + s)).exists() for s in suffixes):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def textgrid_beside(path: Path) -> Path | None:
    for suffix in TEXTGRID_SUFFIXES:
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def copy_private(source: Path, dest: Path) -> Path:
    """Copy ``source`` to ``dest`` (0600): written beside it, flushed to disk, renamed into place."""
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        with open(source, "rb") as src, open_private(partial, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        info = os.stat(source)
        os.utime(partial, ns=(info.st_atime_ns, info.st_mtime_ns))   # the copy keeps the take's time
        os.replace(partial, dest)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise RecordError(f"the file could not be copied into the record ({exc.strerror or exc}).", path=source,
                          hint="Check that the disk is not full.") from exc
    return dest


def bring_in(source: str | Path, folder: Path) -> tuple[Path, list[Path]]:
    """The take ``source`` inside ``folder``: itself when it is there already, else a copy (its
    TextGrid beside it copied too). Returns the take's path and the files this call created."""
    source = Path(source).expanduser()
    if not source.is_file():
        raise RecordError("there is no such file.", path=source, hint="Choose the take's audio file.")
    if inside(source, folder):
        return Path(os.path.realpath(source)), []
    name = safe_name(source.name)
    suffix = Path(name).suffix or ".wav"
    stem = free_stem(folder, Path(name).stem or "take", (suffix,) + TEXTGRID_SUFFIXES)
    created = [copy_private(source, folder / (stem + suffix))]
    grid = textgrid_beside(source)
    if grid is not None:
        try:
            created.append(copy_private(grid, folder / (stem + ".TextGrid")))
        except RecordError:
            remove(created)
            raise
    return created[0], created


def explanation_name(take_path: Path, model: str) -> str:
    """``<take stem>.<model>-<hash>.npz``: one file per take and model, the same on every computer."""
    label = safe_name(Path(model.rstrip("/\\")).name or "model", "model")[:40]
    digest = hashlib.sha256(model.encode("utf-8")).hexdigest()[:8]
    return f"{take_path.stem}.{label}-{digest}.npz"


def remove(paths) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            pass


def remove_tree(folder: Path, root: Path) -> None:
    """Delete ``folder`` (a patient's or session's folder) if it really is one below ``root``."""
    if folder.is_symlink() or not folder.is_dir() or not inside(folder, root) or \
            os.path.realpath(folder) == os.path.realpath(root):
        return
    shutil.rmtree(folder, ignore_errors=True)
