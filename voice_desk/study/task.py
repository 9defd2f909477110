"""A whole study as one plain ``run(..., state)`` function: what the window's Models → Run a
study… runs in a child process (it needs torch), the same steps as ``voice-desk study``."""

from __future__ import annotations

from pathlib import Path

from voice_desk.tasks.state import TaskState


def run_study_task(models: list[str], data: str, out: str, state: TaskState) -> str:
    """Plan, run (cached, resumable), and write results.json and report.html into ``out``."""
    from voice_desk.study.cache import StudyCache
    from voice_desk.study.plan import plan_study
    from voice_desk.study.report import write_report
    from voice_desk.study.results import write_results
    from voice_desk.study.runner import run_study

    cache = StudyCache()
    state.set_status("Reading the models and the data…")
    plan = plan_study(list(models), data, cache=cache, command=f"(window) study of {data}")
    result = run_study(plan, cache, state)
    state.set_status("Writing the results and the report…")
    record = write_results(out, result)
    write_report(out, result, record)
    return str(Path(out))
