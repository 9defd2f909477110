"""The relevance method beside the rendering (attention rollout or gradient-weighted rollout for a
class), and the on-demand faithfulness check of a map in the Verdict panel."""

from __future__ import annotations

import json

from PySide6.QtCore import QUrl
from ui_support import WAIT_MS, clip, fresh_home, make_window, open_and_wait, wait_idle, write_clip  # noqa: F401

from voice_desk.model.relevance_methods import GRADIENT_ROLLOUT, ROLLOUT


def _window(qtbot, make_window, *models):
    window = make_window(extra_models=[str(m) for m in models])
    window.models.panel.auto_run.setChecked(True)
    return window


def _choose(box, data) -> None:
    """Pick the item whose data is ``data`` in a combo box, as the user would."""
    index = box.findData(data)
    assert index >= 0, data
    box.setCurrentIndex(index)


def _wait_maps(qtbot, window, n, method):
    qtbot.waitUntil(lambda: len(window.session.explanations) >= n and not window.is_busy() and all(
        e.settings["method"] == method for e in window.session.explanations.values()), timeout=WAIT_MS)


def _check_first_map(window) -> None:
    """Click the first result row's “Check the map…” link."""
    assert "Check the map…" in window.models.panel.results_text()
    window.models.panel.results.anchorClicked.emit(QUrl("check:0"))


def test_gradient_rollout_for_a_class_reruns_the_models_and_says_so_and_is_remembered(
        qtbot, make_window, clip, tiny_bundle, tiny_bundle_finetuned):
    window = _window(qtbot, make_window, tiny_bundle, tiny_bundle_finetuned)
    choice = window.relevance.method_choice
    assert choice.method_box.currentData() == ROLLOUT and not choice.class_box.isEnabled()
    assert [choice.class_box.itemText(i) for i in range(choice.class_box.count())] == [
        "predicted class", "healthy", "pathological"]
    assert "Abnar" in choice.method_box.toolTip()
    open_and_wait(qtbot, window, clip)
    _wait_maps(qtbot, window, 2, ROLLOUT)
    window.relevance.overlay_action.setChecked(True)
    assert "Attention rollout" in window.spectrogram_view.caption_shown_text()

    _choose(choice.method_box, GRADIENT_ROLLOUT)
    assert choice.class_box.isEnabled()
    _wait_maps(qtbot, window, 2, GRADIENT_ROLLOUT)
    _choose(choice.class_box, "healthy")
    qtbot.waitUntil(lambda: not window.is_busy() and all(
        e.settings.get("target_class") == "healthy" for e in window.session.explanations.values()), timeout=WAIT_MS)
    assert {e.settings["method"] for e in window.session.explanations.values()} == {GRADIENT_ROLLOUT}
    caption = window.spectrogram_view.caption_shown_text()
    assert "Gradient-weighted rollout for healthy" in caption and "P(pathological)" in caption
    # the View menu says the same, and its class choice follows the method
    assert choice.method_actions[GRADIENT_ROLLOUT].isChecked()
    assert [a.text() for a in choice.class_group.actions() if a.isChecked()] == ["healthy"]

    _choose(choice.method_box, ROLLOUT)                    # back: the study's maps again
    _wait_maps(qtbot, window, 2, ROLLOUT)
    assert not choice.class_box.isEnabled()
    assert not any(a.isEnabled() for a in choice.class_group.actions())
    assert "Attention rollout" in window.spectrogram_view.caption_shown_text()
    choice.method_actions[GRADIENT_ROLLOUT].trigger()     # the menu chooses too; the class is kept
    _wait_maps(qtbot, window, 2, GRADIENT_ROLLOUT)
    assert window.session.target_class == "healthy"
    window.close()

    again = make_window(extra_models=[str(tiny_bundle)])   # remembered between sessions
    choice = again.relevance.method_choice
    assert again.session.map_choice == (GRADIENT_ROLLOUT, "healthy")
    assert choice.method_box.currentData() == GRADIENT_ROLLOUT and choice.class_box.currentData() == "healthy"
    assert choice.class_box.isEnabled()
    open_and_wait(qtbot, again, clip)                      # a recording opened runs with the choice
    _wait_maps(qtbot, again, 1, GRADIENT_ROLLOUT)
    assert next(iter(again.session.explanations.values())).settings["target_class"] == "healthy"


def test_checking_a_map_shows_its_curves_and_reading_and_a_new_recording_clears_them(
        qtbot, make_window, clip, tiny_bundle, tmp_path):
    window = _window(qtbot, make_window, tiny_bundle)
    open_and_wait(qtbot, window, clip)
    _wait_maps(qtbot, window, 1, ROLLOUT)
    panel = window.models.panel
    assert not panel.faithfulness.isVisible()
    _check_first_map(window)
    assert panel.cancel_button.isVisible()                 # it runs off the UI thread, with Cancel
    qtbot.waitUntil(lambda: bool(panel.faithfulness_plots) and not window.is_busy(), timeout=WAIT_MS)
    assert panel.faithfulness.isVisible() and window.messages == []
    plot = panel.faithfulness_plots[0]
    assert plot.reading_text().startswith("Faithfulness for P(")
    assert len(plot.curves.deletion) == 21 and len(plot.curves.random_deletion) == 3
    assert len(plot.plot.getPlotItem().listDataItems()) >= 4     # deletion, insertion and their random means
    assert "Check the map…" not in panel.results_text() and "curves are below" in panel.results_text()
    path = str(tiny_bundle.resolve())
    record = window.session.faithfulness_of(path)
    assert record["method"] == ROLLOUT and record["verdict"] in plot.title.text()
    out_json, _ = window.export.export_results(str(tmp_path / "results.json"))
    exported = json.loads(out_json.read_text())["faithfulness"]
    assert [r["model_id"] for r in exported] == [path] and exported[0]["reading"] == plot.reading_text()

    other = write_clip(tmp_path / "b", name="other", with_textgrid=False, seed=3)
    open_and_wait(qtbot, window, other)
    assert window.session.faithfulness == {} and not panel.faithfulness.isVisible()
    _wait_maps(qtbot, window, 1, ROLLOUT)
    assert "Check the map…" in panel.results_text()


def test_cancelling_a_check_leaves_no_curves_and_no_error(qtbot, make_window, clip, tiny_bundle):
    window = _window(qtbot, make_window, tiny_bundle)
    open_and_wait(qtbot, window, clip)
    _wait_maps(qtbot, window, 1, ROLLOUT)
    panel = window.models.panel
    _check_first_map(window)
    assert panel.cancel_button.isVisible()
    panel.cancel_button.click()
    wait_idle(qtbot, window)
    assert window.session.faithfulness == {} and not panel.faithfulness_plots
    assert window.messages == [] and not panel.cancel_button.isVisible()
    assert "cancelled" in window.statusBar().currentMessage()
    _check_first_map(window)                               # and it can be checked afterwards
    qtbot.waitUntil(lambda: bool(panel.faithfulness_plots) and not window.is_busy(), timeout=WAIT_MS)
