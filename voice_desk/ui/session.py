"""The window's state in one observable object (napari's ``ViewerModel`` is the model).

Controllers change the state through these methods and listen to the signals; widgets never
hold state of their own that another part needs (the true label is read here, not out of a
combo box). What the state means is the Qt-free session layer's: the opened recording
(:class:`voice_desk.session.opening.OpenedRecording`), its tiers
(:class:`voice_desk.session.tiers.TierResult`) and the models' results
(:class:`voice_desk.session.assessment.Assessment`).

The relevance method and the class a class-specific map is for (``relevance_method``,
``target_class``; None: each model's predicted class) say which maps the models make; the
faithfulness records (:meth:`voice_desk.model.faithfulness.Curves.to_record`) measured for the
maps shown are kept per (model path, method, target class) and go with the maps they measured.

``file_token`` counts the recordings opened: work started for one recording carries its token,
and a result that comes back for an earlier token is dropped (``dropped_results`` counts them).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from voice_desk.model.relevance_methods import METHODS, ROLLOUT
from voice_desk.session.assessment import Assessment, known_label
from voice_desk.session.opening import OpenedRecording
from voice_desk.session.tiers import TierResult


class WindowSession(QObject):
    recording_changed = Signal()     # another recording is shown (its tiers and label came with it)
    spectrogram_changed = Signal()   # the same recording, a new picture (other settings)
    tiers_changed = Signal()
    models_changed = Signal()        # the list of models changed
    results_changed = Signal()       # a model's result or failure came or went
    true_label_changed = Signal()
    measures_changed = Signal()      # Praat's voice measures of the recording came
    relevance_method_changed = Signal()   # another relevance method or target class was chosen
    faithfulness_changed = Signal()  # a map's faithfulness was measured, or the measures went

    def __init__(self, parent=None):
        super().__init__(parent)
        self.opened: OpenedRecording | None = None
        self.spectrogram = None
        self.tiers = TierResult(None)
        self.true_label_source: str | None = None
        self.assessment = Assessment()
        self.measures = None             # voice_desk.measures.result.SessionMeasures of the recording
        self.relevance_method = ROLLOUT
        self.target_class: str | None = None
        self.faithfulness: dict[tuple[str, str, str | None], dict] = {}
        self.file_token = 0
        self.dropped_results = 0

    # ------------------------------------------------------------------ reading
    @property
    def recording(self):
        return self.opened.recording if self.opened is not None else None

    @property
    def alignment(self):
        return self.tiers.alignment

    @property
    def is_demo(self) -> bool:
        return self.opened is not None and self.opened.is_demo

    @property
    def true_label(self) -> str | None:
        return self.assessment.true_label

    @property
    def model_entries(self) -> dict:
        return self.assessment.entries

    @property
    def explanations(self) -> dict:
        return self.assessment.explanations

    @property
    def failures(self) -> dict:
        return self.assessment.failures

    @property
    def map_choice(self) -> tuple[str, str | None]:
        """(method, class) the models' maps are made with: rollout has no class."""
        return self.relevance_method, self.target_class if self.relevance_method != ROLLOUT else None

    def faithfulness_of(self, path: str) -> dict | None:
        """The faithfulness record of ``path``'s map shown now, if it was measured."""
        explanation = self.explanations.get(path)
        return self.faithfulness.get(map_key(path, explanation)) if explanation is not None else None

    def is_current(self, token: int) -> bool:
        """Whether work started with ``token`` is for the recording shown now (counts the drops)."""
        if token == self.file_token:
            return True
        self.dropped_results += 1
        return False

    # ------------------------------------------------------------------ changing
    def next_token(self) -> int:
        """A new recording is on its way: work for the one shown now is out of date."""
        self.file_token += 1
        return self.file_token

    def show(self, opened: OpenedRecording) -> None:
        """Show ``opened``: its tiers and true label come with it; results of the previous
        recording go (a label entered for it never carries over)."""
        self.opened, self.spectrogram, self.tiers = opened, opened.spectrogram, opened.tiers
        self.assessment.explanations, self.assessment.failures = {}, {}
        self.measures = None
        self.faithfulness = {}
        self.assessment.true_label = opened.true_label
        self.true_label_source = opened.true_label_source
        self.recording_changed.emit()
        self.tiers_changed.emit()
        self.results_changed.emit()
        self.true_label_changed.emit()
        self.faithfulness_changed.emit()

    def set_spectrogram(self, spectrogram) -> None:
        self.spectrogram = spectrogram
        self.spectrogram_changed.emit()

    def set_tiers(self, tiers: TierResult) -> None:
        self.tiers = tiers
        self.tiers_changed.emit()

    def set_true_label(self, label: str | None) -> None:
        """A label the user chose ('unknown' or anything else clears it)."""
        label = known_label(label)
        if label == self.assessment.true_label:
            return
        self.assessment.true_label = label
        if self.opened is not None and label != self.opened.true_label:
            self.true_label_source = None
        elif self.opened is not None:
            self.true_label_source = self.opened.true_label_source
        self.true_label_changed.emit()

    def set_measures(self, measures) -> None:
        self.measures = measures
        self.measures_changed.emit()

    def set_models(self, entries: dict) -> None:
        self.assessment.entries = dict(entries)
        self.models_changed.emit()

    def add_result(self, path: str, explanation) -> None:
        self.assessment.failures.pop(path, None)
        self.assessment.explanations[path] = explanation
        self._forget_faithfulness(path)
        self.results_changed.emit()

    def add_failure(self, path: str, why: str) -> None:
        """``path`` could not run on this recording; an earlier result of it is not this run's."""
        self.assessment.explanations.pop(path, None)
        self.assessment.failures[path] = why
        self._forget_faithfulness(path)
        self.results_changed.emit()

    def set_relevance_method(self, method: str, target_class: str | None = None) -> None:
        """The maps to make from now on: ``method`` (one of :data:`METHODS`) for ``target_class``
        (None: each model's predicted class; kept, but unused, while the method is rollout)."""
        method = method if method in METHODS else ROLLOUT
        target_class = target_class or None
        if (method, target_class) == (self.relevance_method, self.target_class):
            return
        self.relevance_method, self.target_class = method, target_class
        self.relevance_method_changed.emit()

    def add_faithfulness(self, path: str, record: dict) -> None:
        """How faithful ``path``'s map shown now is (a record from the model process)."""
        explanation = self.explanations.get(path)
        if explanation is None:
            return
        self.faithfulness[map_key(path, explanation)] = record
        self.faithfulness_changed.emit()

    def _forget_faithfulness(self, path: str) -> None:
        """A new map (or none) for ``path``: what was measured on the earlier one does not hold for it."""
        stale = [key for key in self.faithfulness if key[0] == path]
        for key in stale:
            del self.faithfulness[key]
        if stale:
            self.faithfulness_changed.emit()

    def forget_failures(self, paths) -> None:
        for path in paths:
            self.assessment.failures.pop(path, None)


def map_key(path: str, explanation) -> tuple[str, str, str | None]:
    """(model path, method, target class) of a map, from what the map says it is."""
    settings = explanation.settings or {}
    return path, str(settings.get("method", ROLLOUT)), settings.get("target_class")
