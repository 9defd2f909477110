"""Hardening (issue 11, data side): only regular files are opened, whatever derives from a
patient is the user's alone, one training run per output folder, the same message everywhere."""

from __future__ import annotations

import logging
import os
import stat

import numpy as np
import pytest
import soundfile as sf

from conftest import speech_like
from test_audio_load import fails_after
from voice_desk.errors import VoiceDeskError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def lax_umask():
    """The umask many systems ship (files 0644, folders 0755): privacy must not depend on it."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "home" / "voice-desk"
    monkeypatch.setenv("VOICE_DESK_HOME", str(path))
    return path


# --- only regular files ---------------------------------------------------------------------

def test_a_link_loop_gets_the_same_message_from_predict_and_explain(tmp_path, capsys):
    from voice_desk.cli import main

    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    assert main(["predict", "-m", "nobody/no-model", str(loop)]) == 1
    predicted = capsys.readouterr().out
    assert main(["explain", "-m", "nobody/no-model", str(loop), "--out", str(tmp_path / "x.npz")]) == 2
    explained = capsys.readouterr().err
    for text in (predicted, explained):
        assert "loop of symbolic links" in text and "does not exist" not in text and "bug" not in text


def test_pipes_given_as_manifests_splits_recipes_and_clips_are_named(tmp_path):
    from voice_desk.data.manifest import ManifestError, load_manifest
    from voice_desk.data.split import Split, SplitError
    from voice_desk.train.recipe import RecipeError, load_recipe

    for name in ("list.csv", "split.csv", "recipe.toml", "clip.wav"):
        os.mkfifo(tmp_path / name)
    with fails_after(5):
        with pytest.raises(ManifestError, match="named pipe"):
            load_manifest(tmp_path / "list.csv")
        with pytest.raises(SplitError, match="named pipe"):
            Split.load(tmp_path / "split.csv")
        with pytest.raises(RecipeError, match="named pipe"):
            load_recipe(tmp_path / "recipe.toml")
        sf.write(tmp_path / "a.wav", speech_like(1.0), 16_000)
        (tmp_path / "m.csv").write_text("path,label,speaker,gender\na.wav,healthy,s1,f\nclip.wav,healthy,s2,m\n",
                                        encoding="utf-8")
        corpus = load_manifest(tmp_path / "m.csv")
    assert len(corpus.clips) == 1
    assert [e.reason for e in corpus.excluded] == [
        "this is a named pipe (FIFO), not an audio file. Voice Desk reads only regular files: it would wait for "
        "data from it without end"]


def test_a_pipe_is_never_hashed_or_read_for_tags(tmp_path):
    from voice_desk.audio.load import recording_from_array
    from voice_desk.audio.metadata import tags
    from voice_desk.train.clip_inputs import file_sha256

    fifo = tmp_path / "clip.wav"
    os.mkfifo(fifo)
    recording = recording_from_array(speech_like(1.0), 16_000)
    recording.path = fifo
    with fails_after(5):
        assert tags(fifo) == {}
        assert len(recording.sha256()) == 64            # of the samples
        with pytest.raises(VoiceDeskError, match="named pipe"):
            file_sha256(fifo)


def test_the_window_names_a_pipe_and_opens_the_next_file(qtbot, tmp_path, monkeypatch):
    """A pipe blocked the window's opening thread for good: no later file opened."""
    from ui_support import WAIT_MS, make_window, open_and_wait  # noqa: F401

    from voice_desk.ui.app import application
    from voice_desk.ui.main_window import MainWindow

    monkeypatch.setenv("VOICE_DESK_HOME", str(tmp_path / "home"))
    application()
    window = MainWindow()
    qtbot.addWidget(window)
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    window.opening.open_file(str(fifo))
    qtbot.waitUntil(lambda: "named pipe" in window.last_message, timeout=10_000)
    clip = tmp_path / "clip.wav"
    sf.write(clip, speech_like(2.0), 16_000)
    open_and_wait(qtbot, window, clip)


# --- private data ---------------------------------------------------------------------------

def test_the_data_folder_and_its_folders_are_private_and_fixed_when_they_were_not(home, lax_umask):
    from voice_desk import paths

    for folder in (paths.takes_dir(), paths.logs_dir(), paths.cache_dir(), paths.models_dir()):
        assert mode(folder) == 0o700
    assert mode(home) == 0o700
    os.chmod(home, 0o755)
    os.chmod(home / "takes", 0o755)
    paths.takes_dir()
    assert mode(home) == 0o700 and mode(home / "takes") == 0o700


def test_window_settings_with_recent_files_are_private(home, lax_umask, qapp):
    from voice_desk.ui import settings

    home.mkdir(parents=True)
    (home / "window.ini").write_text("[General]\n", encoding="utf-8")
    os.chmod(home / "window.ini", 0o644)                  # as an older version left it
    settings.add_recent_file("/patients/anna/take.wav")
    assert mode(home / "window.ini") == 0o600
    assert settings.recent_files() == ["/patients/anna/take.wav"]


def test_the_log_is_private_and_names_no_patient_file(home, lax_umask):
    from voice_desk.errors import AudioNotFoundError
    from voice_desk.ui import error_report

    patient = "/data/Patients/Anna Müller/Aufnahme 3.wav"
    try:
        error_report.setup_logging(verbose=False)
        error_report.record(AudioNotFoundError("the file does not exist.", path=patient), "Cannot open Aufnahme 3.wav")
        for handler in logging.getLogger().handlers:
            handler.flush()
        log = error_report.log_file()
        text = log.read_text(encoding="utf-8")
        assert mode(log) == 0o600 and mode(log.parent) == 0o700
        assert "Anna" not in text and "/data/Patients" not in text
        assert "the file does not exist" in text and ".wav]" in text
        error_report.setup_logging(verbose=True)          # voice-desk -v gui: the paths as they are
        error_report.record(AudioNotFoundError("the file does not exist.", path=patient), "again")
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert patient in log.read_text(encoding="utf-8")
    finally:
        error_report.setup_logging(verbose=False)


def test_paths_in_tracebacks_of_voice_desk_itself_are_kept():
    from voice_desk.ui.error_report import redact_paths

    import voice_desk

    ours = f'  File "{voice_desk.__file__}", line 3, in <module>'
    assert redact_paths(ours) == ours
    assert redact_paths("No such file: '/home/u/anna.nsp'").startswith("No such file: '[file ")


def test_split_files_are_private(tmp_path, lax_umask):
    from voice_desk.data.corpus import Clip, Corpus
    from voice_desk.data.split import make_split

    corpus = Corpus([Clip(f"/p/{i}.wav", "healthy" if i % 2 else "pathological", f"s{i}", "female")
                     for i in range(20)], "test", "test")
    csv_path, json_path = make_split(corpus).save(tmp_path / "bundle", corpus)
    assert mode(csv_path) == mode(json_path) == 0o600 and mode(tmp_path / "bundle") == 0o700


def test_cached_embeddings_are_private(tmp_path, lax_umask):
    from voice_desk.train.embedding_cache import EmbeddingCache

    cache = object.__new__(EmbeddingCache)
    cache.folder = tmp_path
    cache.put("ab" * 32, np.ones(4))
    assert mode(cache.path_for("ab" * 32)) == 0o600
    np.testing.assert_array_equal(cache.get("ab" * 32), np.ones(4, np.float32))


# --- one training run per output folder -----------------------------------------------------

def test_an_output_folder_in_use_is_refused_and_a_dead_runs_lock_is_not(tmp_path):
    from voice_desk.train.prepare import TrainingError
    from voice_desk.train.runner import out_folder_lock

    out = tmp_path / "models" / "freeze"
    with out_folder_lock(out):
        with pytest.raises(TrainingError) as info:
            with out_folder_lock(out):
                pass
        assert f"another training run (process {os.getpid()})" in str(info.value) and str(out) in str(info.value)
    assert not (tmp_path / "models" / ".freeze.lock").exists()
    (tmp_path / "models" / ".freeze.lock").write_text("999999\n")     # left by a run that was killed
    (tmp_path / "models" / ".freeze.saving-999999").mkdir()
    with out_folder_lock(out):
        pass
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == []


def test_train_refuses_an_output_folder_another_run_is_writing(tmp_path, capsys):
    from svd_tree import shared_svd_tree
    from voice_desk.cli import main
    from voice_desk.train.runner import out_folder_lock

    out = tmp_path / "freeze"
    with out_folder_lock(out):
        assert main(["train", "--data", f"svd:{shared_svd_tree()['root']}", "--out", str(out)]) == 2
    assert "another training run" in capsys.readouterr().err
    assert not out.exists()


def test_a_finished_bundle_replaces_the_folder_in_one_move_and_is_private(tmp_path, lax_umask):
    from voice_desk.train.runner import CHECKPOINTS, publish

    out = tmp_path / "freeze"
    (out / CHECKPOINTS / "checkpoint-4").mkdir(parents=True)
    (out / "card.json").write_text("old")
    staging = tmp_path / ".freeze.saving-1"
    staging.mkdir()
    (staging / "card.json").write_text("new")
    (staging / "split.csv").write_text("part,path\n")
    publish(staging, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["freeze"]
    assert (out / "card.json").read_text() == "new" and not (out / CHECKPOINTS).exists()
    assert mode(out) == 0o700 and mode(out / "split.csv") == mode(out / "card.json") == 0o600


def test_align_names_a_link_loop_instead_of_crashing(tmp_path, capsys):
    from voice_desk.cli import main

    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    assert main(["align", str(loop)]) == 1
    err = capsys.readouterr().err
    assert "loop of symbolic links" in err and "bug" not in err
