"""The LTAS slope and tilt of AVQI (v02.03 and v03.01): a long-term average spectrum with 1 Hz bands;
the slope is the difference of its mean energy in 0–1 kHz and 1–10 kHz (``Get slope: 0, 1000, 1000,
10000, energy``); the tilt is the same difference on the LTAS's trend line fitted over 1 Hz–10 kHz
(``Compute trend line: 1, 10000``). Both need content up to 10 kHz: a take sampled below 20 kHz
has none there, and gets a reason instead of a number from a narrower band."""

from __future__ import annotations

from voice_desk.measures.praat import PraatFailed, number, run
from voice_desk.measures.settings import LTAS_BANDWIDTH, MIN_RATE_FOR_SLOPE, SLOPE_ARGS, TREND_ARGS, command

SLOPE_PRAAT = f"Sound: {command('To Ltas', LTAS_BANDWIDTH)}; Ltas: {command('Get slope', *SLOPE_ARGS)}"
TILT_PRAAT = (f"Sound: {command('To Ltas', LTAS_BANDWIDTH)}; Ltas: {command('Compute trend line', *TREND_ARGS)}; "
              f"Ltas (trend line): {command('Get slope', *SLOPE_ARGS)}")


def slope_and_tilt(snd, rate: int, notes: list[str]) -> dict[str, tuple[float | None, str | None, str]]:
    if rate < MIN_RATE_FOR_SLOPE:
        why = (f"the take is sampled at {rate:,} Hz, so it holds nothing above {rate / 2:,.0f} Hz; the slope compares "
               f"0–1 kHz with 1–10 kHz and needs a sample rate of at least {MIN_RATE_FOR_SLOPE:,} Hz.")
        return {"ltas_slope": (None, why, SLOPE_PRAAT), "ltas_tilt": (None, why, TILT_PRAAT)}
    try:
        ltas = run(snd, "To Ltas", LTAS_BANDWIDTH, notes=notes)
        slope = number(run(ltas, "Get slope", *SLOPE_ARGS))
        trend = run(ltas, "Compute trend line", *TREND_ARGS, notes=notes)
        tilt = number(run(trend, "Get slope", *SLOPE_ARGS))
    except PraatFailed as exc:
        return {"ltas_slope": (None, str(exc), SLOPE_PRAAT), "ltas_tilt": (None, str(exc), TILT_PRAAT)}
    undefined = "Praat gives no value for this take."
    return {"ltas_slope": (slope, None if slope is not None else undefined, SLOPE_PRAAT),
            "ltas_tilt": (tilt, None if tilt is not None else undefined, TILT_PRAAT)}
