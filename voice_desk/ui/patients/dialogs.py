"""Small forms of the Patients pane: a new patient, a new session."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QPlainTextEdit

SEXES = (("", "not given"), ("f", "female"), ("m", "male"))


class PatientDialog(QDialog):
    """Clinic ID (as the clinic writes it), optional name, sex, year or date of birth, notes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New patient")
        form = QFormLayout(self)
        self.clinic_id, self.name, self.birth = QLineEdit(), QLineEdit(), QLineEdit()
        self.name.setPlaceholderText("optional")
        self.birth.setPlaceholderText("YYYY or YYYY-MM-DD (optional)")
        self.sex = QComboBox()
        for key, text in SEXES:
            self.sex.addItem(text, key)
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(70)
        for label, widget in (("Clinic ID", self.clinic_id), ("Name", self.name), ("Sex", self.sex),
                              ("Born", self.birth), ("Notes", self.notes)):
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {"clinic_id": self.clinic_id.text().strip(), "name": self.name.text().strip() or None,
                "sex": self.sex.currentData() or None, "birth": self.birth.text().strip() or None,
                "notes": self.notes.toPlainText().strip()}


class SessionDialog(QDialog):
    """Date, examiner, notes, and an optional GRBAS rating (0–3 each) entered by the clinician."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New session")
        form = QFormLayout(self)
        self.date, self.examiner, self.grbas = QLineEdit(date.today().isoformat()), QLineEdit(), QLineEdit()
        self.grbas.setPlaceholderText("optional GRBAS, e.g. G2 R1 B2 A0 S1")
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(70)
        for label, widget in (("Date", self.date), ("Examiner", self.examiner), ("Rating", self.grbas),
                              ("Notes", self.notes)):
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        rating = parse_grbas(self.grbas.text())
        return {"date": self.date.text().strip() or None, "examiner": self.examiner.text().strip(),
                "notes": self.notes.toPlainText().strip(), "rating": rating}


def parse_grbas(text: str) -> dict | None:
    """'G2 R1 B2 A0 S1' -> {'scale': 'GRBAS', 'G': 2, …}; None when empty. Raises ValueError when unreadable."""
    text = text.strip().upper()
    if not text:
        return None
    rating: dict = {"scale": "GRBAS"}
    for part in text.replace(",", " ").split():
        if len(part) != 2 or part[0] not in "GRBAS" or part[1] not in "0123":
            raise ValueError(f"“{part}” is not a GRBAS grade: write a letter G, R, B, A or S and a grade 0 to 3.")
        rating[part[0]] = int(part[1])
    return rating
