"""Checks that decide whether a recording can be assessed, and the warnings it carries."""

from __future__ import annotations

import numpy as np

from voice_desk.audio.resample import MODEL_RATE
from voice_desk.errors import (AudioTooShortError, EmptyAudioError, InvalidSamplesError, SampleRateError,
                               SilentAudioError)

#: Below this a recording cannot hold the sentence (it takes about 2-3 s), and the model's
#: smallest input is 16 frames (0.175 s); we ask for a little more than that.
MIN_DURATION_S = 0.5
#: Peak amplitude under which a recording counts as silent (-70 dBFS).
SILENCE_PEAK = 10 ** (-70 / 20)
#: Samples at or above this magnitude count as clipped.
CLIP_LEVEL = 0.999
#: Fraction of clipped samples above which we warn.
CLIP_FRACTION = 0.001
#: The models listen to 16 kHz audio (MODEL_RATE: content up to 8 kHz). Telephone-band audio
#: (8 kHz) still loads, with a warning; below that too much of the voice is missing.
MIN_RATE = 8_000


def check_rate(rate: int, path=None) -> list[str]:
    """Raise for a rate too low to assess; warn for one below the model's 16 kHz."""
    if rate < MIN_RATE:
        raise SampleRateError(
            f"the recording's sample rate is {rate} Hz, so it holds nothing above {rate / 2:.0f} Hz; "
            f"Voice Desk needs at least {MIN_RATE} Hz (the models listen up to 8000 Hz).", path=path,
            hint="Record again at 16 kHz or more (44.1 or 48 kHz are fine).")
    if rate < MODEL_RATE:
        return [f"the recording's sample rate is {rate} Hz: it holds nothing above {rate / 2:.0f} Hz, while the "
                f"model listens up to {MODEL_RATE // 2} Hz; the result may be less reliable. "
                "Record at 16 kHz or more if you can."]
    return []


def check_channels(raw: np.ndarray, mono: np.ndarray, path=None) -> None:
    """Channels that cancel out when mixed to mono (one is the other inverted) leave nothing
    to assess, though each channel holds a voice: say so rather than 'silent'."""
    if raw.ndim != 2 or raw.shape[1] < 2 or raw.size == 0 or not np.all(np.isfinite(raw)):
        return
    if np.max(np.abs(mono)) < SILENCE_PEAK <= np.max(np.abs(raw)):
        raise SilentAudioError(
            f"its {raw.shape[1]} channels cancel each other out when mixed to mono "
            "(one is the other with inverted polarity), so nothing is left to assess.", path=path,
            hint="Export the microphone's channel alone as a mono file and load that.")


def check_samples(samples: np.ndarray, rate: int, path=None, channels: np.ndarray | None = None) -> list[str]:
    """Raise for unusable audio; return warnings for usable but doubtful audio.

    ``samples`` is the mono mix; ``channels``, when given, the samples before mixing (for clipping).
    """
    if samples.size == 0:
        raise EmptyAudioError("the file holds no audio samples.", path=path,
                              hint="Record or choose the recording again.")
    warnings = check_rate(rate, path)
    if not np.all(np.isfinite(samples)):
        bad = int(np.count_nonzero(~np.isfinite(samples)))
        what = "1 sample is not a number" if bad == 1 else f"{bad} samples are not numbers"
        raise InvalidSamplesError(f"{what} (NaN or infinite); the file is damaged.",
                                  path=path, hint="Export the recording again from the recording software.")
    duration = samples.shape[0] / rate
    if duration < MIN_DURATION_S:
        raise AudioTooShortError(
            f"the recording is {duration:.2f} s long; at least {MIN_DURATION_S:.1f} s is needed.", path=path,
            hint='Record the whole sentence "Guten Morgen, wie geht es Ihnen?" (about 2-3 s).')
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        raise SilentAudioError("the recording is silent (no signal above -70 dBFS).", path=path,
                               hint="Check that the microphone is connected and not muted, then record again.")
    clipping = clipping_warning(samples if channels is None else channels)
    return warnings + ([clipping] if clipping else [])


def clipping_warning(samples: np.ndarray) -> str | None:
    """A warning when too many samples sit at full scale. ``samples`` may be (frames,) or
    (frames, channels): a frame counts as clipped when any channel is, since mixing to mono
    halves a clipped channel's peak and would hide it."""
    at_full_scale = np.abs(samples) >= CLIP_LEVEL
    if at_full_scale.ndim == 2:
        at_full_scale = at_full_scale.any(axis=1)
    clipped = float(np.mean(at_full_scale)) if at_full_scale.size else 0.0
    if clipped <= CLIP_FRACTION:
        return None
    return (f"{clipped:.1%} of the samples are clipped (at full scale); "
            "the input level was too high, which distorts the voice and can change the result.")


def window_warning(duration: float, window: float) -> str:
    return (f"the recording is {duration:.1f} s long but the model looks at {window:.2f} s at most; "
            f"only the first {window:.2f} s were assessed.")
