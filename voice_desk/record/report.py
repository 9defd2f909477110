"""The printable report of one session (PDF, A4): a clinician can print it or file it.

Page by page, as the content needs: the clinic's name, the research-use notice, the patient and
the session, the takes, each model's answer with its threshold, borderline band and test figures,
the picture of the sentence (spectrogram, the stored models' relevance maps, the phone tier), the
voice measures with their normal ranges and sources, the course over this and the earlier sessions
(a small chart and a table per key value), and the clinician's notes and rating. Every page repeats
the patient's clinic ID, the session's date and the notice, so a loose page still says whose it is.

``write_report`` reads everything from the record; nothing is computed again (no model, no Praat).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from voice_desk import __version__
from voice_desk.record.checks import RATING_WORDS
from voice_desk.record.entities import COURSE_MEASURES, TASK_NAMES, TASKS
from voice_desk.record.errors import RecordError
from voice_desk.record.figure import draw, model_name, sentence_picture
from voice_desk.record.pages import MARGIN, MUTED, Book, Column

NOTICE = "Research use only. Not a diagnosis."
NOTICE_LONG = (NOTICE + " The models' answers and the voice measures below support the clinician's "
               "judgement and do not replace it.")
_DECIMALS = {"Hz": 1, "%": 3, "dB": 2, "s": 2, "semitones": 2, "": 2}
_SEX = {"f": "female", "m": "male", None: "not given"}


def write_report(record, patient_id: int, out: str | Path, session_id: int | None = None, clinic: str = "",
                 printed: str | None = None) -> Path:
    """Write the report of ``session_id`` (default: the patient's latest session) to ``out`` (.pdf)."""
    out = Path(out).expanduser()
    if out.suffix.lower() != ".pdf":
        out = out.with_name(out.name + ".pdf")
    patient = record.patient(patient_id)
    sessions = record.sessions(patient_id)
    if not sessions:
        raise RecordError(f"Patient {patient.clinic_id} has no sessions yet, so there is nothing to report.",
                          hint="Add a session with its takes first.")
    if session_id is None:
        session = sessions[-1]
    else:
        session = next((s for s in sessions if s.id == int(session_id)), None)
        if session is None:
            raise RecordError(f"Session {session_id} is not a session of patient {patient.clinic_id}.",
                              hint="Choose one of: " + ", ".join(f"{s.id} ({s.date})" for s in sessions) + ".")
    index = [s.id for s in sessions].index(session.id)
    takes = record.takes(session.id)
    results = {take.id: record.results(take.id) for take in takes}
    course = record.course(patient_id)[: index + 1]
    report = _Report(patient, session, takes, results, record.measures(session.id), course, clinic.strip(),
                     printed or date.today().isoformat())
    book = report.build()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial.pdf")
    try:
        book.save(partial, metadata={"Title": "Voice assessment report", "Creator": f"Voice Desk {__version__}",
                                     "Subject": NOTICE})
        os.chmod(partial, 0o600)
        os.replace(partial, out)
    except OSError as exc:
        raise RecordError(f"the report could not be written ({exc.strerror or exc}).", path=out,
                          hint="Check that the disk is not full and that you may write there.") from exc
    finally:
        partial.unlink(missing_ok=True)
    return out


def write_report_task(record_path: str, patient_id: int, session_id: int | None, out: str, clinic: str = "",
                      state=None) -> str:
    """:func:`write_report` as a ``run(..., state)`` function for a child process (the window's way):
    opens the record at ``record_path`` (its takes beside it), returns the report's path."""
    from voice_desk.record.store import Record
    from voice_desk.tasks.state import quiet

    state = state or quiet()
    state.set_status("Writing the report…")
    with Record.open(record_path) as record:
        state.check()
        path = write_report(record, patient_id, out, session_id, clinic)
    state.set_progress(1.0)
    return str(path)


def _num(value, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:.{_DECIMALS.get(unit, 2)}f}"


def _with_unit(value, unit: str) -> str:
    return _num(value, unit) + (f" {unit}" if value is not None and unit else "")


def rating_text(rating: dict | None) -> str:
    if not rating:
        return "not rated"
    scale = rating.get("scale", "")
    scores = [(k, v) for k, v in rating.items() if k != "scale"]
    if scale == "GRBAS":
        parts = [f"{k} {v}" if v is not None else f"{k} –" for k, v in scores]
        words = ", ".join(f"{k} {RATING_WORDS.get(k, k).lower()}" for k, _ in scores)
        return f"GRBAS {' · '.join(parts)}\n({words}; 0 normal, 1 slight, 2 moderate, 3 severe)"
    parts = [f"{RATING_WORDS.get(k, k)} {v:g}/100" if v is not None else f"{RATING_WORDS.get(k, k)} –"
             for k, v in scores]
    return f"{scale}: " + " · ".join(parts)


class _Report:
    def __init__(self, patient, session, takes, results, measures, course, clinic, printed):
        self.patient, self.session, self.takes, self.results = patient, session, takes, results
        self.measures, self.course, self.clinic, self.printed = measures, course, clinic, printed
        self.sources: list[str] = []

    # -- frame of every page -------------------------------------------------------------------------

    def header(self, book, number: int) -> None:
        right = f"Patient {self.patient.clinic_id} · session of {self.session.date}"
        if number > 1:
            book.text(MARGIN, 0.4, self.clinic or "Voice assessment report", 8.5, weight="bold")
        book.text(8.27 - MARGIN, 0.4, right, 8.5, ha="right", color=MUTED)
        book.fig.add_artist(_line(0.62))

    def footer(self, book, number: int, total: int) -> None:
        book.fig.add_artist(_line(11.69 - 0.55))
        book.text(MARGIN, 11.69 - 0.45, f"{NOTICE}  Voice Desk {__version__} · printed {self.printed}", 7.5,
                  color=MUTED)
        book.text(8.27 - MARGIN, 11.69 - 0.45, f"Page {number} of {total}", 7.5, ha="right", color=MUTED)

    # -- content --------------------------------------------------------------------------------------

    def build(self) -> Book:
        book = Book(self.header, self.footer)
        if self.clinic:
            book.text(MARGIN, book.y, self.clinic, 15, weight="bold")
            book.space(0.3)
        book.text(MARGIN, book.y, "Voice assessment report", 13 if self.clinic else 15, weight="bold",
                  color=MUTED if self.clinic else "#1a1a1a")
        book.space(0.36)
        book.notice(NOTICE_LONG)
        book.space(0.08)
        self.patient_block(book)
        self.models_block(book)
        self.picture_block(book)
        self.measures_block(book)
        self.course_block(book)
        self.notes_block(book)
        self.sources_block(book)
        return book

    def patient_block(self, book) -> None:
        p, s = self.patient, self.session
        book.heading("Patient and session", 11)
        book.fields([("Clinic ID", p.clinic_id), ("Name", p.name or "not given"),
                     ("Sex", _SEX.get(p.sex, p.sex)), ("Born", p.birth or "not given"),
                     ("Session", f"{s.date}" + (f", examiner {s.examiner}" if s.examiner else "")),
                     ("Tasks recorded", self.tasks_text())])

    def tasks_text(self) -> str:
        if not self.takes:
            return "none"
        order = {t: i for i, t in enumerate(TASKS)}
        parts = []
        for take in sorted(self.takes, key=lambda t: (order.get(t.task, 99), t.recorded)):
            seconds = _duration(take.path)
            parts.append(TASK_NAMES.get(take.task, take.task) + (f" ({seconds:.1f} s)" if seconds else " (file missing)"
                                                                  if not take.path.is_file() else ""))
        return "; ".join(parts)

    def models_block(self, book) -> None:
        book.heading("The models' answers", 11)
        rows, marks, cards = [], [], {}
        for take in self.takes:
            for result in self.results[take.id]:
                pred = result.prediction
                name = model_name(result.model)
                cards.setdefault(name, result.card_summary)
                if result.probability is None:
                    reason = pred.get("no_verdict_reason") or "the model gives no verdict"
                    rows.append([TASK_NAMES.get(take.task, take.task), name, "—", "—", "—", f"no verdict: {reason}"])
                    marks.append(False)
                    continue
                threshold = pred.get("threshold")
                band = pred.get("borderline_band")
                label = pred.get("label") or ("pathological" if threshold is not None and
                                              result.probability >= threshold else "healthy")
                answer = f"{label} (borderline)" if pred.get("borderline") else label
                rows.append([TASK_NAMES.get(take.task, take.task), name, f"{result.probability:.2f}",
                             _num(threshold), f"{band[0]:.2f}–{band[1]:.2f}" if band else "none given", answer])
                marks.append(False)
        if not rows:
            book.paragraph("No model has been run on this session's takes.", 9, color=MUTED)
            return
        book.table([Column("Take", 1.0), Column("Model", 1.4), Column("P(pathological)", 1.05, "right"),
                    Column("Threshold", 0.7, "right"), Column("Borderline band", 0.9, "right"),
                    Column("Model's answer", 1.55)], rows, 8.5, marks)
        book.paragraph("A model answers 'pathological' when P(pathological) is at or above its threshold (the "
                       "operating point on its model card), else 'healthy'; 'borderline' when P lies in the band "
                       "where its calibration says the answer is uncertain.", 7.5, color=MUTED)
        book.space(0.06)
        book.fields([(f"{name}", summary or "its model card gives no test figures") for name, summary in cards.items()],
                    7.5, 1.55)
        book.space(0.02)
        book.paragraph("(Test figures of each model, from its model card.)", 7, color=MUTED)

    def top_phones(self) -> list[tuple[str, str]]:
        """Per model on the sentence: the phones it weighted most (relative to its mean)."""
        out = []
        take = self.sentence_take()
        for result in self.results.get(take.id, []) if take else []:
            best: dict[str, float] = {}
            for r in result.phones:
                if isinstance(r, dict) and isinstance(r.get("relative"), (int, float)) and str(r.get("phone", "")).strip():
                    phone = str(r["phone"]).strip()
                    best[phone] = max(best.get(phone, float("-inf")), float(r["relative"]))
            if best:
                top = sorted(best.items(), key=lambda item: -item[1])[:5]
                text = ", ".join(f"/{phone}/ {value:.1f}×" for phone, value in top)
                out.append((model_name(result.model), f"phones weighted most: {text} (1× = the recording's mean)"))
        return out

    def sentence_take(self):
        sentences = [t for t in self.takes if t.task == "sentence"]
        return sentences[-1] if sentences else None

    def picture_block(self, book) -> None:
        take = self.sentence_take()
        if take is None:
            book.heading("The sentence", 11)
            book.paragraph("No sentence was recorded in this session.", 9, color=MUTED)
            return
        picture = sentence_picture(take, self.results.get(take.id, []), model_name)
        book.heading("The sentence", 11, keep=picture.height())
        draw(book, picture)
        top = self.top_phones()
        if top:
            book.fields(top, 7.5, 1.55)
        for note in picture.notes:
            book.paragraph(note, 7.5, color=MUTED)

    def measures_block(self, book) -> None:
        book.heading("Voice measures (Praat)", 11)
        m = self.measures
        if not m:
            book.paragraph("No voice measures are stored for this session.", 9, color=MUTED)
            return
        takes = m.get("takes") or {}
        order = {t: i for i, t in enumerate(TASKS)}
        for task in sorted(takes, key=lambda t: order.get(t, 99)):
            report = takes[task] or {}
            book.need(0.9)
            book.paragraph(TASK_NAMES.get(task, task), 9, weight="bold")
            rows, marks = [], []
            for measure in report.get("measures") or []:
                normal = measure.get("normal") or {}
                value = measure.get("value")
                note = (f"{measure.get('flag')} the range" if measure.get("flag") else
                        f"no value: {measure.get('why_not')}" if value is None and measure.get("why_not") else "")
                rows.append([measure.get("label", measure.get("key", "")), _with_unit(value, measure.get("unit", "")),
                             normal.get("text") or "—", note, self.cite(normal.get("source"))])
                marks.append(bool(measure.get("flag")))
            book.table([Column("Measure", 1.75), Column("Value", 0.95, "right"), Column("Normal range", 1.25),
                        Column("Note", 2.5), Column("Source", 0.45)], rows, 8, marks)
            for warning in report.get("warnings") or []:
                book.paragraph(f"Note: {warning}", 7.5, color=MUTED)
        rows, marks = [], []
        for key in ("avqi", "dsi"):
            index = m.get(key)
            if not isinstance(index, dict):
                continue
            threshold = index.get("threshold") or {}
            value = index.get("value")
            note = (f"{index.get('flag')} the threshold" if index.get("flag") else
                    f"no value: {index.get('why_not')}" if value is None else "")
            rows.append([index.get("label", key.upper()), _num(value), threshold.get("text") or "—", note,
                         self.cite(threshold.get("source"))])
            marks.append(bool(index.get("flag")))
        if rows:
            book.need(0.9)
            book.paragraph("Indices", 9, weight="bold")
            book.table([Column("Index", 1.75), Column("Value", 0.95, "right"), Column("Threshold", 1.25),
                        Column("Note", 2.5), Column("Source", 0.45)], rows, 8, marks)
        book.paragraph("Bold: a value outside its published range or threshold. Such a mark says only that; it is "
                       "not a diagnosis. Sources are listed at the end of the report.", 7.5, color=MUTED)

    def cite(self, source) -> str:
        if not source:
            return ""
        if source not in self.sources:
            self.sources.append(source)
        return f"[{self.sources.index(source) + 1}]"

    def course_block(self, book) -> None:
        from voice_desk.record.course_chart import CELL_H, draw_charts

        book.heading("Course over sessions", 11, keep=CELL_H)
        points = self.course
        if len(points) < 2:
            book.paragraph("This is the patient's first session in the record, so there is no course yet.", 9,
                           color=MUTED)
            return
        series = self.course_series()
        draw_charts(book, points, series, self.session.id)
        models = sorted({m for p in points for m in p.probabilities})
        columns = [Column("Session", 0.85)] + [Column(f"P {model_name(m)}"[:22], 0.95, "right") for m in models]
        columns += [Column(COURSE_MEASURES[k][0].replace(", /a/", "").replace(" (local)", "")
                           + (f" ({COURSE_MEASURES[k][1]})" if COURSE_MEASURES[k][1] else ""), 0.75, "right")
                    for k in COURSE_MEASURES]
        scale = min(1.0, book.width / sum(c.width + 0.08 for c in columns))
        for c in columns:
            c.width *= scale
        rows = [[p.date + (" ◀" if p.session_id == self.session.id else "")]
                + [_num(p.probabilities.get(m)) for m in models]
                + [_num(p.measures.get(k), COURSE_MEASURES[k][1]) for k in COURSE_MEASURES] for p in points]
        book.table(columns, rows, 7.5)
        book.paragraph("◀ this session. P: P(pathological) on the sentence; CPPS, HNR, jitter and shimmer of the "
                       "sustained /a/; AVQI of the session. Later sessions are not shown.", 7.5, color=MUTED)

    def course_series(self) -> list[tuple[str, str, str, dict, float | None]]:
        """(key, label, unit, session id -> value, reference line) for each value that has one in some session."""
        series = []
        models = sorted({m for p in self.course for m in p.probabilities})
        for model in models:
            threshold = None
            for results in self.results.values():
                for r in results:
                    if r.model == model and isinstance(r.prediction.get("threshold"), (int, float)):
                        threshold = float(r.prediction["threshold"])
            series.append(("p", f"P(pathological), {model_name(model)}", "", {p.session_id: p.probabilities.get(model)
                                                                         for p in self.course}, threshold))
        for key, (label, unit, task) in COURSE_MEASURES.items():
            values = {p.session_id: p.measures.get(key) for p in self.course}
            if any(v is not None for v in values.values()):
                series.append((key, label, unit, values, self.reference(key, task)))
        return series

    def reference(self, key: str, task) -> float | None:
        """The normal range's limit (or index threshold) stored with this session's measures."""
        m = self.measures or {}
        if task is None:
            return (m.get(key) or {}).get("threshold", {}).get("value")
        for measure in ((m.get("takes") or {}).get(task) or {}).get("measures") or []:
            if measure.get("key") == key and measure.get("normal"):
                normal = measure["normal"]
                return normal.get("high") if normal.get("high") is not None else normal.get("low")
        return None

    def notes_block(self, book) -> None:
        s, p = self.session, self.patient
        book.heading("Clinician's notes and rating", 11)
        book.fields([("Examiner", s.examiner or "not given"), ("Rating", rating_text(s.rating)),
                     ("Session notes", s.notes.strip() or "none"), ("Patient notes", p.notes.strip() or "none")])
        book.space(0.4)
        book.need(0.5)
        book.text(MARGIN, book.y, "Signature", 8, color=MUTED)
        book.text(MARGIN + 3.6, book.y, "Date", 8, color=MUTED)
        book.fig.add_artist(_line(book.y + 0.02, MARGIN + 0.8, MARGIN + 3.3))
        book.fig.add_artist(_line(book.y + 0.02, MARGIN + 4.0, 8.27 - MARGIN))
        book.space(0.2)

    def sources_block(self, book) -> None:
        if not self.sources:
            return
        book.heading("Sources of the ranges and thresholds", 10)
        for i, source in enumerate(self.sources, 1):
            book.paragraph(f"[{i}] {source}", 7, indent=0.0, color="#333333")
            book.space(0.03)


def _line(y: float, x0: float = MARGIN, x1: float = 8.27 - MARGIN):
    from matplotlib.lines import Line2D

    return Line2D([x0 / 8.27, x1 / 8.27], [1 - y / 11.69] * 2, color="#bbbbbb", lw=0.6)


def _duration(path: Path) -> float | None:
    try:
        import soundfile

        info = soundfile.info(str(path))
        return info.frames / info.samplerate if info.samplerate else None
    except Exception:  # noqa: BLE001 - not a format soundfile knows (NSP): read it the way Voice Desk does
        pass
    try:
        from voice_desk.audio.load import read_samples

        samples, rate, _ = read_samples(path)
        return samples.shape[0] / rate
    except Exception:  # noqa: BLE001 - a file that cannot be read shows no duration
        return None
