"""The five analyses on a data set with planted effects whose answers are known: constructed relevance
maps, powers, verdicts and representations, measured through the study's own per-recording code."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from voice_desk.align.reference import load_reference
from voice_desk.align.tiers import Alignment, Interval
from voice_desk.study.analyses import cases, energy, phones, representations, spread
from voice_desk.study.data import ModelRef, StudyData, StudyRecording
from voice_desk.study.measures import SEGMENT_LABEL, Grid, find_segment, measure_run, phone_measures

SECONDS, SHIFT, MEL = 2.0, 0.01, 128
N_FRAMES = 198                      # Kaldi frames of 2 s: 1 + (32000 - 400) // 160
GRID = Grid()                       # 16 x 16 patches, stride 10, 128 mel bins
N_TIME = (256 - 16) // 10 + 1       # a max_length-256 model: 25 time patches, 19 of them on audio


def sentence_alignment(seconds: float = SECONDS) -> Alignment:
    ref = load_reference()
    k = seconds / ref.duration
    return Alignment(words=[Interval(w.start * k, w.end * k, w.label) for w in ref.words],
                     phones=[Interval(p.start * k, p.end * k, p.label) for p in ref.phones], duration=seconds,
                     source="planted.TextGrid")


def time_profile(alignment: Alignment, base: float, boost_o: float, boost_segment: float, rng, noise: float):
    """Relevance over frames: ``base`` everywhere, times ``boost_o`` on /ɔ/ and ``boost_segment`` on /e s i n/."""
    centres = np.arange(N_FRAMES) * SHIFT + 0.0125
    profile = base * (1 + noise * rng.random(N_FRAMES))
    o = next(p for p in alignment.phones if p.label == "ɔ")
    seg = find_segment(alignment.phones)
    profile[(centres >= o.start) & (centres < o.end)] *= boost_o
    profile[(centres >= seg.start) & (centres < seg.end)] *= boost_segment
    return profile


def planted_explanation(profile: np.ndarray, freq_weight: np.ndarray, power: np.ndarray, probability: float | None):
    frame = profile[:, None] * freq_weight[None, :]
    patch = np.zeros((12, N_TIME))
    for ti in range(N_TIME):
        t0 = ti * 10
        for fi in range(12):
            f0 = fi * 10
            cells = frame[t0:t0 + 16, f0:f0 + 16]
            patch[fi, ti] = cells.mean() if cells.size else 0.0
    prediction = SimpleNamespace(gives_verdict=probability is not None, pathology_probability=probability,
                                 threshold=0.5)
    return SimpleNamespace(prediction=prediction, frame_relevance=frame.astype(np.float32), log_mel_power=power,
                           patch_relevance=patch.astype(np.float32), n_frames=N_FRAMES, frame_shift=SHIFT)


def planted_power(rng) -> np.ndarray:
    """High power on the low mel bins (F0 and the first harmonics), falling with frequency."""
    falling = np.linspace(2.0, -8.0, MEL)
    return (falling[None, :] + 0.3 * rng.standard_normal((N_FRAMES, MEL))).astype(np.float32)


def planted_study(energy_on_power: bool = False) -> StudyData:
    """12 speakers x 2 recordings. ast_freeze: broad relevance, right on healthy voices and on half of the
    pathological speakers, representation carries gender; ast_finetuned: relevance peaked on /ɔ/ and
    /e s i n/, right everywhere, representation carries health status."""
    rng = np.random.default_rng(7)
    alignment = sentence_alignment()
    models = [ModelRef("freeze", "ast_freeze (planted)", "ast_freeze"),
              ModelRef("finetuned", "ast_finetuned (planted)", "ast_finetuned")]
    recordings, runs = [], {"freeze": {}, "finetuned": {}}
    rising = np.linspace(0.2, 1.8, MEL)                   # relevance rises with frequency: away from the power
    narrow = np.zeros(MEL)
    narrow[40:56] = 1.0
    narrow += 0.01
    for speaker in range(12):
        gender = "female" if speaker % 2 else "male"
        label = "pathological" if (speaker // 2) % 2 else "healthy"
        group = ("organic" if speaker % 3 else "functional") if label == "pathological" else "healthy"
        for take in range(2):
            index = len(recordings)
            rec = StudyRecording(index=index, file=f"s{speaker}_{take}.wav", key=f"k{index}", speaker=f"spk{speaker}",
                                 gender=gender, group=group, label=label, tiers_source="planted.TextGrid",
                                 phones_used=True, alignment=alignment)
            recordings.append(rec)
            power = planted_power(rng)
            freeze_right = label == "healthy" or speaker % 4 == 3
            p_freeze = (0.4 if label == "healthy" else 0.7) if freeze_right else 0.3
            p_finetuned = 0.9 if label == "pathological" else 0.1
            g, h = float(gender == "female"), float(label == "pathological")
            pooled = {"freeze": np.r_[3 * g, 0.3 * h, np.zeros(6)] + rng.standard_normal(8) * 0.5,
                      "finetuned": np.r_[0.3 * g, 3 * h, np.zeros(6)] + rng.standard_normal(8) * 0.5}
            explanations = {}
            for model, p, base, bo, bs, fw in (("freeze", p_freeze, 1.0, 1.8, 1.4, rising),
                                                ("finetuned", p_finetuned, 0.2, 8.0, 4.0, narrow)):
                profile = time_profile(alignment, base, bo, bs, rng, 0.05)
                if energy_on_power:
                    e = planted_explanation(np.ones(N_FRAMES), np.ones(MEL), power, p)
                    e.frame_relevance = np.exp(power)            # relevance follows power exactly
                else:
                    e = planted_explanation(profile, fw, power, p)
                explanations[model] = e
            table, segments, _ = phone_measures(explanations, alignment)
            for model, e in explanations.items():
                runs[model][index] = measure_run(e, pooled[model], GRID, phones=table[model], segment=segments[model],
                                                 alignment=alignment)
    return StudyData(recordings=recordings, models=models, runs=runs, settings={"bootstrap": 400, "seed": 0},
                     pair=("freeze", "finetuned"))


@pytest.fixture(scope="module")
def planted():
    return planted_study()


def test_cases_counts_scores_and_paired_comparison(planted):
    out = cases.analyse(planted)
    # healthy: both right (O); pathological speakers 3, 7 and 11 right for ast_freeze too (O), 2, 6 and 10 only
    # for ast_finetuned (B)
    pathological_freeze_right = sum(1 for r in planted.recordings
                                    if r.label == "pathological" and int(r.speaker[3:]) % 4 == 3)
    assert out["counts"]["all"] == {"O": 12 + pathological_freeze_right, "X": 0, "A": 0,
                                    "B": 12 - pathological_freeze_right}
    assert out["counts"]["by_class"]["healthy"] == {"O": 12, "X": 0, "A": 0, "B": 0}
    assert sum(out["counts"]["by_gender"]["female"].values()) == 12
    fine = out["scores"]["finetuned"]["all"]
    assert fine["auc"]["value"] == pytest.approx(1.0) and fine["uar"]["value"] == pytest.approx(1.0)
    freeze = out["scores"]["freeze"]["all"]
    # pathological 0.7 (right) or 0.3 (wrong) against healthy 0.4: half the pairs won
    share = pathological_freeze_right / 12
    assert freeze["auc"]["value"] == pytest.approx(share)
    assert freeze["uar"]["value"] == pytest.approx((1.0 + share) / 2)
    assert set(out["scores"]["freeze"]["group"]) == {"organic", "functional"}
    organic = out["scores"]["freeze"]["group"]["organic"]
    assert organic["n"] == 12 + organic["n_group"]
    d = out["paired"]["auc_difference"]
    # resamples that draw only the speakers ast_freeze got right tie the two models: the interval starts at 0
    assert d["value"] == pytest.approx(1.0 - share) and d["ci"][0] >= 0 and d["ci"][1] > 0.7
    assert out["rows"][0]["case"] == "O" and "has a higher AUC than ast_freeze" in out["summary"]


def test_representations_planted_gender_then_health(planted):
    out = representations.analyse(planted)
    freeze = out["models"]["freeze"]["separation"]
    finetuned = out["models"]["finetuned"]["separation"]
    assert freeze["gender"]["probe_balanced_accuracy"]["value"] > freeze["health"]["probe_balanced_accuracy"]["value"]
    assert (finetuned["health"]["probe_balanced_accuracy"]["value"]
            > finetuned["gender"]["probe_balanced_accuracy"]["value"])
    assert freeze["gender"]["silhouette"]["value"] > freeze["health"]["silhouette"]["value"]
    assert out["models"]["freeze"]["gender_minus_health"]["ci"][0] > 0
    assert out["models"]["finetuned"]["gender_minus_health"]["ci"][1] < 0
    assert out["claim"]["verdict"] == "holds" and "holds on this data" in out["claim"]["sentence"]
    assert [p["status"] for p in out["claim"]["parts"]] == ["supported"] * 3
    pca = out["models"]["freeze"]["pca"]
    assert len(pca["x"]) == len(pca["y"]) == 24 and pca["explained_variance"][0] > 0.3


def test_relevance_away_from_power_and_on_power():
    away = energy.analyse(planted_study())
    # ast_freeze's relevance rises with frequency as the power falls; ast_finetuned's sits on mid bins
    assert away["models"]["freeze"]["spearman"]["value"] < -0.3 and away["models"]["freeze"]["spearman"]["ci"][1] < 0
    for model in ("freeze", "finetuned"):
        s = away["models"][model]
        assert s["top_overlap"]["value"] < s["chance"]["value"] and s["overlap_minus_chance"]["ci"][1] < 0
    assert away["claim"]["verdict"] == "holds"
    on = energy.analyse(planted_study(energy_on_power=True))
    assert on["models"]["freeze"]["spearman"]["value"] == pytest.approx(1.0)
    assert on["models"]["freeze"]["top_overlap"]["value"] == pytest.approx(1.0)
    assert on["claim"]["verdict"] == "does not hold"


def test_per_phone_ranking_finds_the_planted_phones(planted):
    out = phones.analyse(planted)
    for model in ("freeze", "finetuned"):
        every = out["models"][model]["all"]
        assert every["rows"][0]["phone"] == "ɔ" and every["study_phone"]["rank"] == 1
        assert every["study_phone"]["above_average"] and every["segment"]["above_average"]
        # the segment's phones ranked next, the rest below average
        assert every["segment"]["rank"] <= 6
        others = [r for r in every["rows"] if r["phone"] not in ("ɔ", "ɛ", "s", "iː", "n", SEGMENT_LABEL)]
        assert all(r["value"] < 1.0 for r in others)
        for cls in ("healthy", "pathological"):
            assert out["models"][model][cls]["study_phone"]["rank"] == 1
    # ast_finetuned's boost is larger
    fine, free = out["models"]["finetuned"]["all"], out["models"]["freeze"]["all"]
    assert fine["study_phone"]["value"] > free["study_phone"]["value"]
    assert out["alignment"]["used"] == 24 and out["alignment"]["doubtful"] == 0
    assert out["claim"]["verdict"] == "holds"


def test_spread_narrows_after_fine_tuning(planted):
    out = spread.analyse(planted)
    c = out["comparison"]
    assert c["n"] == 24
    assert c["entropy"]["mean_difference"]["ci"][1] < 0 and c["area_half"]["mean_difference"]["ci"][1] < 0
    assert c["entropy"]["wilcoxon"]["p"] < 0.001 and c["entropy"]["share_second_narrower"] == 1.0
    assert out["claim"]["verdict"] == "holds"
    assert out["models"]["finetuned"]["peak"]["peak_phones"]["most_common"] == "ɔ"
    assert out["models"]["finetuned"]["peak"]["peak_phones"]["most_common_share"] == 1.0
    fine, free = out["models"]["finetuned"], out["models"]["freeze"]
    assert fine["entropy"]["value"] < free["entropy"]["value"]
    assert fine["area_half"]["value"] < free["area_half"]["value"]


def test_segment_is_found_in_mfa_and_builtin_labels():
    phones_ = [Interval(0, 1, "ɡ"), Interval(1, 2, "eː"), Interval(2, 3, "t"), Interval(3, 4, "ɛ"),
               Interval(4, 5, "s"), Interval(5, 6, "iː"), Interval(6, 7, "n"), Interval(7, 8, "ə")]
    seg = find_segment(phones_)
    assert (seg.start, seg.end) == (3, 7)
    assert find_segment(phones_[:5]) is None


def test_repeated_phone_labels_are_averaged_within_a_recording():
    row = SimpleNamespace
    run = SimpleNamespace(phones=[row(phone="n", relative=1.2), row(phone="n", relative=0.8),
                                  row(phone="a", relative=2.0)], segment=1.5)
    assert phones.recording_values(run) == {"n": pytest.approx(1.0), "a": 2.0, SEGMENT_LABEL: 1.5}
