"""TextGrid reading and writing: round trip, checks against the recording, auto pick-up."""

from __future__ import annotations

import pytest

from voice_desk.align.textgrid import TextGridError, find_textgrid_for, read_textgrid, write_textgrid
from voice_desk.align.tiers import Alignment, Interval

PHONES = [Interval(0.0, 0.30, ""), Interval(0.30, 0.35, "ɡ"), Interval(0.35, 0.50, "uː"), Interval(0.50, 0.56, "t"),
          Interval(0.56, 0.60, "ə"), Interval(0.60, 0.70, "n"), Interval(0.70, 1.20, "")]
WORDS = [Interval(0.0, 0.30, ""), Interval(0.30, 0.70, "Guten"), Interval(0.70, 1.20, "")]


def mfa_style_textgrid(path, xmax=1.2, tiers=(("words", [(0.30, 0.70, "Guten")]),
                                               ("phones", [(0.30, 0.35, "ɡ"), (0.35, 0.70, "uː")]))):
    """A long-format TextGrid as MFA writes it (silence as empty intervals), written by hand."""
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0", f"xmax = {xmax}",
             "tiers? <exists>", f"size = {len(tiers)}", "item []:"]
    for k, (name, entries) in enumerate(tiers, 1):
        filled, t = [], 0.0
        for start, end, label in entries:
            if start > t:
                filled.append((t, start, ""))
            filled.append((start, end, label))
            t = end
        if t < xmax:
            filled.append((t, xmax, ""))
        lines += [f"    item [{k}]:", '        class = "IntervalTier"', f'        name = "{name}"', "        xmin = 0",
                  f"        xmax = {xmax}", f"        intervals: size = {len(filled)}"]
        for i, (start, end, label) in enumerate(filled, 1):
            lines += [f"        intervals [{i}]:", f"            xmin = {start}", f"            xmax = {end}",
                      f'            text = "{label}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_round_trip_keeps_labels_times_and_silence(tmp_path):
    alignment = Alignment(words=WORDS, phones=PHONES, duration=1.2, source="test")
    path = write_textgrid(alignment, tmp_path / "clip.TextGrid")
    back = read_textgrid(path, audio_duration=1.2)
    assert [(p.label, round(p.start, 6), round(p.end, 6)) for p in back.phones] == \
        [(p.label, p.start, p.end) for p in PHONES]
    assert [w.label for w in back.spoken_words()] == ["Guten"]
    assert back.duration == pytest.approx(1.2)
    assert back.source == str(path)


def test_reads_an_mfa_textgrid_and_fills_silence(tmp_path):
    back = read_textgrid(mfa_style_textgrid(tmp_path / "a.TextGrid"), audio_duration=1.19)
    assert [p.label for p in back.phones] == ["", "ɡ", "uː", ""]
    assert back.phones[0].is_silence and back.phones[-1].end == pytest.approx(1.19)


def test_duration_mismatch_is_a_clear_error(tmp_path):
    path = mfa_style_textgrid(tmp_path / "a.TextGrid", xmax=1.2)
    with pytest.raises(TextGridError) as info:
        read_textgrid(path, audio_duration=2.5)
    message = str(info.value)
    assert "1.20 s" in message and "2.50 s" in message and str(path) in message


def test_textgrid_without_phone_tier_is_refused(tmp_path):
    path = mfa_style_textgrid(tmp_path / "a.TextGrid", tiers=(("words", [(0.3, 0.7, "Guten")]),
                                                              ("notes", [(0.3, 0.7, "x")])))
    with pytest.raises(TextGridError, match="no phone tier.*words, notes"):
        read_textgrid(path, audio_duration=1.2)


def test_textgrid_with_an_empty_phone_tier_is_refused(tmp_path):
    path = mfa_style_textgrid(tmp_path / "a.TextGrid", tiers=(("words", []), ("phones", [])))
    with pytest.raises(TextGridError, match="no labelled phones"):
        read_textgrid(path, audio_duration=1.2)


BROKEN_HEADER = 'File type = "ooTextFile"\nObject class = "TextGrid"\nxmin = oops\n'


@pytest.mark.parametrize("content", ["this is not a textgrid\n", BROKEN_HEADER, ""])
def test_malformed_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.TextGrid"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TextGridError, match="not a readable TextGrid"):
        read_textgrid(path, audio_duration=1.0)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(TextGridError, match="does not exist"):
        read_textgrid(tmp_path / "none.TextGrid")


def test_textgrid_beside_the_audio_is_found(tmp_path):
    audio = tmp_path / "take1.wav"
    audio.write_bytes(b"")
    assert find_textgrid_for(audio) is None
    grid = mfa_style_textgrid(tmp_path / "take1.TextGrid")
    (tmp_path / "take2.TextGrid").write_text("", encoding="utf-8")
    assert find_textgrid_for(audio) == grid
