"""The command line end to end, through real subprocesses."""

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from conftest import speech_like


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
