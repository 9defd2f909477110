"""A generated Saarbruecken-Voice-Database-layout folder for tests and benchmarks.

It follows sbvoicedb's rules (DESIGN.md): real session ids from sbvoicedb's bundled
metadata, a folder for every session of the chosen pathologies and of the healthy controls
(empty folders count), and 50 kHz NSP sentence files in a few. "Pathological" voices differ
audibly from "healthy" ones: strong cycle-to-cycle jitter and shimmer and breath noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NSP_RATE = 50_000
PATHOLOGIES = ("Stimmlippenpolyp", "Psychogene Dysphonie", "Sängerstimme")


def voice(seconds: float, f0: float, *, jitter: float, shimmer: float, breath: float, seed: int,
          rate: int = NSP_RATE) -> np.ndarray:
    """A sentence-like voiced signal: glottal harmonics with per-cycle jitter/shimmer, breath noise,
    syllable envelope and a moving formant."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    cycles = int(seconds * f0 * 1.5) + 8
    periods = (1.0 / f0) * (1 + jitter * rng.standard_normal(cycles)).clip(0.5, 1.5)
    amps = (1 + shimmer * rng.standard_normal(cycles)).clip(0.2, 2.0)
    edges = np.cumsum(periods)
    t = np.arange(n) / rate
    cycle = np.searchsorted(edges, t).clip(0, cycles - 1)
    inst_f = 1.0 / periods[cycle]
    phase = 2 * np.pi * np.cumsum(inst_f) / rate
    glottal = sum(np.sin(k * phase) / k ** 1.2 for k in range(1, 25)) * amps[cycle]
    formant = 1 + 0.4 * np.sin(2 * np.pi * 2.0 * t + rng.uniform(0, 6))
    envelope = np.clip(np.sin(2 * np.pi * 2.2 * t + rng.uniform(0, 1)), 0.05, None) ** 0.5
    noise = rng.standard_normal(n)
    noise = np.convolve(noise, np.ones(4) / 4, mode="same")
    signal = glottal * formant * envelope + breath * 3.0 * noise * envelope + 0.01 * rng.standard_normal(n)
    return (0.4 * signal / np.max(np.abs(signal))).astype(np.float32)


def clip_for(label: str, gender: str, seed: int, seconds: float = 1.0, rate: int = NSP_RATE) -> np.ndarray:
    rng = np.random.default_rng(seed + 1000)
    f0 = (110 if gender in ("m", "male") else 210) * rng.uniform(0.9, 1.1)
    if label == "pathological":
        return voice(seconds, f0, jitter=0.08, shimmer=0.35, breath=0.9, seed=seed, rate=rate)
    return voice(seconds, f0, jitter=0.004, shimmer=0.03, breath=0.02, seed=seed, rate=rate)


def make_svd_tree(root: str | Path, n_healthy: int = 24, n_pathological: int = 24, seconds: float = 1.0,
                  with_singers: bool = True, with_known_bad: bool = True) -> dict:
    """Create ``root/data/...``; return {"root", "healthy": [sid], "pathological": [sid], ...}."""
    from voice_desk.audio.nsp import write_nsp
    from voice_desk.data.svd import phrase_file, sessions_of, svd_metadata

    meta = svd_metadata()
    root = Path(root)
    data = root / "data"
    folders = set(sessions_of("healthy"))
    for p in PATHOLOGIES:
        folders.update(sessions_of(p))
    for sid in folders:
        (data / str(sid)).mkdir(parents=True, exist_ok=True)

    def pick(sessions, count):
        men = [s for s in sessions if meta[s]["gender"] == "m"]
        women = [s for s in sessions if meta[s]["gender"] == "w"]
        chosen = men[: count // 2] + women[: count - min(len(men), count // 2)]
        return sorted(chosen[:count])

    # Prefer controls of speakers with several sessions too, so speaker-disjointness is tested.
    healthy_all = [s for s in sessions_of("healthy") if s not in (980, 1697)]
    by_speaker = {}
    for s in healthy_all:
        by_speaker.setdefault(meta[s]["speaker"], []).append(s)
    multi = [s for ss in by_speaker.values() if len(ss) > 1 for s in ss]
    healthy = sorted(set(multi[:6]) | set(pick([s for s in healthy_all if s not in multi], n_healthy - len(multi[:6]))))
    organic = [s for s in sessions_of("Stimmlippenpolyp")
               if "Sängerstimme" not in meta[s]["pathologies"] and s not in (139, 141, 713)]
    functional = [s for s in sessions_of("Psychogene Dysphonie") if s not in organic]
    pathological = sorted(set(pick(organic, n_pathological // 2) + pick(functional, n_pathological - n_pathological // 2)))
    files = {}
    for sid in healthy:
        files[sid] = clip_for("healthy", meta[sid]["gender"], sid, seconds)
    for sid in pathological:
        files[sid] = clip_for("pathological", meta[sid]["gender"], sid, seconds)
    singers = sessions_of("Sängerstimme") if with_singers else []
    for sid in singers:
        files[sid] = clip_for("healthy", meta[sid]["gender"], sid, seconds)
    known_bad = [980] if with_known_bad else []
    for sid in known_bad:
        files[sid] = clip_for("healthy", meta[sid]["gender"], sid, seconds)
    for sid, samples in files.items():
        path = phrase_file(data, sid)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_nsp(path, samples, NSP_RATE)
        write_nsp(path.with_name(f"{sid}-phrase-egg.egg"), 0.5 * np.sign(samples), NSP_RATE)  # an EGG-like channel
    return {"root": root, "healthy": healthy, "pathological": pathological, "singers": singers,
            "known_bad": known_bad, "folders": len(folders)}


_SHARED: dict = {}


def shared_svd_tree() -> dict:
    """One generated tree per test session (several test modules use it; never modified)."""
    import tempfile

    if "tree" not in _SHARED:
        _SHARED["tree"] = make_svd_tree(Path(tempfile.mkdtemp(prefix="svd-tree-")))
    return _SHARED["tree"]


def shared_tiny_base() -> Path:
    """A tiny AST with random weights saved like a hub checkpoint (no voice_desk.json)."""
    import tempfile

    from conftest import save_tiny_bundle

    if "base" not in _SHARED:
        folder = Path(tempfile.mkdtemp(prefix="tiny-base-")) / "tiny-ast"
        save_tiny_bundle(folder, configuration=None)
        (folder / "voice_desk.json").unlink()
        _SHARED["base"] = folder
    return _SHARED["base"]


#: Overrides that let a tiny random-weight AST learn from a few dozen clips in seconds.
TINY_FREEZE = ["learning_rate=0.05", "gradient_accumulation_steps=1", "num_train_epochs=30",
               "early_stopping_patience=30"]
