"""The window's state in one observable object (napari's ``ViewerModel`` is the model).

Controllers change the state through these methods and listen to the signals; widgets never
hold state of their own that another part needs (the true label is read here, not out of a
combo box). What the state means is the Qt-free session layer's: the opened recording
(:class:`voice_desk.session.opening.OpenedRecording`), its tiers
(:class:`voice_desk.session.tiers.TierResult`) and the models' results
(:class:`voice_desk.session.assessment.Assessment`).

``file_token`` counts the recordings opened: work started for one recording carries its token,
and a result that comes back for an earlier token is dropped (``dropped_results`` counts them).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

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

    def __init__(self, parent=None):
        super().__init__(parent)
        self.opened: OpenedRecording | None = None
        self.spectrogram = None
        self.tiers = TierResult(None)
        self.true_label_source: str | None = None
        self.assessment = Assessment()
        self.measures = None             # voice_desk.measures.result.SessionMeasures of the recording
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
        self.assessment.true_label = opened.true_label
        self.true_label_source = opened.true_label_source
        self.recording_changed.emit()
        self.tiers_changed.emit()
        self.results_changed.emit()
        self.true_label_changed.emit()

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
        self.results_changed.emit()

    def add_failure(self, path: str, why: str) -> None:
        """``path`` could not run on this recording; an earlier result of it is not this run's."""
        self.assessment.explanations.pop(path, None)
        self.assessment.failures[path] = why
        self.results_changed.emit()

    def forget_failures(self, paths) -> None:
        for path in paths:
            self.assessment.failures.pop(path, None)
