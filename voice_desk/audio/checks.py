"""Checks that decide whether a recording can be assessed, and the warnings it carries."""

from __future__ import annotations

import numpy as np

from voice_desk.errors import AudioTooShortError, EmptyAudioError, InvalidSamplesError, SilentAudioError

#: Below this a recording cannot hold the sentence (it takes about 2-3 s), and the model's
#: smallest input is 16 frames (0.175 s); we ask for a little more than that.
MIN_DURATION_S = 0.5
#: Peak amplitude under which a recording counts as silent (-70 dBFS).
SILENCE_PEAK = 10 ** (-70 / 20)
#: Samples at or above this magnitude count as clipped.
CLIP_LEVEL = 0.999
#: Fraction of clipped samples above which we warn.
CLIP_FRACTION = 0.001


def check_samples(samples: np.ndarray, rate: int, path=None) -> list[str]:
    """Raise for unusable audio; return warnings for usable but doubtful audio."""
    if samples.size == 0:
        raise EmptyAudioError("the file holds no audio samples.", path=path,
                              hint="Record or choose the recording again.")
    if not np.all(np.isfinite(samples)):
        bad = int(np.count_nonzero(~np.isfinite(samples)))
        raise InvalidSamplesError(f"{bad} samples are not numbers (NaN or infinite); the file is damaged.",
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
    warnings = []
    clipped = float(np.mean(np.abs(samples) >= CLIP_LEVEL))
    if clipped > CLIP_FRACTION:
        warnings.append(f"{clipped:.1%} of the samples are clipped (at full scale); "
                        "the input level was too high, which distorts the voice and can change the result.")
    return warnings


def window_warning(duration: float, window: float) -> str:
    return (f"the recording is {duration:.1f} s long but the model looks at {window:.2f} s at most; "
            f"only the first {window:.2f} s were assessed.")
