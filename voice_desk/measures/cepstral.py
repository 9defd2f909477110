"""CPPS: Praat's PowerCepstrogram → Get CPPS, with the settings of Maryn & Weenink (2015) and the
AVQI v03.01 script: a cepstrogram with a 60 Hz pitch floor, 2 ms time step, 5 kHz maximum frequency
and pre-emphasis from 50 Hz; CPPS without tilt subtraction before smoothing, smoothed over 10 ms
and 1 ms of quefrency, peak searched for 60–330 Hz (tolerance 0.05, parabolic interpolation), the
tilt line fitted from 1 ms quefrency to the end, straight, robustly."""

from __future__ import annotations

from voice_desk.measures.praat import PraatFailed, number, run
from voice_desk.measures.settings import CEPSTROGRAM_ARGS, CPPS_ARGS, command

PRAAT = (f"Sound: {command('To PowerCepstrogram', *CEPSTROGRAM_ARGS)}; "
         f"PowerCepstrogram: {command('Get CPPS', *CPPS_ARGS)}")


def cpps(snd, notes: list[str]) -> tuple[float | None, str | None, str]:
    """(CPPS in dB or None, why not, the Praat commands)."""
    try:
        cepstrogram = run(snd, "To PowerCepstrogram", *CEPSTROGRAM_ARGS, notes=notes)
        value = number(run(cepstrogram, "Get CPPS", *CPPS_ARGS, notes=notes))
    except PraatFailed as exc:
        return None, str(exc), PRAAT
    return value, None if value is not None else "Praat gives no CPPS for this take.", PRAAT
