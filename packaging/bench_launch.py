"""Launch to visible window: the bundle's `voice-desk gui` against the venv's, in the same run.

Both are started as a user starts them (a new process, a real X server: Xvfb, Qt's xcb platform
plugin) and timed from the moment the process is started until X reports the "Voice Desk" window
mapped and viewable, polled every 5 ms through libX11 (ctypes), so the same clock and the same
definition of "visible" serve both. The runs alternate (venv, bundle, venv, …) after one warm-up
launch of each, so the disk cache treats both alike. Each launch gets a fresh empty data folder.

    .venv/bin/python packaging/bench_launch.py [--runs 5] [--bundle dist/voice-desk/voice-desk]

Needs Xvfb (Debian: xvfb) and a built bundle (scripts/build-bundle). Prints one line per kind and
the ratio (goal: the bundle within 1.5x the venv).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TITLE = b"Voice Desk"
IS_VIEWABLE = 2


class X:
    """Just enough of libX11 to find a mapped top-level window by its title."""

    def __init__(self, display: str):
        self.lib = lib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        lib.XOpenDisplay.restype = ctypes.c_void_p
        lib.XDefaultRootWindow.restype = ctypes.c_ulong
        lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        lib.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                                   ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                   ctypes.POINTER(ctypes.c_uint)]
        lib.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
        lib.XFree.argtypes = [ctypes.c_void_p]
        lib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p]
        lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        # a window may vanish between two requests: ignore the error instead of Xlib's exit()
        self._on_error = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(lambda d, e: 0)
        lib.XSetErrorHandler(self._on_error)
        self.display = lib.XOpenDisplay(display.encode())
        if not self.display:
            raise RuntimeError(f"cannot open X display {display}")
        self.root = lib.XDefaultRootWindow(self.display)

    def _children(self, window):
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not self.lib.XQueryTree(self.display, window, ctypes.byref(root), ctypes.byref(parent),
                                   ctypes.byref(children), ctypes.byref(count)):
            return []
        out = [children[i] for i in range(count.value)]
        if children:
            self.lib.XFree(children)
        return out

    def _viewable(self, window) -> bool:
        class Attributes(ctypes.Structure):
            _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
                        ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                        ("root", ctypes.c_ulong), ("class_", ctypes.c_int), ("bit_gravity", ctypes.c_int),
                        ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
                        ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
                        ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
                        ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int),
                        ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
                        ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", ctypes.c_int),
                        ("screen", ctypes.c_void_p)]
        attributes = Attributes()
        if not self.lib.XGetWindowAttributes(self.display, window, ctypes.byref(attributes)):
            return False
        return attributes.map_state == IS_VIEWABLE

    def window_visible(self) -> bool:
        self.lib.XSync(self.display, 0)
        stack = self._children(self.root)
        while stack:
            window = stack.pop()
            name = ctypes.c_char_p()
            if self.lib.XFetchName(self.display, window, ctypes.byref(name)) and name.value:
                title = name.value
                self.lib.XFree(name)
                if title.startswith(TITLE) and self._viewable(window):
                    return True
            stack.extend(self._children(window))
        return False


def launch(command: list[str], env: dict, x: X, timeout: float = 60.0) -> float:
    home = tempfile.mkdtemp(prefix="bench-launch-home-")
    began = time.perf_counter()
    process = subprocess.Popen(command, env=dict(env, VOICE_DESK_HOME=home), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while not x.window_visible():
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited ({process.returncode}) before showing its window")
            if time.perf_counter() - began > timeout:
                raise TimeoutError(command[0])
            time.sleep(0.005)
        return time.perf_counter() - began
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(home, ignore_errors=True)
        while x.window_visible():       # the next launch starts on an empty screen
            time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bundle", default=str(ROOT / "dist" / "voice-desk" / "voice-desk"))
    parser.add_argument("--venv", default=str(ROOT / ".venv" / "bin" / "voice-desk"))
    args = parser.parse_args()
    if not shutil.which("Xvfb"):
        print("bench_launch: needs Xvfb (apt-get install xvfb)", file=sys.stderr)
        return 2
    display = ":97"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        x = X(display)
        env = {"PATH": "/usr/bin:/bin", "HOME": tempfile.mkdtemp(prefix="bench-launch-user-"), "DISPLAY": display,
               "QT_QPA_PLATFORM": "xcb", "HF_HUB_OFFLINE": "1", "LANG": "C.UTF-8"}
        kinds = {"venv": [args.venv, "gui"], "bundle": [args.bundle, "gui"]}
        times: dict[str, list[float]] = {k: [] for k in kinds}
        for kind, command in kinds.items():       # warm-up: disk cache, fontconfig cache
            launch(command, env, x)
        for _ in range(args.runs):
            for kind, command in kinds.items():
                times[kind].append(launch(command, env, x))
        for kind, values in times.items():
            print(f"{kind:6}: median {statistics.median(values):.2f} s (runs {', '.join(f'{v:.2f}' for v in values)})")
        ratio = statistics.median(times["bundle"]) / statistics.median(times["venv"])
        print(f"bundle / venv: {ratio:.2f}x (goal <= 1.5x)")
        return 0
    finally:
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    raise SystemExit(main())
