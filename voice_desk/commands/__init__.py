"""One module per `voice-desk` sub-command.

Each module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Modules must stay cheap to import (no torch, no Qt at module level): ``voice-desk --help``
imports all of them.
"""
