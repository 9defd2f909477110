"""Qt can open a window on a real (X11) display: every library its xcb platform plugin links to
is installed (scripts/setup-env installs them). A missing one makes the first launch abort with
"Could not load the Qt platform plugin xcb" although the offscreen tests pass."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None, reason="ldd is Linux's")
def test_the_xcb_platform_plugin_finds_every_library_it_needs():
    import PySide6

    plugins = Path(PySide6.__file__).parent / "Qt" / "plugins"
    libraries = [plugins / "platforms" / "libqxcb.so", *sorted((plugins / "xcbglintegrations").glob("*.so"))]
    assert libraries[0].is_file()
    missing = {}
    for library in libraries:
        out = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=True).stdout
        gone = [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]
        if gone:
            missing[library.name] = gone
    assert missing == {}, f"install the Debian packages that provide these (scripts/setup-env): {missing}"
