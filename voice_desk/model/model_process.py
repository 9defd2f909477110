"""The model process: models run in a child process, so the program that shows them never
imports torch (see :mod:`voice_desk.tasks.child` for why a process).

One child per program (:func:`shared_model_process`) keeps its loaded models between calls;
calls run one at a time. What it runs is in :mod:`voice_desk.model.model_jobs`: ``explain``
(recording, model paths), ``load`` (warm up while the user looks at the recording),
``import_model`` (folder, models folder). The base-model download runs in a process of its
own (:func:`install_in_own_process`), so Cancel ends it at once and the model process stays
free for explanations meanwhile.
"""

from __future__ import annotations

from voice_desk.tasks.child import ChildProcess, ChildStopped, error_from_child, run_in_child
from voice_desk.tasks.state import TaskCancelled, TaskState

__all__ = ["ModelProcess", "ModelProcessError", "TaskCancelled", "error_from_child", "install_in_own_process",
           "shared_model_process"]

#: The model process yields the CPU to the window (on a 2-core machine torch would take both).
NICENESS = 5
JOBS = "voice_desk.model.model_jobs"

ModelProcessError = ChildStopped


class ModelProcess(ChildProcess):
    """The child process that runs models (torch and transformers are imported as it starts)."""

    def __init__(self):
        super().__init__("voice-desk-models", niceness=NICENESS, warm_imports=("torch", "transformers"),
                         died="The model stopped unexpectedly (perhaps the computer ran out of memory).",
                         died_hint="Close other programs or run one model at a time, then try again.")

    def explain(self, recording, paths: list[str], state: TaskState, method: str = "rollout",
                target_class: str | None = None) -> int:
        return self.call(f"{JOBS}:explain", (recording, list(paths), method, target_class), state)

    def faithfulness(self, explanation, path: str, state: TaskState) -> dict:
        return self.call(f"{JOBS}:faithfulness", (explanation, str(path)), state)

    def load(self, paths: list[str], state: TaskState) -> int:
        return self.call(f"{JOBS}:load", (list(paths),), state)

    def import_model(self, folder: str, models_folder: str, state: TaskState) -> str:
        return self.call(f"{JOBS}:import_model", (str(folder), str(models_folder)), state)


def install_in_own_process(hub_id: str, models_folder: str, state: TaskState) -> str:
    """Download ``hub_id`` and save it as a bundle in ``models_folder`` (see
    :func:`voice_desk.model.install.install_hub_model`) in a process of its own: Cancel stops
    the download at once (the Hugging Face cache resumes it next time). Returns the new folder."""
    return run_in_child("voice-desk-download", f"{JOBS}:install_base", (hub_id, str(models_folder)), state,
                        died="The download stopped unexpectedly.",
                        died_hint="Try again; what was already downloaded is kept.")


_shared: ModelProcess | None = None


def shared_model_process() -> ModelProcess:
    """One model process per program: models stay loaded between calls and windows."""
    global _shared
    if _shared is None:
        import atexit

        _shared = ModelProcess()
        atexit.register(_shared.close)
    return _shared
