"""`voice-desk gui`: open the window (optionally with a recording and models)."""

from __future__ import annotations

HELP = "open the Voice Desk window"
DESCRIPTION = ("Open the Voice Desk window: waveform, spectrogram, phone tiers, relevance overlay and each "
               "model's verdict. For research use; not a diagnosis.")


def add_arguments(parser) -> None:
    parser.add_argument("audio", nargs="?", default=None, help="a recording to open (WAV, FLAC, OGG or NSP)")
    parser.add_argument("--model", "-m", action="append", dest="models", default=None, metavar="M",
                        help="a model folder to add to the chosen models (repeat for several)")
    parser.add_argument("--textgrid", "-t", default=None,
                        help="TextGrid with words and phones tiers (default: the one next to AUDIO, same name)")
    parser.add_argument("--screenshot", default=None, metavar="PNG",
                        help="render the window once all requested work is done, write it to PNG and exit")


def run(args) -> int:
    from voice_desk.ui.app import run as run_window

    return run_window(args)
