"""`voice-desk align`: one TextGrid per file, errors per file, sources never touched."""

from __future__ import annotations

import sys

import numpy as np
import soundfile as sf

from test_align_mfa import FAKE_OK, install_fake
from voice_desk.align.reference import load_reference
from voice_desk.align.textgrid import read_textgrid
from voice_desk.cli import main


def write_sentence(path, lead=0.3):
    samples = np.pad(load_reference().samples, (int(lead * 16000), 4000))
    sf.write(path, samples, 16000)
    return path


def test_align_writes_a_textgrid_per_file_and_goes_on_after_errors(tmp_path, capsys):
    a = write_sentence(tmp_path / "a.wav")
    b = write_sentence(tmp_path / "b.flac", lead=0.8)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really")
    before = {p: p.read_bytes() for p in (a, b, broken)}
    out = tmp_path / "grids"
    code = main(["align", str(a), str(broken), str(b), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert "broken.wav" in captured.err and "1 of 3 files could not be aligned" in captured.err
    assert "confidence" in captured.out and "approximate" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["a.TextGrid", "b.TextGrid"]
    grid = read_textgrid(out / "b.TextGrid", audio_duration=sf.info(b).duration)
    assert [w.label for w in grid.spoken_words()] == ["Guten", "Morgen", "wie", "geht", "es", "Ihnen"]
    assert abs(grid.spoken_phones()[0].start - (0.8 + load_reference().phones[1].start)) < 0.015
    assert {p: p.read_bytes() for p in (a, b, broken)} == before


def test_existing_textgrid_is_kept_unless_overwrite(tmp_path, capsys):
    a = write_sentence(tmp_path / "a.wav")
    mine = tmp_path / "a.TextGrid"
    mine.write_text("hand-corrected", encoding="utf-8")
    assert main(["align", str(a)]) == 1
    assert "already exists" in capsys.readouterr().err and mine.read_text(encoding="utf-8") == "hand-corrected"
    assert main(["align", str(a), "--overwrite"]) == 0
    assert read_textgrid(mine).spoken_phones()


def test_same_names_in_one_out_folder_do_not_overwrite_each_other(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    first = write_sentence(tmp_path / "x" / "take.wav")
    second = write_sentence(tmp_path / "y" / "take.wav")
    assert main(["align", str(first), str(second), "--out", str(tmp_path / "out"), "--overwrite"]) == 1
    assert "already wrote" in capsys.readouterr().err


def test_align_with_mfa_backend_runs_the_program(tmp_path, capsys, monkeypatch):
    fake = install_fake(tmp_path / "bin", FAKE_OK)
    a = write_sentence(tmp_path / "a.wav")
    assert main(["align", str(a), "--backend", "mfa", "--mfa", str(fake)]) == 0
    assert "(4 phones, mfa)" in capsys.readouterr().out
    assert [p.label for p in read_textgrid(tmp_path / "a.TextGrid").spoken_phones()] == ["ɡ", "uː", "tʰ", "n̩"]


def test_cli_module_imports_nothing_heavy():
    import subprocess

    code = ("import sys, voice_desk.cli as c; c.build_parser(); "
            "heavy = [m for m in ('torch', 'scipy', 'transformers', 'praatio', 'PySide6') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_audio_without_the_sentence_gets_no_textgrid(tmp_path, capsys):
    from conftest import tone

    path = tmp_path / "tone.wav"
    sf.write(path, tone(2.0), 16000)
    assert main(["align", str(path)]) == 1
    assert "No speech was found" in capsys.readouterr().err
    assert not (tmp_path / "tone.TextGrid").exists()


def test_doubtful_alignments_are_written_marked_and_listed(tmp_path, capsys):
    from conftest import speech_like

    good = write_sentence(tmp_path / "good.wav")
    buzz = tmp_path / "buzz.wav"
    sf.write(buzz, np.pad(speech_like(2.0), 4800), 16000)
    assert main(["align", str(good), str(buzz)]) == 0
    captured = capsys.readouterr()
    assert "1 of 2 TextGrids have a low confidence and are probably wrong (buzz.wav)" in captured.err
    back = read_textgrid(tmp_path / "buzz.TextGrid", audio_duration=sf.info(buzz).duration)
    assert back.approximate and back.confidence < 0.5 and "does not match" in back.warnings[0]
    sure = read_textgrid(tmp_path / "good.TextGrid")
    assert sure.approximate and sure.confidence > 0.9 and not sure.warnings


def test_mfa_missing_is_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    from voice_desk.align import mfa

    monkeypatch.delenv(mfa.ENV_VAR, raising=False)
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    a = write_sentence(tmp_path / "a.wav")
    assert main(["align", str(a), "--backend", "mfa"]) == 1
    err = capsys.readouterr().err
    assert "was not found" in err and "mfa model download acoustic german_mfa" in err and "Traceback" not in err
    assert not (tmp_path / "a.TextGrid").exists()


def test_phones_passes_transcript_and_timeout_to_mfa(tmp_path, capsys, tiny_bundle):
    import json

    from test_align_mfa import FAKE_HANGS

    fake = install_fake(tmp_path / "bin", FAKE_OK)
    a = write_sentence(tmp_path / "a.wav")
    assert main(["phones", str(a), "--model", str(tiny_bundle), "--backend", "mfa", "--mfa", str(fake),
                 "--transcript", "Guten Morgen"]) == 0
    assert json.loads((fake.parent / "calls.json").read_text())["transcript"].strip() == "Guten Morgen"
    assert "tiers from MFA (german_mfa)" in capsys.readouterr().out
    slow = install_fake(tmp_path / "slow", FAKE_HANGS)
    assert main(["phones", str(a), "--model", str(tiny_bundle), "--backend", "mfa", "--mfa", str(slow),
                 "--timeout", "1"]) == 2
    assert "did not finish within 1 s" in capsys.readouterr().err


def test_a_folder_that_cannot_be_written_is_a_message(tmp_path, capsys):
    a = write_sentence(tmp_path / "a.wav")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert main(["align", str(a), "--out", str(blocker / "sub")]) == 2
    assert "--out folder could not be created" in capsys.readouterr().err
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "a.TextGrid").mkdir()  # a folder where the TextGrid should go
    assert main(["align", str(a), "--out", str(tmp_path / "ro"), "--overwrite"]) == 1
    err = capsys.readouterr().err
    assert "a.TextGrid could not be written" in err and "Traceback" not in err
