"""Property-based fuzzing of the readers of users' files (Hypothesis).

Mutated WAV, FLAC and NSP files and mutated TextGrids either load or raise a VoiceDeskError
(a message for the user): never another exception, never a hang (each example must finish
within its deadline, and an alarm stops a blocked one), never a changed input file, and never
a decoder's diagnostics on the terminal. Derandomized, so CI sees the same examples each run.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import speech_like
from test_audio_load import fails_after
from test_textgrid import mfa_style_textgrid
from voice_desk.align.textgrid import read_textgrid
from voice_desk.audio.load import load_recording
from voice_desk.audio.nsp import write_nsp
from voice_desk.errors import VoiceDeskError

FUZZ = settings(max_examples=300, deadline=2000, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: Values a damaged header likes to hold: zero, one, the largest sizes, a 4 GHz rate.
ODD_WORDS = (0, 1, 2, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 4_000_000_000, 44_100)


def _seed(kind: str) -> bytes:
    voice = speech_like(0.6, rate=8_000)
    buffer = io.BytesIO()
    if kind == "nsp":
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            write_nsp(Path(folder) / "x.nsp", voice, 8_000)
            return (Path(folder) / "x.nsp").read_bytes()
    if kind == "wav-float-stereo":
        sf.write(buffer, np.stack([voice, voice / 2], axis=1), 8_000, format="WAV", subtype="FLOAT")
    else:
        sf.write(buffer, voice, 8_000, format=kind.upper(), subtype="PCM_16")
    return buffer.getvalue()


SEEDS = {kind: _seed(kind) for kind in ("wav", "wav-float-stereo", "flac", "nsp")}


@st.composite
def mutated(draw, seed: bytes, header: int = 64) -> bytes:
    """``seed`` with a few byte flips, overwrites, odd 32-bit header words, cuts and insertions."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip"] * 3 + ["byte"] * 3 + ["word"] * 2 + ["cut", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "word":
            at = draw(st.integers(0, max(min(header, len(data)) - 4, 0)))
            data[at:at + 4] = struct.pack("<I", draw(st.sampled_from(ODD_WORDS)))
        elif kind == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(max_size=16))
    return bytes(data)


def _loads_or_says_why(path, read, before: bytes) -> None:
    with fails_after(20):
        try:
            read(path)
        except VoiceDeskError:
            pass
    assert path.read_bytes() == before, "the input file was changed"


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_mutated_audio_loads_or_raises_a_plain_error(tmp_path, capfd, kind):
    suffix = ".nsp" if kind == "nsp" else ".flac" if kind == "flac" else ".wav"

    @FUZZ
    @given(data=mutated(SEEDS[kind]))
    def check(data):
        path = tmp_path / f"clip{suffix}"
        path.write_bytes(data)
        _loads_or_says_why(path, load_recording, data)

    check()
    assert capfd.readouterr().err == "", "a decoder printed diagnostics"


TEXTGRID_WORDS = ("-1.5", "6.25e-01", "1e309", "nan", "1000000", "0", "-0", "\"", "<absent>", "[", "!")


@st.composite
def mutated_textgrid(draw, seed: str) -> bytes:
    """A TextGrid with some of its numbers and strings replaced, then maybe byte-mutated and
    written in one of the encodings Praat uses."""
    tokens = seed.split(" ")
    for _ in range(draw(st.integers(0, 4))):
        tokens[draw(st.integers(0, len(tokens) - 1))] = draw(st.sampled_from(TEXTGRID_WORDS))
    encoded = " ".join(tokens).encode(draw(st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be"])))
    return draw(mutated(encoded, header=len(encoded))) if draw(st.booleans()) else encoded


def test_mutated_textgrids_load_or_raise_a_plain_error(tmp_path):
    seed = mfa_style_textgrid(tmp_path / "seed.TextGrid").read_text(encoding="utf-8")

    @FUZZ
    @given(data=mutated_textgrid(seed))
    def check(data):
        path = tmp_path / "clip.TextGrid"
        path.write_bytes(data)
        _loads_or_says_why(path, lambda p: read_textgrid(p, 1.2), data)
        _loads_or_says_why(path, read_textgrid, data)

    check()
