"""`voice-desk measures`: batch-friendly reports, JSON and CSV; and the import rules it keeps."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from measures_voices import sentence, voice
from voice_desk.cli import main

RATE = 22_050


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("measures")
    paths = {"sentence": folder / "sentence.wav", "vowel": folder / "a.wav", "silent": folder / "silent.wav",
             "broken": folder / "broken.wav"}
    sf.write(paths["sentence"], sentence(RATE, seed=4), RATE)
    sf.write(paths["vowel"], voice(3.2, RATE, jitter=0.004, shimmer=0.03, hnr_db=25).samples, RATE)
    sf.write(paths["silent"], np.zeros(RATE, np.float32), RATE)
    paths["broken"].write_bytes(b"RIFF0000WAVEjunk")
    return paths


def test_each_file_is_reported_and_a_bad_one_does_not_stop_the_others(files, capsys):
    code = main(["measures", str(files["broken"]), str(files["silent"]), str(files["sentence"]), "--json"])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1 and [r["file"] for r in records] == [str(files[k]) for k in ("broken", "silent", "sentence")]
    assert records[0]["error_type"] == "UnsupportedAudioError"
    assert all(m["value"] is None and "silent" in m["why_not"] for m in records[1]["measures"])
    values = {m["key"]: m for m in records[2]["measures"]}
    assert values["f0_mean"]["value"] > 100 and values["cpps"]["normal"]["low"] == 9.33


def test_vowel_gives_avqi_and_csv_rows(files, tmp_path, capsys):
    out = tmp_path / "m.csv"
    code = main(["measures", str(files["sentence"]), "--vowel", str(files["vowel"]), "--sex", "m", "--csv", str(out)])
    text = capsys.readouterr().out
    assert code == 0 and "AVQI v03.01" in text and "pitch range 75–300 Hz" in text and "DSI" in text
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    avqi = [r for r in rows if r["measure"] == "avqi"]
    assert len(avqi) == 1 and float(avqi[0]["value"]) < 2.43 and "2.43" in avqi[0]["normal_range"]
    assert {r["task"] for r in rows} == {"sentence", "vowel_a", "session"}
    jitter = [r for r in rows if r["measure"] == "jitter_local" and r["task"] == "vowel_a"][0]
    assert jitter["normal_range"] == "below 1.04 %" and "Praat manual" in jitter["source"]


def test_help_lists_measures_and_importing_stays_light():
    from voice_desk.cli import build_parser

    assert "measures" in build_parser().format_help()
    code = ("import sys, voice_desk.commands.measures, voice_desk.session.measures, voice_desk.measures.take; "
            "print(sorted(m for m in ('torch', 'transformers', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
