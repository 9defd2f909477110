"""The study's statistics, each against a value worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voice_desk.study import stats
from voice_desk.train.metrics import roc_auc, uar


def test_speaker_bootstrap_draws_speakers_not_recordings():
    speakers = ["a", "a", "b", "c", "c", "c"]
    w = stats.bootstrap_weights(speakers, n_boot=500, seed=3)
    assert w.shape == (500, 6)
    # all recordings of a speaker share its weight; each resample draws 3 speakers
    assert np.array_equal(w[:, 0], w[:, 1]) and np.array_equal(w[:, 3], w[:, 5])
    assert np.all(w[:, 0] + w[:, 2] + w[:, 3] == 3)
    assert np.array_equal(w, stats.bootstrap_weights(speakers, n_boot=500, seed=3))   # seeded


def test_weighted_mean():
    assert stats.weighted_mean(np.ones((1, 3)), [1, 5, 4])[0] == pytest.approx(10 / 3)
    assert stats.weighted_mean(np.array([[2, 0, 1]]), [1, 5, 4])[0] == pytest.approx((2 + 4) / 3)
    assert np.isnan(stats.weighted_mean(np.zeros((1, 3)), [1, 2, 3])[0])


def test_auc_by_hand_ties_and_weights():
    y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    # positive 0.35 beats 0.1 only; 0.8 beats both: 3 of 4 pairs
    assert stats.weighted_auc(np.ones((1, 4)), y, s)[0] == pytest.approx(0.75) == roc_auc(y, s)
    assert stats.weighted_auc(np.ones((1, 2)), [0, 1], [0.5, 0.5])[0] == pytest.approx(0.5)   # a tie: half
    # weights 1,1,2,1: pairs (0.35 x2 beats 0.1) + (0.8 beats both) = 2 + 2 of 3 x 2 weighted pairs
    assert stats.weighted_auc(np.array([[1, 1, 2, 1]]), y, s)[0] == pytest.approx(4 / 6)
    assert np.isnan(stats.weighted_auc(np.array([[1, 1, 0, 0]]), y, s)[0])   # no pathological drawn


def test_uar_by_hand():
    y, predicted = [0, 0, 1, 1, 1], [0, 1, 1, 1, 0]
    # recalls 1/2 and 2/3
    assert stats.weighted_uar(np.ones((1, 5)), y, predicted)[0] == pytest.approx((0.5 + 2 / 3) / 2)
    assert stats.weighted_uar(np.ones((1, 5)), y, predicted)[0] == pytest.approx(uar(y, predicted))
    # the second healthy recording drawn twice: healthy recall 1/3
    assert stats.weighted_uar(np.array([[1, 2, 1, 1, 1]]), y, predicted)[0] == pytest.approx((1 / 3 + 2 / 3) / 2)


def test_percentile_interval_and_estimate():
    out = stats.interval(np.r_[np.arange(1, 101), np.nan])
    assert out["ci"] == pytest.approx([3.475, 97.525]) and out["n_valid"] == 100
    assert stats.interval([1.0])["ci"] == [None, None]
    est = stats.estimate(lambda w: stats.weighted_mean(w, [1.0, 3.0]), np.array([[1, 0], [0, 1], [1, 1]]), 2)
    assert est["value"] == pytest.approx(2.0) and est["ci"] == pytest.approx([1.05, 2.95])


def test_paired_difference_uses_the_same_resamples():
    weights = np.array([[1, 0], [0, 1], [1, 1], [2, 1]], float)
    values_a, values_b = np.array([1.0, 2.0]), np.array([2.0, 4.0])
    out = stats.paired_difference(lambda w: stats.weighted_mean(w, values_a),
                                  lambda w: stats.weighted_mean(w, values_b), weights, 2)
    # per resample: b - a = 1, 2, 1.5, 4/3; unit weights: 3 - 1.5
    assert out["value"] == pytest.approx(1.5)
    assert out["ci"] == pytest.approx(np.percentile([1, 2, 1.5, 4 / 3], [2.5, 97.5]).tolist())
    assert out["p_bootstrap"] == 0.0                       # never at or below 0


def test_ranks_and_spearman_by_hand():
    assert stats.ranks([10, 20, 20, 30]).tolist() == [1, 2.5, 2.5, 4]
    # d = 0, 1, -1, 0: 1 - 6 * 2 / (4 * 15)
    assert stats.spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert stats.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(stats.spearman([1, 1, 1], [1, 2, 3]))
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 5, 50), rng.normal(size=50)
    assert stats.spearman(a, b) == pytest.approx(spearmanr(a, b).statistic)


def test_top_overlap_by_hand():
    relevance = np.arange(100.0).reshape(10, 10)          # top 10 %: cells 90..99
    power = np.zeros(100)
    power[85:95] = 1.0 + np.arange(10)                     # top 10 %: cells 85..94
    overlap, chance = stats.top_overlap(relevance, power.reshape(10, 10))
    assert overlap == pytest.approx(0.5) and chance == pytest.approx(0.1)
    overlap, chance = stats.top_overlap(relevance, np.ones((10, 10)))   # all tied: every cell is "top"
    assert overlap == 1.0 and chance == 1.0


def test_entropy_and_area_by_hand():
    assert stats.normalised_entropy(np.ones((2, 2))) == pytest.approx(1.0)
    assert stats.normalised_entropy([0, 0, 5, 0]) == pytest.approx(0.0)
    assert stats.normalised_entropy([0.5, 0.5, 0, 0]) == pytest.approx(math.log(2) / math.log(4))
    assert stats.area_for_share([4, 3, 2, 1], 0.5) == pytest.approx(0.5)   # 4 + 3 of 10 in 2 of 4 cells
    assert stats.area_for_share(np.ones(10), 0.5) == pytest.approx(0.5)
    assert stats.area_for_share([1, 0, 0, 0], 0.5) == pytest.approx(0.25)


def test_wilcoxon_by_hand():
    a = np.zeros(5)
    b = np.array([1.0, 2.0, -3.0, 4.0, 5.0])
    out = stats.wilcoxon(a, b)
    # |d| ranks 1..5, negative rank sum 3; exact: 5 of the 32 sign patterns give a sum <= 3
    assert out["statistic"] == pytest.approx(3.0)
    assert out["p"] == pytest.approx(2 * 5 / 32)
    assert out["median_difference"] == pytest.approx(2.0)
    assert stats.wilcoxon([1.0], [1.0])["p"] is None


def test_mean_estimate_counts_speakers():
    out = stats.mean_estimate([1.0, 2.0, np.nan, 4.0], ["a", "a", "b", "c"], n_boot=200)
    assert out["value"] == pytest.approx(7 / 3) and out["n"] == 3 and out["speakers"] == 2
    lo, hi = out["ci"]
    assert 1.5 <= lo <= hi <= 4.0


def test_silhouette_pca_and_probe_by_hand():
    from voice_desk.study.analyses.representations import pca_2d, probe_predictions, silhouette_values

    x = np.array([[0.0], [1.0], [5.0], [6.0]])
    values = silhouette_values(x, np.array([0, 0, 1, 1]))
    # 0: a = 1, b = 5.5; 1: a = 1, b = 4.5 (and the mirror images)
    assert values == pytest.approx([4.5 / 5.5, 3.5 / 4.5, 3.5 / 4.5, 4.5 / 5.5])
    line = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    coords, explained = pca_2d(line)
    assert explained == pytest.approx([1.0, 0.0], abs=1e-12)
    assert coords[:, 0] == pytest.approx(np.array([-1.5, -0.5, 0.5, 1.5]) * math.sqrt(5))   # positive loading
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 12)
    features = rng.normal(size=(24, 3)) + 4.0 * y[:, None]
    speakers = [f"s{i // 2}" for i in range(24)]
    predicted, folds = probe_predictions(features, y, speakers)
    assert folds == 5 and np.array_equal(predicted, y)
    assert probe_predictions(features[:3], y[:3], speakers[:3]) is None          # one speaker per class at most
