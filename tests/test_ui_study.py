"""The study browser: a study folder's recordings filtered and sorted, the embedding map (a click
opens the recording with each model's map side by side), the per-phone ranking with whiskers; and
Models → Run a study… in the background."""

from __future__ import annotations

import pytest
from test_study_cli import make_dataset, save_split
from ui_support import WAIT_MS, fresh_home, make_window  # noqa: F401

pytest.importorskip("pytestqt")


@pytest.fixture(scope="module")
def study_folder(tmp_path_factory):
    from conftest import save_tiny_bundle

    from voice_desk.cli import main

    root = tmp_path_factory.mktemp("ui-study")
    data = root / "data"
    data.mkdir()
    manifest = make_dataset(data)
    freeze = save_tiny_bundle(root / "freeze", configuration="ast_freeze", seed=0)
    finetuned = save_tiny_bundle(root / "finetuned", configuration="ast_finetuned", seed=1)
    for bundle in (freeze, finetuned):
        save_split(bundle, manifest, seed=0)
    out = root / "out"
    assert main(["study", "-m", str(freeze), "-m", str(finetuned), "--data", f"manifest:{manifest}", "--split", "all",
                 "--cache", str(root / "cache"), "--out", str(out), "--bootstrap", "100", "--examples", "1"]) == 0
    return {"out": out, "manifest": manifest, "models": [str(freeze), str(finetuned)]}


def test_the_study_browser_filters_maps_and_opens_a_recording(qtbot, make_window, study_folder):
    window = make_window()
    browser = window.study.open_study(str(study_folder["out"]))
    qtbot.addWidget(browser)
    n = len(browser.rows)
    assert n == browser.table.rowCount() == 16 and len(browser.visible_indices()) == n
    browser.filters["label"].setCurrentIndex(browser.filters["label"].findData("healthy"))
    healthy = browser.visible_indices()
    assert 0 < len(healthy) < n and all(browser._row(i)["label"] == "healthy" for i in healthy)
    browser.filters["label"].setCurrentIndex(0)
    assert browser.scatter_items and sum(len(item.points()) for item in browser.scatter_items) == n
    assert browser.phones_shown                                       # the per-phone ranking is drawn
    index = browser.scatter_items[0].points()[0].data()
    browser.choose(int(index))                                        # a click on a point
    qtbot.waitUntil(lambda: window.session.recording is not None, timeout=WAIT_MS)
    assert str(window.session.recording.path) == str(study_folder["out"].parent / "data" / browser._row(index)["file"]) \
        or window.session.recording.path.name == browser._row(index)["file"]
    assert window.relevance.side_by_side_action.isChecked()


def test_a_study_runs_in_the_background_and_opens(qtbot, make_window, study_folder, tmp_path):
    window = make_window()
    out = tmp_path / "again"
    window.study.run_study(study_folder["models"], f"manifest:{study_folder['manifest']}", str(out))
    qtbot.waitUntil(lambda: window.study.browser is not None and not window.is_busy(), timeout=240_000)
    assert (out / "report.html").is_file() and window.study.browser.table.rowCount() > 0
