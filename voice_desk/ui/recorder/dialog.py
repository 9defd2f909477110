"""The Record dialog: pick a microphone, watch the level, read the prompt, record a take.

Recording runs off the UI thread: the input source calls back on its audio thread and the
:class:`~voice_desk.audio.record.Recorder` writes on its writer thread. Those threads only
leave their news (levels, the finished take) in a :class:`_LevelMailbox`; a UI-thread timer
collects it ~30 times a second. So the meter never repaints more often than the screen
needs, a short clip between two repaints is still shown (peaks are kept until collected),
and no Python-defined Qt signal is emitted per audio block (PySide6 6.12.0 leaks a reference
to ``True`` on every such emit, which kills the interpreter after a few hundred).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import threading

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QDialog, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from voice_desk.audio.devices import list_input_devices, recording_available
from voice_desk.audio.record import (BlockLevel, Recorder, SoundDeviceSource, Take, block_level, recover_take,
                                     unfinished_takes)
from voice_desk.errors import VoiceDeskError
from voice_desk.paths import private_dir
from voice_desk.ui.widgets.level_meter import LevelMeter

__all__ = ["RecorderDialog", "recording_available", "PROMPT"]

PROMPT = "Guten Morgen, wie geht es Ihnen?"
FOLDER_KEY = "takes_folder"
MAX_SECONDS_KEY = "recorder/max_seconds"
DEVICE_KEY = "recorder/device_name"
DEFAULT_MAX_SECONDS = 30.0


def _settings() -> QSettings:
    """The window's settings file: the main window reads the same ``takes_folder`` key."""
    from voice_desk.ui.settings import app_settings

    return app_settings()


class RecorderDialog(QDialog):
    """Records takes into a folder the user chooses; emits ``take_saved(path)`` for each.

    ``takes_folder`` is used until the user picks another folder (remembered in QSettings).
    ``source_factory(device) -> InputSource`` replaces the real microphone (tests, demos);
    with it, ``device_lister() -> [(label, device)]`` may supply the device list.
    """

    take_saved = Signal(str)

    def __init__(self, parent: QWidget | None, takes_folder: Path,
                 source_factory: Callable[[object], object] | None = None,
                 device_lister: Callable[[], list[tuple[str, object]]] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Record a take")
        self.setModal(False)
        self.setMinimumWidth(520)
        self._source_factory = source_factory
        self._device_lister = device_lister
        self._recorder: Recorder | None = None
        self.last_take: Take | None = None
        settings = _settings()
        saved_folder = settings.value(FOLDER_KEY, "", type=str)
        self._folder = Path(saved_folder) if saved_folder and Path(saved_folder).is_dir() else Path(takes_folder)

        # prompt
        self.prompt_label = QLabel(PROMPT)
        font = QFont(self.prompt_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.prompt_label.setFont(font)
        self.prompt_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt_label.setWordWrap(True)
        self.prompt_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # the task of this take (the session's protocol: the sentence, sustained vowels)
        from voice_desk.session.protocol import TASKS

        self.task_combo = QComboBox()
        for key, task in TASKS.items():
            self.task_combo.addItem(task.title, key)
        self.task_combo.setToolTip("What this take is for: each task is saved as its own take, with the task "
                                   "in the file's tags")
        self.task_combo.currentIndexChanged.connect(self._task_changed)

        # settings form
        self.device_combo = QComboBox()
        self.device_combo.setAccessibleName("Input device")

        self.max_spin = QDoubleSpinBox()
        self.max_spin.setRange(1.0, 600.0)
        self.max_spin.setDecimals(0)
        self.max_spin.setSuffix(" s")
        self.max_spin.setValue(float(settings.value(MAX_SECONDS_KEY, DEFAULT_MAX_SECONDS, type=float)))
        self.max_spin.setToolTip("Recording stops by itself after this long")
        self.max_spin.valueChanged.connect(self._max_changed)

        self.folder_edit = QLineEdit(str(self._folder))
        self.folder_edit.setReadOnly(True)
        self.folder_button = QPushButton("Choose…")
        self.folder_button.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)

        form = QFormLayout()
        form.addRow("Task:", self.task_combo)
        form.addRow("Input device:", self.device_combo)
        form.addRow("Maximum duration:", self.max_spin)
        form.addRow("Save takes in:", folder_row)

        # level, time, buttons, messages
        self.level_meter = LevelMeter()
        self.elapsed_label = QLabel()
        self.record_button = QPushButton("● Record")
        self.record_button.setDefault(True)
        self.record_button.clicked.connect(self.start_recording)
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.clicked.connect(self.stop_recording)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.monitor_button = QPushButton("Check level")
        self.monitor_button.setCheckable(True)
        self.monitor_button.setToolTip("Show the input level without recording, to set the microphone gain")
        self.monitor_button.toggled.connect(self._monitor_toggled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.monitor_button)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.elapsed_label)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        self.unavailable_label = QLabel()
        self.unavailable_label.setWordWrap(True)
        self.unavailable_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Please read aloud:"))
        layout.addWidget(self.prompt_label)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.level_meter)
        layout.addLayout(buttons)
        layout.addWidget(self.unavailable_label)
        layout.addWidget(self.status_label)

        self._mailbox = _LevelMailbox()
        self._poll = QTimer(self)
        self._poll.setInterval(33)
        self._poll.timeout.connect(self._collect)
        self._monitor = None
        self.refresh_devices()
        self._set_recording(False)
        self._recover_interrupted_takes()

    # --- state ----------------------------------------------------------------------------

    @property
    def takes_folder(self) -> Path:
        return self._folder

    @property
    def is_recording(self) -> bool:
        return self._recorder is not None

    def refresh_devices(self) -> None:
        """(Re)fill the device list and decide whether recording is possible."""
        previous = self.device_combo.currentText() or _settings().value(DEVICE_KEY, "", type=str)
        self.device_combo.clear()
        if self._source_factory is not None:
            entries = self._device_lister() if self._device_lister else [("Injected input (no microphone)", None)]
            ok, reason = (True, "") if entries else (False, "Recording is not available: no input was offered.")
        else:
            ok, reason = recording_available()
            devices = list_input_devices() if ok else []
            entries = [(d.label, d.index) for d in devices]
            default = next((i for i, d in enumerate(devices) if d.is_default), 0)
        for label, device in entries:
            self.device_combo.addItem(label, device)
        if not entries:
            self.device_combo.addItem("(no input device)", None)
        match = self.device_combo.findText(previous)
        if match >= 0:
            self.device_combo.setCurrentIndex(match)
        elif self._source_factory is None and entries:
            self.device_combo.setCurrentIndex(default)
        self._available, self._unavailable_reason = ok, reason
        self.unavailable_label.setText(reason)
        self.unavailable_label.setVisible(not ok)
        self.elapsed_label.setText(self._elapsed_text(0.0))
        self._set_recording(self.is_recording)

    def _set_recording(self, recording: bool) -> None:
        self.record_button.setEnabled(self._available and not recording)
        self.record_button.setToolTip("" if self._available else self._unavailable_reason)
        self.stop_button.setEnabled(recording)
        self.monitor_button.setEnabled(self._available and not recording)
        for widget in (self.device_combo, self.max_spin, self.folder_button):
            widget.setEnabled(not recording)
        self.device_combo.setEnabled(self._available and not recording)

    def _max_changed(self, value: float) -> None:
        _settings().setValue(MAX_SECONDS_KEY, float(value))
        if not self.is_recording:
            self.elapsed_label.setText(self._elapsed_text(0.0))

    def _elapsed_text(self, seconds: float) -> str:
        text = f"{seconds:4.1f} s of {self.max_spin.value():.0f} s"
        hold = self._task().seconds
        if hold and self.is_recording:      # the vowel's timer: how long is still to go
            text += f" — hold it {max(hold - seconds, 0.0):.1f} s more" if seconds < hold else " — long enough"
        return text

    @property
    def task(self) -> str:
        """The task of the takes recorded now (voice_desk.session.protocol.TASKS)."""
        return self.task_combo.currentData()

    def set_task(self, key: str) -> None:
        self.task_combo.setCurrentIndex(max(self.task_combo.findData(key), 0))

    def _task(self):
        from voice_desk.session.protocol import TASKS

        return TASKS[self.task]

    def _task_changed(self, _index: int) -> None:
        self.prompt_label.setText(self._task().prompt)

    # --- actions --------------------------------------------------------------------------

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save takes in", str(self._folder))
        if folder:
            self.set_takes_folder(Path(folder))

    def set_takes_folder(self, folder: Path) -> None:
        """Use ``folder`` for new takes from now on (remembered between sessions)."""
        self._folder = Path(folder)
        self.folder_edit.setText(str(self._folder))
        _settings().setValue(FOLDER_KEY, str(self._folder))
        self._recover_interrupted_takes()

    def start_recording(self) -> None:
        if self.is_recording or not self._available:
            return
        self.monitor_button.setChecked(False)   # one stream on the microphone at a time
        device = self.device_combo.currentData()
        _settings().setValue(DEVICE_KEY, self.device_combo.currentText())
        try:
            private_dir(self._folder, fix_existing=False)   # a new takes folder is the user's alone (0700)
        except OSError as error:
            self._show_status(f"The folder {self._folder} cannot be created ({error.strerror}). "
                              "Choose another folder with “Choose…”.", error=True)
            return
        try:
            source = (self._source_factory or SoundDeviceSource)(device)
            self._mailbox = mailbox = _LevelMailbox()
            recorder = Recorder(source, self._folder, max_seconds=self.max_spin.value(),
                                on_level=mailbox.put_level, on_finished=mailbox.put_take)
            self._recorder = recorder
            self.level_meter.reset()
            self._set_recording(True)
            path = recorder.start()
            self._poll.start()
        except Exception as error:  # noqa: BLE001 - shown as a sentence, never a traceback
            self._recorder = None
            self._set_recording(False)
            text = str(error) if isinstance(error, VoiceDeskError) else f"Recording could not start: {error}"
            self._show_status(text, error=True)
            return
        what = "read the sentence aloud" if self.task == "sentence" else self._task().prompt[0].lower() + \
            self._task().prompt[1:].rstrip(".")
        self._show_status(f"Recording to {path.name} … {what}, then press Stop.")

    def _monitor_toggled(self, on: bool) -> None:
        """Level only, no file: the source feeds the mailbox until switched off."""
        if self._monitor is not None:
            monitor, self._monitor = self._monitor, None
            monitor.stop()
            if not self.is_recording:
                self._poll.stop()
                self.level_meter.reset()
        if not on:
            return
        mailbox = self._mailbox = _LevelMailbox()
        try:
            source = (self._source_factory or SoundDeviceSource)(self.device_combo.currentData())
            source.start(lambda block: mailbox.put_level(block_level(block)),
                         lambda error: mailbox.put_monitor_end(error))
        except Exception as error:  # noqa: BLE001 - shown as a sentence, never a traceback
            self._show_status(str(error) if isinstance(error, VoiceDeskError) else f"The input cannot be opened: {error}",
                              error=True)
            self.monitor_button.setChecked(False)
            return
        self._monitor = source
        self.level_meter.reset()
        self._poll.start()

    def stop_recording(self) -> None:
        if self._recorder is not None:
            self._recorder.stop()

    def _collect(self) -> None:
        """UI thread, on the poll timer: show the newest level; wrap up a finished take."""
        level, take, monitor_end = self._mailbox.take_all()
        if level is not None:
            self.level_meter.set_level(level.peak_db, level.rms_db, level.clipped)
            if self.is_recording:
                self.elapsed_label.setText(self._elapsed_text(level.elapsed_s))
        if monitor_end is not None and self._monitor is not None:
            self.monitor_button.setChecked(False)
            if monitor_end:
                self._show_status(monitor_end, error=True)
        if take is not None:
            self._on_take_finished(take)

    def _on_take_finished(self, take: Take) -> None:
        if self._recorder is None or self._recorder.take is not take:
            return  # already handled (dialog closed while recording)
        self._recorder = None
        if self._monitor is None:
            self._poll.stop()
        self.last_take = take
        self._set_recording(False)
        self.elapsed_label.setText(self._elapsed_text(take.duration))
        if take.saved:
            why = {"max_duration": " (maximum duration reached)"}.get(take.stopped_by, "")
            message = f"Saved {take.path.name}: {take.duration:.1f} s{why}."
            if take.error:
                message += f" {take.error} Everything recorded up to then is in the file."
            message += "".join(f" {w}" for w in take.warnings)
            self._show_status(message, error=bool(take.error))
            try:
                from voice_desk.session.protocol import tag_take

                tag_take(take.path, self.task)       # the take says what it is, wherever it goes
            except Exception as error:  # noqa: BLE001 - the take itself is saved; only its tag is missing
                self._show_status(f"{message} (Its task could not be written into the file: {error}.)")
            self.take_saved.emit(str(take.path))
        else:
            self._show_status(take.error or "Nothing was recorded; no file was kept.", error=bool(take.error))

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #b00020;" if error else "")
        self.status_label.setText(text)

    def _recover_interrupted_takes(self) -> None:
        """Repair takes cut off by a crash in the current folder, and say so. Whatever is in the
        folder, this never stops the dialog from opening: a take that cannot be recovered is named."""
        recovered, problems = [], []
        try:
            candidates = unfinished_takes(self._folder) if self._folder.is_dir() else []
        except Exception as error:  # noqa: BLE001 - an unreadable folder must not keep the dialog shut
            candidates, problems = [], [f"The takes folder cannot be read ({error})."]
        for path in candidates:
            try:
                take = recover_take(path, folder=self._folder, read=False)
            except Exception as error:  # noqa: BLE001 - a damaged take must not keep the dialog shut
                problem = error.problem if isinstance(error, VoiceDeskError) else f"{type(error).__name__}: {error}"
                problems.append(f"{path.name} could not be recovered: {problem}")
                continue
            if take.repaired:
                recovered.append(path.name)
            elif take.note:
                problems.append(take.note)
        text = ("Recovered interrupted take(s): " + ", ".join(recovered) + "." if recovered else "")
        text = " ".join([text] + problems).strip()
        if text:
            self._show_status(text, error=bool(problems))

    def done(self, result: int) -> None:  # noqa: D401 - Qt API
        """Closing while recording stops and keeps the take first (nothing is ever lost)."""
        self.monitor_button.setChecked(False)
        recorder = self._recorder
        if recorder is not None:
            recorder.stop()
            take = recorder.wait(10.0)
            if take is not None:
                self._on_take_finished(take)
        super().done(result)


class _LevelMailbox:
    """Hand-over from the writer thread to the UI thread: the loudest news since last time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._level: BlockLevel | None = None
        self._take: Take | None = None
        self._monitor_end: str | None = None

    def put_level(self, level: BlockLevel) -> None:
        with self._lock:
            old = self._level
            if old is not None:  # keep the peak and any clip until the UI has shown them
                level = BlockLevel(max(old.peak_db, level.peak_db), level.rms_db,
                                   old.clipped_samples + level.clipped_samples, level.elapsed_s)
            self._level = level

    def put_take(self, take: Take) -> None:
        with self._lock:
            self._take = take

    def put_monitor_end(self, error: str | None) -> None:
        with self._lock:
            self._monitor_end = error or ""

    def take_all(self) -> tuple[BlockLevel | None, Take | None, str | None]:
        with self._lock:
            news = self._level, self._take, self._monitor_end
            self._level, self._take, self._monitor_end = None, None, None
            return news

