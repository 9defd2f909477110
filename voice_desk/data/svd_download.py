"""Download the Saarbrücken Voice Database from Zenodo, per pathology, resumably.

The record (16874898) holds one zip per pathology ("<German name>.zip", "healthy.zip") and
the full ``data.zip`` (17.9 GB). Each archive is fetched into ``<folder>/downloads/NAME.part``
with HTTP range requests, so an interrupted download continues where it stopped; its size
and MD5 are checked against the record before it is unpacked into ``<folder>/data``, the
layout sbvoicedb and :func:`voice_desk.data.svd.load_svd` read.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from pathlib import Path
from typing import Callable

from voice_desk.errors import VoiceDeskError
from voice_desk.tasks.state import TaskCancelled

ZENODO_RECORD_API = "https://zenodo.org/api/records/16874898"
ZENODO_RECORD_PAGE = "https://zenodo.org/records/16874898"
CHUNK = 1 << 20

Progress = Callable[[str, int, int], None]   # (archive name, bytes done, bytes total)


class SvdDownloadError(VoiceDeskError):
    pass


class DownloadCancelled(TaskCancelled):
    """The user stopped the download; what arrived is kept and the next download resumes it."""


def _offline_error(exc: Exception) -> SvdDownloadError:
    return SvdDownloadError(
        f"the Saarbrücken Voice Database could not be downloaded from Zenodo ({type(exc).__name__}: {exc}).",
        hint=("Check this computer's internet connection and try again: finished parts are kept and the download "
              f"resumes. Without internet here, download it on another computer from {ZENODO_RECORD_PAGE} "
              "(data.zip, or one zip per pathology), unzip it into one folder and choose that folder."))


def list_archives(timeout: float = 20.0) -> dict[str, dict]:
    """Archive name (NFC, without .zip) -> {"size", "url", "md5"} from the Zenodo record."""
    import requests

    try:
        response = requests.get(ZENODO_RECORD_API, timeout=timeout)
        response.raise_for_status()
        files = response.json()["files"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise _offline_error(exc) from exc
    out = {}
    for f in files:
        name = unicodedata.normalize("NFC", f["key"])
        if name.endswith(".zip"):
            checksum = str(f.get("checksum", ""))
            out[name[:-4]] = {"size": int(f["size"]), "url": f["links"]["self"],
                              "md5": checksum.split(":", 1)[1] if checksum.startswith("md5:") else None}
    return out


def download_archive(name: str, info: dict, folder: Path, progress: Progress | None = None,
                     cancelled: Callable[[], bool] | None = None, timeout: float = 60.0) -> Path:
    """Fetch one archive into ``folder/downloads`` (resuming a ``.part``) and return the zip path."""
    import requests

    downloads = folder / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    final = downloads / f"{name}.zip"
    part = downloads / f"{name}.zip.part"
    total = info["size"]
    if final.is_file() and final.stat().st_size == total:
        return final
    done = part.stat().st_size if part.is_file() else 0
    headers = {"Range": f"bytes={done}-"} if 0 < done < total else {}
    try:
        with requests.get(info["url"], stream=True, timeout=timeout, headers=headers) as response:
            response.raise_for_status()
            mode = "ab" if response.status_code == 206 else "wb"
            if mode == "wb":
                done = 0
            with open(part, mode) as out:
                for block in response.iter_content(CHUNK):
                    if cancelled and cancelled():
                        raise DownloadCancelled()
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(name, done, total)
    except requests.RequestException as exc:
        raise _offline_error(exc) from exc
    if part.stat().st_size != total:
        raise SvdDownloadError(f"the download of {name}.zip stopped at {part.stat().st_size} of {total} bytes.",
                               hint="Start the download again: it resumes where it stopped.")
    if info.get("md5"):
        digest = hashlib.md5()
        with open(part, "rb") as f:
            for block in iter(lambda: f.read(CHUNK), b""):
                digest.update(block)
        if digest.hexdigest() != info["md5"]:
            part.unlink()
            raise SvdDownloadError(f"{name}.zip arrived damaged (checksum mismatch) and was deleted.",
                                   hint="Start the download again.")
    part.replace(final)
    return final


def unpack(zip_path: Path, folder: Path) -> None:
    """Unzip into ``folder/data`` (per-pathology archives hold session folders; data.zip holds data/)."""
    target = folder if zip_path.stem == "data" else folder / "data"
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.infolist():
            dest = (target / member.filename).resolve()
            if not str(dest).startswith(str(target.resolve())):
                raise SvdDownloadError(f"{zip_path.name} holds an unsafe path ({member.filename}); nothing more was "
                                       "unpacked.", path=zip_path)
        archive.extractall(target)


def download_svd(folder: str | Path, pathologies: list[str] | None = None, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None, keep_archives: bool = False) -> Path:
    """Download ``pathologies`` (German names and/or 'healthy'; None: everything, data.zip)
    into ``folder`` and return it, ready for :func:`voice_desk.data.svd.load_svd`."""
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    archives = list_archives()
    wanted = ["data"] if not pathologies else [unicodedata.normalize("NFC", p) for p in pathologies]
    unknown = [w for w in wanted if w not in archives]
    if unknown:
        raise SvdDownloadError(f"the Zenodo record has no archive for: {', '.join(unknown)}.",
                               hint="Use the German pathology names SVD uses, or 'healthy'.")
    from voice_desk.data.svd import sessions_of

    for name in wanted:
        if name != "data" and all((folder / "data" / str(s)).is_dir() for s in sessions_of(name)):
            continue  # every session folder is there already (sbvoicedb's rule for a complete pathology)
        zip_path = download_archive(name, archives[name], folder, progress, cancelled)
        unpack(zip_path, folder)
        if not keep_archives:
            zip_path.unlink()
    return folder
