"""Models in the window: choose, run off the UI thread, verdicts, overlay, cancel, export."""

from __future__ import annotations

import csv
import hashlib
import json

import numpy as np
import pytest
from ui_support import WAIT_MS, clip, fresh_home, grab, make_window, open_and_wait, wait_idle, write_clip  # noqa: F401


def _window_with(qtbot, make_window, *models, auto_run=True):
    window = make_window(extra_models=[str(m) for m in models])
    window.models.panel.auto_run.setChecked(auto_run)
    return window


def _wait_results(qtbot, window, n):
    qtbot.waitUntil(lambda: len(window.session.explanations) >= n and not window.is_busy(), timeout=WAIT_MS)


def test_both_study_models_run_and_show_verdicts_and_the_agreement_case(
        qtbot, make_window, clip, tiny_bundle, tiny_bundle_finetuned):
    window = _window_with(qtbot, make_window, tiny_bundle, tiny_bundle_finetuned)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 2)
    text = window.models.panel.results_text()
    assert text.count("P(pathological)") == 2
    assert "ast_freeze" in text and "ast_finetuned" in text
    # entering the true label gives the study's case, consistent with the two labels
    labels = {window.session.model_entries[p].configuration: e.prediction.label for p, e in window.session.explanations.items()}
    window.models.panel.true_label.setCurrentText("pathological")
    case = window.session.assessment.agreement_case()
    expected = {(True, True): "O", (False, False): "X", (True, False): "A", (False, True): "B"}[
        (labels["ast_freeze"] == "pathological", labels["ast_finetuned"] == "pathological")]
    assert case == expected
    assert f"Agreement case {case}" in window.models.panel.results_text()
    matches = [label == "pathological" for label in (labels["ast_freeze"], labels["ast_finetuned"])]
    text = window.models.panel.results_text()
    assert text.count("matches the true label") + text.count("does not match the true label") == 2
    assert text.count("does not match the true label") == matches.count(False)
    assert "not a diagnosis" in window.models.panel.notice.text()


def test_overlay_toggle_rendering_and_opacity_change_the_pixels(qtbot, make_window, clip, tiny_bundle):
    window = _window_with(qtbot, make_window, tiny_bundle)
    window.relevance.overlay_action.setChecked(False)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 1)
    view = window.spectrogram_view
    plain = grab(view)
    window.relevance.overlay_action.trigger()                       # the toolbar button / Ctrl+R
    assert window.relevance.overlay_action.isChecked() and view.overlay_shown
    caption = view.caption_shown_text()                   # the picture says whose relevance it is
    assert caption.startswith(f"Relevance of {window.session.model_entries[str(tiny_bundle.resolve())].name}")
    assert "P(pathological)" in caption
    study = grab(view)
    changed = np.any(plain[..., :3] != study[..., :3], axis=-1).mean()
    assert changed > 0.3                                 # most of the picture is now coloured
    legend_study = grab(window.relevance.legend.swatch)
    assert "blue = low" in window.relevance.legend.toolTip()
    window.relevance.set_rendering("heat")
    heat = grab(view)
    assert np.any(heat[..., :3] != study[..., :3], axis=-1).mean() > 0.1
    legend_heat = grab(window.relevance.legend.swatch)   # the colour key follows the rendering
    assert not np.array_equal(legend_study, legend_heat) and "Heat map" in window.relevance.legend.toolTip()
    window.relevance.opacity_slider.setValue(10)
    faint = grab(view)
    assert np.abs(faint[..., :3].astype(int) - plain[..., :3]).mean() < np.abs(heat[..., :3].astype(int) - plain[..., :3]).mean()
    window.relevance.overlay_action.trigger()
    assert np.array_equal(grab(view)[..., :3], plain[..., :3])
    assert view.caption_shown_text() == ""


def test_side_by_side_stacks_both_maps_on_the_same_time_axis(qtbot, make_window, clip, tiny_bundle, tiny_bundle_finetuned):
    window = _window_with(qtbot, make_window, tiny_bundle, tiny_bundle_finetuned)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 2)
    window.relevance.side_by_side_action.trigger()
    assert len(window.relevance.side_views) == 2
    titles = [v.caption_shown_text() for v in window.relevance.side_views]
    assert "ast_freeze" in titles[0] and "ast_finetuned" in titles[1]
    assert not window.spectrogram_view.overlay_shown      # the plain spectrogram stays on top as the reference
    window.navigation.zoom_in_action.trigger()
    ranges = {tuple(np.round(v.x_range(), 6)) for v in window.time_views()}
    assert len(ranges) == 1
    a, b = (grab(v) for v in window.relevance.side_views)
    assert not np.array_equal(a, b)                       # two different models, two different maps
    window.relevance.side_by_side_action.trigger()
    assert window.relevance.side_views == [] and not window.relevance.side_container.isVisible()
    assert window.spectrogram_view.overlay_shown and "Relevance of" in window.spectrogram_view.caption_shown_text()


def test_phone_bars_follow_the_relevance_and_select_the_phone(qtbot, make_window, clip, tiny_bundle):
    window = _window_with(qtbot, make_window, tiny_bundle)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 1)
    chart = window.relevance.phone_chart
    assert window.relevance.phone_dock.windowTitle() == f"Per-phone relevance — {window.relevance.model_box.currentText()}"
    assert [r.phone for r in chart.rows] == ["ɡ", "uː", "t", "ə", "n", "m", "ɔ"]
    assert sum(r.share for r in chart.rows) <= 1.0 + 1e-6
    chart.click_bar(6)                                   # /ɔ/ in "Morgen"
    assert window.view_range.selection == pytest.approx((1.5, 1.8))
    assert chart.selected == 6
    # one study model only: the panel says why there is no agreement case
    window.models.panel.true_label.setCurrentText("healthy")
    assert window.session.assessment.agreement_case() is None
    assert "missing here: ast_finetuned" in window.models.panel.results_text()


def test_a_model_without_a_verdict_shows_top_classes_never_a_pathology_probability(
        qtbot, make_window, clip, tiny_audioset_model, tmp_path):
    window = _window_with(qtbot, make_window, tiny_audioset_model)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 1)
    text = window.models.panel.results_text()
    assert "P(pathological)" not in text and "pathological voices" in text
    assert "No verdict" in text and "Speech" in text
    out_json, out_csv = window.export.export_results(str(tmp_path / "r.json"))
    record = json.loads(out_json.read_text())
    assert record["models"][0]["pathology_probability"] is None and record["models"][0]["label"] is None
    rows = list(csv.DictReader(out_csv.open()))
    assert all(r["pathology_probability"] == "" for r in rows)


def test_an_untrained_head_says_why_and_shows_no_class_probabilities(qtbot, make_window, clip, tmp_path):
    from conftest import save_tiny_bundle

    untrained = save_tiny_bundle(tmp_path / "untrained", head_trained=False)
    window = _window_with(qtbot, make_window, untrained)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 1)
    text = window.models.panel.results_text()
    assert "No verdict: its classification head was never trained" in text
    assert "P(pathological)" not in text and "top classes" not in text
    explanation = next(iter(window.session.explanations.values()))   # the relevance map is still there
    assert explanation.frame_relevance.size > 0 and np.isfinite(explanation.frame_relevance).all()


def test_export_results_json_and_csv_read_back(qtbot, make_window, clip, tiny_bundle, tiny_bundle_finetuned, tmp_path,
                                               monkeypatch):
    window = _window_with(qtbot, make_window, tiny_bundle, tiny_bundle_finetuned)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 2)
    out_json, out_csv = window.export.export_results(str(tmp_path / "results.json"))
    record = json.loads(out_json.read_text())
    assert record["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert {m["model_id"] for m in record["models"]} == {str(tiny_bundle.resolve()), str(tiny_bundle_finetuned.resolve())}
    for m in record["models"]:
        prediction = window.session.explanations[m["model_id"]].prediction
        assert m["pathology_probability"] == pytest.approx(prediction.pathology_probability)
        assert [p["phone"] for p in m["phones"]] == ["ɡ", "uː", "t", "ə", "n", "m", "ɔ"]
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert len(rows) == 14 and {r["sha256"] for r in rows} == {record["sha256"]}
    assert float(rows[0]["pathology_probability"]) == pytest.approx(record["models"][0]["pathology_probability"], abs=1e-6)
    png = window.export.export_png(str(tmp_path / "view.png"))
    from PySide6.QtGui import QImage

    assert not QImage(str(png)).isNull()
    # a folder that cannot take the files: a plain message naming the file, no traceback
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "gone" / "results.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export.export_results_action.trigger()
    assert str(target) in window.last_message and "Choose another folder" in window.last_message
    assert "Traceback" not in window.last_message


def test_cancel_stops_the_job_and_the_window_stays_usable(qtbot, make_window, clip, tiny_bundle):
    window = _window_with(qtbot, make_window, tiny_bundle, auto_run=False)
    open_and_wait(qtbot, window, clip)
    window.models.run()
    assert window.models.panel.cancel_button.isVisible()
    window.models.panel.cancel_button.click()
    wait_idle(qtbot, window)
    assert window.session.explanations == {}
    assert not window.models.panel.cancel_button.isVisible()
    window.models.run()                               # and it runs again afterwards
    _wait_results(qtbot, window, 1)


def test_results_for_a_recording_no_longer_shown_are_dropped(qtbot, make_window, clip, tiny_bundle, tmp_path):
    other = write_clip(tmp_path / "b", name="other", with_textgrid=False, seed=3)
    window = _window_with(qtbot, make_window, tiny_bundle, auto_run=False)
    open_and_wait(qtbot, window, clip)
    window.models.run()
    window.opening.open_file(str(other))                      # the user moves on before the result arrives
    qtbot.waitUntil(lambda: window.session.recording.path == other and not window.is_busy(), timeout=WAIT_MS)
    assert window.session.explanations == {}


def test_first_run_without_models_says_what_is_missing_and_import_fixes_it(
        qtbot, make_window, clip, tiny_bundle, fresh_home):
    window = make_window()
    assert window.models.panel.no_model.isVisible()
    assert "Models → Import" in window.models.panel.no_model.text()
    assert "Help → Open demo recording" in window.spectrogram_view.placeholder.toPlainText()
    open_and_wait(qtbot, window, clip)                # audio and tiers work without a model
    assert window.tiers.tier_view.labels
    assert not window.spectrogram_view.placeholder.isVisible()
    # every way of asking for a verdict or a map says the one missing step
    window.models.run_action.trigger()
    assert "No model is installed yet" in window.last_message and "Models → Import…" in window.last_message
    window.relevance.overlay_action.setChecked(False)
    window.relevance.overlay_action.trigger()
    assert "no model is installed yet" in window.statusBar().currentMessage()
    assert "none is installed yet" in window.relevance.phone_chart.empty_text.toPlainText()
    window.models.import_model(str(tiny_bundle))
    qtbot.waitUntil(lambda: bool(window.session.model_entries), timeout=WAIT_MS)
    from voice_desk.paths import models_dir

    copied = models_dir() / tiny_bundle.name
    assert (copied / "model.safetensors").is_file() and (tiny_bundle / "model.safetensors").is_file()
    assert not window.models.panel.no_model.isVisible()
    assert window.models.panel.chosen() == [str(copied.resolve())]
    window.close()
    again = make_window()                             # remembered between sessions
    assert again.models.panel.chosen() == [str(copied.resolve())]


def test_importing_a_folder_that_is_not_a_model_says_so(qtbot, make_window, tmp_path):
    window = make_window()
    (tmp_path / "notes").mkdir()
    window.models.import_model(str(tmp_path / "notes"))
    assert "not a model" in window.last_message
    assert window.models.add_model(str(tmp_path / "missing")) is None
    assert "does not exist" in window.last_message


def test_add_model_adds_to_the_chosen_models(qtbot, make_window, tiny_bundle_finetuned):
    window = make_window()
    entry = window.models.add_model(str(tiny_bundle_finetuned))
    assert entry.configuration == "ast_finetuned" and entry.expects_verdict
    assert window.models.panel.chosen() == [entry.path]


def test_a_model_process_that_dies_gives_a_plain_message_and_restarts(qtbot, make_window, clip, tiny_bundle):
    window = _window_with(qtbot, make_window, tiny_bundle, auto_run=False)
    open_and_wait(qtbot, window, clip)
    from voice_desk.model.model_process import ModelProcess

    window.models.process = process = ModelProcess()    # its own, still starting: the kill lands mid-job
    window.models.run()
    qtbot.waitUntil(lambda: process._process is not None and process._process.is_alive(), timeout=WAIT_MS)
    process._process.kill()
    qtbot.waitUntil(lambda: "stopped unexpectedly" in window.last_message, timeout=WAIT_MS)
    wait_idle(qtbot, window)
    assert "Traceback" not in window.last_message
    window.models.run()                                # a new process takes over
    _wait_results(qtbot, window, 1)
    process.close()


def test_a_damaged_model_does_not_stop_the_others_and_says_why(qtbot, make_window, clip, tiny_bundle,
                                                              tiny_bundle_finetuned, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])          # a half-copied weights file
    window = _window_with(qtbot, make_window, broken, tiny_bundle_finetuned)
    open_and_wait(qtbot, window, clip)
    qtbot.waitUntil(lambda: "could not run" in window.last_message, timeout=WAIT_MS)
    wait_idle(qtbot, window)
    assert list(window.session.explanations) == [str(tiny_bundle_finetuned.resolve())]   # the good one ran
    assert window.relevance.overlay_explanation() is not None and window.relevance.phone_chart.rows
    assert str(broken) in window.last_message and "cannot be loaded" in window.last_message
    assert window.last_message.startswith("1 of 2 models could not run")
    text = window.models.panel.results_text()
    assert "P(pathological)" in text and "Could not run:" in text and "Traceback" not in text
    reported = len(window.messages)
    window.models.panel.set_checked(str(broken.resolve()), False)   # run the good one alone: no message
    window.models.run()                                        # about the damaged one's earlier failure
    wait_idle(qtbot, window)
    assert len(window.messages) == reported
    window.models.panel.auto_run.setChecked(False)
    open_and_wait(qtbot, window, write_clip(tmp_path / "n", name="next", with_textgrid=False))
    assert "Could not run" not in window.models.panel.results_text()      # that was about the last recording


def test_a_model_that_fails_when_run_again_no_longer_shows_its_earlier_verdict(qtbot, make_window, clip, tiny_bundle):
    from types import SimpleNamespace

    from voice_desk.errors import NotAModelError
    from voice_desk.tasks.child import error_record

    window = _window_with(qtbot, make_window, tiny_bundle)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 1)
    path = str(tiny_bundle.resolve())
    assert "P(pathological)" in window.models.panel.results_text()
    # the model process reports this model failed on a new run for the same recording
    window.models.take_partial(SimpleNamespace(token=window.session.file_token), ("model_failed", path,
                               error_record(NotAModelError("its weights were damaged."))))
    text = window.models.panel.results_text()
    assert "Could not run" in text and "P(pathological)" not in text
    assert path not in window.session.explanations and window.relevance.overlay_explanation() is None


def test_the_model_card_says_what_the_model_was_trained_on_and_how_well_it_did(qtbot, make_window, tmp_path):
    from conftest import save_tiny_bundle
    from PySide6.QtCore import Qt

    folder = save_tiny_bundle(tmp_path / "svd_model", training_data={"name": "SVD phrase, 1,600 clips"},
                              metrics={"test": {"uar": 0.812, "auc": 0.874, "uar_ci": [0.74, 0.88],
                                                "auc_ci": [0.80, 0.93], "n": 200, "n_healthy": 100,
                                                "n_pathological": 100}})
    window = make_window()
    entry = window.models.add_model(str(folder))
    assert entry.summary == ("ast_freeze, trained on SVD phrase, 1,600 clips, test UAR 0.812 (95 % CI 0.74–0.88), "
                             "AUC 0.874 (95 % CI 0.80–0.93), n = 200")
    item = window.models.panel.model_list.item(0)
    assert item.checkState() == Qt.CheckState.Checked and "test UAR 0.812" in item.toolTip()
    few = save_tiny_bundle(tmp_path / "four", metrics={"test": {"uar": 1.0, "auc": 1.0, "n": 4, "n_healthy": 2,
                                                                 "n_pathological": 2}})
    assert "only 4 test recordings (2 healthy, 2 pathological): too few to trust" in window.models.add_model(
        str(few)).summary


def test_the_true_label_comes_from_the_file_metadata_and_never_carries_over(qtbot, make_window, tmp_path):
    import soundfile as sf
    from conftest import speech_like

    tagged = tmp_path / "tagged.wav"
    with sf.SoundFile(str(tagged), "w", 16000, 1) as f:
        f.comment = "SVD session 1234, label=pathological"
        f.write(speech_like(1.0))
    plain = write_clip(tmp_path / "p", name="plain", with_textgrid=False)
    window = make_window()
    open_and_wait(qtbot, window, tagged)
    assert window.models.panel.true_label.currentText() == "pathological"
    assert "true label from the file's metadata" in window.opening.info_bar.text()
    open_and_wait(qtbot, window, plain)
    assert window.models.panel.true_label.currentText() == "unknown"
    window.models.panel.true_label.setCurrentText("healthy")    # entered by hand
    open_and_wait(qtbot, window, tagged)
    assert window.models.panel.true_label.currentText() == "pathological"
    from voice_desk.audio.nsp import write_nsp
    from voice_desk.data.svd import svd_metadata

    healthy = next(s for s, m in sorted(svd_metadata().items()) if m["type"] == "n")
    svd_file = tmp_path / f"{healthy}-phrase.nsp"             # an SVD sentence recording
    write_nsp(svd_file, speech_like(1.0, rate=50_000), 50_000)
    open_and_wait(qtbot, window, svd_file)
    assert window.models.panel.true_label.currentText() == "healthy"


def test_models_menu_opens_the_training_wizard_and_its_model_is_chosen(qtbot, make_window, fresh_home):
    from conftest import save_tiny_bundle

    from voice_desk.paths import models_dir
    from voice_desk.ui.wizard.wizard import TrainingWizard

    window = make_window()
    assert "Models → Train a model" in window.models.panel.no_model.text()
    assert window.models.train_action in window.models_menu.actions()
    window.models.train_action.trigger()
    wizard = window.findChild(TrainingWizard)
    assert wizard is not None and wizard.isVisible()
    assert wizard.models_folder == models_dir()
    # what the wizard's results page emits on "Use this model": a bundle in the models folder
    bundle = save_tiny_bundle(models_dir() / "trained-here")
    wizard.model_ready.emit(str(bundle))
    qtbot.waitUntil(lambda: str(bundle.resolve()) in window.models.panel.chosen(), timeout=WAIT_MS)
    assert not window.models.panel.no_model.isVisible()
    wizard.close()


def test_phones_all_beyond_the_models_window_leave_a_message_not_a_blank_chart(qtbot, make_window, tiny_bundle,
                                                                              tmp_path):
    import soundfile as sf
    from conftest import speech_like

    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.align.tiers import Alignment, Interval

    wav = tmp_path / "late.wav"                          # 4 s; the tiny model assesses 2.56 s
    sf.write(wav, speech_like(4.0, seed=6), 16000)
    phones = [Interval(0.0, 3.0, ""), Interval(3.0, 3.4, "ɡ"), Interval(3.4, 4.0, "uː")]
    words = [Interval(0.0, 3.0, ""), Interval(3.0, 4.0, "gut")]
    write_textgrid(Alignment(words, phones, 4.0), tmp_path / "late.TextGrid")
    window = _window_with(qtbot, make_window, tiny_bundle)
    open_and_wait(qtbot, window, wav)
    _wait_results(qtbot, window, 1)
    assert window.relevance.phone_chart.rows == []
    text = window.relevance.phone_chart.empty_text.toPlainText()
    assert "No phone lies in the part of the recording the model assessed" in text and "2.56 s" in text


def test_space_ticks_a_model_in_the_list_and_plays_elsewhere(qtbot, make_window, clip, tiny_bundle):
    from PySide6.QtCore import Qt

    from voice_desk.audio.playback import MemorySink, Player

    window = make_window(extra_models=[str(tiny_bundle)], player=Player(sink=MemorySink(block=256, speed=1.0)))
    window.models.panel.auto_run.setChecked(False)
    open_and_wait(qtbot, window, clip)
    window.activateWindow()
    models = window.models.panel.model_list
    models.setFocus()
    models.setCurrentRow(0)
    assert window.models.panel.chosen() == [str(tiny_bundle.resolve())]
    qtbot.keyClick(models, Qt.Key.Key_Space)              # the list has the focus: Space unticks
    assert window.models.panel.chosen() == [] and not window.playback.is_playing
    window.spectrogram_view.setFocus()
    qtbot.keyClick(window.spectrogram_view, Qt.Key.Key_Space)   # anywhere in the views: Space plays
    assert window.playback.is_playing
    window.playback.stop_action.trigger()


def test_the_download_menu_asks_before_downloading(qtbot, make_window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    window = make_window()
    window.models.download_base_action.trigger()                   # Models → Download the AudioSet base model…
    assert len(asked) == 1 and "no recording leaves this computer" in asked[0][2]
    assert not window.models.download_tasks.busy                     # answered No: nothing is downloaded


def _download_buttons(window):
    from PySide6.QtWidgets import QPushButton

    return [b for b in window.statusBar().findChildren(QPushButton) if b.text() == "Cancel download"]


def _hub_cache_with(folder, hub_id, root):
    """A Hugging Face cache (the layout huggingface_hub writes) holding ``folder`` as ``hub_id``."""
    import shutil

    commit = "0" * 40
    repo = root / ("models--" + hub_id.replace("/", "--"))
    shutil.copytree(folder, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return root


def test_download_the_base_model_installs_it_as_a_model_without_verdict(
        qtbot, make_window, clip, tiny_audioset_model, fresh_home, tmp_path, monkeypatch):
    from voice_desk.model.card import DEFAULT_BASE
    from voice_desk.paths import models_dir

    # offline with nothing cached: a plain message that says how to get it, nothing installed
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    window = make_window()
    window.models.download_base_model(ask=False)
    assert [b.isVisible() for b in _download_buttons(window)] == [True]   # own busy bar + Cancel in the status bar
    assert not window.models.panel.progress.isVisible()          # the Verdict panel stays free for model runs
    qtbot.waitUntil(lambda: "could not be downloaded" in window.last_message, timeout=WAIT_MS)
    assert "HF_HUB_OFFLINE" in window.last_message and str(tmp_path / "empty-cache") in window.last_message
    assert "Traceback" not in window.last_message and not window.session.model_entries
    assert not models_dir().exists() or not any(models_dir().iterdir())
    wait_idle(qtbot, window)
    # in the Hugging Face cache (as after one download online): saved as a bundle, listed, no verdict
    monkeypatch.setenv("HF_HUB_CACHE", str(_hub_cache_with(tiny_audioset_model, DEFAULT_BASE, tmp_path / "cache")))
    window.models.download_base_model(ask=False)
    qtbot.waitUntil(lambda: bool(window.session.model_entries), timeout=WAIT_MS)
    installed = models_dir() / DEFAULT_BASE.split("/")[-1]
    assert (installed / "model.safetensors").is_file() and (installed / "voice_desk.json").is_file()
    assert [p.name for p in models_dir().iterdir()] == [installed.name]     # no partial folder left
    entry = window.session.model_entries[str(installed.resolve())]
    assert not entry.expects_verdict and "AudioSet" in entry.summary
    assert window.models.panel.chosen() == [str(installed.resolve())]
    qtbot.waitUntil(lambda: not _download_buttons(window), timeout=WAIT_MS)      # its indicator is gone
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 1)
    text = window.models.panel.results_text()
    assert "P(pathological)" not in text and "Speech" in text and "No verdict" in text


def test_the_frequency_axis_choice_redraws_every_map_on_the_models_mel_scale(qtbot, make_window, clip, tiny_bundle):
    from voice_desk.model.relevance_image import relevance_rgba

    window = _window_with(qtbot, make_window, tiny_bundle)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 1)
    view = window.spectrogram_view
    linear = grab(view)
    window.relevance.axis_actions["mel"].trigger()                 # View → Frequency axis → mel
    assert view.frequency_axis == "mel" and view.overlay_shown
    explanation = window.relevance.overlay_explanation()
    expected = relevance_rgba(explanation.log_mel_power, explanation.frame_relevance, "study", axis="mel")
    assert np.array_equal(view.overlay.image, expected)              # the same colours as explain --png --axis mel
    assert np.any(grab(view)[..., :3] != linear[..., :3], axis=-1).mean() > 0.1
    window.relevance.side_by_side_action.trigger()
    assert [v.frequency_axis for v in window.relevance.side_views] == ["mel"]
    window.save_layout()
    again = make_window()
    assert again.relevance.frequency_axis == "mel"                 # remembered


def test_a_fixed_relevance_scale_compares_recordings_and_says_so_in_the_key(qtbot, make_window, clip, tiny_bundle):
    from voice_desk.model.relevance_image import relevance_levels, relevance_rgba

    window = _window_with(qtbot, make_window, tiny_bundle)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 1)
    legend, view = window.relevance.legend, window.spectrogram_view
    assert legend.low.text() == "low" and "relative to this recording" in legend.toolTip()
    window.relevance.scale_actions["uniform"].trigger()            # View → Relevance scale → uniform
    assert legend.low.text() == "¼×" and legend.high.text() == "4×" and "uniform map" in legend.toolTip()
    assert view.caption_key.low.text() == "¼×"                      # the picture's own key says it too
    e = window.relevance.overlay_explanation()
    expected = relevance_rgba(e.log_mel_power, e.frame_relevance, "study", axis="linear", max_hz=view.max_hz,
                              scale="uniform")
    assert np.array_equal(view.overlay.image, expected)
    # a flat map is not stretched over the whole range on the uniform scale: it is 1× everywhere
    flat = np.ones((10, 128))
    assert np.allclose(relevance_levels(flat, "uniform"), 0.5) and np.allclose(relevance_levels(flat * 3, "uniform"), 0.5)
    window.save_layout()
    assert make_window().relevance.scale == "uniform"              # remembered


def test_phone_bars_show_both_models_relative_to_the_recordings_mean(qtbot, make_window, clip, tiny_bundle,
                                                                      tiny_bundle_finetuned):
    window = _window_with(qtbot, make_window, tiny_bundle, tiny_bundle_finetuned)
    open_and_wait(qtbot, window, clip)
    _wait_results(qtbot, window, 2)
    chart = window.relevance.phone_chart
    assert chart.measure == "relative" and len(chart.series) == 2 and len(chart.bars) == 2   # side by side
    assert [name for name, _ in chart.series] == ["ast_freeze", "ast_finetuned"]
    heights = chart.bars[0].opts["height"]
    assert list(heights) == pytest.approx([r.relative for r in chart.rows])
    # 1.0 = the recording's average: the length-weighted mean of the relative values over all frames is 1
    durations = np.array([r.duration for r in chart.rows])
    assert 0.2 < float(np.sum(durations * heights) / durations.sum()) < 5
    window.relevance.measure_box.setCurrentIndex(window.relevance.measure_box.findData("share"))
    assert list(chart.bars[0].opts["height"]) == pytest.approx([r.share for r in chart.rows])
    assert "Per-phone relevance — ast_freeze, ast_finetuned" == window.relevance.phone_dock.windowTitle()


def test_phones_from_a_doubtful_alignment_are_drawn_as_doubtful(qtbot, make_window, tmp_path, tiny_bundle):
    import soundfile as sf
    from conftest import speech_like

    buzz = tmp_path / "buzz.wav"                            # not the sentence: the aligner is not confident
    sf.write(buzz, np.pad(speech_like(2.0), 4800), 16000)
    window = _window_with(qtbot, make_window, tiny_bundle)
    open_and_wait(qtbot, window, buzz)
    _wait_results(qtbot, window, 1)
    chart = window.relevance.phone_chart
    assert window.session.alignment.confidence < 0.5 and chart.rows
    assert "probably wrong" in chart.doubtful and "Doubtful alignment" in chart.note.toPlainText()
    assert chart.bars[0].opts["brushes"][0].color().alpha() < 255            # pale, not drawn as sound


def test_a_bundle_with_a_damaged_card_is_listed_greyed_with_its_reason(qtbot, make_window, fresh_home, tiny_bundle):
    import json
    import shutil

    from PySide6.QtCore import Qt

    from voice_desk.paths import models_dir

    bad = models_dir() / "bad"
    shutil.copytree(tiny_bundle, bad)
    card = json.loads((bad / "voice_desk.json").read_text())
    card["metrics"] = {"test": {"uar": "0.9"}}                  # a mistyped value
    (bad / "voice_desk.json").write_text(json.dumps(card))
    shutil.copytree(tiny_bundle, models_dir() / "good")
    window = make_window()                                      # one bad bundle never stops the window
    items = [window.models.panel.model_list.item(i) for i in range(window.models.panel.model_list.count())]
    damaged = [item for item in items if "(damaged)" in item.text()]
    assert len(damaged) == 1 and damaged[0].text() == "bad (damaged)"
    assert not damaged[0].flags() & Qt.ItemFlag.ItemIsEnabled and "Cannot be used" in damaged[0].toolTip()
    assert window.models.panel.chosen() == [str((models_dir() / "good").resolve())]
