"""`voice-desk explain --method gradient-rollout --target-class C --faithfulness`, in a real process."""

import json

import numpy as np

from test_cli import voice_desk


def test_gradient_rollout_for_a_class_with_curves(tmp_path, tiny_bundle, speech_wav):
    out = tmp_path / "r.npz"
    result = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", out, "--method", "gradient-rollout",
                        "--target-class", "healthy", "--faithfulness", "--steps", "5", "--random-orders", "2")
    assert result.returncode == 0, result.stderr
    assert "Gradient-weighted rollout for healthy" in result.stdout
    assert "Faithfulness for P(healthy)" in result.stdout
    with np.load(out) as z:
        settings = json.loads(str(z["settings"]))
    assert settings["method"] == "gradient-rollout" and settings["target_class"] == "healthy"
    curves = settings["faithfulness"]
    assert curves["steps"] == 5 and len(curves["deletion"]) == 6 and len(curves["random_deletion"]) == 2
    assert curves["deletion"][-1] == curves["insertion"][0]


def test_rollout_curves_follow_the_named_class(tmp_path, tiny_bundle, speech_wav):
    result = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", tmp_path / "r.npz", "--json",
                        "--faithfulness", "--target-class", "pathological", "--steps", "4", "--random-orders", "1")
    record = json.loads(result.stdout)
    assert record["settings"]["method"] == "rollout" and record["settings"]["target_class"] is None
    assert record["settings"]["faithfulness"]["target_class"] == "pathological"


def test_wrong_choices_are_named_before_the_model_runs(tmp_path, tiny_bundle, speech_wav):
    out = tmp_path / "r.npz"
    bad = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", out, "--method", "gradient-rollout",
                     "--target-class", "laryngitis")
    assert bad.returncode != 0 and "no such class" in bad.stderr and "healthy, pathological" in bad.stderr
    assert "Traceback" not in bad.stderr and not out.exists()
    mixed = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", out, "--method", "gradient-rollout",
                       "--discard-ratio", "0.3")
    assert mixed.returncode != 0 and "belong to the attention rollout" in mixed.stderr
    lone = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", out, "--target-class", "healthy")
    assert lone.returncode != 0 and "same for every class" in lone.stderr
    steps = voice_desk("explain", speech_wav, "--model", tiny_bundle, "--out", out, "--faithfulness", "--steps", "1")
    assert steps.returncode != 0 and "--steps 1" in steps.stderr
