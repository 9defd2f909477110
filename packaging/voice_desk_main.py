"""The bundle's entry point: the `voice-desk` program of the PyInstaller build (packaging/voice-desk.spec).

Two things must happen before Voice Desk's own code runs:

- ``multiprocessing.freeze_support()`` first: the model process and the training and download
  processes are started with *spawn*, which in a frozen program re-runs this very executable with
  ``--multiprocessing-fork …`` (or ``-c 'from multiprocessing.resource_tracker import main…'``) as
  its arguments. PyInstaller's runtime hook makes freeze_support recognise them on every platform,
  run the child and exit, before the command line would reject them.
- a program built without a console (Windows' and macOS' windowed ``Voice Desk`` program, or a
  Linux program started with its standard streams closed) has ``sys.stdout`` / ``sys.stderr`` set
  to None; libraries that write progress or warnings to them (tqdm, logging, warnings,
  faulthandler) would fail on the first write. They get ``os.devnull`` instead: the messages a user
  needs are in the window and its log file.

The windowed program of the Windows and macOS bundles starts in voice_desk_window.py, which does the
same and opens the window when no command is given.
"""

import multiprocessing
import os
import sys


def _streams() -> None:
    for name in ("stdout", "stderr"):
        if getattr(sys, name, None) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")


if __name__ == "__main__":
    _streams()
    multiprocessing.freeze_support()
    from voice_desk.cli import main

    raise SystemExit(main())
