"""`voice-desk` command line.

Sub-commands live in :mod:`voice_desk.commands`, one module each, discovered at start-up.
Nothing heavy (torch, transformers, Qt) is imported until a command runs, so
``voice-desk --help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from voice_desk import __version__
from voice_desk.errors import VoiceDeskError


def _command_modules():
    import voice_desk.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield info.name.replace("_", "-"), importlib.import_module(f"voice_desk.commands.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-desk",
        description="Voice Desk: automatic voice disorder assessment with an Audio Spectrogram Transformer, "
                    "and why it decided. For research use; not a diagnosis.")
    parser.add_argument("--version", action="version", version=f"voice-desk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _command_modules():
        sub = commands.add_parser(name, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP))
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except VoiceDeskError as exc:
        print(f"voice-desk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("voice-desk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (e.g. `voice-desk predict ... | head`)
        sys.stderr.close()
        return 141
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"voice-desk: {where}{exc.strerror or exc}. Check that the disk is not full and that you may write "
              "there.", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        print(f"voice-desk: unexpected error ({type(exc).__name__}: {exc}). This is a bug in Voice Desk, not a "
              "problem with your files; run the command again with --verbose to see the details, and report "
              "them.", file=sys.stderr)
        if args.verbose:
            import traceback

            traceback.print_exc()
        return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
