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


def quiet_libraries() -> None:
    """Keep transformers' progress bars and advisories out of the user's terminal."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
