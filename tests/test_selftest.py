"""`voice-desk selftest` (the check CI runs in the desktop bundle), the bundle's entry point, and the
bundle's licence gate (packaging/bundle_licences.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def _env(home: Path) -> dict:
    env = dict(os.environ, VOICE_DESK_HOME=str(home), HF_HUB_OFFLINE="1", QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)
    return env


def test_selftest_runs_every_step_and_leaves_the_users_data_alone(tmp_path):
    home = tmp_path / "users-home"          # the user's own data folder: must stay untouched
    home.mkdir()
    keep = tmp_path / "kept"
    done = subprocess.run([sys.executable, "-m", "voice_desk", "selftest", "--keep", str(keep)], env=_env(home),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voice-desk selftest: OK in "), done.stdout
    for word in ("model process", "P(pathological)", "phones", "CPPS", "screenshot", "report"):
        assert word in lines[0]
    assert list(home.iterdir()) == []
    assert (keep / "window.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (keep / "report.pdf").read_bytes()[:4] == b"%PDF"
    assert (keep / "home" / "models" / "selftest-tiny" / "model.safetensors").is_file()


def test_a_failing_step_is_named_and_exits_non_zero(monkeypatch, capsys, tmp_path):
    from voice_desk.cli import main
    from voice_desk.commands import selftest

    seen = {}

    def fine(ctx):
        seen["home"] = os.environ["VOICE_DESK_HOME"]
        return "fine"

    def broken(ctx):
        raise RuntimeError("the aligner's reference is missing")

    monkeypatch.setattr(selftest, "STEPS", (("model", fine), ("align", broken), ("report", fine)))
    before = os.environ.get("VOICE_DESK_HOME")
    assert main(["selftest"]) == 1
    err = capsys.readouterr().err
    assert "FAILED at step 'align'" in err and "the aligner's reference is missing" in err
    assert seen["home"] != before and not Path(seen["home"]).exists()   # its own folder, removed after
    assert os.environ.get("VOICE_DESK_HOME") == before                  # and the environment restored
    assert main(["selftest", "--keep", str(tmp_path)]) == 1             # an empty folder is fine for --keep
    (tmp_path / "something").write_text("x")
    assert main(["selftest", "--keep", str(tmp_path)]) == 2             # a folder with files in it is refused


def test_the_bundles_entry_point_works_without_stdout_and_stderr(tmp_path):
    """A windowed build (Windows, macOS) has sys.stdout and sys.stderr set to None: the entry point
    gives them somewhere to go, and the whole selftest (model process, window, report) still passes."""
    code = ("import runpy, sys\n"
            f"sys.path.insert(0, {str(PACKAGING)!r})\n"
            "real = sys.__stdout__\n"
            "sys.stdout = sys.stderr = None\n"
            "sys.argv = ['voice-desk', 'selftest']\n"
            "try:\n"
            f"    runpy.run_path({str(PACKAGING / 'voice_desk_main.py')!r}, run_name='__main__')\n"
            "except SystemExit as exit:\n"
            "    real.write(f'exit {exit.code}\\n')\n")
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([sys.executable, "-c", code], env=_env(home), capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1:] == ["exit 0"], done.stdout + done.stderr


# ------------------------------------------------------------------ the licence gate of the bundle

@pytest.fixture(scope="module")
def licences():
    sys.path.insert(0, str(PACKAGING))
    try:
        import bundle_licences
    finally:
        sys.path.remove(str(PACKAGING))
    return bundle_licences


@pytest.mark.parametrize("expression, verdict", [
    ("MIT", "compatible"), ("GPL-3.0-or-later", "compatible"), ("LGPL-2.1-or-later", "compatible"),
    ("Apache-2.0 AND Apache-2.0 WITH LLVM-exception AND BSD-3-Clause", "compatible"),
    ("LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only", "compatible"),
    ("GPL-2.0-only", "incompatible"), ("GPL-2.0", "incompatible"), ("MIT AND GPL-2.0-only", "incompatible"),
    ("Apache-2.0 AND CNRI-Python", "incompatible"), ("GPL-2.0+", "compatible"),
    ("Some-Proprietary-Licence", "unknown"), ("MIT AND Weird-1.0", "unknown"), ("", "unknown"),
])
def test_licence_expressions_are_judged_against_gpl3(licences, expression, verdict):
    assert licences.evaluate(expression) == verdict


class _Dist:
    def __init__(self, name, version="1.0", files=(), **fields):
        self.version = version
        self.files = list(files)
        self.metadata = _Meta(Name=name, **fields)

    def locate_file(self, f):
        return Path("/nonexistent") / str(f)


class _Meta(dict):
    def get_all(self, key):
        value = self.get(key)
        return value if isinstance(value, list) else None


def test_metadata_is_read_in_order_and_sbvoicedb_is_refused(licences):
    read = licences.read_licence
    assert read(_Dist("a", **{"License-Expression": "BSD-3-Clause", "License": "MIT"})) == ("BSD-3-Clause",
                                                                                          "License-Expression")
    parsel = _Dist("praat-parselmouth", License="GPLv3",
                   Classifier=["License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"])
    assert read(parsel)[0] == "GPL-3.0-or-later"
    assert read(_Dist("praatio", License="The MIT License (MIT)\n\nCopyright (c) 2014 ...\n" + "x" * 500))[0] == "MIT"
    assert read(_Dist("empty")) == ("", "no usable metadata")
    svd = _Dist("sbvoicedb", License="GPL-2.0 License",
                Classifier=["License :: OSI Approved :: GNU General Public License v2 (GPLv2)"])
    assert licences.judge(svd, {}).verdict == "incompatible"
    assert licences.judge(_Dist("empty"), {}).verdict == "unknown"
    qt = licences.judge(_Dist("PySide6_Essentials", License="LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only"), {})
    assert qt.verdict == "compatible" and "GNU LESSER GENERAL PUBLIC LICENSE" in qt.texts[0][1]   # ships no file


def test_a_decision_needs_a_reason_and_stops_at_a_new_version(licences, tmp_path):
    bad = tmp_path / "decisions.toml"
    bad.write_text('[[decision]]\npackage = "x"\nlicence = "MIT"\n')
    with pytest.raises(licences.LicenceError, match="reason"):
        licences.load_decisions(bad)
    decisions = licences.load_decisions()      # the shipped file
    regex = _Dist("regex", version="2026.11.19", **{"License-Expression": "Apache-2.0 AND CNRI-Python"})
    judged = licences.judge(regex, decisions)
    assert judged.verdict == "decided" and "sre" in judged.note
    with pytest.raises(licences.LicenceError, match="update the decision"):
        licences.judge(_Dist("regex", version="2031.1.1", **{"License-Expression": "Apache-2.0"}), decisions)


def test_only_known_system_libraries_and_never_cuda_go_into_the_bundle(licences):
    toc = [("libcudart.so.13", "/usr/local/cuda-13.0/lib/libcudart.so.13", "BINARY"),
           ("libxcb-cursor.so.0", "/usr/lib/x86_64-linux-gnu/libxcb-cursor.so.0.0.0", "BINARY"),
           ("libX11.so.6", "/usr/lib/x86_64-linux-gnu/libX11.so.6.4.0", "BINARY"),
           ("libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "BINARY"),
           ("libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.3", "BINARY"),
           ("torch/lib/libtorch_cpu.so", str(ROOT / ".venv/lib/python3.11/site-packages/torch/lib/libtorch_cpu.so"),
            "BINARY")]
    kept, dropped = licences.keep_system_libraries(toc, ROOT)
    assert [name for name, _, _ in kept] == ["libxcb-cursor.so.0", "libssl.so.3", "torch/lib/libtorch_cpu.so"]
    assert dropped == ["libX11.so.6", "libcudart.so.13", "libstdc++.so.6"]


def test_test_packages_metadata_is_dropped_and_their_code_stops_the_build(licences):
    from importlib.metadata import distribution

    pytest_dist = distribution("pytest")
    metadata = next(str(pytest_dist.locate_file(f)) for f in pytest_dist.files if str(f).endswith("METADATA"))
    code = next(str(pytest_dist.locate_file(f)) for f in pytest_dist.files if str(f) == "_pytest/__init__.py")
    numpy_init = str(distribution("numpy").locate_file("numpy/__init__.py"))

    class Analysis:
        pure = [("numpy", numpy_init, "PYMODULE")]
        binaries = []
        datas = [(f"pytest-{pytest_dist.version}.dist-info/METADATA", metadata, "DATA")]

    analysis = Analysis()
    assert licences.drop_forbidden(analysis, ROOT) == [f"pytest-{pytest_dist.version}.dist-info/METADATA"]
    assert analysis.datas == [] and len(analysis.pure) == 1
    analysis.pure.append(("_pytest", code, "PYMODULE"))
    with pytest.raises(SystemExit, match="_pytest"):
        licences.drop_forbidden(analysis, ROOT)
