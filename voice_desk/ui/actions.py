"""QAction with its shortcuts and tips, made the same way by every controller."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence


def make_action(window, text: str, slot, shortcut=None, checkable: bool = False, tip: str | None = None) -> QAction:
    """An action of ``window`` (its shortcut works anywhere in the window) that calls ``slot``
    (``toggled(bool)`` for a checkable one, ``triggered`` otherwise)."""
    action = QAction(text, window)
    if shortcut is not None:
        keys = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setCheckable(checkable)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    (action.toggled if checkable else action.triggered).connect(slot)
    window.addAction(action)
    return action
