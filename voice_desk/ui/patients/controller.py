"""Patients and sessions: the clinic's record in the window (:mod:`voice_desk.record`).

The Patients dock finds a patient (clinic ID or name), starts a patient or a session, lists the
session's takes (double-click opens one), and draws the course over the sessions. With a session
chosen, File → Record… saves its takes in the session's folder and adds them to the record; a
model's result and the voice measures of a take of that session are stored as they arrive, so
reopening the session shows them without running the models again. File → Report… writes the
session's PDF (in a process of its own: drawing it takes seconds). Recording without a patient
works as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMessageBox, QPushButton, QVBoxLayout, QWidget)

from voice_desk.errors import VoiceDeskError
from voice_desk.tasks.child import run_in_child
from voice_desk.ui import settings as stored
from voice_desk.ui.actions import make_action
from voice_desk.ui.patients.dialogs import PatientDialog, SessionDialog
from voice_desk.ui.tasks import TaskRunner
from voice_desk.ui.widgets.course_chart import CourseChart

REPORT = "voice_desk.record.report:write_report_task"
TASK_WORDS = {"sentence": "sentence", "vowel_a": "sustained /a/", "vowel_i": "sustained /i/",
              "vowel_u": "sustained /u/", "mpt": "maximum phonation /a/"}


def card_hash(model_path: str) -> str:
    """SHA-256 of a bundle's card (it names the model and its training): stored with each result."""
    card = Path(model_path) / "voice_desk.json"
    try:
        return hashlib.sha256(card.read_bytes()).hexdigest()
    except OSError:
        return ""


class PatientsController(QObject):
    def __init__(self, window, record=None):
        super().__init__(window)
        from voice_desk.record import Record

        self.window, self.session = window, window.session
        self.record = record if record is not None else Record.open()
        self.tasks = TaskRunner(1, self)
        self.patient_id: int | None = None
        self.session_id: int | None = None
        self.take_ids: dict[str, int] = {}          # take file (resolved) -> its id, for the session chosen
        self.stored: set[tuple[str, str]] = set()    # (take file, model) already stored
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: clinic ID or name")
        self.search.textChanged.connect(lambda _t: self.refresh_patients())
        self.patient_list, self.session_list, self.take_list = QListWidget(), QListWidget(), QListWidget()
        self.patient_list.currentItemChanged.connect(lambda item, _old: self._patient_chosen(item))
        self.session_list.currentItemChanged.connect(lambda item, _old: self._session_chosen(item))
        self.take_list.itemDoubleClicked.connect(self._open_take)
        self.new_patient_button = QPushButton("New patient…")
        self.new_patient_button.clicked.connect(self.new_patient_dialog)
        self.new_session_button = QPushButton("New session…")
        self.new_session_button.clicked.connect(self.new_session_dialog)
        self.new_session_button.setEnabled(False)
        self.compare_button = QPushButton("Compare with…")
        self.compare_button.setToolTip("The chosen session beside another one: maps, verdicts and measures")
        self.compare_button.clicked.connect(self.compare_dialog)
        self.chosen_label = QLabel("No patient chosen: recordings are not filed.")
        self.chosen_label.setWordWrap(True)
        self.course = CourseChart()
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.search)
        layout.addWidget(self.patient_list, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_patient_button)
        row.addWidget(self.new_session_button)
        layout.addLayout(row)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Sessions"))
        row2.addStretch(1)
        row2.addWidget(self.compare_button)
        layout.addLayout(row2)
        layout.addWidget(self.session_list, 1)
        layout.addWidget(QLabel("Takes (double-click to open)"))
        layout.addWidget(self.take_list, 1)
        layout.addWidget(self.chosen_label)
        layout.addWidget(self.course, 2)
        self.dock = QDockWidget("Patients", window)
        self.dock.setObjectName("patients_dock")
        self.dock.setWidget(box)
        self.report_action = make_action(window, "&Report…", self.report_dialog, "Ctrl+P",
                                         tip="The chosen session as a PDF to print or file")
        self.session.results_changed.connect(self._store_results)
        self.session.measures_changed.connect(self._store_measures)
        self.session.recording_changed.connect(self._recording_changed)
        self.refresh_patients()

    @property
    def busy(self) -> bool:
        return self.tasks.busy

    # ------------------------------------------------------------------ patients and sessions
    def refresh_patients(self, select: int | None = None) -> None:
        self.patient_list.blockSignals(True)
        self.patient_list.clear()
        for patient in self.record.patients(self.search.text().strip()):
            text = patient.clinic_id + (f" — {patient.name}" if patient.name else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, patient.id)
            self.patient_list.addItem(item)
            if patient.id == (select if select is not None else self.patient_id):
                self.patient_list.setCurrentItem(item)
        self.patient_list.blockSignals(False)

    def new_patient_dialog(self) -> None:
        dialog = PatientDialog(self.window)
        dialog.accepted.connect(lambda: self.add_patient(**dialog.values()))
        dialog.open()
        self.dialog = dialog

    def add_patient(self, clinic_id: str, **fields):
        if not clinic_id:
            self.window.show_message("A patient needs the clinic's ID for them.", title="Patient not added")
            return None
        try:
            patient = self.record.add_patient(clinic_id, **fields)
        except VoiceDeskError as exc:
            self.window.show_error(exc, "Patient not added")
            return None
        self.refresh_patients(select=patient.id)
        self.choose_patient(patient.id)
        return patient

    def choose_patient(self, patient_id: int | None) -> None:
        self.patient_id, self.session_id = patient_id, None
        self.new_session_button.setEnabled(patient_id is not None)
        self.session_list.clear()
        self.take_list.clear()
        if patient_id is None:
            self._update_label()
            return
        for item in [self.patient_list.item(i) for i in range(self.patient_list.count())]:
            if item.data(Qt.ItemDataRole.UserRole) == patient_id and self.patient_list.currentItem() is not item:
                self.patient_list.blockSignals(True)
                self.patient_list.setCurrentItem(item)
                self.patient_list.blockSignals(False)
        sessions = self.record.sessions(patient_id)
        for s in sessions:
            item = QListWidgetItem(f"{s.date}" + (f" — {s.examiner}" if s.examiner else ""))
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            self.session_list.addItem(item)
        self.refresh_course()
        if sessions:
            self.session_list.setCurrentRow(len(sessions) - 1)      # the latest session
        self._update_label()

    def _patient_chosen(self, item) -> None:
        self.choose_patient(item.data(Qt.ItemDataRole.UserRole) if item is not None else None)

    def new_session_dialog(self) -> None:
        if self.patient_id is None:
            return
        dialog = SessionDialog(self.window)

        def accepted():
            try:
                values = dialog.values()
            except ValueError as exc:
                self.window.show_message(str(exc), title="Session not started")
                return
            self.add_session(**values)

        dialog.accepted.connect(accepted)
        dialog.open()
        self.dialog = dialog

    def add_session(self, **fields):
        try:
            s = self.record.add_session(self.patient_id, **fields)
        except VoiceDeskError as exc:
            self.window.show_error(exc, "Session not started")
            return None
        self.choose_patient(self.patient_id)
        self.choose_session(s.id)
        return s

    def choose_session(self, session_id: int | None) -> None:
        self.session_id = session_id
        for i in range(self.session_list.count()):
            item = self.session_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == session_id and self.session_list.currentItem() is not item:
                self.session_list.blockSignals(True)
                self.session_list.setCurrentItem(item)
                self.session_list.blockSignals(False)
        self.refresh_takes()
        self._update_label()

    def _session_chosen(self, item) -> None:
        self.choose_session(item.data(Qt.ItemDataRole.UserRole) if item is not None else None)

    def refresh_takes(self) -> None:
        self.take_list.clear()
        self.take_ids = {}
        if self.session_id is None:
            return
        for take in self.record.takes(self.session_id):
            path = str(Path(take.path).resolve())
            self.take_ids[path] = take.id
            results = self.record.results(take.id)
            verdicts = ", ".join(f"{r.model}: P {r.prediction.get('pathology_probability'):.2f}" for r in results
                                 if r.prediction.get("pathology_probability") is not None)
            item = QListWidgetItem(f"{TASK_WORDS.get(take.task, take.task)} — {Path(take.path).name}"
                                   + (f" ({verdicts})" if verdicts else ""))
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.take_list.addItem(item)

    def _update_label(self) -> None:
        if self.patient_id is None:
            self.chosen_label.setText("No patient chosen: recordings are not filed.")
            return
        patient = self.record.patient(self.patient_id)
        if self.session_id is None:
            self.chosen_label.setText(f"{patient.clinic_id}: start a session (New session…) to file recordings.")
            return
        s = self.record.session(self.session_id)
        self.chosen_label.setText(f"Recording into {patient.clinic_id}'s session of {s.date}.")

    def refresh_course(self) -> None:
        from voice_desk.measures.ranges import normal_range
        from voice_desk.record import COURSE_MEASURES

        if self.patient_id is None:
            self.course.set_course([])
            return
        patient = self.record.patient(self.patient_id)
        ranges = {}
        for key, (_label, _unit, task) in COURSE_MEASURES.items():     # each from the take it is read from
            r = normal_range(key, task, patient.sex) if task in ("sentence", "vowel_a", "mpt") else None
            if r is not None:
                ranges[key] = (r.low, r.high)
        self.course.set_course(self.record.course(self.patient_id), ranges)

    def compare_dialog(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        if self.patient_id is None or self.session_id is None:
            self.window.show_message("Choose a patient and one of their sessions first.", title="Nothing to compare",
                                     icon=QMessageBox.Icon.Information)
            return
        others = [s for s in self.record.sessions(self.patient_id) if s.id != self.session_id]
        if not others:
            self.window.show_message("This patient has one session so far: there is nothing to compare it with.",
                                     title="Nothing to compare", icon=QMessageBox.Icon.Information)
            return
        names = [f"{s.date}" + (f" — {s.examiner}" if s.examiner else "") for s in others]
        choice, ok = QInputDialog.getItem(self.window, "Compare sessions", "Compare with the session of:", names, 0,
                                          False)
        if ok:
            self.compare(others[names.index(choice)].id)

    def compare(self, other_session_id: int):
        """The chosen session and ``other_session_id`` side by side (older first)."""
        from voice_desk.ui.patients.compare import CompareSessions

        first, second = sorted((self.session_id, other_session_id),
                               key=lambda sid: (self.record.session(sid).date, sid))
        self.comparison = CompareSessions(self.record, first, second, self.window)
        self.comparison.show()
        return self.comparison

    # ------------------------------------------------------------------ takes into the session
    def session_folder(self) -> Path | None:
        """Where a take recorded now belongs (None: no session chosen, recording as before)."""
        return self.record.session_folder(self.session_id) if self.session_id is not None else None

    def file_take(self, path: str, task: str = "sentence") -> None:
        """A take recorded in the session: into the record, then shown."""
        if self.session_id is None:
            return
        try:
            self.record.add_take(self.session_id, path, task)
        except VoiceDeskError as exc:
            self.window.show_error(exc, "Take not filed")
        self.refresh_takes()

    def _open_take(self, item) -> None:
        self.window.opening.open_file(item.data(Qt.ItemDataRole.UserRole))

    def _take_id(self) -> int | None:
        rec = self.session.recording
        if rec is None or rec.path is None:
            return None
        return self.take_ids.get(str(Path(rec.path).resolve()))

    def _recording_changed(self) -> None:
        """A take of the session with a sustained /a/ beside it: AVQI gets its vowel at once."""
        if self._take_id() is None or self.session_id is None:
            return
        vowels = [t for t in self.record.takes(self.session_id) if t.task == "vowel_a"]
        rec_path = str(Path(self.session.recording.path).resolve())
        if vowels and str(Path(vowels[-1].path).resolve()) != rec_path:
            self.window.measures.set_vowel(str(vowels[-1].path))

    def _store_results(self) -> None:
        """Each model's result on a take of the session, once (with its map for the report)."""
        take_id = self._take_id()
        if take_id is None:
            return
        from voice_desk.session.export import phone_rows

        rec = self.session.recording
        for path, explanation in self.session.explanations.items():
            key = (str(rec.path), path)
            if key in self.stored:
                continue
            entry = self.session.model_entries.get(path)
            name = entry.name if entry else Path(path).name
            rel = explanation.frame_relevance
            summary = {"max": float(rel.max()), "mean": float(rel.mean()),
                       "peak_s": float(rel.mean(axis=1).argmax() * explanation.frame_shift)}
            phones = [{"phone": r.phone, "start_s": r.start, "end_s": r.end, "relative": r.relative, "share": r.share}
                      for r in phone_rows(explanation, self.session.alignment)]
            try:
                self.record.store_result(take_id, name, card_hash(path), explanation.prediction.to_record(), summary,
                                         phones, card_summary=entry.summary if entry else "")
                npz = self.record.session_folder(self.session_id) / f"{Path(rec.path).stem}-{Path(path).name}.npz"
                explanation.save_npz(npz)
                self.record.store_explanation(take_id, name, npz)
            except (VoiceDeskError, OSError) as exc:
                self.window.show_error(exc, "Result not stored")
                return
            self.stored.add(key)
        self.refresh_takes()
        self.refresh_course()

    def _store_measures(self) -> None:
        if self._take_id() is None or self.session.measures is None:
            return
        try:
            self.record.store_measures(self.session_id, self.session.measures.to_dict())
        except VoiceDeskError as exc:
            self.window.show_error(exc, "Measures not stored")
            return
        self.refresh_course()

    # ------------------------------------------------------------------ the report
    def report_dialog(self) -> None:
        if self.patient_id is None or self.session_id is None:
            self.window.show_message("Choose a patient and a session first (the Patients pane); the report is of "
                                     "one session.", title="No session chosen", icon=QMessageBox.Icon.Information)
            return
        patient, s = self.record.patient(self.patient_id), self.record.session(self.session_id)
        default = str(Path.home() / f"{patient.clinic_id}-{s.date}-report.pdf")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the report as PDF", default, "PDF (*.pdf)")
        if path:
            self.write_report(path)

    def write_report(self, path: str) -> None:
        """Draw the session's report in a process of its own, then say where it is."""
        out = path if path.lower().endswith(".pdf") else path + ".pdf"
        clinic = str(stored.app_settings().value("clinic_name", "") or "")
        args = (str(self.record.path), self.patient_id, self.session_id, out, clinic)
        self.window.status("Writing the report…")
        self.tasks.submit("report", lambda state: run_in_child("voice-desk-report", REPORT, args, state),
                          on_success=lambda task, written: self.window.status(f"Report saved: {written}", 10000),
                          on_failure=lambda task, exc: self.window.show_error(exc, "Report not written"))

    def close(self) -> None:
        self.tasks.shutdown()
        self.record.close()
