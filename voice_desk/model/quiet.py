"""Keep transformers' progress bars and advisories out of the user's terminal and log."""

from __future__ import annotations


def quiet_libraries() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
