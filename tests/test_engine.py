"""Predict and explain on tiny models: shapes, cropping, verdict rules, saving, pictures."""

import numpy as np
import pytest

from conftest import noise, speech_like, tone
from voice_desk.audio.load import recording_from_array
from voice_desk.model.bundle import load_model
from voice_desk.model.engine import Engine
from voice_desk.model.relevance_image import mel_bin_centres_hz, picture_rgb, save_png, study_rgb
from voice_desk.model.result import Explanation


@pytest.fixture(scope="module")
def engine(tiny_bundle):
    return Engine(load_model(tiny_bundle, device="cpu"))


def test_explain_returns_maps_cropped_to_the_audio(engine):
    rec = recording_from_array(speech_like(1.5), 16_000)
    ex = engine.explain(rec)
    n_frames = 1 + (24_000 - 400) // 160
    assert ex.n_frames == n_frames
    assert ex.log_mel.shape == (256, 128)
    assert ex.patch_relevance.shape == (12, 25)  # (256 - 16) // 10 + 1 time patches
    assert ex.frame_relevance.shape == (n_frames, 128) and ex.log_mel_power.shape == (n_frames, 128)
    assert ex.frame_shift == 0.01
    assert ex.prediction.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert ex.prediction.pathology_probability == pytest.approx(ex.prediction.probabilities[1])
    assert ex.settings["head_fusion"] == "mean" and ex.settings["max_length"] == 256
    # padding sits after the audio: the normalised input there is the padded-log-mel constant
    assert np.allclose(ex.log_mel[n_frames + 1:], ex.log_mel[-1])


def test_longer_than_the_window_keeps_the_start_with_a_warning(engine):
    rec = recording_from_array(speech_like(3.5), 16_000)  # window is 2.56 s
    ex = engine.explain(rec)
    assert ex.n_frames == 256
    assert any("only the first 2.56 s" in w for w in ex.prediction.warnings)


def test_batched_predictions_equal_single_ones(engine):
    recs = [recording_from_array(s, 16_000) for s in (tone(1.0), noise(2.0), speech_like(1.2), tone(3.0, 90))]
    together = engine.predict(recs, batch_size=3)
    alone = [engine.predict([r])[0] for r in recs]
    for a, b in zip(together, alone):
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-5)
    assert [p.label for p in together] == [p.label for p in alone]


def test_audioset_model_gives_top_classes_but_no_pathology_probability(tiny_audioset_model):
    engine = Engine(load_model(tiny_audioset_model, device="cpu"))
    ex = engine.explain(recording_from_array(speech_like(1.0), 16_000))
    assert ex.prediction.pathology_probability is None and not ex.prediction.gives_verdict
    assert ex.prediction.to_record()["label"] is None
    assert {c for c, _ in ex.prediction.top_classes(3)} == {"Speech", "Music", "Silence"}
    assert ex.frame_relevance.size  # the map is still there


def test_npz_round_trip(engine, tmp_path):
    ex = engine.explain(recording_from_array(speech_like(1.0), 16_000))
    path = ex.save_npz(tmp_path / "result.npz")
    back = Explanation.load_npz(path)
    np.testing.assert_array_equal(back.frame_relevance, ex.frame_relevance)
    np.testing.assert_array_equal(back.patch_relevance, ex.patch_relevance)
    assert back.prediction.labels == ex.prediction.labels
    assert back.prediction.pathology_probability == pytest.approx(ex.prediction.pathology_probability)
    assert back.settings == ex.settings and back.n_frames == ex.n_frames
    with np.load(path, allow_pickle=False) as z:
        assert set(z.files) >= {"probabilities", "labels", "log_mel", "patch_relevance", "frame_relevance",
                                "frame_shift", "settings", "n_frames", "log_mel_power", "pathology_probability"}


def test_study_rendering_hue_is_relevance_and_brightness_is_power():
    power = np.array([[0.0, 0.0], [-20.0, -20.0]])  # frame 1 is 87 dB quieter: black
    relevance = np.array([[0.0, 1.0], [0.5, 0.5]])
    rgb = study_rgb(power, relevance)
    np.testing.assert_allclose(rgb[0, 0], [0, 0, 1], atol=1e-6)  # loud, least relevant: blue
    np.testing.assert_allclose(rgb[0, 1], [1, 0, 0], atol=1e-6)  # loud, most relevant: red
    np.testing.assert_allclose(rgb[1], 0, atol=1e-6)
    heat = picture_rgb(power, relevance, "heat") / 255.0
    np.testing.assert_allclose(heat[0, 0], [0, 0, 0], atol=1e-6)  # least relevant: the grey spectrogram (loud: black, as in Praat)
    np.testing.assert_allclose(heat[0, 1], [1, 1, 0], atol=1e-6)  # most relevant: full heat (yellow)


def test_mel_centres_span_20_hz_to_8_khz():
    centres = mel_bin_centres_hz(128)
    assert 20 < centres[0] < 60 and 7500 < centres[-1] < 8000 and np.all(np.diff(centres) > 0)


def test_png_is_written(engine, tmp_path):
    ex = engine.explain(recording_from_array(speech_like(1.0), 16_000))
    path = save_png(ex, tmp_path / "map.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_untrained_head_shows_no_probabilities_anywhere(tmp_path):
    from conftest import save_tiny_bundle

    folder = save_tiny_bundle(tmp_path / "untrained", head_trained=False)
    ex = Engine(load_model(folder, device="cpu")).explain(recording_from_array(speech_like(1.0), 16_000))
    p = ex.prediction
    assert not p.gives_verdict and p.pathology_probability is None
    assert p.top_classes() == [] and p.label is None
    record = p.to_record()
    assert record["top_classes"] == [] and record["pathology_probability"] is None
    assert "never trained" in record["no_verdict_reason"]
    assert ex.frame_relevance.size and np.isfinite(ex.frame_relevance).all()  # the map is still there
    path = ex.save_npz(tmp_path / "u.npz")
    with np.load(path) as z:
        assert np.isnan(z["probabilities"]).all() and np.isnan(z["pathology_probability"])
    back = Explanation.load_npz(path)
    assert back.prediction.top_classes() == [] and back.prediction.withheld == ("healthy", "pathological")
    assert save_png(ex, tmp_path / "u.png").read_bytes()[:4] == b"\x89PNG"


def test_a_pathology_class_under_another_name_is_never_shown(tmp_path):
    from conftest import save_tiny_bundle

    folder = save_tiny_bundle(tmp_path / "nh", configuration=None, labels=("Speech", "non-healthy", "pathological"))
    ex = Engine(load_model(folder, device="cpu")).explain(recording_from_array(speech_like(1.0), 16_000))
    p = ex.prediction
    assert [label for label, _ in p.top_classes()] == ["Speech"]
    assert p.pathology_probability is None
    with np.load(ex.save_npz(tmp_path / "nh.npz")) as z:
        shown = dict(zip(z["labels"], z["probabilities"]))
    assert np.isnan(shown["pathological"]) and np.isnan(shown["non-healthy"]) and 0 < shown["Speech"] < 1


def test_png_shows_the_warnings(engine, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    texts = []
    original = Figure.text

    def spy(fig, x, y, s, *args, **kwargs):
        texts.append(s)
        return original(fig, x, y, s, *args, **kwargs)

    monkeypatch.setattr(Figure, "text", spy)
    save_png(engine.explain(recording_from_array(speech_like(3.5), 16_000)), tmp_path / "long.png")
    assert any("only the first 2.56 s" in t for t in texts)
    assert any("hue = relevance" in t for t in texts)
