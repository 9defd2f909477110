"""Compute device selection."""

import pytest
import torch

from voice_desk.errors import VoiceDeskError
from voice_desk.model.device import pick_device


def test_auto_picks_cpu_without_accelerators(monkeypatch):
    monkeypatch.delenv("VOICE_DESK_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device() == "cpu"


def test_cuda_first_then_mps(monkeypatch):
    monkeypatch.delenv("VOICE_DESK_DEVICE", raising=False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device("auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device("auto") == "mps"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("VOICE_DESK_DEVICE", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device() == "cpu"


def test_unavailable_or_unknown_device_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(VoiceDeskError, match="no CUDA GPU"):
        pick_device("cuda")
    with pytest.raises(VoiceDeskError, match="unknown device"):
        pick_device("tpu")
