"""What a user does with one recording, written once for the command line and the window.

- :mod:`.tiers` — where a recording's word and phone tiers come from, and the words that say so;
- :mod:`.opening` — open a recording: load and check it, its spectrogram, its tiers, its true label;
- :mod:`.assessment` — the models' results on it and what the study reads from them (the first
  verdict per configuration, the O/X/A/B agreement case);
- :mod:`.export` — those results as JSON and CSV;
- :mod:`.measures` — Praat's voice measures of a take, and AVQI and DSI of a session's takes.

Nothing here imports Qt or torch: the window's controllers and the ``voice-desk`` commands both
call these functions, so a rule of the domain and its wording live in one place.
"""
