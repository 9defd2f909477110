"""The build-time espeak-ng renderer (skipped where libespeak-ng is not installed)."""

from __future__ import annotations

import pytest

from voice_desk.align import espeak_render
from voice_desk.align.reference import SENTENCE, load_reference

pytestmark = pytest.mark.skipif(not espeak_render.available(), reason="libespeak-ng is not installed")


def test_rendition_has_the_shipped_reference_phones_and_known_times():
    ref = load_reference()
    r = espeak_render.render(SENTENCE, voice="de+f2", rate=180, pitch=70)
    assert [p.label for p in r.phones if not p.is_silence] == [p.label for p in ref.phones if not p.is_silence]
    assert [w.label for w in r.words if not w.is_silence] == ["Guten", "Morgen", "wie", "geht", "es", "Ihnen"]
    assert r.phones[0].start == 0.0 and r.phones[-1].end == pytest.approx(r.duration)
    assert all(a.end == pytest.approx(b.start) for a, b in zip(r.phones, r.phones[1:]))
    assert r.duration < ref.duration  # 180 words a minute is faster than the reference's 140
