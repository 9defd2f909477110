"""One rendering of relevance: the window's overlay, its colour key and `explain --png` share colours,
and the mel and linear axes put a map's rows at the right frequencies."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

from voice_desk.model.relevance_image import (LEGEND_GREY, frame_extent, grey_levels, hz_to_mel, legend_rgb,
                                              linear_rows_hz, mel_bin_centres_hz, mel_rows_extent, nearest_mel_bins,
                                              over_grey, picture_rgb, relevance_rgba, save_png)
from voice_desk.model.result import Explanation, Prediction

FRAMES, BINS, PEAK_BIN, SHIFT = 200, 128, 60, 0.01
PEAK_FRAMES = slice(80, 120)


def planted_map():
    """Power falling over time in steps of 10 frames (so brightness varies), relevance 1 at one mel
    bin in frames 80..119, 0.6 over a block lower down, 0 elsewhere."""
    steps = np.repeat(np.linspace(0.0, -6.0, FRAMES // 10, dtype=np.float32), 10)
    power = np.repeat(steps[:, None], BINS, axis=1)
    relevance = np.zeros((FRAMES, BINS), np.float32)
    relevance[PEAK_FRAMES, PEAK_BIN] = 1.0
    relevance[20:60, 15:40] = 0.6
    return power, relevance


def explanation(power, relevance) -> Explanation:
    prediction = Prediction(model="m", labels=["healthy", "pathological"], probabilities=np.array([0.3, 0.7]),
                            gives_verdict=True, pathology_probability=0.7, source="planted.wav")
    return Explanation(prediction=prediction, log_mel=np.zeros((1024, BINS), np.float32), log_mel_power=power,
                       patch_relevance=np.zeros((12, 101), np.float32), frame_relevance=relevance,
                       n_frames=power.shape[0], frame_shift=SHIFT, settings={})


def png_cells(tmp_path, monkeypatch, ex, rendering, axis, rows):
    """Save the PNG and read back, for each (frame, row) cell of the picture, the pixel at its centre."""
    figures = []
    original = Figure.savefig

    def spy(fig, *args, **kwargs):
        figures.append(fig)
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    path = save_png(ex, tmp_path / f"{rendering}-{axis}.png", rendering=rendering, axis=axis)
    pixels = np.rint(matplotlib.image.imread(path)[..., :3] * 255).astype(np.uint8)
    t0, _ = frame_extent(FRAMES, SHIFT)
    t = t0 + (np.arange(FRAMES) + 0.5) * SHIFT
    if axis == "mel":
        y0, y1 = mel_rows_extent(BINS)
        y = y0 + (np.arange(rows) + 0.5) * (y1 - y0) / rows
    else:
        y = linear_rows_hz(5000.0, rows)
    tt, yy = np.meshgrid(t, y, indexing="ij")
    xy = figures[0].axes[0].transData.transform(np.column_stack([tt.ravel(), yy.ravel()]))
    cols = np.floor(xy[:, 0]).astype(int)
    lines = pixels.shape[0] - 1 - np.floor(xy[:, 1]).astype(int)     # display y runs upwards
    return pixels[lines, cols].reshape(FRAMES, rows, 3)


def uniform_cells(image):
    """Cells whose eight neighbours have the same colour (a pixel at their centre cannot be a neighbour's)."""
    same = np.ones(image.shape[:2], bool)
    same[[0, -1], :] = same[:, [0, -1]] = False
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            shifted = np.roll(np.roll(image, di, axis=0), dj, axis=1)
            same &= np.all(shifted == image, axis=-1)
    return same


@pytest.mark.parametrize("axis", ["mel", "linear"])
@pytest.mark.parametrize("rendering", ["study", "heat"])
def test_png_shows_the_overlay_colours(tmp_path, monkeypatch, rendering, axis):
    power, relevance = planted_map()
    overlay = relevance_rgba(power, relevance, rendering, axis=axis, max_hz=5000.0)   # what the window lays on
    picture = picture_rgb(power, relevance, rendering, axis=axis, max_hz=5000.0)      # what the PNG draws
    assert overlay.shape[:2] == picture.shape[:2] == (FRAMES, BINS if axis == "mel" else 256)
    if rendering == "study":
        assert np.all(overlay[..., 3] == 255)
        np.testing.assert_array_equal(picture, overlay[..., :3])
    else:                                              # heat: the same colours over the grey of the mel power
        grey = grey_levels(power)
        if axis == "linear":
            grey = grey[:, nearest_mel_bins(linear_rows_hz(5000.0, 256))]
        opaque, clear = overlay[..., 3] == 255, overlay[..., 3] == 0
        assert opaque.any() and clear.any()
        np.testing.assert_array_equal(picture[opaque], overlay[..., :3][opaque])
        np.testing.assert_array_equal(picture[clear], np.repeat(grey[clear][:, None], 3, axis=1))
    shown = png_cells(tmp_path, monkeypatch, explanation(power, relevance), rendering, axis, picture.shape[1])
    check = uniform_cells(picture)
    assert check[PEAK_FRAMES].any() or axis == "mel"   # a linear peak row is several display rows high
    np.testing.assert_array_equal(shown[check], picture[check])


@pytest.mark.parametrize("axis", ["mel", "linear"])
def test_the_peak_sits_at_its_mel_bin_frequency(tmp_path, monkeypatch, axis):
    power, relevance = planted_map()
    overlay = relevance_rgba(power, relevance, "study", axis=axis, max_hz=5000.0)
    frame = (PEAK_FRAMES.start + PEAK_FRAMES.stop) // 2
    peak = relevance_rgba(power, relevance, "study", axis="mel")[frame, PEAK_BIN]
    assert peak[0] > 100 and peak[1] == peak[2] == 0                 # red, as bright as the frame's power
    red = np.all(overlay[frame] == peak, axis=-1)
    centres = mel_bin_centres_hz(BINS)
    if axis == "mel":
        assert np.flatnonzero(red).tolist() == [PEAK_BIN]
    else:
        hz = linear_rows_hz(5000.0, 256)[red]
        assert hz.size >= 1
        half_gap = (centres[PEAK_BIN + 1] - centres[PEAK_BIN - 1]) / 4
        assert np.all(np.abs(hz - centres[PEAK_BIN]) <= half_gap + 5000.0 / 256 / 2)
    # and the PNG shows that colour at the bin's centre frequency
    shown = png_cells(tmp_path, monkeypatch, explanation(power, relevance), "study", axis, overlay.shape[1])
    assert np.all(shown[frame, red] == overlay[frame, red][:, :3])


def test_study_and_heat_differ():
    power, relevance = planted_map()
    study = relevance_rgba(power, relevance, "study")
    heat = relevance_rgba(power, relevance, "heat")
    assert np.all(study[..., 3] == 255) and np.any(heat[..., 3] == 0)
    assert np.any(study[..., :3] != heat[..., :3], axis=-1).mean() > 0.5
    np.testing.assert_array_equal(heat[100, PEAK_BIN], [255, 255, 0, 255])     # top relevance: opaque yellow
    assert tuple(heat[30, 20, :2]) == (255, 51) and 0 < heat[30, 20, 3] < 255  # 0.6: orange, half seen
    with pytest.raises(ValueError, match="rendering"):
        relevance_rgba(power, relevance, "rainbow")
    with pytest.raises(ValueError, match="axis"):
        relevance_rgba(power, relevance, axis="bark")


def test_a_flat_map_is_uniformly_low():
    power, _ = planted_map()
    flat = np.full((FRAMES, BINS), 0.3, np.float32)
    study = relevance_rgba(power, flat, "study", axis="linear")
    assert np.all(study[..., 2] == np.max(study[..., :3], axis=-1)) and np.all(study[..., :2] == 0)   # blue
    heat = relevance_rgba(power, flat, "heat")
    assert np.all(heat[..., 3] == 0)                                   # nothing stands out: the grey shows
    np.testing.assert_array_equal(picture_rgb(power, flat, "heat"), np.repeat(grey_levels(power)[..., None], 3, -1))


def test_legends_use_the_overlay_colours():
    study, heat = legend_rgb("study", 64, 8), legend_rgb("heat", 64, 8)
    assert study.shape == heat.shape == (8, 64, 3)
    np.testing.assert_array_equal(study[0, 0], [0, 0, 255])     # low relevance, loud: blue
    np.testing.assert_array_equal(study[0, -1], [255, 0, 0])    # high: red
    np.testing.assert_array_equal(study[-1], 0)                 # 70 dB down: black
    np.testing.assert_array_equal(heat[:, 0], LEGEND_GREY)      # low: the grey shows through
    np.testing.assert_array_equal(heat[:, -1], [[255, 255, 0]] * 8)
    ramp = np.linspace(0, 1, 64, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(heat[0], over_grey(relevance_rgba(np.zeros((64, 1)), ramp, "heat")[:, 0],
                                                     LEGEND_GREY))


# ---------------------------------------------------------------------------- the window's view

@pytest.fixture
def view(qtbot):
    from voice_desk.ui.app import application
    from voice_desk.ui.widgets.spectrogram_view import SpectrogramView
    from voice_desk.ui.widgets.view_range import ViewRange

    application()
    view_range = ViewRange()
    view = SpectrogramView(view_range)
    qtbot.addWidget(view)
    view.resize(640, 420)
    view.show()
    qtbot.waitExposed(view)
    view_range.reset(2.0)
    return view


def band_spectrogram(hz: float = 1000.0):
    from voice_desk.audio.spectrogram import Spectrogram, SpectrogramSettings

    freq_step = 16000 / 1024
    db = np.full((1000, int(5000 / freq_step)), -100.0, np.float32)
    band = int(hz / freq_step)
    db[:, band - 1:band + 2] = 0.0
    return Spectrogram(db=db, t0=0.0, time_step=0.002, freq_step=freq_step, settings=SpectrogramSettings())


def hovered_hz(view, column: int, line: int) -> float:
    """The frequency the view reports (its ``hovered`` signal) with the pointer at a widget pixel."""
    from PySide6.QtCore import QPoint

    got = []
    view.hovered.connect(lambda t, hz: got.append(hz))
    view._mouse_moved(view.mapToScene(QPoint(column, line)))
    view.hovered.disconnect()
    return got[-1]


def hovered_hz_of_darkest_row(view):
    """(Hz reported, pixel line) at the darkest row of the view's middle column."""
    from ui_support import grab

    column = view.width() // 2
    line = 10 + int(np.argmin(grab(view)[10:-10, column, :3].astype(int).sum(axis=-1)))
    return hovered_hz(view, column, line), line


def test_mel_axis_puts_the_band_and_the_overlay_at_their_hz(view):
    from ui_support import grab

    view.set_spectrogram(band_spectrogram(1000.0), 2.0)
    hz, linear_line = hovered_hz_of_darkest_row(view)
    assert hz == pytest.approx(1000.0, abs=40.0)                      # linear: as before
    changed = []
    view.frequency_axis_changed.connect(changed.append)
    view.set_frequency_axis("mel")
    assert changed == ["mel"] and view.frequency_axis == "mel"
    hz, mel_line = hovered_hz_of_darkest_row(view)
    assert hz == pytest.approx(1000.0, abs=40.0)                      # mel: the band is still at 1000 Hz
    assert mel_line < linear_line - 40                                # ... higher up the picture
    ticks = view.plotItem.getAxis("left")._tickLevels[0]
    assert [label for _, label in ticks] == ["100", "250", "500", "1000", "2000", "4000", "8000"]
    assert ticks[3][0] == pytest.approx(float(hz_to_mel(1000.0)))

    # a map with its peak at one mel bin, laid on the view as the window does: the peak row's Hz
    power = np.zeros((200, BINS), np.float32)
    relevance = np.zeros((200, BINS), np.float32)
    relevance[:, PEAK_BIN] = 1.0
    view.set_overlay(relevance_rgba(power, relevance, "heat", axis=view.frequency_axis, max_hz=view.max_hz), SHIFT)
    view.show_overlay(True)
    column = view.width() // 2
    pixels = grab(view)[:, column, :3].astype(int)
    yellow = np.flatnonzero((pixels[:, 0] > 200) & (pixels[:, 1] > 200) & (pixels[:, 2] < 60))
    assert yellow.size and np.ptp(yellow) < 10                        # one mel row, a few pixels high
    assert hovered_hz(view, column, int(yellow.mean())) == pytest.approx(mel_bin_centres_hz(BINS)[PEAK_BIN], rel=0.03)

    view.set_frequency_axis("linear")                                 # back: exactly as before, overlay dropped
    assert not view.overlay_shown
    hz, line = hovered_hz_of_darkest_row(view)
    assert line == linear_line and hz == pytest.approx(1000.0, abs=40.0)


def test_the_colour_key_widget_shows_the_core_legend(qtbot):
    from voice_desk.ui.app import application
    from voice_desk.ui.widgets.relevance_legend import HEIGHT, WIDTH, RelevanceLegend
    from ui_support import grab

    application()
    legend = RelevanceLegend()
    qtbot.addWidget(legend)
    for rendering in ("study", "heat"):
        legend.set_rendering(rendering)
        np.testing.assert_array_equal(grab(legend.swatch)[:HEIGHT, :WIDTH, :3], legend_rgb(rendering, WIDTH, HEIGHT))


def test_explain_draws_the_axis_asked_for(tmp_path, tiny_bundle, speech_wav):
    import subprocess
    import sys

    def explain(*args):
        return subprocess.run([sys.executable, "-m", "voice_desk", "explain", speech_wav, "--out", tmp_path / "r.npz",
                               "--png", tmp_path / "r.png", *map(str, args)], capture_output=True, text=True,
                              timeout=300)

    result = explain("--model", "/no/such/model", "--max-hz", "4000")          # checked before the model loads
    assert result.returncode == 2 and "--axis linear" in result.stderr and "Traceback" not in result.stderr
    result = explain("--model", "/no/such/model", "--axis", "linear", "--max-hz", "9000")
    assert result.returncode == 2 and "at most 8000" in result.stderr
    result = explain("--model", tiny_bundle, "--axis", "linear", "--max-hz", "4000", "--rendering", "heat")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
