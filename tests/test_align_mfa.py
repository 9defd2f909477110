"""The MFA backend, through small fake ``mfa`` programs run as real subprocesses."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voice_desk.align import mfa
from voice_desk.align.aligner import align
from voice_desk.align.reference import SENTENCE, load_reference
from voice_desk.align.textgrid import TextGridError
from voice_desk.audio.load import load_recording
from voice_desk.errors import VoiceDeskError

FAKE_OK = '''
import json, sys, soundfile as sf
from pathlib import Path
args = sys.argv[1:]
Path(__file__).with_name("calls.json").write_text(json.dumps({"argv": args,
    "transcript": Path(args[2]).read_text(encoding="utf-8")}))
duration = sf.info(args[1]).duration + DURATION_SHIFT
phones = [(0.2, 0.3, "ɡ"), (0.3, 0.5, "uː"), (0.5, 0.6, "tʰ"), (0.6, 0.7, "n̩")]
def tier(name, entries):
    rows, t = [], 0.0
    for s, e, l in entries:
        if s > t: rows.append((t, s, ""))
        rows.append((s, e, l)); t = e
    rows.append((t, duration, ""))
    out = [f'    item []:', f'        class = "IntervalTier"', f'        name = "{name}"', '        xmin = 0',
           f'        xmax = {duration}', f'        intervals: size = {len(rows)}']
    for i, (s, e, l) in enumerate(rows, 1):
        out += [f'        intervals [{i}]:', f'            xmin = {s}', f'            xmax = {e}',
                f'            text = "{l}"']
    return out
lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', '', 'xmin = 0', f'xmax = {duration}',
         'tiers? <exists>', 'size = 2', 'item []:'] + tier("words", [(0.2, 0.7, "Guten")]) + tier("phones", phones)
Path(args[5]).write_text("\\n".join(lines) + "\\n", encoding="utf-8")
print("Done! Everything took 3.2 seconds")
'''
FAKE_NO_MODEL = '''
import sys
print("PretrainedModelNotFoundError: Could not find a model named \\"german_mfa\\" for acoustic.", file=sys.stderr)
sys.exit(1)
'''
FAKE_FAILS = '''
import sys
print("Starting alignment", file=sys.stderr)
print("KaldiProcessingError: There was an error in the run for feature generation", file=sys.stderr)
sys.exit(3)
'''
FAKE_HANGS = '''
import time
time.sleep(120)
'''
FAKE_NO_OUTPUT = '''
print("WARNING: 6 OOV words")
'''


def install_fake(folder: Path, body: str, shift: float = 0.0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / "mfa"
    program.write_text(f"#!{sys.executable}\n" + body.replace("DURATION_SHIFT", repr(shift)), encoding="utf-8")
    program.chmod(0o755)
    return program


@pytest.fixture
def sentence_wav(tmp_path):
    path = tmp_path / "patient 1.wav"
    sf.write(path, np.pad(load_reference().samples, 4000), 16_000)
    return path


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No real MFA anywhere: empty PATH apart from the fakes, no setting, a bare home folder."""
    monkeypatch.delenv(mfa.ENV_VAR, raising=False)
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return monkeypatch


def on_path(monkeypatch, folder):
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_mfa_on_path_is_run_with_german_mfa_and_its_textgrid_read(clean_env, tmp_path, sentence_wav):
    fake = install_fake(tmp_path / "bin", FAKE_OK)
    on_path(clean_env, fake.parent)
    recording = load_recording(sentence_wav)
    before = sentence_wav.read_bytes()
    alignment = align(recording, backend="mfa")
    call = json.loads((fake.parent / "calls.json").read_text())
    argv = call["argv"]
    assert argv[0] == "align_one" and argv[3:5] == ["german_mfa", "german_mfa"]
    assert argv[1].endswith(".wav") and argv[5].endswith(".TextGrid")
    assert call["transcript"].strip() == SENTENCE
    assert not Path(argv[1]).exists()  # temporary copy cleaned up
    assert sentence_wav.read_bytes() == before
    assert [p.label for p in alignment.spoken_phones()] == ["ɡ", "uː", "tʰ", "n̩"]
    assert alignment.source == "mfa" and not alignment.approximate
    assert alignment.duration == pytest.approx(recording.duration)


def test_setting_may_name_a_conda_environment(clean_env, tmp_path, sentence_wav):
    env = tmp_path / "conda" / "envs" / "aligner"
    install_fake(env / "bin", FAKE_OK)
    clean_env.setenv(mfa.ENV_VAR, str(env))
    assert mfa.find_mfa() == env / "bin" / "mfa"
    assert align(load_recording(sentence_wav), backend="mfa").spoken_phones()


def test_conda_installs_in_home_are_searched(clean_env, tmp_path):
    program = install_fake(tmp_path / "home" / "miniforge3" / "envs" / "aligner" / "bin", FAKE_OK)
    assert mfa.find_mfa() == program


def test_missing_mfa_says_how_to_install(clean_env):
    with pytest.raises(mfa.MfaNotFoundError) as info:
        mfa.find_mfa()
    text = str(info.value)
    assert "mfa model download acoustic german_mfa" in text and mfa.ENV_VAR in text and "conda" in text


def test_setting_pointing_nowhere_is_reported(clean_env, tmp_path):
    with pytest.raises(mfa.MfaNotFoundError, match="no program there"):
        mfa.find_mfa(tmp_path / "nothing" / "mfa")
    (tmp_path / "env").mkdir()
    with pytest.raises(mfa.MfaNotFoundError, match="has no mfa program"):
        mfa.find_mfa(tmp_path / "env")


def test_missing_model_reaches_the_user_with_download_commands(clean_env, tmp_path, sentence_wav):
    on_path(clean_env, install_fake(tmp_path / "bin", FAKE_NO_MODEL).parent)
    with pytest.raises(mfa.MfaModelMissingError) as info:
        align(load_recording(sentence_wav), backend="mfa")
    text = str(info.value)
    assert "mfa model download acoustic german_mfa" in text and "mfa model download dictionary german_mfa" in text


def test_mfa_failure_shows_its_message(clean_env, tmp_path, sentence_wav):
    on_path(clean_env, install_fake(tmp_path / "bin", FAKE_FAILS).parent)
    with pytest.raises(mfa.MfaError, match="exit status 3.*KaldiProcessingError"):
        align(load_recording(sentence_wav), backend="mfa")


def test_mfa_without_output_is_an_error(clean_env, tmp_path, sentence_wav):
    on_path(clean_env, install_fake(tmp_path / "bin", FAKE_NO_OUTPUT).parent)
    with pytest.raises(mfa.MfaError, match="wrote no TextGrid.*OOV"):
        align(load_recording(sentence_wav), backend="mfa")


def test_hanging_mfa_is_stopped_at_the_timeout(clean_env, tmp_path, sentence_wav):
    on_path(clean_env, install_fake(tmp_path / "bin", FAKE_HANGS).parent)
    with pytest.raises(mfa.MfaTimeoutError, match="within 1 s"):
        align(load_recording(sentence_wav), backend="mfa", timeout=1)


@pytest.mark.parametrize("timeout", [0, -5])
def test_timeout_must_be_positive(clean_env, tmp_path, sentence_wav, timeout):
    fake = install_fake(tmp_path / "bin", FAKE_OK)
    on_path(clean_env, fake.parent)
    with pytest.raises(VoiceDeskError, match="positive number of seconds"):
        align(load_recording(sentence_wav), backend="mfa", timeout=timeout)
    assert not (fake.parent / "calls.json").exists()  # MFA was not started


def test_textgrid_for_another_duration_is_refused(clean_env, tmp_path, sentence_wav):
    on_path(clean_env, install_fake(tmp_path / "bin", FAKE_OK, shift=1.0).parent)
    with pytest.raises(mfa.MfaError) as info:
        align(load_recording(sentence_wav), backend="mfa")
    assert isinstance(info.value.__cause__, TextGridError)
    message = str(info.value)
    assert message.startswith(f"{sentence_wav}: MFA wrote a TextGrid") and "lasts" in message
    assert "voice-desk-mfa-" not in message  # not MFA's temporary copy


def test_a_running_mfa_is_stopped_when_cancelled(clean_env, tmp_path, sentence_wav):
    on_path(clean_env, install_fake(tmp_path / "bin", FAKE_HANGS).parent)
    polls = []

    def cancelled():
        polls.append(1)
        return len(polls) >= 2

    with pytest.raises(mfa.MfaCancelledError, match="cancelled"):
        align(load_recording(sentence_wav), backend="mfa", timeout=60, cancelled=cancelled)
    assert len(polls) == 2
