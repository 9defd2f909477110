"""The training wizard driven as a user would: data → split → configuration → a real tiny
training in the training process → results → "Use this model"."""

from __future__ import annotations

import pytest

from svd_tree import TINY_FREEZE, shared_svd_tree, shared_tiny_base

pytest.importorskip("pytestqt")


@pytest.fixture
def wizard(qtbot, tmp_path):
    from voice_desk.ui.wizard.wizard import TrainingWizard

    w = TrainingWizard(models_folder=tmp_path / "models", base_model=str(shared_tiny_base()))
    qtbot.addWidget(w)
    w.show()
    return w


def _load_svd(qtbot, wizard):
    page = wizard.data_page
    page.path_edit.setText(str(shared_svd_tree()["root"]))
    from PySide6.QtCore import Qt

    qtbot.mouseClick(page.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.isComplete(), timeout=60_000)
    return page


def test_wizard_trains_in_a_subprocess_and_offers_the_model(qtbot, wizard, tmp_path):
    from PySide6.QtCore import Qt

    page = _load_svd(qtbot, wizard)
    text = page.counts_label.text()
    assert "healthy: 24" in text and "pathological: 24" in text and "organic" in text and "singer" in text
    wizard.next()
    table = wizard.split_page.table
    total = sum(int(table.item(r, 0).text()) for r in range(3))
    assert total == 48 and int(table.item(0, 0).text()) > int(table.item(2, 0).text()) > 0
    first = dict(wizard.draft.split.assignment)
    wizard.split_page.seed.setValue(7)
    assert wizard.draft.split.seed == 7 and wizard.draft.split.assignment != first
    wizard.split_page.seed.setValue(42)
    wizard.next()
    config = wizard.config_page
    assert config.recipe_combo.currentText() == "ast_freeze"
    # the device is found by the training process, after the page opened
    qtbot.waitUntil(lambda: "Device found" in config.device_label.text(), timeout=60_000)
    assert "Device found" in config.device_label.text()
    settings = [config.table.item(r, 0).text() for r in range(config.table.rowCount())]
    assert "learning_rate" in settings and "split_fractions" not in settings  # the split page owns the split
    config.set_value("warmup_ratio", "1.5")
    assert not config.validatePage() and "warmup_ratio" in config.estimate_label.text()
    config.set_value("warmup_ratio", "0.1")
    for item in TINY_FREEZE:
        key, value = item.split("=")
        config.set_value(key, value)
    assert "learning_rate=0.05" in config.overrides()
    qtbot.mouseClick(config.measure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: config.per_clip_s is not None, timeout=60_000)
    assert "Measured here" in config.estimate_label.text()
    assert "to embed" in config.estimate_label.text() and "already in the cache" in config.estimate_label.text()
    config.name_edit.setText("wizard-model")
    wizard.next()
    train = wizard.train_page
    assert not train.isComplete()
    with qtbot.waitSignal(train.ended, timeout=240_000):
        qtbot.mouseClick(train.start_button, Qt.MouseButton.LeftButton)
    assert train.isComplete(), train.status.text()
    assert train.curves.uars and train.curves.losses  # live curves were fed
    assert wizard.draft.bundle == str(tmp_path / "models" / "wizard-model")
    wizard.next()
    results = wizard.results_page
    assert "UAR" in results.summary.text()
    summary = results.summary.text()          # honest numbers: intervals, counts, the operating point, a warning
    assert "95 % CI" in summary and "test recordings (" in summary and "Verdicts use threshold" in summary
    assert "too few to trust" in summary       # a tiny test part
    assert sum(int(results.confusion.item(i, j).text()) for i in range(2) for j in range(2)) > 0
    assert set(results.roc.gender_curves) == {"female", "male"}  # the ROC per gender too
    with qtbot.waitSignal(wizard.model_ready, timeout=5000) as signal:
        qtbot.mouseClick(results.use_button, Qt.MouseButton.LeftButton)
    assert signal.args == [str(tmp_path / "models" / "wizard-model")]


def test_finetune_on_cpu_gives_gpu_advice_and_a_crash_does_not_take_the_window_down(qtbot, wizard):
    page = _load_svd(qtbot, wizard)
    wizard.next()
    wizard.next()
    config = wizard.config_page
    qtbot.waitUntil(lambda: wizard.draft.device is not None, timeout=60_000)  # found by the training process
    config.recipe_combo.setCurrentText("ast_finetuned")
    if wizard.draft.device == "cpu":
        advice = config.advice.toPlainText()
        assert "GPU" in advice and "voice-desk train --recipe training/ast_finetuned.toml" in advice
        assert "--split" in advice and "--device cuda" in advice
    config.set_value("base_model", str(page.path_edit.text()))  # not a model: training must fail cleanly
    wizard.next()
    train = wizard.train_page
    train.start()
    qtbot.waitUntil(lambda: not train.process.running() and train.resume_button.isEnabled(), timeout=120_000)
    assert "config.json" in train.status.text() or "not a model" in train.status.text()
    assert wizard.isVisible() and not train.isComplete()


def test_split_page_shares_rule_and_a_split_that_cannot_train(qtbot, wizard):
    page = _load_svd(qtbot, wizard)
    page.rule_combo.setCurrentIndex(page.rule_combo.findData("agree_or_other"))
    page.load()
    qtbot.waitUntil(lambda: page.isComplete() and page.load_button.isEnabled(), timeout=60_000)
    wizard.next()
    split = wizard.split_page
    assert split.isComplete() and wizard.draft.split.fractions == (0.8, 0.1, 0.1)
    split.dev_percent.setValue(1)  # far too few speakers for a 1 % dev part
    assert not split.isComplete() and "dev part of the split is empty" in split.notes.text()
    from PySide6.QtWidgets import QWizard

    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    split.dev_percent.setValue(20)
    split.test_percent.setValue(20)
    split.gender_box.setChecked(False)
    assert split.isComplete() and wizard.draft.split.fractions == (0.6, 0.2, 0.2)
    assert not wizard.draft.split.stratify_gender
    assert "train 60 %" in split.train_label.text()
    wizard.next()
    args = wizard.draft.arguments()  # the configuration page wrote recipe ast_freeze into the draft
    assert "multi_diagnosis_rule=agree_or_other" in args and "split_fractions=[0.6,0.2,0.2]" in args
    assert "stratify_gender=false" in args


def test_training_gets_the_data_as_it_was_read_when_a_field_changes_meanwhile(qtbot, wizard, tmp_path):
    page = wizard.data_page
    root = str(shared_svd_tree()["root"])
    page.path_edit.setText(root)
    page.rule_combo.setCurrentIndex(page.rule_combo.findData("agree_or_other"))
    page.load()
    page.path_edit.setText(str(tmp_path))  # edited while the data is read (the result arrives later)
    page.rule_combo.setCurrentIndex(page.rule_combo.findData("organic_first"))
    qtbot.waitUntil(page.isComplete, timeout=60_000)
    draft = wizard.draft
    assert draft.data_spec == f"svd:{root}" and draft.data_settings["multi_diagnosis_rule"] == "agree_or_other"
    assert "several diagnoses: agree_or_other" in page.counts_label.text()


def test_bad_folder_shows_the_reason(qtbot, wizard, tmp_path):
    page = wizard.data_page
    page.path_edit.setText(str(tmp_path))
    page.load()
    qtbot.waitUntil(lambda: page.load_button.isEnabled() and "Reading" not in page.counts_label.text(), timeout=30_000)
    assert "no Saarbrücken Voice Database sessions" in page.counts_label.text()
    assert not page.isComplete()


def test_cancel_then_resume(qtbot, wizard):
    from PySide6.QtCore import Qt

    _load_svd(qtbot, wizard)
    wizard.next()
    wizard.next()
    for item in TINY_FREEZE:
        key, value = item.split("=")
        wizard.config_page.set_value(key, value)
    wizard.config_page.name_edit.setText("resumed")
    wizard.next()
    train = wizard.train_page
    qtbot.mouseClick(train.start_button, Qt.MouseButton.LeftButton)
    assert "--restart" in train.process.arguments  # Start begins afresh
    qtbot.waitUntil(lambda: train.progress.value() > 0 or bool(train.curves.losses), timeout=120_000)
    qtbot.mouseClick(train.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not train.process.running(), timeout=30_000)
    assert wizard.draft.bundle is None  # killed during embedding, long before the end
    assert "cancelled" in train.status.text() and train.resume_button.isEnabled() and not train.isComplete()
    qtbot.mouseClick(train.resume_button, Qt.MouseButton.LeftButton)
    assert "--restart" not in train.process.arguments  # Resume continues
    qtbot.waitUntil(lambda: train.isComplete(), timeout=240_000)
    assert wizard.draft.bundle.endswith("resumed") and train.isComplete()


def test_curves_replace_what_a_resumed_run_redoes(qtbot):
    from voice_desk.ui.wizard.plots import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    for epoch in (1, 2, 3):
        view.add_event({"event": "log", "step": 10 * epoch, "loss": 1.0 / epoch})
        view.add_event({"event": "eval", "epoch": epoch, "step": 10 * epoch, "dev_uar": 0.5, "dev_loss": 0.7})
    # ast_freeze resumed after a cancel trains its head again from epoch 1
    view.add_event({"event": "log", "step": 10, "loss": 0.9})
    view.add_event({"event": "eval", "epoch": 1, "step": 10, "dev_uar": 0.6, "dev_loss": 0.6})
    assert view.steps == [10] and view.epochs == [1] and view.uars == [0.6] and view.dev_losses == [0.6]
    view.add_event({"event": "eval", "epoch": 2, "step": 20, "dev_uar": 0.7, "dev_loss": float("nan")})
    assert view.epochs == [1, 2] and view.eval_steps == [10]  # an undefined dev loss is not drawn


def test_a_killed_training_process_is_reported_and_can_be_resumed(qtbot, wizard):
    from PySide6.QtCore import Qt

    _load_svd(qtbot, wizard)
    wizard.next()
    wizard.next()
    wizard.config_page.name_edit.setText("crashed")
    wizard.next()
    train = wizard.train_page
    train.start()
    qtbot.waitUntil(lambda: bool(train.status.text()) and "Starting" not in train.status.text(), timeout=120_000)
    with qtbot.waitSignal(train.ended, timeout=30_000):
        train.process.child.kill()  # from outside the wizard's Cancel, as the out-of-memory killer would
    assert "stopped unexpectedly" in train.status.text() and "Resume" in train.status.text()
    assert train.resume_button.isEnabled() and not train.isComplete() and wizard.isVisible()
    qtbot.mouseClick(train.resume_button, Qt.MouseButton.LeftButton)  # a new training process continues
    qtbot.waitUntil(train.isComplete, timeout=240_000)
    assert wizard.draft.bundle.endswith("crashed")


def test_a_run_shorter_than_logging_steps_still_draws_the_training_curve(qtbot):
    from voice_desk.ui.wizard.plots import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    for epoch, step in ((1, 3), (2, 6)):     # 3 optimiser steps an epoch, logging every 50: no 'log' event
        view.add_event({"event": "eval", "epoch": epoch, "step": step, "dev_uar": 0.5, "dev_loss": 0.7,
                        "train_loss": 0.9 - 0.1 * epoch})
    xs, ys = view.loss_curve.getData()
    assert list(xs) == [3, 6] and list(ys) == pytest.approx([0.8, 0.7])
    view.add_event({"event": "log", "step": 50, "epoch": 3.0, "loss": 0.5})
    view.add_event({"event": "eval", "epoch": 3, "step": 51, "dev_uar": 0.5, "dev_loss": 0.6, "train_loss": 0.55})
    assert list(view.loss_curve.getData()[0]) == [3, 6, 50]    # a logged step wins over the epoch's mean
