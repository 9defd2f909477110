"""Argument helpers shared by several commands."""

from __future__ import annotations

from voice_desk.model.card import DEFAULT_BASE


def add_model_argument(parser, multiple: bool = False) -> None:
    help_text = (f"model bundle folder, AST checkpoint folder or hub id (default {DEFAULT_BASE}, "
                 "which has AudioSet labels and gives no verdict)")
    if multiple:
        parser.add_argument("--model", "-m", action="append", dest="models", metavar="M", help=help_text + "; repeat to compare")
    else:
        parser.add_argument("--model", "-m", default=DEFAULT_BASE, metavar="M", help=help_text)
    parser.add_argument("--device", default=None, help="auto (default: CUDA, then MPS, then CPU), cpu, cuda or mps")


def output_path(value: str, suffixes: tuple[str, ...], option: str, audio: str | None = None):
    """Check an output file name before any slow work: a known suffix (the first is added
    when there is none), not a folder, never the input recording; its folder is created."""
    import os
    from pathlib import Path

    from voice_desk.errors import VoiceDeskError

    path = Path(value).expanduser()
    if path.is_dir():
        raise VoiceDeskError(f"{option} {value}: this is a folder.", hint="Give a file name inside it.")
    if not path.suffix:
        path = path.with_name(path.name + suffixes[0])
    if path.suffix.lower() not in suffixes:
        raise VoiceDeskError(f"{option} {value}: the file name must end in {' or '.join(suffixes)}.",
                             hint=f"For example {option} {path.with_suffix(suffixes[0]).name}.")
    # realpath, not resolve(): a link loop given as the audio is the loader's to explain, not a crash here
    if audio is not None and os.path.realpath(path) == os.path.realpath(Path(audio).expanduser()):
        raise VoiceDeskError(f"{option} {value}: this is the recording itself, which Voice Desk never overwrites.",
                             hint="Choose another file name.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VoiceDeskError(f"{option} {value}: its folder cannot be created ({exc.strerror}).",
                             hint="Choose a folder you can write to.") from exc
    return path
