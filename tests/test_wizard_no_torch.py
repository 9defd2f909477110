"""The training wizard never imports torch into the window's process: a fresh process walks
every page (data read, split, configuration with the device and the speed measured, a real
tiny ast_freeze training to the end, results) and then looks at ``sys.modules``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from svd_tree import TINY_FREEZE, shared_svd_tree, shared_tiny_base

WALK = r"""
import json, sys, time


def main():
    base, svd, models, tiny = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    from voice_desk.ui.app import application
    from voice_desk.ui.wizard.wizard import TrainingWizard

    app = application()
    wizard = TrainingWizard(models_folder=models, base_model=base)
    wizard.show()

    def wait(condition, what, timeout=240):
        end = time.time() + timeout
        while not condition():
            app.processEvents()
            time.sleep(0.005)
            if time.time() > end:
                raise SystemExit(f"timed out waiting for {what}")

    data = wizard.data_page
    data.path_edit.setText(svd)
    data.load()
    wait(data.isComplete, "the data to be read")
    wizard.next()
    assert wizard.currentPage() is wizard.split_page and wizard.split_page.isComplete()
    wizard.next()
    config = wizard.config_page
    assert wizard.currentPage() is config
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
    print("imported:", "torch" in sys.modules, "transformers" in sys.modules)
    wizard.close()


if __name__ == "__main__":
    main()
"""


def test_walking_the_wizard_never_imports_torch_into_the_windows_process(tmp_path):
    base, tree = shared_tiny_base(), shared_svd_tree()   # made here: making them imports torch
    script = tmp_path / "walk_wizard.py"
    script.write_text(WALK, encoding="utf-8")
    env = dict(os.environ, VOICE_DESK_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, str(script), str(base), str(tree["root"]), str(tmp_path / "models"),
                           json.dumps(TINY_FREEZE)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert done.stdout.split()[-3:] == ["imported:", "False", "False"]
    assert (tmp_path / "models" / "no-torch" / "voice_desk.json").is_file()
