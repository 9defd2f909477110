"""Window speed: launch to visible window, open a 3 s file to spectrogram painted, the
longest UI-thread block (a QTimer heartbeat) while a full-size model explains, and while the
training wizard's configuration page opens and measures speed.

Each figure is compared in the same run with the obvious alternative:
- launch: importing torch + transformers before showing the window (what a naive app does);
- open: loading + spectrogram on the UI thread (how long the UI would freeze) vs in the worker;
- explain: Engine.explain called on the UI thread vs the window's model process (and the
  first run, which starts that process and loads the model, vs loading in a thread of the
  window's process: torch's import alone holds the GIL for ~0.2 s);
- wizard: the configuration page asking the training process for the device and the speed vs
  the way it was done before (pick_device on the UI thread, then forward passes in a thread of
  the window's process). Measured in a fresh process of its own, so that torch is not already
  imported by the explain comparisons.

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py [--runs 3] [--only-wizard]
Needs ~1 GB of free disk for the full-size model (random weights, temp folder, removed after).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent

LAUNCH_CHILD = r"""
import os, sys, time
t0 = float(sys.argv[1])
if sys.argv[2] == "eager":
    import torch, transformers  # the alternative: heavy imports before the window
from voice_desk.ui.app import application, start_window
app = application()
w = start_window()
app.processEvents()
while not w.isVisible() or not w.windowHandle() or not w.windowHandle().isExposed():
    app.processEvents()
print(f"{time.time() - t0:.4f}")
"""


def launch_times(mode: str, runs: int, home: str) -> list[float]:
    out = []
    env = dict(os.environ, VOICE_DESK_HOME=home)
    for _ in range(runs):
        t0 = time.time()
        done = subprocess.run([sys.executable, "-c", LAUNCH_CHILD, f"{t0:.6f}", mode], env=env,
                              capture_output=True, text=True, check=True)
        out.append(float(done.stdout.strip().splitlines()[-1]))
    return out


def make_clip(folder: Path, seconds: float = 3.0) -> Path:
    import numpy as np
    import soundfile as sf

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import speech_like

    path = folder / f"clip{seconds:g}.wav"
    sf.write(path, speech_like(seconds).astype(np.float32), 44100 if seconds < 10 else 16000)
    return path


SAVE_FULL_MODEL = r"""
import sys
from transformers import ASTFeatureExtractor
from voice_desk.model.bundle import build_model, save_bundle
from voice_desk.model.card import ModelCard
save_bundle(build_model(), sys.argv[1], ModelCard(configuration="ast_freeze"), ASTFeatureExtractor())
"""


class Heartbeat:
    """A 5 ms QTimer on the UI thread; the longest gap between ticks is the longest block."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self.last = None

    def _tick(self):
        now = time.perf_counter()
        if self.last is not None:
            self.gaps.append(now - self.last)
        self.last = now

    def start(self):
        self.gaps, self.last = [], time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return max(self.gaps) if self.gaps else 0.0


def wait(app, condition, timeout=600.0):
    end = time.perf_counter() + timeout
    while not condition():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() > end:
            raise TimeoutError


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-model", action="store_true", help="leave out the full-size model parts")
    parser.add_argument("--only-wizard", action="store_true",
                        help="only the training wizard's row (builds the full-size model; about 2 min on 2 cores)")
    parser.add_argument("--wizard-process", nargs=2, metavar=("MODEL", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.wizard_process:      # the wizard row, in a fresh process started by wizard_benchmark
        return measure_wizard(Path(args.wizard_process[0]), Path(args.wizard_process[1]), args.runs)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    home = str(tmp / "home")
    os.environ["VOICE_DESK_HOME"] = home
    if args.only_wizard:
        try:
            wizard_benchmark(save_full_model(tmp), tmp, args.runs)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    try:
        lazy = launch_times("lazy", args.runs, home)
        eager = launch_times("eager", args.runs, home)
        print(f"launch to visible window: median {statistics.median(lazy):.2f} s (runs {', '.join(f'{x:.2f}' for x in lazy)}); "
              f"with torch+transformers imported first: {statistics.median(eager):.2f} s "
              f"({statistics.median(eager) / statistics.median(lazy):.1f}x slower)")

        from voice_desk.ui.app import application, start_window

        app = application()
        window = start_window()
        wait(app, lambda: window.isVisible())
        clip = make_clip(tmp, 3.0)
        image = window.spectrogram_view.image
        painted = {}
        original_paint = type(image).paint
        original_set = window.spectrogram_view.set_spectrogram

        def paint(item, painter, *rest):
            if item is image and "set" in painted:     # the first paint after the new picture was set
                painted.setdefault("t", time.perf_counter())
            return original_paint(item, painter, *rest)

        def set_spectrogram(*a, **k):
            painted["set"] = True
            return original_set(*a, **k)

        type(image).paint = paint
        window.spectrogram_view.set_spectrogram = set_spectrogram
        beat = Heartbeat()
        opens, blocks = [], []
        shown = []
        window.session.recording_changed.connect(lambda: shown.append(1))
        for i in range(args.runs + 1):
            painted.clear()
            shown.clear()
            beat.start()
            t0 = time.perf_counter()
            window.opening.open_file(str(clip))
            wait(app, lambda: "t" in painted and shown)
            if i:   # the first open warms the caches (soxr, numpy FFT plans)
                opens.append(painted["t"] - t0)
                blocks.append(beat.stop())
            else:
                beat.stop()
        type(image).paint = original_paint
        from voice_desk.audio.spectrogram import compute_spectrogram
        from voice_desk.audio.load import load_recording

        sync = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            rec = load_recording(clip)
            compute_spectrogram(rec.samples, rec.sample_rate, window.opening.spec_settings)
            sync.append(time.perf_counter() - t0)
        print(f"open a 3 s file (44.1 kHz WAV) to spectrogram painted: median {statistics.median(opens) * 1000:.0f} ms "
              f"(runs {', '.join(f'{x * 1000:.0f}' for x in opens)}); longest UI block meanwhile "
              f"{max(blocks) * 1000:.0f} ms; the same load + spectrogram on the UI thread would block it "
              f"{statistics.median(sync) * 1000:.0f} ms")

        if not args.skip_model:
            wizard_benchmark(save_full_model(tmp), tmp, args.runs)
            explain_benchmark(app, window, tmp, clip, args.runs)
        window.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def save_full_model(tmp: Path) -> Path:
    """The full-size model with random weights in ``tmp`` (saved once, for the wizard and explain)."""
    folder = tmp / "full_ast_freeze"
    if folder.is_dir():
        return folder
    t0 = time.perf_counter()
    # built in another process: this one stays as light as the real window (no torch) until the
    # UI-thread comparison at the end, so starting the model process costs what it costs a user
    subprocess.run([sys.executable, "-c", SAVE_FULL_MODEL, str(folder)], check=True, capture_output=True)
    print(f"(full-size model with random weights saved in {time.perf_counter() - t0:.1f} s)")
    return folder


def explain_benchmark(app, window, tmp: Path, clip: Path, runs: int) -> None:
    folder = save_full_model(tmp)
    window.models.add_model(str(folder))
    for path in window.models.panel.chosen():
        window.models.panel.set_checked(path, path == str(folder.resolve()))
    beat = Heartbeat()
    beat.start()
    t0 = time.perf_counter()
    window.models.preload()      # what the window does 1.5 s after launch when models are installed
    wait(app, lambda: not window.is_busy())
    print(f"model process start + torch import + model load at launch (background): {time.perf_counter() - t0:.1f} s, "
          f"longest UI block {beat.stop() * 1000:.0f} ms")
    first_block, times, blocks = None, [], []
    results = []
    window.session.results_changed.connect(lambda: results.append(1))
    for i in range(runs + 1):
        results.clear()
        beat.start()
        t0 = time.perf_counter()
        window.models.run()
        wait(app, lambda: results and window.session.explanations and not window.is_busy())
        block = beat.stop()
        if i == 0:
            first_block, first_time = block, time.perf_counter() - t0
        else:
            times.append(time.perf_counter() - t0)
            blocks.append(block)
    print(f"first explain after that: {first_time:.1f} s, longest UI block "
          f"{first_block * 1000:.0f} ms")
    print(f"explain in the model process: median {statistics.median(times):.2f} s; longest UI block "
          f"{max(blocks) * 1000:.0f} ms (median of runs {statistics.median(blocks) * 1000:.0f} ms)")
    from voice_desk.model.bundle import load_model
    from voice_desk.model.engine import Engine

    import threading

    loaded = {}
    beat.start()
    thread = threading.Thread(target=lambda: loaded.setdefault("m", load_model(folder)))
    thread.start()
    while thread.is_alive():
        app.processEvents()
        time.sleep(0.001)
    print(f"loading the same model in a thread of the window's process instead (importing torch there): "
          f"longest UI block {beat.stop() * 1000:.0f} ms")
    engine = Engine(loaded["m"])
    recording = window.session.recording
    beat.start()
    t0 = time.perf_counter()
    engine.explain(recording)          # the alternative: on the UI thread
    app.processEvents()
    ui_block = beat.stop()
    print(f"explain on the UI thread instead: the UI is blocked {ui_block * 1000:.0f} ms "
          f"({ui_block / max(max(blocks), 1e-3):.0f}x the worker's worst block)")


def wizard_benchmark(folder: Path, tmp: Path, runs: int) -> None:
    """The wizard's row, measured in a fresh process (like a window that has not imported torch)."""
    done = subprocess.run([sys.executable, __file__, "--runs", str(runs), "--wizard-process", str(folder),
                           str(tmp / "wizard")], capture_output=True, text=True)
    print("\n".join(line for line in done.stdout.splitlines() if line.strip()))
    if done.returncode != 0:
        print(done.stderr[-3000:])
        raise SystemExit("the wizard benchmark failed")


def old_speed_measurement(base_model: str, clip: str) -> None:
    """What the configuration page did before, in a thread of the window's process: load the
    base model, then a warm-up and a timed forward pass on one clip."""
    import torch

    from voice_desk.train.base_model import load_base
    from voice_desk.train.clip_inputs import input_values, load_samples

    model, extractor, _ = load_base(base_model)
    x = torch.from_numpy(input_values([load_samples(clip)], extractor))
    with torch.inference_mode():
        model(input_values=x)
        model(input_values=x)


def measure_wizard(model: Path, folder: Path, runs: int) -> int:
    """The wizard with the full-size model as base, data read and split made: the longest UI
    block while the configuration page opens and the training process finds the device and
    measures speed, then while "Measure speed" runs again; then the same done the old way."""
    import threading

    sys.path.insert(0, str(ROOT / "tests"))
    from svd_tree import make_svd_tree

    from voice_desk.ui.app import application
    from voice_desk.ui.wizard.wizard import TrainingWizard

    os.environ["VOICE_DESK_HOME"] = str(folder / "home")
    tree = make_svd_tree(folder / "svd")
    app = application()
    wizard = TrainingWizard(models_folder=folder / "models", base_model=str(model))
    wizard.show()
    data, config = wizard.data_page, wizard.config_page
    data.path_edit.setText(str(tree["root"]))
    data.load()
    wait(app, data.isComplete)
    wizard.next()                                  # the split page
    beat = Heartbeat()
    beat.start()
    t0 = time.perf_counter()
    wizard.next()                                  # the configuration page: the probe starts
    wait(app, lambda: config.per_clip_s is not None)
    first_time, first_block = time.perf_counter() - t0, beat.stop()
    assert "Device found" in config.device_label.text(), config.device_label.text()
    times, blocks = [], []
    for _ in range(runs):
        config.per_clip_s = None
        beat.start()
        t0 = time.perf_counter()
        config.measure()                           # "Measure speed on this computer" again
        wait(app, lambda: config.per_clip_s is not None)
        times.append(time.perf_counter() - t0)
        blocks.append(beat.stop())
    print(f"wizard configuration page opens, the training process starts, finds the device and measures speed: "
          f"{first_time:.1f} s, longest UI block {first_block * 1000:.0f} ms; measured again: median "
          f"{statistics.median(times):.1f} s, longest UI block {max(blocks) * 1000:.0f} ms (median of {runs} runs "
          f"{statistics.median(blocks) * 1000:.0f} ms)")
    clip = wizard.draft.split.clips(wizard.draft.corpus, "train")[0].path
    wizard.close()
    beat.start()
    t0 = time.perf_counter()
    from voice_desk.model.device import pick_device

    pick_device(None)                              # the old initializePage: imports torch on the UI thread
    app.processEvents()
    device_block = beat.stop()
    beat.start()
    thread = threading.Thread(target=old_speed_measurement, args=(str(model), clip))
    thread.start()
    while thread.is_alive():
        app.processEvents()
        time.sleep(0.001)
    old_time, thread_block = time.perf_counter() - t0, beat.stop()
    print(f"the old way, pick_device on the UI thread then the measurement in a thread of the window's process: "
          f"{old_time:.1f} s, longest UI block {max(device_block, thread_block) * 1000:.0f} ms (pick_device, "
          f"importing torch: {device_block * 1000:.0f} ms; the measuring thread: {thread_block * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
