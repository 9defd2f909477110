"""THIRD-PARTY-LICENSES for the bundle, from the packages' own metadata, and the licence gate.

The bundle is distributed under GPL-3.0-or-later. Every file PyInstaller collected (Python modules,
libraries, data) is traced to the installed distribution whose RECORD lists it; files outside any
distribution are Voice Desk's own (the checkout), Python's (its standard library and libpython:
PSF-2.0) or, on Linux, system libraries PyInstaller copied in (known ones only, see SYSTEM_LIBRARIES).
For each distribution the licence is read from its metadata, in this order: ``License-Expression``
(SPDX); a short ``License`` field; the ``License ::`` classifiers (a ``License`` field that holds a
whole licence text is not a name, and is only used through the decisions file). The build stops when a licence is

- incompatible with GPL-3.0-or-later (GPL-2.0-only, among others: sbvoicedb must never be in here), or
- unknown (no usable metadata, or a name this module does not know),

unless ``licence-decisions.toml`` states a reasoned decision for that package. The generated file
lists every package with version, licence, where the licence came from, and the text of the licence
files the package ships (``License-File`` / ``*.dist-info/licenses``).

Run alone (``.venv/bin/python packaging/bundle_licences.py``) it checks every installed
distribution, which tells early whether a new dependency would stop the bundle's build.
"""

from __future__ import annotations

import functools
import importlib.metadata as md
import os
import re
import sys
import sysconfig
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DECISIONS = HERE / "licence-decisions.toml"

#: SPDX ids that combine with GPL-3.0-or-later in one distributed work (FSF's list of GPL-compatible
#: licences; MPL-2.0 through its section 3.3, LGPL and GPL-2.0-or-later by their upgrade clauses).
COMPATIBLE = {
    "0BSD", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "BSL-1.0", "CC0-1.0", "HPND", "ISC", "MIT", "MIT-0",
    "MIT-CMU", "MPL-2.0", "PSF-2.0", "Python-2.0", "Unlicense", "Zlib", "X11", "NCSA", "Unicode-3.0",
    "Unicode-DFS-2016", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
    "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "CNRI-Python-GPL-Compatible",
}
#: Exceptions that only add permissions (``X WITH exception`` is as compatible as X).
EXCEPTIONS = {"LLVM-exception", "GCC-exception-3.1", "Classpath-exception-2.0", "Bootloader-exception"}
#: Known not to combine with GPL-3.0: named in the error, never waved through without a decision.
INCOMPATIBLE = {"GPL-2.0-only", "GPL-2.0", "LGPL-2.0-only", "CNRI-Python", "Apache-1.1", "BSD-4-Clause",
                "CDDL-1.0", "EPL-1.0", "EPL-2.0", "MPL-1.1", "MS-PL", "Python-1.6"}

#: Free-text ``License`` fields and classifiers -> SPDX. Ambiguous names map to their narrowest
#: reading ("GPLv2" is GPL-2.0-only; "BSD" is treated as the 3-clause licence, which every "BSD
#: License" classifier in practice names, since the 4-clause one has no classifier).
NAMES = {
    "mit": "MIT", "mit license": "MIT", "the mit license (mit)": "MIT", "mit-0": "MIT-0",
    "bsd": "BSD-3-Clause", "bsd license": "BSD-3-Clause", "new bsd": "BSD-3-Clause", "bsd-3-clause": "BSD-3-Clause",
    "bsd 3-clause license": "BSD-3-Clause", "3-clause bsd license": "BSD-3-Clause", "bsd-2-clause": "BSD-2-Clause",
    "bsd 2-clause license": "BSD-2-Clause",
    "apache": "Apache-2.0", "apache 2.0": "Apache-2.0", "apache-2.0": "Apache-2.0", "apache 2.0 license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0", "apache software license": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "isc": "ISC", "isc license": "ISC", "isc license (iscl)": "ISC",
    "mpl-2.0": "MPL-2.0", "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "psf": "PSF-2.0", "python software foundation license": "PSF-2.0", "psf-2.0": "PSF-2.0",
    "gplv3": "GPL-3.0-only", "gpl-3.0": "GPL-3.0-only", "gnu general public license v3 (gplv3)": "GPL-3.0-only",
    "gplv3+": "GPL-3.0-or-later", "gnu general public license v3 or later (gplv3+)": "GPL-3.0-or-later",
    "gplv2": "GPL-2.0-only", "gpl-2.0": "GPL-2.0-only", "gpl-2.0 license": "GPL-2.0-only",
    "gnu general public license v2 (gplv2)": "GPL-2.0-only",
    "gplv2+": "GPL-2.0-or-later", "gnu general public license v2 or later (gplv2+)": "GPL-2.0-or-later",
    "lgplv3": "LGPL-3.0-only", "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0-only",
    "gnu lesser general public license v3 or later (lgplv3+)": "LGPL-3.0-or-later",
    "gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.1-or-later",
    "zlib": "Zlib", "zlib/libpng license": "Zlib", "the unlicense (unlicense)": "Unlicense",
    "historical permission notice and disclaimer (hpnd)": "HPND",
    "boost software license 1.0 (bsl-1.0)": "BSL-1.0",
}

#: Libraries outside any Python distribution that the bundle carries on Linux, with their licences;
#: PyInstaller finds many more on the build machine (through Qt's plugins, ctypes look-ups, CUDA on a
#: GPU machine), and :func:`keep_system_libraries` drops every other one: the target system provides
#: them (X11, glib, fontconfig, D-Bus, GL — as it does for a pip-installed PySide6), or they would
#: clash with the host's own stack (libstdc++ with its GL drivers, ALSA/PulseAudio with their plugins),
#: or the bundle must not have them (CUDA). Two groups are carried:
#: - the Python interpreter's own dependencies: its extension modules (_ssl, _sqlite3, _ctypes, zlib,
#:   _bz2, _lzma, pyexpat, _uuid, readline) were built against them and another version may be absent;
#: - Qt's xcb platform plugin's helper libraries, which clean desktops often lack (libxcb-cursor0,
#:   libxcb-icccm4, libxcb-keysyms1: DESIGN.md), so the window opens on X11 without installing them.
SYSTEM_LIBRARIES = {
    "libssl": "Apache-2.0", "libcrypto": "Apache-2.0", "libffi": "MIT", "libz": "Zlib",
    "libbz2": "bzip2-1.0.6", "liblzma": "public-domain", "libsqlite3": "blessing", "libexpat": "MIT",
    "libuuid": "BSD-3-Clause", "libreadline": "GPL-3.0-or-later", "libtinfo": "X11", "libmpdec": "BSD-2-Clause",
    "libxcb-cursor": "X11", "libxcb-icccm": "X11", "libxcb-keysyms": "X11", "libxcb-image": "X11",
    "libxcb-render-util": "X11", "libxcb-util": "X11", "libxkbcommon": "MIT", "libxkbcommon-x11": "MIT",
}
#: Public-domain or permissive licences of the libraries above that are not in COMPATIBLE.
COMPATIBLE_SYSTEM = {"bzip2-1.0.6", "blessing", "public-domain"}
#: Never in the bundle, wherever they come from.
CUDA = re.compile(r"^lib(cuda|cudart|cublas|cublasLt|cudnn|cufft|curand|cusolver|cusparse|nccl|nvrtc|nvJitLink|"
                  r"nvToolsExt|cupti|nvidia|hiprtc|amdhip)", re.I)


#: Standard licence texts (packaging/licences/) added for a package that ships no licence file of its own.
STANDARD_TEXTS = {"LGPL-3.0": "LGPL-3.0.txt", "Apache-2.0": "Apache-2.0.txt"}

#: Development and test tools, build tools and the GPL-2.0-only SVD readers: never in the bundle.
#: Their metadata (dist-info folders that transformers' hook copies for its version checks) is left
#: out; any of their code stops the build (exclude the module that pulled it in, in the spec).
FORBIDDEN = {"pytest", "pytest-qt", "hypothesis", "import-linter", "grimp", "iniconfig", "pluggy", "sbvoicedb",
             "nspfile", "pyinstaller", "pyinstaller-hooks-contrib", "altgraph", "pip", "setuptools", "wheel",
             "triton"}


class LicenceError(Exception):
    pass


@dataclass
class Package:
    name: str
    version: str
    licence: str                 # an SPDX expression (or a decision's)
    source: str                  # where it was read from
    verdict: str = "unknown"     # compatible / incompatible / unknown / decided
    note: str = ""
    texts: list[tuple[str, str]] = field(default_factory=list)   # (file name, text)
    files: int = 0


# ------------------------------------------------------------------ SPDX expressions

def _tokens(expression: str) -> list[str]:
    return re.findall(r"\(|\)|[^\s()]+", expression)


def evaluate(expression: str, extra: set[str] = frozenset()) -> str:
    """'compatible', 'incompatible' or 'unknown' for an SPDX expression (AND, OR, WITH, brackets)."""
    tokens = _tokens(expression)
    pos = 0

    def atom() -> str:
        nonlocal pos
        if pos >= len(tokens):
            return "unknown"
        token = tokens[pos]
        pos += 1
        if token == "(":
            value = disjunction()
            pos += 1   # ")"
        else:
            base = token.rstrip("+")
            if token.endswith("+") and base.startswith(("GPL", "LGPL")):
                base = base.replace("-only", "") + "-or-later"
            value = ("compatible" if base in COMPATIBLE or base in extra
                     else "incompatible" if base in INCOMPATIBLE else "unknown")
        if pos < len(tokens) and tokens[pos] == "WITH":
            exception = tokens[pos + 1] if pos + 1 < len(tokens) else ""
            pos += 2
            if exception not in EXCEPTIONS and value == "compatible":
                value = "unknown"
        return value

    def conjunction() -> str:
        nonlocal pos
        values = [atom()]
        while pos < len(tokens) and tokens[pos] == "AND":
            pos += 1
            values.append(atom())
        return ("incompatible" if "incompatible" in values else "unknown" if "unknown" in values else "compatible")

    def disjunction() -> str:
        nonlocal pos
        values = [conjunction()]
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            values.append(conjunction())
        return ("compatible" if "compatible" in values else "unknown" if "unknown" in values else "incompatible")

    return disjunction() if tokens else "unknown"


def _spdx(text: str) -> str | None:
    """An SPDX expression for a short licence name, or None."""
    text = " ".join(text.split())
    if not text or len(text) > 80:
        return None
    key = text.lower()
    if key in NAMES:
        return NAMES[key]
    if re.fullmatch(r"[A-Za-z0-9.+\-]+( (AND|OR|WITH) [A-Za-z0-9.+\-]+)*", text.replace("(", "").replace(")", "")):
        return text            # already an SPDX expression, e.g. "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only"
    return None


def read_licence(dist) -> tuple[str, str]:
    """(SPDX expression or '', where it came from) from a distribution's metadata."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression, "License-Expression"
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    from_classifiers = [NAMES.get(c.lower()) for c in classifiers if c.lower() not in ("osi approved",)]
    raw = (meta.get("License") or "").strip()
    field_value = _spdx(raw)
    # A classifier that says more than the field ("GPLv3" vs "GPLv3+") wins; otherwise the field.
    if field_value and not (from_classifiers and all(from_classifiers) and len(set(from_classifiers)) == 1
                            and from_classifiers[0].startswith(field_value.replace("-only", ""))):
        return field_value, "License"
    if from_classifiers and all(from_classifiers):
        # several classifiers: read conservatively, as if every one applied to some part (AND)
        return " AND ".join(sorted(set(from_classifiers))), "classifiers"
    title = _spdx(raw.splitlines()[0]) if raw else None
    if title:     # the field holds a whole licence text: its title names it ("The MIT License (MIT)")
        return title, "License (the title of the licence text in it)"
    return "", "no usable metadata"


def licence_texts(dist) -> list[tuple[str, str]]:
    texts = []
    seen = set()
    for f in dist.files or []:
        parts = Path(str(f)).parts
        name = parts[-1]
        in_meta = any(p.endswith((".dist-info", ".egg-info")) for p in parts)
        if in_meta and (re.match(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", name, re.I) or "licenses" in parts):
            path = Path(dist.locate_file(f))
            if path.is_file() and path.resolve() not in seen:
                seen.add(path.resolve())
                texts.append(("/".join(parts[parts.index(next(p for p in parts if p.endswith(("-info")))) + 1:]),
                              path.read_text(encoding="utf-8", errors="replace")))
    return texts


# ------------------------------------------------------------------ decisions

def load_decisions(path: Path = DECISIONS) -> dict[str, dict]:
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    decisions = {}
    for entry in data.get("decision", []):
        for key in ("package", "licence", "reason"):
            if not str(entry.get(key, "")).strip():
                raise LicenceError(f"{path.name}: every decision needs '{key}' ({entry}).")
        decisions[_norm(entry["package"])] = entry
    return decisions


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def judge(dist, decisions: dict[str, dict]) -> Package:
    name, version = dist.metadata["Name"], dist.version
    expression, source = read_licence(dist)
    package = Package(name, version, expression or "(none)", source, texts=licence_texts(dist))
    package.verdict = evaluate(expression) if expression else "unknown"
    decision = decisions.get(_norm(name))
    if decision is not None:
        if decision.get("version") and not re.fullmatch(str(decision["version"]), version):
            raise LicenceError(f"{name} {version}: licence-decisions.toml decided on version {decision['version']}; "
                               "read the new version's licence and update the decision.")
        package.licence, package.source = decision["licence"], f"decision ({source}: {expression or 'none'})"
        package.note = " ".join(decision["reason"].split())
        package.verdict = "decided" if evaluate(decision["licence"]) == "compatible" else "incompatible"
    if not package.texts:
        for key, file in STANDARD_TEXTS.items():
            if key in package.licence:
                package.texts.append((f"{key} (the licence's standard text: the package ships no licence file)",
                                      (HERE / "licences" / file).read_text(encoding="utf-8")))
    return package


# ------------------------------------------------------------------ the bundle

@functools.lru_cache(maxsize=1)
def _owners() -> dict[Path, object]:
    """Installed file -> the distribution that installed it (from every RECORD)."""
    owners = {}
    for dist in md.distributions():
        for f in dist.files or []:
            try:
                owners[Path(dist.locate_file(f)).resolve()] = dist
            except OSError:
                continue
    return owners


def _python_dirs() -> set[Path]:
    return {Path(p).resolve() for p in (sys.base_prefix, sysconfig.get_paths()["stdlib"],
                                        sysconfig.get_config_var("LIBDIR") or sys.base_prefix)}


def origin(path: Path, root: Path, work: Path | None = None) -> str:
    """'python', 'voice-desk', 'pyinstaller-runtime', 'site-packages' or 'system' for a collected file."""
    if work is not None and path.is_relative_to(work) and not path.is_relative_to(work / "src"):
        return "python" if path.name == "base_library.zip" else "voice-desk"
    if path.is_relative_to(root) and ".venv" not in path.relative_to(root).parts[:1]:
        return "voice-desk"
    parts = path.parts
    if "site-packages" in parts:
        inside = parts[parts.index("site-packages") + 1:]
        if inside[:2] in (("PyInstaller", "loader"), ("PyInstaller", "fake-modules")) or inside[:3] in (
                ("PyInstaller", "hooks", "rthooks"), ("_pyinstaller_hooks_contrib", "rthooks")):
            return "pyinstaller-runtime"
        return "site-packages"
    if any(path.is_relative_to(d) for d in _python_dirs()):
        return "python"
    return "system"


def drop_forbidden(analysis, root: Path) -> list[str]:
    """Take the FORBIDDEN packages' (and any NVIDIA CUDA package's) metadata out of ``analysis``;
    stop the build if any of their code is in it. -> the names dropped."""
    owners = _owners()
    dropped, leaks = [], []
    for attr in ("pure", "binaries", "datas"):
        kept = []
        for entry in getattr(analysis, attr):
            name, src, kind = entry
            dist = None
            if src and kind != "SYMLINK" and os.path.exists(src):
                path = Path(src).resolve()
                if origin(path, root) == "site-packages":
                    dist = owners.get(path)
            key = _norm(dist.metadata["Name"]) if dist is not None else ""
            if key in FORBIDDEN or key.startswith("nvidia-"):
                if re.search(r"\.(dist|egg)-info(/|$)", name):
                    dropped.append(name)
                    continue
                leaks.append(f"{name} (from {dist.metadata['Name']})")
            kept.append(entry)
        setattr(analysis, attr, kept)
    if leaks:
        raise SystemExit("These must not be in the bundle (development, test or GPL-2.0-only packages, or CUDA); "
                         "add the module that imports them to EXCLUDES in packaging/voice-desk.spec:\n  "
                         + "\n  ".join(sorted(leaks)))
    return dropped


def keep_system_libraries(binaries, root: Path) -> tuple[list, list[str]]:
    """``binaries`` (a PyInstaller TOC) without any CUDA library and, on Linux, without the system
    libraries the bundle does not carry -> (kept TOC, names dropped). On Windows and macOS what
    PyInstaller takes from the system stays, and the licence check asks for each to be named in
    SYSTEM_LIBRARIES (packaging/README.md)."""
    linux = sys.platform.startswith("linux")
    kept, dropped = [], []
    for entry in binaries:
        dest, src, kind = entry
        name = Path(dest).name
        where = origin(Path(src).resolve(), root) if src else "site-packages"
        if CUDA.match(name) or (linux and where == "system" and _system_licence(name) is None):
            dropped.append(name)
        else:
            kept.append(entry)
    return kept, sorted(dropped)


def trace(sources: list[str], root: Path, work: Path | None = None):
    """Collected source files -> ({distribution name: (dist, file count)}, {other origin: [files]})."""
    owners = _owners()
    dists: dict[str, tuple[object, int]] = {}
    other: dict[str, list[str]] = {}
    for src in sources:
        path = Path(src).resolve()
        where = origin(path, root, work)
        dist = owners.get(path) if where == "site-packages" else None
        if dist is not None:
            key = _norm(dist.metadata["Name"])
            dists[key] = (dist, dists.get(key, (dist, 0))[1] + 1)
        else:
            other.setdefault("site-packages (no RECORD)" if where == "site-packages" else where, []).append(str(path))
    return dists, other


def _system_licence(path: str) -> str | None:
    name = Path(path).name
    for prefix, licence in SYSTEM_LIBRARIES.items():
        if name.startswith(prefix + ".") or name.startswith(prefix + "-") or name == prefix:
            return licence
    return None


def project_licence(root: Path) -> str:
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    licence = data["project"]["license"]
    return licence if isinstance(licence, str) else licence.get("text", "")


def build_report(dists: dict, other: dict, root: Path, decisions=None) -> tuple[str, list[Package], list[str]]:
    """The file's text, the packages, and the problems that must stop the build."""
    decisions = load_decisions() if decisions is None else decisions
    problems: list[str] = []
    packages = []
    for key in sorted(dists):
        dist, count = dists[key]
        if key == "voice-desk":          # our own editable install: its licence is pyproject's
            continue
        package = judge(dist, decisions)
        package.files = count
        packages.append(package)
        if package.verdict == "incompatible":
            problems.append(f"{package.name} {package.version}: {package.licence} does not combine with "
                            "GPL-3.0-or-later: it must not be in the bundle (exclude it in packaging/voice-desk.spec).")
        elif package.verdict == "unknown":
            problems.append(f"{package.name} {package.version}: licence unknown ({package.source}: {package.licence}). "
                            "Find its licence and add a reasoned decision to packaging/licence-decisions.toml.")
    for path in sorted(set(other.get("site-packages (no RECORD)", []))):
        problems.append(f"{path}: installed without a RECORD, so its package and licence are unknown.")
    own = project_licence(root)
    if own != "GPL-3.0-or-later":
        problems.append(f"Voice Desk's own licence in pyproject.toml is {own}, not GPL-3.0-or-later.")
    system = []
    for path in sorted(set(other.get("system", []))):
        licence = _system_licence(path)
        if licence is None:
            problems.append(f"{path}: a library from this system that no Python package ships; its licence is not "
                            "known here (add it to SYSTEM_LIBRARIES in packaging/bundle_licences.py once checked).")
        elif evaluate(licence, COMPATIBLE_SYSTEM) != "compatible":
            problems.append(f"{path}: {licence} does not combine with GPL-3.0-or-later.")
        else:
            system.append((Path(path).name, licence))
    return _render(packages, system, own), packages, problems


def _render(packages: list[Package], system: list[tuple[str, str]], own: str) -> str:
    version = sys.version.split()[0]
    lines = [
        "THIRD-PARTY LICENSES OF THE VOICE DESK BUNDLE",
        "",
        f"Voice Desk is free software, licensed under {own} (the file LICENSE beside this one). This",
        "bundle combines it with the packages below, each under its own licence, all of which combine with",
        "GPL-3.0-or-later; the bundle as a whole is distributed under the GNU General Public License version 3",
        "or later. The source of Voice Desk and of every package is public; the packages' versions are listed.",
        "Generated at build time from each package's own metadata by packaging/bundle_licences.py.",
        "",
        "sbvoicedb (GPL-2.0-only), which reads the Saarbruecken Voice Database, is NOT part of this bundle.",
        "",
        f"Python {version} (interpreter and standard library): PSF-2.0",
        "PyInstaller bootloader and run-time hooks: GPL-2.0-or-later with the PyInstaller Bootloader Exception",
        "  (bootloader) and Apache-2.0 (run-time hooks); see PyInstaller's COPYING.txt.",
        "Qt 6 (in PySide6_Essentials) is used under LGPL-3.0: its libraries are the separate files",
        "  _internal/PySide6/Qt/lib/*.so* (and its plugins) and may be replaced by the user; Qt's source:",
        "  https://download.qt.io/official_releases/qt/ ; Qt for Python's: https://code.qt.io/pyside/pyside-setup",
        "The source of Voice Desk itself is in _internal/voice_desk/ (the .py files) and its repository.",
        "",
        f"{'package':30} {'version':18} licence",
        f"{'-' * 30} {'-' * 18} {'-' * 40}",
    ]
    for p in packages:
        mark = " [decision, see below]" if p.verdict == "decided" else ""
        lines.append(f"{p.name:30} {p.version:18} {p.licence}{mark}")
    if system:
        lines += ["", "System libraries copied from the build machine:"]
        lines += [f"  {name:40} {licence}" for name, licence in system]
    decided = [p for p in packages if p.verdict == "decided"]
    if decided:
        lines += ["", "Decisions (packaging/licence-decisions.toml):"]
        for p in decided:
            lines += [f"  {p.name} {p.version}: taken as {p.licence} ({p.source}).", f"    {p.note}"]
    lines += ["", "", "LICENCE TEXTS AS SHIPPED BY EACH PACKAGE", ""]
    for p in packages:
        lines.append("=" * 78)
        lines.append(f"{p.name} {p.version} — {p.licence} (from {p.source})")
        lines.append("=" * 78)
        if not p.texts:
            lines += ["(the package ships no licence file; its licence is named above)", ""]
        for name, text in p.texts:
            lines += [f"--- {name} ---", text.rstrip(), ""]
    return "\n".join(lines) + "\n"


def check_analysis(analysis, root: Path, out: Path) -> Path:
    """From a PyInstaller Analysis: write ``out`` or stop the build with every problem named."""
    sources = [src for toc in (analysis.pure, analysis.binaries, analysis.datas) for _name, src, kind in toc
               if kind != "SYMLINK" and src and os.path.exists(src)]
    dists, other = trace(sources, root, out.parent)
    text, packages, problems = build_report(dists, other, root)
    if problems:
        raise SystemExit("The bundle's licence check failed:\n  " + "\n  ".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"bundle_licences: {len(packages)} packages, all compatible with GPL-3.0-or-later -> {out}")
    return out


def main() -> int:
    """Check every installed distribution (what a bundle could contain), without building."""
    decisions = load_decisions()
    skip = {"voice-desk"}
    bad = 0
    for dist in sorted(md.distributions(), key=lambda d: d.metadata["Name"].lower()):
        if _norm(dist.metadata["Name"]) in skip:
            continue
        package = judge(dist, decisions)
        flag = {"compatible": "ok", "decided": "ok (decision)"}.get(package.verdict, package.verdict.upper())
        bad += package.verdict not in ("compatible", "decided")
        print(f"{flag:14} {package.name:28} {package.version:16} {package.licence}  [{package.source}]")
    print(f"{bad} installed package(s) could not go into the bundle as they are (dev tools and the "
          "GPL-2.0-only SVD reader are expected here; the bundle excludes them).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
