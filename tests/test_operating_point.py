"""Honest verdicts: the threshold chosen on dev, a borderline band from the test part, intervals
and counts for every test figure, and warnings where the test part is too small."""

from __future__ import annotations

import json

import numpy as np
import pytest

from voice_desk.model.operating_point import OperatingPoint, too_few
from voice_desk.train.metrics import evaluate_scores, operating_point, wilson, youden_threshold


def _scores(n_per_class: int, separation: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n_per_class), np.ones(n_per_class)].astype(int)
    return y, np.clip(0.3 + separation * y + 0.12 * rng.standard_normal(y.size), 0, 1)


def test_the_threshold_is_the_one_that_best_separates_the_dev_part():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.10, 0.20, 0.30, 0.35, 0.60, 0.90])          # every healthy below 0.33, every pathological above
    t = youden_threshold(y, p)
    assert 0.30 < t <= 0.35 and np.all((p >= t) == (y == 1))
    assert youden_threshold([1, 1], [0.2, 0.9]) == 0.5             # one class only: no rule to apply


def test_wilson_intervals_match_the_textbook():
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert wilson(0, 0) == (None, None) and wilson(0, 5)[0] == 0.0


def test_the_operating_point_records_threshold_band_and_rates_with_counts():
    y_dev, p_dev = _scores(40, 0.3, seed=1)
    y_test, p_test = _scores(40, 0.3, seed=2)
    point = operating_point(y_dev, p_dev, y_test, p_test)
    assert point["band"][0] <= point["threshold"] <= point["band"][1] and point["band"][0] < point["band"][1]
    sens, spec = point["sensitivity"], point["specificity"]
    assert sens["n"] == 40 and spec["n"] == 40 and point["n_test"] == 80
    assert sens["ci"][0] <= sens["value"] <= sens["ci"][1] and spec["ci"][0] <= spec["value"] <= spec["ci"][1]
    assert sens["k"] == int(np.sum((p_test >= point["threshold"]) & (y_test == 1)))
    json.dumps(point, allow_nan=False)
    # a model that separates the classes well has a narrow band; one that barely does, a wide one
    y_clear, p_clear = _scores(40, 0.6, seed=3)
    y_vague, p_vague = _scores(40, 0.05, seed=3)
    narrow = operating_point(y_clear, p_clear, y_clear, p_clear)["band"]
    wide = operating_point(y_vague, p_vague, y_vague, p_vague)["band"]
    assert narrow[1] - narrow[0] < 0.5 * (wide[1] - wide[0])


def test_test_metrics_carry_intervals_and_counts_per_class():
    y, p = _scores(30, 0.25)
    m = evaluate_scores(y, p, ["f", "m"] * 30)
    assert m["n_healthy"] == 30 and m["n_pathological"] == 30
    assert m["uar_ci"][0] <= m["uar"] <= m["uar_ci"][1] and m["auc_ci"][0] <= m["auc"] <= m["auc_ci"][1]
    assert set(m["per_gender"]) == {"f", "m"} and m["per_gender"]["f"]["auc_ci"][0] is not None


def test_a_verdict_follows_the_models_threshold_and_says_when_it_is_borderline(tmp_path):
    from conftest import save_tiny_bundle, speech_like

    from voice_desk.audio.recording import Recording
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine

    recording = Recording(samples=speech_like(1.0), sample_rate=16000, original_rate=16000)
    plain = Engine(load_model(save_tiny_bundle(tmp_path / "plain"))).predict([recording])[0]
    p = plain.pathology_probability
    assert plain.threshold == 0.5 and plain.band is None and not plain.borderline   # no operating point recorded
    strict = {"operating_point": {"threshold": min(p + 0.05, 1.0), "band": [p - 0.01, min(p + 0.1, 1.0)]}}
    prediction = Engine(load_model(save_tiny_bundle(tmp_path / "strict", metrics=strict))).predict([recording])[0]
    assert prediction.label == "healthy" and prediction.borderline                 # below its threshold, in its band
    record = prediction.to_record()
    assert record["threshold"] == pytest.approx(min(p + 0.05, 1.0)) and record["borderline"] is True
    lenient = {"operating_point": {"threshold": max(p - 0.2, 0.0), "band": [max(p - 0.25, 0.0), max(p - 0.15, 0.0)]}}
    other = Engine(load_model(save_tiny_bundle(tmp_path / "lenient", metrics=lenient))).predict([recording])[0]
    assert other.label == "pathological" and not other.borderline


def test_an_unreadable_operating_point_falls_back_to_half_and_says_so():
    for broken in ({"operating_point": "x"}, {"operating_point": {"threshold": 7}},
                   {"operating_point": {"threshold": 0.4, "band": [0.5, 0.6]}}, None):
        point = OperatingPoint.from_metrics(broken)
        assert point.threshold == 0.5 and point.band is None and "no borderline band" in point.describe()


def test_too_few_test_recordings_are_flagged():
    assert "too few" in too_few(4, 2, 2) and "too few" in too_few(200, 190, 10)
    assert too_few(200, 100, 100) == ""
    assert "not recorded" in too_few(None)
    text = OperatingPoint(0.4, (0.3, 0.5), "rule", {"value": 0.8, "ci": [0.6, 0.9], "k": 8, "n": 10},
                          {"value": 0.7, "ci": [0.4, 0.9], "k": 7, "n": 10}, 20, 10, 10).describe()
    assert "threshold 0.40" in text and "8 of 10" in text and "too few to trust" in text


def test_the_verdict_panel_shows_threshold_band_and_mismatch_in_neutral_colours(qtbot):
    from types import SimpleNamespace

    from voice_desk.model.result import Prediction
    from voice_desk.ui.widgets.verdict_panel import VerdictPanel

    panel = VerdictPanel()
    qtbot.addWidget(panel)
    prediction = Prediction(model="m", labels=["healthy", "pathological"], probabilities=np.array([0.51, 0.49]),
                            gives_verdict=True, pathology_probability=0.49, threshold=0.45, band=(0.40, 0.55))
    entry = SimpleNamespace(name="ast_freeze", summary="", path="m")   # a catalog entry: name, summary, path
    panel.show_results([(entry, prediction)], None, true_label="healthy")
    text, markup = panel.results_text(), panel.results.toHtml()
    assert "P(pathological) = 0.49" in text and "threshold 0.45, borderline 0.40–0.55" in text
    assert "pathological" in text.split("→")[1] and "borderline" in text.split("→")[1]
    assert "does not match the true label" in text
    assert "#a01010" not in markup and "#106010" not in markup                  # no red/green verdict
