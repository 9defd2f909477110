"""The Dysphonia Severity Index (Wuyts et al. 2000):
DSI = 0.13·MPT + 0.0053·F0-High − 0.26·I-Low − 1.18·Jitter(%) + 12.4.

Its inputs: MPT, the maximum phonation time of /a/ (s); F0-High, the highest F0 of the voice range
profile (Hz); I-Low, the softest intensity of the voice range profile (dB SPL); and jitter (%) of a
sustained /a/. Voice Desk measures MPT (the ``mpt`` take) and jitter (the /a/ take, Praat's jitter
(local), which stands in for MDVP's Jitt that Wuyts et al. used and is lower than it for noisy
voices). F0-High and I-Low come from a voice range profile, and I-Low needs a calibrated sound
level meter: an uncalibrated recording cannot give dB SPL, so both are given as numbers. Without
any one of the four there is no DSI, and the result says which are missing.
"""

from __future__ import annotations

from voice_desk.measures.ranges import DSI_THRESHOLD, WUYTS_2000
from voice_desk.measures.result import IndexResult

FORMULA = "DSI = 0.13·MPT + 0.0053·F0-High − 0.26·I-Low − 1.18·Jitter(%) + 12.4"
INPUTS = {
    "mpt": ("MPT", "s", "record /a/ as long as possible after a deep breath (the mpt task), or give the seconds"),
    "f0_high": ("F0-High", "Hz", "give the highest F0 of a voice range profile"),
    "i_low": ("I-Low", "dB SPL", "give the softest intensity of a voice range profile, in dB SPL from a calibrated "
                                 "sound level meter; an uncalibrated recording cannot give dB SPL"),
    "jitter": ("Jitter", "%", "record a sustained /a/, whose jitter (local) is used"),
}


def dsi(mpt: float | None, f0_high: float | None, i_low: float | None, jitter: float | None,
        origins: dict[str, str] | None = None) -> IndexResult:
    """DSI from its four inputs (None where unknown); ``origins`` says where each came from."""
    origins = origins or {}
    given = {"mpt": mpt, "f0_high": f0_high, "i_low": i_low, "jitter": jitter}
    result = IndexResult("dsi", "DSI", None, None, FORMULA, WUYTS_2000, DSI_THRESHOLD,
                         settings={"jitter": "Praat's jitter (local) of the sustained /a/, in place of MDVP's Jitt"})
    result.components = {key: {"label": INPUTS[key][0], "value": value, "unit": INPUTS[key][1],
                               "from": origins.get(key, "given" if value is not None else None)}
                         for key, value in given.items()}
    missing = [key for key, value in given.items() if value is None]
    if missing:
        result.why_not = "DSI needs MPT, F0-High, I-Low and jitter; missing: " + "; ".join(
            f"{INPUTS[key][0]} — {INPUTS[key][2]}" for key in missing) + "."
        return result
    result.value = 0.13 * mpt + 0.0053 * f0_high - 0.26 * i_low - 1.18 * jitter + 12.4
    return result
