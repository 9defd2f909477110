"""Phonation time of a sustained vowel: from the first to the end of the last voiced frame of
Praat's pitch analysis (the shared ``To Pitch`` of :mod:`.periodicity`). For the ``mpt`` task
(/a/ as long as possible after a deep breath) it is the maximum phonation time of that trial."""

from __future__ import annotations

from voice_desk.measures.praat import run


def phonation_time(pitch_object, base_command: str) -> tuple[float | None, str | None, str]:
    frequencies = pitch_object.selected_array["frequency"]
    voiced = (frequencies > 0).nonzero()[0]
    praat = (f"{base_command}; the time of the last voiced frame + one time step − the time of the first "
             "(Pitch: Get time from frame number)")
    if voiced.size == 0:
        return None, "Praat's pitch analysis found no voiced frame.", praat
    step = float(run(pitch_object, "Get time step"))
    first = float(run(pitch_object, "Get time from frame number", int(voiced[0]) + 1))
    last = float(run(pitch_object, "Get time from frame number", int(voiced[-1]) + 1))
    return last + step - first, None, praat
