"""Per-phone relevance: the numbers, the CSV, and `voice-desk phones` with real tiny models."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import soundfile as sf

from test_textgrid import mfa_style_textgrid
from voice_desk.align.reference import load_reference
from voice_desk.align.tiers import Interval
from voice_desk.analysis.phone_relevance import CSV_COLUMNS, phone_relevance, relevance_table, write_csv
from voice_desk.cli import main

SHIFT = 0.01
PHONES = [Interval(0.0, 0.10, ""), Interval(0.10, 0.20, "a"), Interval(0.20, 0.25, "s"), Interval(0.25, 0.40, "")]


def relevance_map(n_frames=40, hot=(10, 20), value=5.0):
    m = np.ones((n_frames, 8))
    m[hot[0]:hot[1]] = value
    return m


def test_mean_and_share_follow_the_relevant_frames():
    rows = phone_relevance(relevance_map(), SHIFT, PHONES)
    assert [r.phone for r in rows] == ["a", "s"]
    a, s = rows
    # frame i stands for the 10 ms around its centre (i*10 ms + 12.5 ms): "a" (100-200 ms) takes
    # 3/4 of frame 9 (1), frames 10..18 (5) and 1/4 of frame 19 (5); "s" the rest of frame 19,
    # frames 20..23 (1) and 1/4 of frame 24 (1)
    assert a.mean_relevance == pytest.approx((0.75 * 1 + 9 * 5 + 0.25 * 5) / 10)
    assert s.mean_relevance == pytest.approx((0.75 * 5 + 4 * 1 + 0.25 * 1) / 5)
    total = 10 * 5 + 30 * 1
    assert a.share == pytest.approx(47 / total) and s.share == pytest.approx(8 / total)
    assert a.duration == pytest.approx(0.1)
    covering = PHONES[:-1] + [Interval(0.25, 0.45, "")]  # through the last frame's centre (402.5 ms)
    with_silence = phone_relevance(relevance_map(), SHIFT, covering, include_silence=True)
    assert sum(r.share for r in with_silence) == pytest.approx(1.0)


def test_phone_shorter_than_a_frame_takes_the_nearest_frame():
    rows = phone_relevance(relevance_map(), SHIFT, [Interval(0.151, 0.152, "t")])
    assert rows[0].mean_relevance == pytest.approx(5.0)
    assert rows[0].share == pytest.approx(0.1 * 5 / 80)  # a tenth of frame 14's relevance, not all of it


@pytest.mark.parametrize("n_phones", [10_000, 100_000])
def test_shares_of_sub_frame_phones_sum_to_at_most_one(n_phones):
    """Phones far shorter than a frame (planted: 10⁴ and 10⁵ of them over 0.4 s) once summed
    to hundreds or thousands: each frame was counted whole for every phone inside it."""
    times = np.linspace(0.0, 0.4, n_phones + 1)
    phones = [Interval(float(a), float(b), "t") for a, b in zip(times[:-1], times[1:])]
    relevance = np.random.default_rng(0).random((40, 8))
    rows = phone_relevance(relevance, SHIFT, phones)
    assert len(rows) == n_phones
    assert 0.97 < sum(r.share for r in rows) <= 1.0 + 1e-9
    assert min(r.share for r in rows) >= 0.0


def test_overlapping_intervals_are_counted_once():
    phones = [Interval(0.10, 0.20, "a"), Interval(0.15, 0.25, "b"), Interval(0.0, 0.40, "c")]
    rows = phone_relevance(relevance_map(), SHIFT, phones)
    assert sum(r.share for r in rows) <= 1.0 + 1e-9


def test_phones_after_the_last_frame_get_no_made_up_relevance():
    """The window's chart calls phone_relevance directly: a phone past the model's window must not
    borrow the last frame's relevance."""
    phones = PHONES[:-1] + [Interval(0.25, 0.38, "t"), Interval(0.38, 0.41, "ə"), Interval(0.41, 0.60, "n")]
    rows = phone_relevance(relevance_map(n_frames=40), SHIFT, phones)  # frames cover 0..0.40 s
    assert [r.phone for r in rows] == ["a", "s", "t", "ə"]


def test_each_phone_is_named_with_its_word():
    words = [Interval(0.0, 0.10, ""), Interval(0.10, 0.20, "da"), Interval(0.20, 0.25, "s"), Interval(0.25, 0.40, "")]
    rows = phone_relevance(relevance_map(), SHIFT, PHONES, include_silence=True, words=words)
    assert [(r.word, r.phone) for r in rows] == [("", ""), ("da", "a"), ("s", "s"), ("", "")]
    assert [r.word for r in phone_relevance(relevance_map(), SHIFT, PHONES)] == ["", ""]  # no words tier


class FakeExplanation:
    def __init__(self, frames, n_frames=None):
        self.frame_relevance = frames
        self.n_frames = n_frames or frames.shape[0]
        self.frame_shift = SHIFT


def test_table_per_model_and_csv(tmp_path):
    later = PHONES[:-1] + [Interval(0.25, 0.30, "t"), Interval(0.30, 0.55, "n")]
    table, notes = relevance_table({"m1": FakeExplanation(relevance_map()),
                                    "m2": FakeExplanation(relevance_map(hot=(20, 25)))}, later)
    assert list(table) == ["m1", "m2"]
    assert [r.phone for r in table["m1"]] == ["a", "s", "t", "n"]
    assert table["m2"][1].share > table["m1"][1].share  # m2 looks at "s"
    short, notes = relevance_table({"m1": FakeExplanation(relevance_map(n_frames=30))}, later)
    assert [r.phone for r in short["m1"]] == ["a", "s", "t"] and "1 phones after 0.30 s" in notes[0]
    path = write_csv(table, tmp_path / "t.csv", file="take.wav", tiers="builtin (approximate)", tiers_confidence=0.87)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == CSV_COLUMNS
    assert [(r["model"], r["phone"]) for r in rows][:3] == [("m1", "a"), ("m1", "s"), ("m1", "t")]
    assert len(rows) == 8 and float(rows[0]["duration_s"]) == pytest.approx(0.1)
    assert {(r["file"], r["tiers"], r["tiers_confidence"]) for r in rows} == {("take.wav", "builtin (approximate)",
                                                                              "0.870")}


@pytest.fixture
def sentence_wav(tmp_path):
    path = tmp_path / "take.wav"
    sf.write(path, np.pad(load_reference().samples, (3200, 1600)), 16000)
    return path


def test_phones_command_compares_two_models_with_builtin_alignment(sentence_wav, tiny_bundle,
                                                                   tiny_bundle_finetuned, tmp_path, capsys):
    out = tmp_path / "phones.csv"
    code = main(["phones", str(sentence_wav), "--model", str(tiny_bundle), "--model", str(tiny_bundle_finetuned),
                 "--csv", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "tiers from the built-in aligner (approximate, confidence" in text
    assert "mean #2" in text and str(tiny_bundle_finetuned) in text
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    models = {r["model"] for r in rows}
    assert models == {str(tiny_bundle), str(tiny_bundle_finetuned)}
    first = [(r["word"], r["phone"]) for r in rows if r["model"] == str(tiny_bundle)]
    assert first[:4] == [("Guten", "ɡ"), ("Guten", "uː"), ("Guten", "t"), ("Guten", "ə")]
    assert ("Morgen", "ɔ") in first and ("Ihnen", "n") == first[-1]
    assert {r["file"] for r in rows} == {str(sentence_wav)} and {r["tiers"] for r in rows} == {"builtin (approximate)"}
    assert all(float(r["tiers_confidence"]) > 0.5 for r in rows)
    shares = [float(r["share"]) for r in rows if r["model"] == str(tiny_bundle)]
    assert 0.5 < sum(shares) <= 1.0 + 1e-6
    assert all(float(r["mean_relevance"]) > 0 for r in rows)


def test_phones_command_uses_the_textgrid_beside_the_audio(sentence_wav, tiny_bundle, capsys):
    duration = sf.info(sentence_wav).duration
    mfa_style_textgrid(sentence_wav.with_suffix(".TextGrid"), xmax=duration,
                       tiers=(("words", [(0.2, 0.7, "Guten")]), ("phones", [(0.2, 0.4, "ɡ"), (0.4, 0.7, "uː")])))
    assert main(["phones", str(sentence_wav), "--model", str(tiny_bundle)]) == 0
    text = capsys.readouterr().out
    assert f"tiers from {sentence_wav.with_suffix('.TextGrid').name}" in text
    assert [line.split()[:2] for line in text.splitlines()[2:4]] == [["Guten", "ɡ"], ["Guten", "uː"]]


def test_phones_command_reports_a_textgrid_that_does_not_fit(sentence_wav, tiny_bundle, tmp_path, capsys):
    grid = mfa_style_textgrid(tmp_path / "other.TextGrid", xmax=9.0)
    assert main(["phones", str(sentence_wav), "--model", str(tiny_bundle), "--textgrid", str(grid)]) == 2
    assert "belongs to another recording" in capsys.readouterr().err


def test_phones_beyond_the_model_window_are_left_out_with_a_note(tmp_path, tiny_bundle, capsys):
    path = tmp_path / "late.wav"  # speech from 1.2 s: the tiny model sees only 2.56 s
    sf.write(path, np.pad(load_reference().samples, (int(1.2 * 16000), 1600)), 16000)
    assert main(["phones", str(path), "--model", str(tiny_bundle)]) == 0
    text = capsys.readouterr().out
    assert "lie beyond the model's window" in text
    rows = [line for line in text.splitlines()[1:] if line[:1] not in ("p", "w", "#")]
    assert 0 < len(rows) < 22 and all(float(r.split()[2]) < 2.56 for r in rows)


def test_csv_never_replaces_the_recording_or_a_missing_folder(sentence_wav, tmp_path, capsys):
    before = sentence_wav.read_bytes()
    assert main(["phones", str(sentence_wav), "--csv", str(sentence_wav)]) == 2
    assert "--csv would replace a recording" in capsys.readouterr().err and sentence_wav.read_bytes() == before
    assert main(["phones", str(sentence_wav), "--csv", str(tmp_path / "no" / "t.csv")]) == 2
    assert "folder for --csv does not exist" in capsys.readouterr().err


def test_a_doubtful_alignment_stays_marked_in_the_phones_table(tmp_path, tiny_bundle, capsys):
    """align writes a low-confidence TextGrid; phones picks it up and still says it is doubtful."""
    from conftest import speech_like

    path = tmp_path / "buzz.wav"
    sf.write(path, np.pad(speech_like(2.0), 4800), 16000)
    assert main(["align", str(path)]) == 0
    capsys.readouterr()
    out = tmp_path / "buzz.csv"
    assert main(["phones", str(path), "--model", str(tiny_bundle), "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"tiers from {path.with_suffix('.TextGrid').name} (approximate, confidence 0.0" in text
    assert "warning: This recording does not match" in text
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(float(r["tiers_confidence"]) < 0.5 and r["tiers"].endswith("(approximate)") for r in rows)
