"""The command line and the window give the same answer, in the same words, for what they do
with one recording: where its tiers came from (a good TextGrid, a damaged one beside the audio,
none, audio that is not the sentence) and the study's agreement case."""

from __future__ import annotations

import html

import numpy as np
import pytest
import soundfile as sf
from conftest import speech_like
from ui_support import PHONES, WAIT_MS, WORDS, fresh_home, make_window, open_and_wait, wait_idle  # noqa: F401 (fixtures)

from voice_desk.align.reference import load_reference
from voice_desk.align.textgrid import write_textgrid
from voice_desk.align.tiers import Alignment, Interval
from voice_desk.cli import main

pytest.importorskip("pytestqt")


def _sentence(path):
    sf.write(path, np.pad(load_reference().samples, (3200, 1600)), 16000)
    return path


def _good_textgrid(wav):
    write_textgrid(Alignment([Interval(a, b, l) for l, a, b in WORDS], [Interval(a, b, l) for l, a, b in PHONES],
                             2.0), wav.with_suffix(".TextGrid"))


def _damaged_textgrid(wav):
    write_textgrid(Alignment([Interval(0, 9, "x")], [Interval(0, 9, "a")], 9.0), wav.with_suffix(".TextGrid"))


def _case(tmp_path, kind):
    folder = tmp_path / kind
    folder.mkdir()
    if kind == "good TextGrid":
        wav = folder / "take.wav"
        sf.write(wav, speech_like(2.0), 16000)
        _good_textgrid(wav)
    elif kind == "damaged TextGrid":
        wav = _sentence(folder / "take.wav")
        _damaged_textgrid(wav)
    elif kind == "no TextGrid":
        wav = _sentence(folder / "take.wav")
    else:   # not the sentence: a buzz in syllable-sized bursts
        wav = folder / "buzz.wav"
        sf.write(wav, np.pad(speech_like(2.0), 4800), 16000)
    return wav


@pytest.mark.parametrize("kind", ["good TextGrid", "damaged TextGrid", "no TextGrid", "not the sentence"])
def test_cli_and_window_say_the_same_about_the_tiers(kind, tmp_path, qtbot, make_window, tiny_bundle, capsys):
    wav = _case(tmp_path, kind)
    assert main(["assess", str(wav), "--model", str(tiny_bundle)]) == 0
    lines = capsys.readouterr().out.splitlines()
    cli_summary = lines[0]
    cli_warnings = [line.removeprefix("warning: ") for line in lines if line.startswith("warning: ")]

    window = make_window()
    open_and_wait(qtbot, window, wav)
    wait_idle(qtbot, window)
    tiers = window.session.tiers
    assert tiers.summary() == cli_summary
    assert html.escape(cli_summary) in window.opening.info_bar.text()         # the words the user reads
    assert [*window.session.recording.warnings, *tiers.all_warnings()] == cli_warnings
    for warning in cli_warnings:
        assert html.escape(warning) in window.opening.info_bar.text()
    expected = {"good TextGrid": "tiers from take.TextGrid",
                "damaged TextGrid": "TextGrid not usable (see below); tiers from the built-in aligner (approximate",
                "no TextGrid": "tiers from the built-in aligner (approximate, confidence",
                "not the sentence": "tiers from the built-in aligner (approximate, confidence"}[kind]
    assert cli_summary.startswith(expected)
    if kind == "damaged TextGrid":
        assert "belongs to another recording" in cli_warnings[0]               # why it was set aside
        assert "another recording" in window.last_message
    if kind == "not the sentence":
        assert any("does not match" in w for w in cli_warnings)


def test_a_named_textgrid_that_does_not_fit_stops_both(tmp_path, qtbot, make_window, tiny_bundle, capsys):
    wav = _sentence(tmp_path / "take.wav")
    grid = tmp_path / "other.TextGrid"
    write_textgrid(Alignment([Interval(0, 9, "x")], [Interval(0, 9, "a")], 9.0), grid)
    assert main(["assess", str(wav), "--model", str(tiny_bundle), "--textgrid", str(grid)]) == 2
    error = capsys.readouterr().err
    window = make_window()
    window.opening.open_file(str(wav), textgrid=str(grid))
    qtbot.waitUntil(lambda: bool(window.last_message), timeout=WAIT_MS)
    assert window.session.recording is None                                    # nothing was guessed
    assert "belongs to another recording" in error and "belongs to another recording" in window.last_message


def test_cli_and_window_give_the_same_verdicts_and_agreement_case(tmp_path, qtbot, make_window, tiny_bundle,
                                                                  tiny_bundle_finetuned, capsys):
    wav = _sentence(tmp_path / "take.wav")
    out = tmp_path / "cli.json"
    assert main(["assess", str(wav), "--model", str(tiny_bundle_finetuned), "--model", str(tiny_bundle),
                 "--true-label", "pathological", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    window = make_window(extra_models=[str(tiny_bundle), str(tiny_bundle_finetuned)])
    window.models.panel.auto_run.setChecked(True)
    open_and_wait(qtbot, window, wav)
    qtbot.waitUntil(lambda: len(window.session.explanations) == 2 and not window.is_busy(), timeout=WAIT_MS)
    window.models.panel.true_label.setCurrentText("pathological")
    case = window.session.assessment.agreement_case()
    assert case in "OXAB" and f"Agreement case {case}: " in text
    assert f"Agreement case {case}" in window.models.panel.results_text()
    exported, _ = window.export.export_results(str(tmp_path / "window.json"))
    import json

    cli, gui = json.loads(out.read_text()), json.loads(exported.read_text())
    assert cli["agreement_case"] == gui["agreement_case"] == case and cli["tiers"] == gui["tiers"]
    assert [(m["name"], m["label"], round(m["pathology_probability"], 5)) for m in cli["models"]] == \
        [(m["name"], m["label"], round(m["pathology_probability"], 5)) for m in gui["models"]]
    assert [m["name"] for m in cli["models"]][0].startswith("ast_freeze")     # the window's model order
