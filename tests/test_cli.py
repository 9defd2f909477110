"""The command line end to end, through real subprocesses."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from conftest import speech_like, tone


def voice_desk(*args, check=False):
    return subprocess.run([sys.executable, "-m", "voice_desk", *map(str, args)], capture_output=True, text=True,
                          check=check, timeout=300)


def test_help_imports_neither_torch_nor_qt():
    code = ("import sys, voice_desk.cli as c; c.build_parser().format_help(); "
            "print(sorted(m for m in ('torch', 'transformers', 'PySide6', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    result = voice_desk("--help")
    assert result.returncode == 0
    for command in ("explain", "predict", "info"):
        assert command in result.stdout


def test_explain_writes_npz_and_png(tmp_path, tiny_bundle, speech_wav):
    out, png = tmp_path / "r.npz", tmp_path / "r.png"
    result = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", out, "--png", png)
    assert result.returncode == 0, result.stderr
    assert "P(pathological)" in result.stdout
    with np.load(out) as z:
        assert z["frame_relevance"].shape == (int(z["n_frames"]), 128)
        assert json.loads(str(z["settings"]))["head_fusion"] == "mean"
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_explain_json_with_options(tmp_path, tiny_bundle, speech_wav):
    result = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", tmp_path / "r.npz", "--json",
                        "--head-fusion", "max", "--discard-ratio", "0.2")
    record = json.loads(result.stdout)
    assert record["settings"]["head_fusion"] == "max" and record["settings"]["discard_ratio"] == 0.2
    assert 0 <= record["pathology_probability"] <= 1


def test_predict_many_files_errors_do_not_stop_the_batch(tmp_path, tiny_bundle, speech_wav):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVEjunk")
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16_000, dtype=np.float32), 16_000)
    other = tmp_path / "other.flac"
    sf.write(other, speech_like(1.0, seed=3), 16_000)
    result = voice_desk("predict", speech_wav, broken, silent, other, "--model", tiny_bundle, "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1  # some files failed
    errors = {r["file"]: r["error"] for r in records if "error" in r}
    assert set(errors) == {str(broken), str(silent)}
    assert "silent" in errors[str(silent)]
    verdicts = [r for r in records if "error" not in r]
    assert {r["file"] for r in verdicts} == {str(speech_wav), str(other)}
    assert all(r["gives_verdict"] and r["label"] in ("healthy", "pathological") for r in verdicts)
    assert "Traceback" not in result.stderr


def test_audioset_model_prints_no_verdict(tiny_audioset_model, speech_wav):
    result = voice_desk("predict", speech_wav, "--model", tiny_audioset_model)
    assert result.returncode == 0
    assert "no verdict" in result.stdout and "P(pathological)" not in result.stdout


@pytest.mark.parametrize("model,message", [("/no/such/folder", "does not exist"),
                                           ("someone/uncached-model", "could not be downloaded")])
def test_missing_model_is_a_clear_message(tmp_path, speech_wav, model, message):
    result = voice_desk("explain", speech_wav, "--model", model, "--out", tmp_path / "r.npz")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_bad_audio_is_reported_before_loading_the_model(tmp_path, tiny_bundle):
    short = tmp_path / "short.wav"
    sf.write(short, speech_like(0.1), 16_000)
    result = voice_desk("explain", short, "--model", tiny_bundle, "--out", tmp_path / "r.npz")
    assert result.returncode == 2 and "at least 0.5 s" in result.stderr
    assert not (tmp_path / "r.npz").exists()


def test_info_describes_a_bundle(tiny_bundle):
    result = voice_desk("info", "--model", tiny_bundle)
    assert result.returncode == 0
    assert "gives a verdict: yes" in result.stdout and "ast_freeze" in result.stdout


def test_explain_npz_keys_match_the_readme(tmp_path, tiny_bundle, speech_wav):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Explain results (`.npz`)")[1].split("\n#")[0]
    documented = set()
    for row in re.findall(r"^\| (`[^|]+`) \|", section, flags=re.M):
        documented.update(re.findall(r"`([^`]+)`", row))
    out = tmp_path / "r.npz"
    assert voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", out).returncode == 0
    with np.load(out) as z:
        assert set(z.files) == documented


def test_explain_creates_the_output_folder_and_checks_names_first(tmp_path, tiny_bundle, speech_wav):
    out = tmp_path / "results" / "patient 1" / "r.npz"
    result = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", out, "--png", out.with_suffix(""))
    assert result.returncode == 0, result.stderr
    assert out.is_file() and out.with_suffix(".png").is_file()
    for args, message in [(("--out", tmp_path / "x.npz", "--png", tmp_path / "x.wav"), "must end in .png"),
                          (("--out", speech_wav), "must end in .npz"),
                          (("--out", tmp_path), "this is a folder")]:
        result = voice_desk("explain", speech_wav, "--model", "/no/such/model", *args)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.npz").exists()


def test_predict_reports_in_input_order_with_bounded_batches(tmp_path, tiny_bundle, speech_wav):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"not audio at all")
    files = [speech_wav, broken, speech_wav, speech_wav, broken, speech_wav]
    result = voice_desk("predict", *files, "--model", tiny_bundle, "--json", "--batch-size", "2")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in records] == [str(f) for f in files]
    assert ["error" in r for r in records] == [False, True, False, False, True, False]
    assert records[1]["error_type"] == "UnsupportedAudioError"
    assert result.returncode == 1


def test_predict_checks_a_model_folder_before_reading_files(tmp_path, speech_wav):
    result = voice_desk("predict", speech_wav, "--model", tmp_path / "missing-model")
    assert result.returncode == 2 and "does not exist" in result.stderr and result.stdout == ""


def test_bad_audio_through_the_cli(tmp_path, tiny_bundle):
    sf.write(tmp_path / "low.wav", tone(1.0, rate=4_000), 4_000)
    voice = speech_like(1.0)
    sf.write(tmp_path / "inverted.wav", np.stack([voice, -voice], axis=1), 16_000)
    sf.write(tmp_path / "phone.wav", speech_like(1.0, rate=8_000), 8_000)
    result = voice_desk("predict", *(tmp_path / n for n in ("low.wav", "inverted.wav", "phone.wav")),
                        "--model", tiny_bundle)
    lines = result.stdout.splitlines()
    assert "low.wav: error" in lines[0] and "at least 8000 Hz" in lines[0]
    assert "inverted.wav: error" in lines[1] and "cancel each other out" in lines[1]
    assert "phone.wav: " in lines[2] and "P(pathological)" in lines[2] and "8000 Hz" in lines[3]
    assert "Traceback" not in result.stderr


def test_untrained_head_prints_no_probability(tmp_path, speech_wav):
    from conftest import save_tiny_bundle

    folder = save_tiny_bundle(tmp_path / "untrained", head_trained=False)
    result = voice_desk("predict", speech_wav, "--model", folder)
    assert result.returncode == 0 and "no verdict" in result.stdout and "never trained" in result.stdout
    assert not re.search(r"\d\.\d\d", result.stdout)


def test_device_override(tiny_bundle, speech_wav, monkeypatch):
    import torch

    if torch.backends.mps.is_available():
        pytest.skip("this machine has Apple MPS")
    monkeypatch.setenv("VOICE_DESK_DEVICE", "mps")
    result = voice_desk("predict", speech_wav, "--model", tiny_bundle)
    assert result.returncode == 2 and "'mps' was asked for" in result.stderr
    result = voice_desk("predict", speech_wav, "--model", tiny_bundle, "--device", "cpu")
    assert result.returncode == 0 and "P(pathological)" in result.stdout


def test_unexpected_errors_are_a_message_not_a_traceback(monkeypatch, capsys):
    import voice_desk.commands.info as info
    from voice_desk.cli import main

    def broken(args):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(info, "run", broken)
    assert main(["info"]) == 3
    err = capsys.readouterr().err
    assert "unexpected error (RuntimeError: something inside broke)" in err and "Traceback" not in err
    assert main(["--verbose", "info"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_info_lists_the_models_folder(tiny_bundle):
    import os
    import shutil
    from pathlib import Path

    models = Path(os.environ["VOICE_DESK_HOME"]) / "models"
    shutil.copytree(tiny_bundle, models / "listed-bundle", dirs_exist_ok=True)
    result = voice_desk("info")
    assert result.returncode == 0 and "listed-bundle: ast_freeze" in result.stdout
