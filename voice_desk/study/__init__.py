"""The study workspace: the four findings of the study (STUDY.md) over a data set, as numbers with
confidence intervals, and a report.

Qt-free. ``voice-desk study`` runs :func:`voice_desk.study.runner.run_study` then writes with
:mod:`voice_desk.study.results` and :mod:`voice_desk.study.report`; the window reads a finished
study folder through :mod:`voice_desk.study.folder`, which imports neither torch nor Qt.
"""
