"""Voice measures beside the verdict, computed by Praat's own code (praat-parselmouth).

Nothing here re-implements an algorithm: every number is what a Praat command returns for the
take, with the settings written down beside it (a value in % is Praat's fraction times 100).

- :mod:`.settings` — the pitch range chosen from the speaker's sex, and every Praat command's arguments;
- :mod:`.praat` — the thin layer over parselmouth: a Sound from samples, a command, NaN -> a reason;
- :mod:`.result` — :class:`Measure`, :class:`MeasureReport`, :class:`IndexResult`: values, units,
  settings and, where there is no value, why; all serialise to JSON;
- :mod:`.ranges` — normal ranges and thresholds, each with its source; a value outside is *flagged*;
- :mod:`.periodicity` — F0, jitter, shimmer, HNR from one shared Pitch and PointProcess;
- :mod:`.cepstral` — CPPS; :mod:`.spectral` — LTAS slope and tilt; :mod:`.phonation` — phonation time (MPT);
- :mod:`.take` — all measures of one take (:func:`measure_take`);
- :mod:`.avqi` — the Acoustic Voice Quality Index v03.01; :mod:`.dsi` — the Dysphonia Severity Index.

Qt-free and torch-free; the session layer (:mod:`voice_desk.session.measures`) reads the audio.
"""
