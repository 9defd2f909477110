"""Window speed: launch to visible window, open a 3 s file to spectrogram painted, and the
longest UI-thread block (a QTimer heartbeat) while a full-size model explains.

Each figure is compared in the same run with the obvious alternative:
- launch: importing torch + transformers before showing the window (what a naive app does);
- open: loading + spectrogram on the UI thread (how long the UI would freeze) vs in the worker;
- explain: Engine.explain called on the UI thread vs the window's model process (and the
  first run, which starts that process and loads the model, vs loading in a thread of the
  window's process: torch's import alone holds the GIL for ~0.2 s).

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py [--runs 3]
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
    parser.add_argument("--skip-model", action="store_true", help="leave out the full-size model part")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    home = str(tmp / "home")
    os.environ["VOICE_DESK_HOME"] = home
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
        for i in range(args.runs + 1):
            painted.clear()
            window.recording = None
            beat.start()
            t0 = time.perf_counter()
            window.open_file(str(clip))
            wait(app, lambda: "t" in painted and window.recording is not None)
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
            compute_spectrogram(rec.samples, rec.sample_rate, window.spec_settings)
            sync.append(time.perf_counter() - t0)
        print(f"open a 3 s file (44.1 kHz WAV) to spectrogram painted: median {statistics.median(opens) * 1000:.0f} ms "
              f"(runs {', '.join(f'{x * 1000:.0f}' for x in opens)}); longest UI block meanwhile "
              f"{max(blocks) * 1000:.0f} ms; the same load + spectrogram on the UI thread would block it "
              f"{statistics.median(sync) * 1000:.0f} ms")

        if not args.skip_model:
            explain_benchmark(app, window, tmp, clip, args.runs)
        window.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def explain_benchmark(app, window, tmp: Path, clip: Path, runs: int) -> None:
    folder = tmp / "full_ast_freeze"
    t0 = time.perf_counter()
    # built in another process: this one stays as light as the real window (no torch) until the
    # UI-thread comparison at the end, so starting the model process costs what it costs a user
    subprocess.run([sys.executable, "-c", SAVE_FULL_MODEL, str(folder)], check=True, capture_output=True)
    print(f"(full-size model with random weights saved in {time.perf_counter() - t0:.1f} s)")
    window.add_model(str(folder))
    for path in window.verdict.chosen():
        window.verdict.set_checked(path, path == str(folder.resolve()))
    beat = Heartbeat()
    beat.start()
    t0 = time.perf_counter()
    window._preload_models()     # what the window does 1.5 s after launch when models are installed
    wait(app, lambda: not window.is_busy())
    print(f"model process start + torch import + model load at launch (background): {time.perf_counter() - t0:.1f} s, "
          f"longest UI block {beat.stop() * 1000:.0f} ms")
    first_block, times, blocks = None, [], []
    for i in range(runs + 1):
        window.explanations = {}
        beat.start()
        t0 = time.perf_counter()
        window.run_models()
        wait(app, lambda: window.explanations and not window.is_busy())
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
    recording = window.recording
    beat.start()
    t0 = time.perf_counter()
    engine.explain(recording)          # the alternative: on the UI thread
    app.processEvents()
    ui_block = beat.stop()
    print(f"explain on the UI thread instead: the UI is blocked {ui_block * 1000:.0f} ms "
          f"({ui_block / max(max(blocks), 1e-3):.0f}x the worker's worst block)")


if __name__ == "__main__":
    raise SystemExit(main())
