#!/usr/bin/env python3
"""Rebuild the built-in aligner's reference: resources/aligner/reference.wav + reference.json.

Needs Debian's espeak-ng (``apt-get install espeak-ng``) — only here and in the benchmark;
Voice Desk itself reads the two shipped files and never runs espeak.

    .venv/bin/python scripts/build_aligner_reference.py

The reference is espeak-ng's German voice saying the SVD sentence at 140 words/minute, pitch 50,
with the phone start times espeak reports through its synthesis callback (mapped to german_mfa,
stop closures moved into the stop; see voice_desk/align/espeak_render.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice_desk.align.espeak_render import RATE, render  # noqa: E402
from voice_desk.align.reference import SENTENCE  # noqa: E402

REFERENCE_SETTINGS = {"voice": "de", "rate": 140, "pitch": 50}


def main() -> int:
    out = ROOT / "resources" / "aligner"
    out.mkdir(parents=True, exist_ok=True)
    rendition = render(SENTENCE, **REFERENCE_SETTINGS)
    short = [p for p in rendition.phones if not p.is_silence and p.duration < 0.010]
    if short:
        raise SystemExit(f"reference has phones under 10 ms: {short}; use a slower rate")
    peak = float(np.max(np.abs(rendition.samples)))
    sf.write(out / "reference.wav", rendition.samples / peak * 0.5, RATE, subtype="PCM_16")
    record = {
        "text": SENTENCE,
        "sample_rate": RATE,
        "made_by": "scripts/build_aligner_reference.py (libespeak-ng phoneme events)",
        "espeak": rendition.settings,
        "words": [[round(w.start, 5), round(w.end, 5), w.label] for w in rendition.words],
        "phones": [[round(p.start, 5), round(p.end, 5), p.label] for p in rendition.phones],
    }
    lines = ",\n".join(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in record.items()
                        if k not in ("words", "phones"))
    for key in ("words", "phones"):
        rows = ",\n".join(f"  {json.dumps(r, ensure_ascii=False)}" for r in record[key])
        lines += f',\n "{key}": [\n{rows}\n ]'
    (out / "reference.json").write_text("{\n" + lines + "\n}\n", encoding="utf-8")
    print(f"wrote {out / 'reference.wav'} ({rendition.duration:.2f} s) and reference.json "
          f"({sum(not p.is_silence for p in rendition.phones)} phones)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
