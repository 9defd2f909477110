"""The windowed program of the Windows and macOS bundles (``Voice Desk``, built without a console):
started without a command, as a double-click or the Start menu does, it opens the window; with a
command it behaves as ``voice-desk`` (see voice_desk_main.py, whose start-up it shares)."""

import multiprocessing
import sys

from voice_desk_main import _streams

if __name__ == "__main__":
    _streams()                          # no console: stdout and stderr are None here
    multiprocessing.freeze_support()    # child processes re-run this program
    from voice_desk.cli import main

    argv = sys.argv[1:]
    if not [a for a in argv if not a.startswith("-")]:
        argv = [*argv, "gui"]
    raise SystemExit(main(argv))
