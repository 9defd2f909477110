"""Installing a model into Voice Desk's models folder: import a bundle folder, or save a hub
checkpoint as a bundle. Both load torch, so the window runs them in a child process
(:mod:`voice_desk.model.model_jobs`).

Both are atomic: the model is written into a hidden folder inside the models folder, proved
there (an import is loaded from its copy, so what is installed is exactly what was checked),
and renamed to its name only when complete. A refused or interrupted install never leaves a
half model in the list.
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from pathlib import Path

from voice_desk.errors import ModelError, NotAModelError
from voice_desk.model.card import ModelCard
from voice_desk.model.checks import check_model_folder

#: The AudioSet base bundle is 350 MB; a folder far larger than any AST is not a model.
MAX_IMPORT_BYTES = 8 * 10 ** 9
MAX_IMPORT_FILES = 1000
_CHUNK = 1024 * 1024

_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def import_bundle(folder: str | Path, models_folder: str | Path) -> Path:
    """Copy the model ``folder`` into ``models_folder`` and prove the copy by loading it.

    Only regular files are copied: a symbolic link, a named pipe or a device in the folder is
    refused with its name (a link to ``/etc/ssl`` would bring that folder in; a link to
    ``/dev/zero`` would copy until the disk is full). The source folder is only read. Returns
    the new folder (a numbered name if the name is taken)."""
    from voice_desk.model.bundle import load_model

    source = Path(folder).expanduser()
    check_model_folder(source)  # the quick checks first, before anything is copied
    ModelCard.load(source)
    source = source.resolve()
    root = Path(models_folder)
    root.mkdir(parents=True, exist_ok=True)
    if root.resolve().is_relative_to(source):
        raise ModelError("the models folder is inside this folder, so this is not a model folder.", path=source,
                         hint="Choose the folder that holds config.json and model.safetensors.")
    files = _regular_files(source)
    _check_room(root, sum(size for _, size in files))
    partial = _partial_folder(root, source.name)
    try:
        for relative, size in files:
            (partial / relative).parent.mkdir(parents=True, exist_ok=True)
            _copy_file(source / relative, partial / relative, size)
        load_model(partial, device="cpu")
        return _rename_free(partial, root, source.name)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def install_hub_model(hub_id: str, models_folder: str | Path) -> Path:
    """Fetch a hub checkpoint (downloaded once into the Hugging Face cache; offline afterwards)
    and save it as a bundle in ``models_folder``, so it is listed and chosen like any other.

    The AudioSet base gives relevance maps and its top classes, never a verdict (its labels
    are sound classes).
    """
    from voice_desk.model.bundle import from_pretrained, save_bundle

    model, extractor, head_loaded = from_pretrained(hub_id, role="base checkpoint")
    root = Path(models_folder)
    root.mkdir(parents=True, exist_ok=True)
    name = hub_id.rstrip("/").split("/")[-1]
    card = ModelCard(configuration=None, base_checkpoint=hub_id, head_trained=head_loaded,
                     training_data={"name": "AudioSet (527 sound classes)"},
                     notes=f"{hub_id} from the Hugging Face hub. It was not trained on voices: it gives a relevance "
                           "map and its top sound classes, never a verdict. Train ast_freeze or ast_finetuned from it "
                           "(Models > Train a model...) for a verdict.")
    partial = _partial_folder(root, name)
    try:
        save_bundle(model, partial, card, extractor)
        check_model_folder(partial)
        return _rename_free(partial, root, name)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _regular_files(source: Path) -> list[tuple[Path, int]]:
    """``(path relative to source, size)`` of every file under ``source``, which must all be
    regular files (links are not followed), not too many and not too large together."""
    found, refused, total = [], [], 0
    stack = [Path()]
    while stack:
        relative = stack.pop()
        with os.scandir(source / relative) as entries:
            for entry in entries:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    stack.append(relative / entry.name)
                elif stat.S_ISREG(info.st_mode):
                    found.append((relative / entry.name, info.st_size))
                    total += info.st_size
                else:
                    kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
                    if stat.S_ISLNK(info.st_mode):
                        kind += f" to {os.readlink(entry.path)}"
                    refused.append(f"{relative / entry.name} ({kind})")
        if len(found) > MAX_IMPORT_FILES or total > MAX_IMPORT_BYTES:
            raise NotAModelError(f"the folder holds more than {MAX_IMPORT_FILES} files or "
                                 f"{MAX_IMPORT_BYTES / 1e9:.0f} GB, far more than a model.", path=source,
                                 hint="Choose the folder that holds only config.json, model.safetensors and the "
                                      "files beside them.")
    if refused:
        shown = ", ".join(sorted(refused)[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise NotAModelError(f"the folder holds {shown}. Voice Desk imports regular files only: a link could bring "
                             "in files from anywhere on this computer, and a device or pipe never ends.", path=source,
                             hint="Replace each link with a copy of the file it points to, or remove it, then "
                                  "import again.")
    return found


def _check_room(root: Path, needed: int) -> None:
    free = shutil.disk_usage(root).free
    if needed + 64 * 1024 ** 2 > free:
        raise ModelError(f"there is not enough free space for this model ({needed / 1e6:.0f} MB needed, "
                         f"{free / 1e6:.0f} MB free).", path=root, hint="Free some space on that disk and try again.")


def _copy_file(source: Path, target: Path, size: int) -> None:
    """Copy ``size`` bytes of the regular file ``source``, refusing one that was swapped for a
    link or something else since it was listed."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(source, flags)
    except OSError as exc:
        raise NotAModelError(f"{source.name} cannot be read ({exc.strerror or exc}).", path=source.parent,
                             hint="Check the folder and try again.") from exc
    with os.fdopen(fd, "rb") as src:
        info = os.fstat(src.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            raise NotAModelError(f"{source.name} changed while it was being imported.", path=source.parent,
                                 hint="Try again when nothing else is writing to the folder.")
        with open(target, "xb") as out:
            left = size
            while left:
                chunk = src.read(min(_CHUNK, left))
                if not chunk:
                    raise NotAModelError(f"{source.name} shrank while it was being imported.", path=source.parent,
                                         hint="Try again when nothing else is writing to the folder.")
                out.write(chunk)
                left -= len(chunk)


def _partial_folder(root: Path, name: str) -> Path:
    """A new hidden folder in ``root`` (hidden folders are never listed as models)."""
    partial = root / f".{name[:100]}.{uuid.uuid4().hex[:8]}.partial"
    partial.mkdir()
    return partial


def _rename_free(partial: Path, root: Path, name: str) -> Path:
    """Rename ``partial`` to ``root/name``, or ``name-2``, ``-3``... when taken."""
    n = 1
    while True:
        target = root / (name if n == 1 else f"{name}-{n}")
        if not os.path.lexists(target):
            try:
                os.rename(partial, target)
                return target
            except OSError:  # taken in the meantime
                if not os.path.lexists(target):
                    raise
        n += 1

