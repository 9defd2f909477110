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
BINARY = b"ooBinaryFile\x08TextGrid\x00\x00\x00\x00\x00\x00\x00\x00"


@pytest.mark.parametrize("content, why", [
    (b"this is not a textgrid\n", "does not start like a Praat TextGrid"),
    (BROKEN_HEADER.encode(), "damaged or incomplete"),
    (b"", "the file is empty"),
    (BINARY, "binary TextGrid"),
])
def test_malformed_file_is_a_clear_error(tmp_path, content, why):
    path = tmp_path / "bad.TextGrid"
    path.write_bytes(content)
    with pytest.raises(TextGridError) as info:
        read_textgrid(path, audio_duration=1.0)
    message = str(info.value)
    assert "not a readable TextGrid" in message and why in message and str(path) in message
    assert "save it again as a text file" in message
    assert path.read_bytes() == content  # never touched


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(TextGridError, match="does not exist.*Check the path"):
        read_textgrid(tmp_path / "none.TextGrid")


def test_praat_utf16_textgrid_with_ipa_is_read(tmp_path):
    """Praat saves a TextGrid holding IPA symbols as UTF-16."""
    utf8 = mfa_style_textgrid(tmp_path / "a.TextGrid", tiers=(("words", [(0.3, 0.7, "Morgen")]),
                                                             ("phones", [(0.3, 0.5, "ɔ"), (0.5, 0.7, "ʁ")])))
    utf16 = tmp_path / "praat.TextGrid"
    utf16.write_bytes(utf8.read_text(encoding="utf-8").encode("utf-16"))
    assert [p.label for p in read_textgrid(utf16, 1.2).spoken_phones()] == ["ɔ", "ʁ"]


def test_silence_labels_of_other_tools_are_silence(tmp_path):
    """Older MFA writes sil/sp, WebMAUS <p:>: they are pauses, not phones."""
    path = mfa_style_textgrid(tmp_path / "a.TextGrid", tiers=(
        ("words", [(0.0, 0.3, "<p:>"), (0.3, 0.7, "Guten")]),
        ("phones", [(0.0, 0.3, "sil"), (0.3, 0.35, "ɡ"), (0.35, 0.4, "sp"), (0.4, 0.7, "uː"), (0.7, 1.2, "SIL")])))
    back = read_textgrid(path, 1.2)
    assert [p.label for p in back.spoken_phones()] == ["ɡ", "uː"]
    assert [p.label for p in back.phones] == ["", "ɡ", "", "uː", ""]
    assert [w.label for w in back.spoken_words()] == ["Guten"] and not back.warnings


def test_labels_outside_german_mfa_are_kept_with_a_warning(tmp_path):
    path = mfa_style_textgrid(tmp_path / "a.TextGrid", tiers=(("words", []),
                                                             ("phones", [(0.3, 0.5, "O"), (0.5, 0.7, "6")])))
    back = read_textgrid(path, 1.2)
    assert [p.label for p in back.spoken_phones()] == ["O", "6"]
    assert len(back.warnings) == 1 and "outside MFA's german_mfa phone set (6, O)" in back.warnings[0]
    assert not read_textgrid(mfa_style_textgrid(tmp_path / "b.TextGrid"), 1.2).warnings
    typed = mfa_style_textgrid(tmp_path / "c.TextGrid", tiers=(("words", [(0.3, 0.7, "Tag")]), ("phones", [
        (0.3, 0.4, "t"), (0.4, 0.6, "a:"), (0.6, 0.7, "g")])))  # ASCII g and colon, as typed in Praat
    back = read_textgrid(typed, 1.2)
    assert [p.label for p in back.spoken_phones()] == ["t", "a:", "g"]  # as written, but the user is told
    assert "(a:, g) (IPA ɡ is not the letter g, ː is not a colon)" in back.warnings[0]


def test_a_textgrid_a_little_longer_than_the_audio_is_cut_at_its_end(tmp_path):
    path = mfa_style_textgrid(tmp_path / "a.TextGrid", xmax=1.25, tiers=(
        ("words", [(0.3, 1.22, "Guten")]), ("phones", [(0.3, 1.17, "uː"), (1.17, 1.22, "n")])))
    back = read_textgrid(path, audio_duration=1.19)
    for tier in (back.phones, back.words):
        assert tier[-1].end == pytest.approx(1.19) and all(i.end <= 1.19 + 1e-9 for i in tier)
    assert [(p.label, round(p.end, 3)) for p in back.spoken_phones()] == [("uː", 1.17), ("n", 1.19)]


def test_point_tier_is_refused(tmp_path):
    path = tmp_path / "points.TextGrid"
    path.write_text("\n".join([
        'File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0", "xmax = 1.2", "tiers? <exists>",
        "size = 1", "item []:", "    item [1]:", '        class = "TextTier"', '        name = "phones"',
        "        xmin = 0", "        xmax = 1.2", "        points: size = 1", "        points [1]:",
        "            number = 0.5", '            mark = "a"']) + "\n", encoding="utf-8")
    with pytest.raises(TextGridError, match="'phones' is a point tier"):
        read_textgrid(path, 1.2)


def test_duplicate_tier_names_are_read(tmp_path):
    path = mfa_style_textgrid(tmp_path / "a.TextGrid", tiers=(("phones", [(0.3, 0.5, "a")]),
                                                             ("phones", [(0.3, 0.5, "b")])))
    assert [p.label for p in read_textgrid(path, 1.2).spoken_phones()] == ["a"]


def test_aligner_confidence_and_warnings_survive_the_textgrid(tmp_path):
    """A doubtful built-in alignment stays marked when its TextGrid is used later."""
    from praatio import textgrid

    warning = "This recording does not match the sentence well (confidence 0.31): check it."
    doubtful = Alignment(words=WORDS, phones=PHONES, duration=1.2, source="builtin", confidence=0.3149,
                         approximate=True, warnings=[warning])
    path = write_textgrid(doubtful, tmp_path / "take.TextGrid")
    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    assert list(grid.tierNames) == ["words", "phones", "aligner"]
    assert grid.getTier("aligner").entries[0].label == f"built-in aligner | approximate | confidence 0.31 | {warning}"
    back = read_textgrid(path, 1.2)
    assert back.approximate and back.confidence == pytest.approx(0.31) and back.warnings == [warning]
    assert back.source == str(path)
    again = read_textgrid(write_textgrid(back, tmp_path / "again.TextGrid"), 1.2)  # saved again from the window
    assert again.warnings == [warning] and again.confidence == pytest.approx(0.31)
    exact = write_textgrid(Alignment(WORDS, PHONES, 1.2, source="mfa"), tmp_path / "mfa.TextGrid")
    assert list(textgrid.openTextgrid(str(exact), includeEmptyIntervals=False).tierNames) == ["words", "phones"]
    plain = read_textgrid(exact, 1.2)
    assert not plain.approximate and plain.confidence is None and not plain.warnings


def test_textgrid_beside_the_audio_is_found(tmp_path):
    audio = tmp_path / "take1.wav"
    audio.write_bytes(b"")
    assert find_textgrid_for(audio) is None
    grid = mfa_style_textgrid(tmp_path / "take1.TextGrid")
    (tmp_path / "take2.TextGrid").write_text("", encoding="utf-8")
    assert find_textgrid_for(audio) == grid


# --- hardening: what Praat writes is read; what no recording has is refused at once --------

def test_times_with_an_exponent_are_read(tmp_path):
    """Praat writes e.g. 6.25e-01 (valid in its files); praatio's parser could not read it."""
    path = mfa_style_textgrid(tmp_path / "a.TextGrid")
    text = path.read_text(encoding="utf-8").replace("xmin = 0.35\n", "xmin = 3.5e-01\n")
    text = text.replace("xmax = 0.35\n", "xmax = 3.5E-1\n")
    path.write_text(text, encoding="utf-8")
    back = read_textgrid(path, 1.2)
    assert [(p.label, round(p.start, 6)) for p in back.spoken_phones()] == [("ɡ", 0.3), ("uː", 0.35)]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, codec):
    utf8 = mfa_style_textgrid(tmp_path / "a.TextGrid", tiers=(("words", [(0.3, 0.7, "Morgen")]),
                                                             ("phones", [(0.3, 0.5, "ɔ"), (0.5, 0.7, "ʁ")])))
    path = tmp_path / "nobom.TextGrid"
    path.write_bytes(utf8.read_text(encoding="utf-8").encode(codec))
    assert [p.label for p in read_textgrid(path, 1.2).spoken_phones()] == ["ɔ", "ʁ"]


def test_the_short_format_with_comments_is_read(tmp_path):
    path = tmp_path / "short.TextGrid"
    path.write_text('File type = "ooTextFile"\nObject class = "TextGrid"\n\n0 ! start\n1.2\n<exists>\n1\n'
                    '"IntervalTier"\n"phones"\n0\n1.2\n2\n0\n0.5\n"a"\n0.5\n1.2\n"say ""b"""\n', encoding="utf-8")
    assert [p.label for p in read_textgrid(path, 1.2).phones] == ["a", 'say "b"']


def test_a_negative_start_is_named_with_the_files_own_times(tmp_path):
    path = mfa_style_textgrid(tmp_path / "a.TextGrid")
    path.write_text(path.read_text(encoding="utf-8").replace("xmin = 0\n", "xmin = -1.5\n"), encoding="utf-8")
    for duration in (1.2, 2.7):
        with pytest.raises(TextGridError) as info:
            read_textgrid(path, duration)
        message = str(info.value)
        assert "start at -1.5 s, before the recording begins" in message and "1.50" not in message


def test_an_absurd_tier_is_refused_before_it_is_read(tmp_path):
    import time

    path = mfa_style_textgrid(tmp_path / "a.TextGrid")
    path.write_text(path.read_text(encoding="utf-8").replace("intervals: size = 4", "intervals: size = 1000000"),
                    encoding="utf-8")
    began = time.monotonic()
    with pytest.raises(TextGridError) as info:
        read_textgrid(path, 1.2)
    assert time.monotonic() - began < 1.0
    assert "'phones' has 1,000,000 intervals" in str(info.value) and str(path) in str(info.value)


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path, monkeypatch):
    from voice_desk.align import textgrid

    monkeypatch.setattr(textgrid, "MAX_TEXTGRID_BYTES", 1000)
    path = mfa_style_textgrid(tmp_path / "a.TextGrid")
    with pytest.raises(TextGridError, match="larger than"):
        read_textgrid(path, 1.2)


def test_a_named_pipe_is_refused_at_once(tmp_path):
    import os

    from test_audio_load import fails_after

    fifo = tmp_path / "clip.TextGrid"
    os.mkfifo(fifo)
    with fails_after(5), pytest.raises(TextGridError, match="named pipe"):
        read_textgrid(fifo, 1.2)


def test_writing_replaces_a_link_instead_of_writing_through_it(tmp_path):
    elsewhere = tmp_path / "patient-notes.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    link = tmp_path / "clip.TextGrid"
    link.symlink_to(elsewhere)
    write_textgrid(Alignment(words=WORDS, phones=PHONES, duration=1.2, source="test"), link)
    assert elsewhere.read_text(encoding="utf-8") == "keep me"
    assert not link.is_symlink() and read_textgrid(link, 1.2).spoken_phones()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.TextGrid", "patient-notes.txt"]
