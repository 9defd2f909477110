"""Which map the models make: the relevance method (attention rollout, the study's, or the
gradient-weighted rollout for one class) and its class, beside the rendering in the toolbar and
in View → Relevance method. The choice lives in the session (``relevance_method``,
``target_class``) and is remembered; the models controller re-runs the models when it changes.

The class list is the classes of the models that tell healthy from pathological (a base model's
527 AudioSet classes would drown it); a model without the chosen class maps its predicted class.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox

from voice_desk.model.relevance_methods import ANSWERS, GRADIENT_ROLLOUT, METHODS, ROLLOUT, TITLES
from voice_desk.ui import settings as stored

PREDICTED = "predicted class"
CLASS_TIP = ("The class the gradient-weighted map is for: which parts pushed the model towards it. "
             "“Predicted class”: each model's own verdict. (Attention rollout is the same for every class.)")


def _answer(method: str) -> str:
    return f"{TITLES[method]}: {ANSWERS[method]}"


class RelevanceMethodChoice(QObject):
    """The method and class boxes (toolbar) and menu (View); data in from the session, choices out to it."""

    def __init__(self, window):
        super().__init__(window)
        self.window, self.session = window, window.session
        self.method_box = QComboBox()
        self.method_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for method in METHODS:
            self.method_box.addItem(TITLES[method], method)
            self.method_box.setItemData(self.method_box.count() - 1, _answer(method), Qt.ItemDataRole.ToolTipRole)
        self.class_box = QComboBox()
        self.class_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.class_box.setToolTip(CLASS_TIP)
        self.method_group = QActionGroup(self)
        self.method_actions: dict[str, QAction] = {}
        for method in METHODS:
            action = QAction(TITLES[method], self, checkable=True)
            action.setData(method)
            action.setStatusTip(_answer(method))
            action.setToolTip(_answer(method))
            self.method_group.addAction(action)
            self.method_actions[method] = action
        self.class_group = QActionGroup(self)
        self.class_menu = None
        self.method_box.currentIndexChanged.connect(lambda _i: self._chosen())
        self.class_box.currentIndexChanged.connect(lambda _i: self._chosen())
        self.method_group.triggered.connect(lambda a: self.session.set_relevance_method(a.data(),
                                                                                         self.session.target_class))
        self.class_group.triggered.connect(lambda a: self.session.set_relevance_method(GRADIENT_ROLLOUT,
                                                                                        a.data() or None))
        self.session.models_changed.connect(self._fill_classes)
        self.session.relevance_method_changed.connect(self.show_choice)
        self._fill_classes()

    def build_menu(self, view_menu) -> None:
        menu = view_menu.addMenu("Relevance method")
        for action in self.method_actions.values():
            menu.addAction(action)
        self.class_menu = view_menu.addMenu("Gradient-weighted rollout for")
        self.class_menu.setToolTipsVisible(True)
        self._fill_classes()

    def classes(self) -> list[str]:
        """The classes of the models that give a verdict, in the order the models list them."""
        out: list[str] = []
        for entry in self.session.model_entries.values():
            if entry.expects_verdict:
                out += [label for label in entry.labels if label not in out]
        return out

    def _fill_classes(self) -> None:
        box, chosen = self.class_box, self.session.target_class
        box.blockSignals(True)
        box.clear()
        box.addItem(PREDICTED, "")
        for label in self.classes():
            box.addItem(label, label)
        box.blockSignals(False)
        for action in self.class_group.actions():
            self.class_group.removeAction(action)
            action.deleteLater()
        if self.class_menu is not None:
            self.class_menu.clear()
            for index in range(box.count()):
                action = QAction(box.itemText(index), self, checkable=True)
                action.setData(box.itemData(index))
                action.setToolTip(CLASS_TIP)
                self.class_group.addAction(action)
                self.class_menu.addAction(action)
        if chosen and box.findData(chosen) < 0:      # a remembered class no model has now
            box.addItem(chosen, chosen)
        self.show_choice()

    def show_choice(self) -> None:
        """The boxes and menus say what the session holds (no signals back)."""
        method, target = self.session.relevance_method, self.session.target_class or ""
        for box, value in ((self.method_box, method), (self.class_box, target)):
            box.blockSignals(True)
            box.setCurrentIndex(max(0, box.findData(value)))
            box.blockSignals(False)
        self.method_actions[method].setChecked(True)
        gradient = method == GRADIENT_ROLLOUT
        self.class_box.setEnabled(gradient)
        for action in self.class_group.actions():
            action.setEnabled(gradient)
            action.setChecked(action.data() == target)
        self.method_box.setToolTip(_answer(method))

    def _chosen(self) -> None:
        self.session.set_relevance_method(self.method_box.currentData(), self.class_box.currentData() or None)
        self.show_choice()       # rollout: the class box greys out and shows the predicted class

    # ------------------------------------------------------------------ settings
    def restore_settings(self) -> None:
        s = stored.app_settings()
        method = str(s.value("overlay/method", ROLLOUT))
        self.session.set_relevance_method(method, str(s.value("overlay/target_class", "")) or None)
        self._fill_classes()

    def save_settings(self) -> None:
        s = stored.app_settings()
        s.setValue("overlay/method", self.session.relevance_method)
        s.setValue("overlay/target_class", self.session.target_class or "")
