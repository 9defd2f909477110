"""Neither the window nor the training wizard ever imports torch into the window's process: a
fresh process opens a recording with a model installed, runs it, uses every view (overlay,
renderings, frequency axis, side by side, aligner, export), opens Models → Train a model… and
walks every page (data read, split, configuration with the device and the speed measured, a real
tiny ast_freeze training to the end, results, "Use this model", which runs the new model on the
recording), then looks at ``sys.modules``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from svd_tree import TINY_FREEZE, shared_svd_tree, shared_tiny_base
from ui_support import clip  # noqa: F401 (fixture)

WALK = r"""
import json, sys, time


def main():
    base, svd, models, tiny = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    clip, model = sys.argv[5], sys.argv[6]
    from voice_desk.ui.app import application, start_window

    app = application()

    def wait(condition, what, timeout=240):
        end = time.time() + timeout
        while not condition():
            app.processEvents()
            time.sleep(0.005)
            if time.time() > end:
                raise SystemExit(f"timed out waiting for {what}")

    window = start_window(clip, models=[model])
    wait(lambda: window.session.explanations and not window.is_busy(), "the model's first verdict")
    relevance = window.relevance
    relevance.overlay_action.setChecked(True)
    relevance.set_rendering("heat")
    relevance.axis_actions["mel"].trigger()
    relevance.side_by_side_action.trigger()
    assert relevance.side_views and relevance.phone_chart.rows
    window.tiers.align_builtin_action.trigger()
    wait(lambda: not window.is_busy(), "the built-in aligner")
    window.export.export_results(models + "-results.json")
    window.models.train_action.trigger()                      # Models → Train a model…
    wizard = window.models.wizard
    data = wizard.data_page
    data.path_edit.setText(svd)
    data.load()
    wait(data.isComplete, "the data to be read")
    wizard.next()
    assert wizard.currentPage() is wizard.split_page and wizard.split_page.isComplete()
    wizard.next()
    config = wizard.config_page
    assert wizard.currentPage() is config
    config.set_value("base_model", base)                       # the hub's base is not here offline
    config.measure()
    wait(lambda: config.per_clip_s is not None, "the speed measured by the training process")
    assert "Device found" in config.device_label.text(), config.device_label.text()
    assert "Measured here" in config.estimate_label.text(), config.estimate_label.text()
    for item in tiny:
        key, value = item.split("=")
        config.set_value(key, value)
    config.name_edit.setText("no-torch")
    wizard.next()
    train = wizard.train_page
    train.start()
    wait(lambda: not train.process.running(), "the training")
    assert train.isComplete(), train.status.text()
    wizard.next()
    assert wizard.currentPage() is wizard.results_page and "UAR" in wizard.results_page.summary.text()
    wizard.results_page.use_button.click()                     # "Use this model": added, and run here
    wait(lambda: len(window.session.explanations) == 2 and not window.is_busy(), "the new model's verdict")
    print("imported:", "torch" in sys.modules, "transformers" in sys.modules)
    window.close()


if __name__ == "__main__":
    main()
"""


def test_walking_the_window_and_the_wizard_never_imports_torch_into_their_process(tmp_path, clip, tiny_bundle):
    base, tree = shared_tiny_base(), shared_svd_tree()   # made here: making them imports torch
    script = tmp_path / "walk_wizard.py"
    script.write_text(WALK, encoding="utf-8")
    env = dict(os.environ, VOICE_DESK_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    models = tmp_path / "home" / "models"     # the window's models folder: the wizard saves its model there
    done = subprocess.run([sys.executable, str(script), str(base), str(tree["root"]), str(models),
                           json.dumps(TINY_FREEZE), str(clip), str(tiny_bundle)], env=env, capture_output=True,
                          text=True, timeout=400)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert done.stdout.split()[-3:] == ["imported:", "False", "False"]
    assert (models / "no-torch" / "voice_desk.json").is_file()
    assert (tmp_path / "home" / "models-results.json").is_file()
