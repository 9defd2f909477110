"""Shared fixtures: tiny AST bundles saved to temp folders and generated clips.

Nothing here reaches the network: models are built from a config with random weights,
saved with save_pretrained and loaded back through the same loader users use.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
import soundfile as sf

RATE = 16_000


def pytest_configure(config):
    """Keep tests away from the user's real Voice Desk folder."""
    import tempfile

    os.environ["VOICE_DESK_HOME"] = tempfile.mkdtemp(prefix="voice-desk-home-")


TINY_CONFIG = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
               "intermediate_size": 64, "max_length": 256}


def tone(seconds: float = 1.5, freq: float = 220.0, rate: int = RATE, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float = 1.5, rate: int = RATE, amp: float = 0.1, seed: int = 0) -> np.ndarray:
    return (amp * np.random.default_rng(seed).standard_normal(int(seconds * rate))).astype(np.float32)


def speech_like(seconds: float = 2.0, rate: int = RATE, f0: float = 120.0, seed: int = 0) -> np.ndarray:
    """Glottal-pulse-like harmonics through moving formants, in syllable-sized bursts."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0_track = f0 * (1 + 0.1 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(f0_track) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 30))
    formant = 1 + 0.5 * np.sin(2 * np.pi * 3.0 * t)
    envelope = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None) ** 0.5
    signal = voice * envelope * formant + 0.01 * rng.standard_normal(t.size)
    return (0.3 * signal / np.max(np.abs(signal))).astype(np.float32)


def save_tiny_bundle(folder, configuration="ast_freeze", labels=("healthy", "pathological"), seed=0, **card):
    import torch
    from transformers import ASTFeatureExtractor

    from voice_desk.model.bundle import build_model, save_bundle
    from voice_desk.model.card import ModelCard

    torch.manual_seed(seed)
    model = build_model(TINY_CONFIG, labels=labels)
    save_bundle(model, folder, ModelCard(configuration=configuration, **card),
                ASTFeatureExtractor(max_length=TINY_CONFIG["max_length"]))
    return folder


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory):
    """A healthy/pathological ast_freeze bundle (random weights, max_length 256)."""
    return save_tiny_bundle(tmp_path_factory.mktemp("bundle") / "ast_freeze")


@pytest.fixture(scope="session")
def tiny_bundle_finetuned(tmp_path_factory):
    return save_tiny_bundle(tmp_path_factory.mktemp("bundle") / "ast_finetuned", configuration="ast_finetuned", seed=1)


@pytest.fixture(scope="session")
def tiny_audioset_model(tmp_path_factory):
    """A model with non-pathology labels, like the AudioSet base checkpoint."""
    return save_tiny_bundle(tmp_path_factory.mktemp("bundle") / "audioset", configuration=None,
                            labels=("Speech", "Music", "Silence"))


@pytest.fixture
def wav_file(tmp_path):
    """Factory: write samples to a WAV (or other soundfile format) and return its path."""
    def write(samples, name="clip.wav", rate=RATE, **kwargs):
        path = tmp_path / name
        sf.write(path, samples, rate, **kwargs)
        return path
    return write


@pytest.fixture
def speech_wav(wav_file):
    return wav_file(speech_like(), "speech.wav")
