"""What the model process runs: plain ``run(..., state)`` functions called by name through
:class:`voice_desk.tasks.child.ChildProcess` (see :mod:`voice_desk.model.model_process`).

They run in the child, where torch lives; loaded engines stay in ``_ENGINES`` between calls,
so the second explanation of a session does not load the model again.
"""

from __future__ import annotations

from voice_desk.tasks.child import error_record
from voice_desk.tasks.state import TaskState, is_cancellation

_ENGINES: dict = {}


def engine(path: str):
    """The loaded engine of the model at ``path`` (loaded once per process)."""
    if path not in _ENGINES:
        from voice_desk.model.bundle import load_model
        from voice_desk.model.engine import Engine
        from voice_desk.model.quiet import quiet_libraries

        quiet_libraries()
        _ENGINES[path] = Engine(load_model(path))
    return _ENGINES[path]


def explain(recording, paths: list[str], method: str = "rollout", target_class: str | None = None, *,
            state: TaskState) -> int:
    """Explain ``recording`` with each model in turn, by ``method`` (for ``target_class``, default the
    predicted one; see :mod:`voice_desk.model.relevance_methods`). Partial results: ``('result', path,
    Explanation)`` after each model, or ``('model_failed', path, (ours, text, details))`` when
    that model could not run (the others still run). Returns how many ran."""
    n, ran = len(paths), 0
    for i, path in enumerate(paths):
        state.set_status(f"Loading and running model {i + 1} of {n}…")
        try:
            e = engine(path)
            state.check()
            explanation = e.explain(recording, cancelled=state.is_cancelled, method=method,
                                    target_class=_class_of(e, target_class),
                                    progress=lambda f, i=i: state.set_progress((i + f) / n))
        except Exception as exc:  # noqa: BLE001 - one broken model must not stop the others
            if is_cancellation(exc):
                raise
            state.set_partial_result(("model_failed", path, error_record(exc)))
            continue
        state.set_partial_result(("result", path, explanation))
        ran += 1
    return ran


def _class_of(engine, target_class: str | None) -> str | None:
    """A class named in the window applies to the models that have it; the others use their predicted class."""
    labels = [str(label).lower() for label in engine.loaded.labels]
    return target_class if target_class and str(target_class).lower() in labels else None


def faithfulness(explanation, path: str, steps: int = 20, random_orders: int = 3, *, state: TaskState) -> dict:
    """Deletion and insertion curves of ``explanation``'s map on the model at ``path``
    (:func:`voice_desk.model.faithfulness.faithfulness_curves`), as a plain record."""
    from voice_desk.model.faithfulness import faithfulness_curves

    state.set_status("Measuring how faithful the map is…")
    curves = faithfulness_curves(engine(path), explanation, steps=steps, random_orders=random_orders,
                                 progress=state.set_progress, cancelled=state.is_cancelled)
    return curves.to_record()


def load(paths: list[str], state: TaskState) -> int:
    """Load ``paths`` while the user looks at the recording; a broken model is reported when run."""
    loaded = 0
    for path in paths:
        state.check()
        try:
            engine(path)
            loaded += 1
        except Exception:  # noqa: BLE001 - reported by the run that needs it
            continue
    return loaded


def import_model(folder: str, models_folder: str, state: TaskState) -> str:
    """Load ``folder`` to prove it is a usable model, then copy it into ``models_folder``."""
    from voice_desk.model.install import import_bundle

    return str(import_bundle(folder, models_folder))


def install_base(hub_id: str, models_folder: str, state: TaskState) -> str:
    """Download ``hub_id`` and save it as a bundle (run in a process of its own: Cancel ends it)."""
    from voice_desk.model.install import install_hub_model
    from voice_desk.model.quiet import quiet_libraries

    quiet_libraries()
    return str(install_hub_model(hub_id, models_folder))
