"""Montreal Forced Aligner backend: runs ``mfa align_one`` as a subprocess.

MFA 3 comes from conda-forge (Kaldi, OpenFst), not pip, so Voice Desk looks for the ``mfa``
program instead of importing it, in this order: the ``mfa`` argument (a program or a conda
environment folder), the ``VOICE_DESK_MFA`` environment variable (same), ``mfa`` on PATH, the
active conda environment (``CONDA_PREFIX``), and environments of the usual conda installs
(``~/miniforge3``, ``~/mambaforge``, ``~/miniconda3``, ``~/anaconda3``).

Each recording is written as a 16 kHz WAV with the transcript into a temporary folder (the
user's file is never touched), aligned with the german_mfa acoustic model and dictionary, and
the TextGrid MFA writes is read back with :func:`voice_desk.align.textgrid.read_textgrid`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from voice_desk.align.textgrid import TextGridError, read_textgrid
from voice_desk.align.tiers import Alignment
from voice_desk.audio.recording import Recording
from voice_desk.errors import VoiceDeskError
from voice_desk.tasks.state import TaskCancelled

ENV_VAR = "VOICE_DESK_MFA"
MODEL = "german_mfa"
DEFAULT_TIMEOUT_S = 600.0
DOWNLOAD_COMMANDS = (f"mfa model download acoustic {MODEL}", f"mfa model download dictionary {MODEL}")
INSTALL_HINT = ("Install MFA with conda (conda create -n aligner -c conda-forge montreal-forced-aligner), then "
                + " and ".join(DOWNLOAD_COMMANDS) + f"; point {ENV_VAR} at the environment folder or the mfa "
                "program if it is not on PATH. The built-in aligner (--backend builtin) needs none of this.")
_MODEL_MISSING_SIGNS = ("pretrainedmodelnotfound", "could not find a model", "no such model", "not a valid model",
                        "model download", "modelnotfound", "dictionary_path", "acoustic_model_path",
                        "could not find the model")


class MfaError(VoiceDeskError):
    """MFA could not align a recording."""


class MfaNotFoundError(MfaError):
    pass


class MfaModelMissingError(MfaError):
    pass


class MfaTimeoutError(MfaError):
    pass


class MfaCancelledError(MfaError, TaskCancelled):
    """The user stopped the alignment (MFA and its workers were killed)."""


def _program_in(folder: Path) -> Path | None:
    for candidate in (folder / "bin" / "mfa", folder / "Scripts" / "mfa.exe", folder / "mfa", folder / "mfa.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _resolve(setting: str | os.PathLike, origin: str) -> Path:
    path = Path(setting).expanduser()
    if path.is_dir():
        found = _program_in(path)
        if found is None:
            raise MfaNotFoundError(f"{origin} points to the folder {path}, which has no mfa program "
                                   "(looked in bin/ and Scripts/).", hint=INSTALL_HINT)
        return found
    if path.is_file() and os.access(path, os.X_OK):
        return path
    found = shutil.which(str(setting))
    if found:
        return Path(found)
    raise MfaNotFoundError(f"{origin} says MFA is at {setting}, but there is no program there.", hint=INSTALL_HINT)


def find_mfa(setting: str | os.PathLike | None = None) -> Path:
    """The ``mfa`` program to run, or :class:`MfaNotFoundError` saying how to install it."""
    if setting:
        return _resolve(setting, "The MFA setting")
    if os.environ.get(ENV_VAR):
        return _resolve(os.environ[ENV_VAR], ENV_VAR)
    found = shutil.which("mfa")
    if found:
        return Path(found)
    folders = []
    if os.environ.get("CONDA_PREFIX"):
        folders.append(Path(os.environ["CONDA_PREFIX"]))
    home = Path.home()
    for base in ("miniforge3", "mambaforge", "miniconda3", "anaconda3"):
        envs = home / base / "envs"
        if envs.is_dir():
            folders.extend(sorted(envs.iterdir()))
    for folder in folders:
        program = _program_in(folder)
        if program:
            return program
    raise MfaNotFoundError("Montreal Forced Aligner (mfa) was not found on PATH, in "
                           f"{ENV_VAR} or in a conda environment.", hint=INSTALL_HINT)


#: How often a running MFA is checked for the user's cancel (seconds).
CANCEL_POLL_S = 0.2


def _kill(process: subprocess.Popen) -> None:
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:  # pragma: no cover
        process.kill()
    process.communicate()


def _run(command: list[str], timeout: float, cancelled: Callable[[], bool] | None = None
         ) -> subprocess.CompletedProcess:
    """Run with a timeout that also stops MFA's own worker processes; ``cancelled()`` (polled)
    stops them too and raises :class:`MfaCancelledError`."""
    kwargs = {"start_new_session": True} if os.name == "posix" else {}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               encoding="utf-8", errors="replace", **kwargs)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            out, err = process.communicate(timeout=max(0.0, min(left, CANCEL_POLL_S if cancelled else left)))
            return subprocess.CompletedProcess(command, process.returncode, out, err)
        except subprocess.TimeoutExpired:
            if cancelled is not None and cancelled():
                _kill(process)
                raise MfaCancelledError("The alignment with MFA was cancelled.") from None
            if time.monotonic() >= deadline:
                _kill(process)
                raise


def _tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept)


def align_mfa(recording: Recording, transcript: str, mfa: str | os.PathLike | None = None,
              timeout: float = DEFAULT_TIMEOUT_S, cancelled: Callable[[], bool] | None = None) -> Alignment:
    """Align one recording with ``mfa align_one … german_mfa german_mfa …``; ``cancelled()`` is
    polled while MFA runs (the window's cancel)."""
    import soundfile as sf

    program = find_mfa(mfa)
    name = recording.path.stem if recording.path else "recording"
    with tempfile.TemporaryDirectory(prefix="voice-desk-mfa-") as tmp:
        tmp = Path(tmp)
        audio = tmp / f"{name}.wav"
        text = tmp / f"{name}.txt"
        out = tmp / f"{name}.TextGrid"
        sf.write(audio, recording.samples, recording.sample_rate, subtype="PCM_16")
        text.write_text(transcript.strip() + "\n", encoding="utf-8")
        command = [str(program), "align_one", str(audio), str(text), MODEL, MODEL, str(out)]
        try:
            result = _run(command, timeout, cancelled)
        except subprocess.TimeoutExpired as exc:
            raise MfaTimeoutError(f"MFA did not finish within {timeout:.0f} s and was stopped.", path=recording.path,
                                  hint="Try again with a longer --timeout, or use --backend builtin.") from exc
        except OSError as exc:
            raise MfaNotFoundError(f"MFA at {program} could not be started ({exc}).", hint=INSTALL_HINT) from exc
        output = (result.stderr or "") + "\n" + (result.stdout or "")
        if result.returncode != 0:
            lowered = output.lower()
            if any(sign in lowered for sign in _MODEL_MISSING_SIGNS):
                raise MfaModelMissingError(
                    f"MFA has no {MODEL} acoustic model or dictionary ({_tail(output, 2)}).", path=recording.path,
                    hint="Download them with: " + " and ".join(DOWNLOAD_COMMANDS) + ".")
            raise MfaError(f"MFA failed (exit status {result.returncode}): {_tail(output) or 'no message'}.",
                           path=recording.path,
                           hint="Check that the recording is the sentence in the transcript, or use --backend builtin.")
        if not out.is_file():
            raise MfaError("MFA finished but wrote no TextGrid (it may not have found the words in its dictionary: "
                           f"{_tail(output, 3) or 'no message'}).", path=recording.path,
                           hint="Run: " + " and ".join(DOWNLOAD_COMMANDS) + ", then try again.")
        try:
            alignment = read_textgrid(out, recording.duration)
        except TextGridError as exc:  # name the user's recording, not MFA's temporary file
            raise MfaError(f"MFA wrote a TextGrid Voice Desk cannot use: {exc.problem}", path=recording.path,
                           hint="Check the MFA version (Voice Desk expects MFA 3), or use --backend builtin.") from exc
    alignment.source = "mfa"
    alignment.approximate = False
    return alignment

