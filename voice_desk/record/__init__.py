"""The patient record: patients, their sessions, each session's takes, the models' results and the
voice measures, kept in one SQLite file on this computer (``data_home()/record.sqlite``), the takes
in ``data_home()/takes/<patient>/<session>/``; the course over time; a printable report.

Qt-free and torch-free: the window and the ``voice-desk patients`` / ``voice-desk report`` commands
both work through :class:`Record`. Every SQL statement lives in :mod:`voice_desk.record.queries`.
"""

from voice_desk.record.entities import (COURSE_MEASURES, TASK_NAMES, TASKS, CoursePoint, Patient, Session,
                                        StoredResult, Take)
from voice_desk.record.errors import RecordError
from voice_desk.record.store import Record

__all__ = ["Record", "RecordError", "Patient", "Session", "Take", "StoredResult", "CoursePoint", "TASKS",
           "TASK_NAMES", "COURSE_MEASURES"]
