"""`voice-desk selftest`: prove that this installation works, end to end, without touching the user's data.

In a temporary data folder (``VOICE_DESK_HOME``; nothing is read from or written to the user's
own folder, nothing is downloaded), it goes through what a clinic does with Voice Desk:

1. ``model``    builds a tiny AST model (random weights, from the shipped config) in the model process;
2. ``imports``  imports, in that process, every Voice Desk module and everything they import anywhere
                in them (what a user reaches only through a menu: training, the study, downloads);
3. ``explain``  explains the demo recording with the model, in that process (verdict and relevance map),
                then by gradient-weighted rollout with its faithfulness curves;
4. ``align``    aligns the demo with the built-in aligner (its reference is a shipped resource);
5. ``measures`` computes Praat's voice measures of it;
6. ``window``   opens the window offscreen with the demo and the model, waits for the verdict and
                takes a screenshot;
7. ``report``   files patient, session, take, result, map and measures in a patient record and
                writes the printable report (PDF).

It exits 0 with a one-line summary, or 1 with a line naming the step that failed and why. In the
PyInstaller bundle this is what CI runs, so a missing hidden import, data file, Qt plugin or a
child process that cannot start in a frozen program fails there (``packaging/README.md``).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HELP = "check that this installation works: model process, imports, explanation, aligner, measures, window, report"
DESCRIPTION = (
    "Check this installation end to end in a temporary data folder (your patients, models and settings are "
    "not touched; nothing is downloaded): build a tiny model in the model process, import every module there, "
    "explain the demo recording with the model, align it, measure it, open the window offscreen and take a "
    "screenshot, and write a patient report. Exits 0 with a one-line summary, or 1 naming the step that failed.")

#: A tiny AST (random weights): enough to run every part of the pipeline in a second or two.
TINY_CONFIG = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
               "intermediate_size": 64, "max_length": 256}
MODEL_NAME = "selftest-tiny"
PATIENT = "SELFTEST-1"


def add_arguments(parser) -> None:
    parser.add_argument("--keep", metavar="DIR", default=None,
                        help="work in DIR (created; must be empty) and keep what was made there: the model, the "
                             "screenshot, the report (default: a temporary folder, removed afterwards)")


def build_tiny_model(folder: str, state=None) -> str:
    """Save a tiny healthy/pathological AST bundle in ``folder`` (runs in the model process)."""
    import torch
    from transformers import ASTFeatureExtractor

    from voice_desk.model.bundle import build_model, save_bundle
    from voice_desk.model.card import ModelCard
    from voice_desk.model.quiet import quiet_libraries

    quiet_libraries()
    torch.manual_seed(0)
    model = build_model(TINY_CONFIG)
    save_bundle(model, folder, ModelCard(configuration="ast_freeze", notes="voice-desk selftest: random weights"),
                ASTFeatureExtractor(max_length=TINY_CONFIG["max_length"]))
    return str(folder)


#: Packages Voice Desk imports only when asked and may do without: sbvoicedb (GPL-2.0-only) is an
#: optional extra of a pip install and must never be in the bundle.
OPTIONAL = {"sbvoicedb": "the SVD reader (GPL-2.0-only)"}
#: Standard modules of other operating systems (imported under a platform check).
OTHER_PLATFORMS = ({"fcntl", "termios", "resource", "grp", "pwd", "posix", "tty", "pty"} if sys.platform == "win32"
                   else {"msvcrt", "winreg", "_winapi", "winsound", "nt"})


def source_imports() -> tuple[int, dict[str, set[str]]]:
    """(number of files, {module: names}) of every absolute import in Voice Desk's own sources,
    wherever it sits in them (PyInstaller cannot follow ``from transformers import Trainer`` through
    transformers' lazy module; the bundle ships the sources beside the compiled code for this)."""
    import ast

    import voice_desk

    found: dict[str, set[str]] = {}
    files = sorted(Path(voice_desk.__file__).parent.rglob("*.py"))
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [(node.module, {a.name for a in node.names})]
            elif isinstance(node, ast.Import):
                modules = [(a.name, set()) for a in node.names]
            else:
                continue
            for module, names in modules:
                if module.split(".")[0] not in ("voice_desk", "__future__", *OTHER_PLATFORMS):
                    found.setdefault(module, set()).update(names)
    return len(files), found


def import_everything(state=None) -> dict:
    """Import every Voice Desk module and everything they import, anywhere in them (runs in the model
    process). A module missing from the bundle fails here instead of when a user reaches it."""
    import importlib
    import pkgutil

    import voice_desk

    files, found = source_imports()
    if files < 10:
        raise StepError(f"only {files} of Voice Desk's source files are here to read its imports from")
    own = sorted({m.name for m in pkgutil.walk_packages(voice_desk.__path__, "voice_desk.")} - {"voice_desk.__main__"})
    for name in own:
        importlib.import_module(name)
    left_out = set()
    for module, names in sorted(found.items()):
        top = module.split(".")[0]
        try:
            imported = importlib.import_module(module)
            for name in sorted(names):
                if not hasattr(imported, name):
                    importlib.import_module(f"{module}.{name}")
        except Exception as exc:  # noqa: BLE001 - transformers' lazy module wraps a missing module in others
            if top in OPTIONAL:
                left_out.add(top)
                continue
            raise StepError(f"{module} ({', '.join(sorted(names)) or 'the module'}) cannot be imported: "
                            f"{type(exc).__name__}: {exc}") from None
    if getattr(sys, "frozen", False) and set(OPTIONAL) - left_out:
        raise StepError(f"{', '.join(sorted(set(OPTIONAL) - left_out))} must not be in the bundle")
    return {"own": len(own), "imported": len(found), "left_out": sorted(left_out)}


@dataclass
class Context:
    """What the steps share."""

    work: Path
    demo: Path | None = None
    model: Path | None = None
    recording: object = None
    explanation: object = None
    alignment: object = None
    measures: object = None


class StepError(Exception):
    """A step's check did not hold."""


def _step_model(ctx: Context) -> str:
    from voice_desk.model.model_process import shared_model_process
    from voice_desk.paths import models_dir

    folder = models_dir() / MODEL_NAME
    done = shared_model_process().call(f"{__name__}:build_tiny_model", (str(folder),))
    ctx.model = Path(done)
    if not (ctx.model / "model.safetensors").is_file():
        raise StepError(f"no weights were written in {ctx.model}")
    return f"tiny AST ({TINY_CONFIG['num_hidden_layers']} layers) built in the model process"


def _step_imports(ctx: Context) -> str:
    from voice_desk.model.model_process import shared_model_process

    done = shared_model_process().call(f"{__name__}:import_everything")
    note = f"{done['own']} Voice Desk modules and the {done['imported']} modules they import load"
    for name in done["left_out"]:
        note += f"; {OPTIONAL[name]} is " + ("left out of this bundle" if getattr(sys, "frozen", False)
                                            else "not installed")
    return note


def _step_explain(ctx: Context) -> str:
    import math

    from voice_desk.audio.load import load_recording
    from voice_desk.model.model_process import shared_model_process
    from voice_desk.session.opening import demo_recording_path
    from voice_desk.tasks.child import error_from_child
    from voice_desk.tasks.state import TaskState

    ctx.demo = demo_recording_path()
    ctx.recording = load_recording(ctx.demo)
    got: dict = {}

    def take(part) -> None:
        kind, _path, value = part
        got[kind] = value

    ran = shared_model_process().explain(ctx.recording, [str(ctx.model)], TaskState(partial=take))
    if "model_failed" in got:
        raise error_from_child(*got["model_failed"])
    if ran != 1 or "result" not in got:
        raise StepError("the model process returned no explanation")
    ctx.explanation = explanation = got["result"]
    p = explanation.prediction.pathology_probability
    if p is None or not math.isfinite(p) or explanation.frame_relevance.size == 0:
        raise StepError("the explanation has no probability or no relevance map")
    # the class-specific method and the faithfulness curves, in the same process (3 steps, 1 random order)
    got.clear()
    process = shared_model_process()
    process.explain(ctx.recording, [str(ctx.model)], TaskState(partial=take), "gradient-rollout", None)
    gradient = got.get("result")
    if gradient is None or gradient.settings.get("method") != "gradient-rollout" or gradient.frame_relevance.size == 0:
        raise StepError("the gradient-weighted rollout gave no map")
    from voice_desk.model.model_jobs import faithfulness  # noqa: F401 - the child function must be in the bundle

    curves = process.call("voice_desk.model.model_jobs:faithfulness", (gradient, str(ctx.model), 3, 1), TaskState())
    if len(curves.get("deletion", [])) != 4:
        raise StepError("the faithfulness curves did not come back")
    return (f"demo explained: P(pathological) {p:.2f}, map {explanation.frame_relevance.shape[0]} frames; "
            f"gradient-weighted rollout for {gradient.settings['target_class']} and its curves too")


def _step_align(ctx: Context) -> str:
    from voice_desk.session.tiers import aligned

    tiers = aligned(ctx.recording, "builtin")
    if not tiers.has_phones:
        raise StepError(tiers.note or "the built-in aligner found no phones")
    ctx.alignment = tiers.alignment
    spoken = ctx.alignment.spoken_phones()
    return f"aligned: {len(spoken)} phones, confidence {ctx.alignment.confidence:.2f}"


def _step_measures(ctx: Context) -> str:
    from voice_desk.session.measures import measure_session

    ctx.measures = measure_session(sentence=ctx.demo)
    report = ctx.measures.takes["sentence"]
    cpps = report.value("cpps")
    if cpps is None:
        raise StepError(f"CPPS has no value ({report.why_not('cpps')})")
    return f"measures: CPPS {cpps:.1f} dB"


def _step_window(ctx: Context) -> str:
    from voice_desk.ui.app import application, start_window

    shot = ctx.work / "window.png"
    app = application()
    if app.platformName() != "offscreen":
        raise StepError(f"the window opened on the '{app.platformName()}' platform, not offscreen")
    window = start_window(str(ctx.demo), [str(ctx.model)], screenshot=str(shot))
    code = app.exec()
    explained = len(window.session.explanations)
    messages = list(window.messages)
    window.deleteLater()
    app.processEvents()
    if code != 0 or not shot.is_file() or shot.stat().st_size == 0:
        raise StepError(f"the screenshot failed (exit {code}){': ' + messages[-1] if messages else ''}")
    if explained != 1:
        raise StepError(f"the window shows {explained} verdicts, not 1"
                        f"{': ' + messages[-1] if messages else ''}")
    missing = _missing_platform_plugins()
    if missing:
        raise StepError(f"Qt platform plugins missing: {', '.join(missing)}")
    return f"window: offscreen screenshot {shot.stat().st_size // 1024} kB with the verdict"


def _missing_platform_plugins() -> list[str]:
    """On Linux the window must be able to open on X11 and Wayland as well as offscreen."""
    if not sys.platform.startswith("linux"):
        return []
    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    names = {p.name for p in folder.glob("*")} if folder.is_dir() else set()
    return [name for name in ("xcb", "wayland", "offscreen")
            if not any(n.startswith(f"libq{name}") for n in names)]


def _step_report(ctx: Context) -> str:
    import hashlib
    import re
    from datetime import date

    from voice_desk.record import Record
    from voice_desk.session.export import phone_rows

    explanation = ctx.explanation
    card = ctx.model / "voice_desk.json"
    card_hash = hashlib.sha256(card.read_bytes()).hexdigest()[:16] if card.is_file() else ""
    rel = explanation.frame_relevance
    summary = {"max": float(rel.max()), "mean": float(rel.mean()),
               "peak_s": float(rel.mean(axis=1).argmax() * explanation.frame_shift)}
    phones = [{"phone": r.phone, "start_s": r.start, "end_s": r.end, "relative": r.relative, "share": r.share}
              for r in phone_rows(explanation, ctx.alignment)]
    out = ctx.work / "report.pdf"
    with Record.open() as record:
        patient = record.add_patient(PATIENT, name="Self test", sex="f", birth="1970")
        session = record.add_session(patient.id, date.today().isoformat(), examiner="voice-desk selftest",
                                     notes="Made by voice-desk selftest from the synthetic demo recording.")
        take = record.add_take(session.id, ctx.demo, "sentence")
        record.store_result(take.id, MODEL_NAME, card_hash, explanation.prediction.to_record(), summary, phones,
                            card_summary="random weights (selftest)")
        record.store_explanation(take.id, MODEL_NAME, explanation.save_npz(ctx.work / "explanation.npz"))
        record.store_measures(session.id, ctx.measures.to_dict())
        record.report(patient.id, out, session.id, clinic="Voice Desk selftest")
    data = out.read_bytes() if out.is_file() else b""
    if not data.startswith(b"%PDF"):
        raise StepError("no PDF was written")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    return f"report: {pages} page{'s' if pages != 1 else ''}, {len(data) // 1024} kB"


STEPS = (("model", _step_model), ("imports", _step_imports), ("explain", _step_explain), ("align", _step_align),
         ("measures", _step_measures), ("window", _step_window), ("report", _step_report))


def run_steps(steps, ctx: Context, verbose: bool = False) -> tuple[int, list[str]]:
    """Run ``steps`` in order; stop at the first that fails. -> (exit code, notes)."""
    notes = []
    for name, step in steps:
        began = time.monotonic()
        try:
            note = step(ctx)
        except Exception as exc:  # noqa: BLE001 - every failure is reported as the step that failed
            why = str(exc).strip() or type(exc).__name__
            print(f"voice-desk selftest: FAILED at step '{name}' after {time.monotonic() - began:.1f} s: "
                  f"{why} ({type(exc).__name__})", file=sys.stderr)
            if verbose:
                import traceback

                traceback.print_exc()
            return 1, notes
        notes.append(note)
        if verbose:
            print(f"  {name} ({time.monotonic() - began:.1f} s): {note}", file=sys.stderr)
    return 0, notes


def _isolated_environment(home: Path) -> dict:
    """Point Voice Desk (and its child processes, which inherit the environment) at ``home``,
    offline and offscreen; returns the values to restore."""
    wanted = {"VOICE_DESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "HF_HUB_OFFLINE": "1",
              "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(home / "hf")}
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    return saved


def _restore(saved: dict) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run(args) -> int:
    import multiprocessing
    import platform
    import shutil
    import tempfile

    from voice_desk import __version__

    multiprocessing.freeze_support()   # a no-op unless frozen and started as a child (see packaging/)
    began = time.monotonic()
    if args.keep:
        work = Path(args.keep).expanduser().resolve()
        if work.exists() and (not work.is_dir() or any(work.iterdir())):
            print(f"voice-desk selftest: --keep {args.keep}: give an empty or new folder.", file=sys.stderr)
            return 2
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="voice-desk-selftest-"))
    saved = _isolated_environment(work / "home")
    try:
        code, notes = run_steps(STEPS, Context(work), verbose=getattr(args, "verbose", False))
    finally:
        from voice_desk.model.model_process import shared_model_process

        shared_model_process().close()
        _restore(saved)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if code == 0:
        where = "bundle" if getattr(sys, "frozen", False) else "Python install"
        print(f"voice-desk selftest: OK in {time.monotonic() - began:.1f} s (Voice Desk {__version__}, {where}, "
              f"{platform.system()} {platform.machine()}): " + "; ".join(notes))
    return code
