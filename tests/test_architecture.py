"""The house rules that code review alone would let slip: import contracts that fail when broken,
no mixins in the window, no part of the window reaching into another's private attributes."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([str(LINT), "--no-cache", "--no-logo"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_import_contracts_hold_and_a_breach_fails(tmp_path):
    assert _lint(ROOT).returncode == 0
    copy = tmp_path / "tree"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy)
    shutil.copytree(ROOT / "voice_desk", copy / "voice_desk", ignore=shutil.ignore_patterns("__pycache__"))
    core = copy / "voice_desk" / "audio" / "load.py"
    core.write_text(core.read_text() + "\n\ndef _qt():\n    from PySide6 import QtCore  # noqa\n")
    window = copy / "voice_desk" / "ui" / "controllers" / "export.py"
    window.write_text(window.read_text() + "\n\ndef _torch():\n    import voice_desk.model.bundle  # noqa\n")
    broken = _lint(copy)
    assert broken.returncode != 0
    assert "voice_desk.audio is not allowed to import PySide6" in broken.stdout
    assert "voice_desk.ui is not allowed to import torch" in broken.stdout


def test_the_window_is_a_shell_without_mixins():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QMainWindow

    from voice_desk.ui.main_window import MainWindow

    assert MainWindow.__bases__ == (QMainWindow,)


def test_no_part_of_the_window_reaches_into_anothers_private_attributes():
    """``x._name`` is allowed only on ``self`` (and ``cls``); everything else goes through public names."""
    offences = []
    for path in sorted((ROOT / "voice_desk" / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                    continue
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert offences == []
