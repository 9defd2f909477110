"""A patient's session made of generated files, for the record's tests: a sentence (with its
TextGrid), a sustained /a/, real Praat measures of them, and explanation maps saved as the engine
saves them (without a model: the map is made up, the file is the real .npz format)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from tests.measures_voices import sentence, voice

RATE = 44_100
PHONES = [(0.0, 0.15, ""), (0.15, 0.37, "a"), (0.37, 0.52, "b"), (0.52, 0.82, "e"), (0.82, 1.0, "s"),
          (1.0, 1.3, "o"), (1.3, 1.6, "i"), (1.6, 1.9, "u"), (1.9, 2.3, "a"), (2.3, 2.6, "e")]


def write_takes(folder: Path, seed: int = 0) -> dict[str, Path]:
    """sentence.wav (+ sentence.TextGrid) and vowel.wav in ``folder``."""
    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.align.tiers import Alignment, Interval

    folder.mkdir(parents=True, exist_ok=True)
    speech = sentence(rate=RATE, seed=seed)
    sf.write(folder / "sentence.wav", speech, RATE)
    end = speech.size / RATE
    phones = [Interval(a, min(b, end), label) for a, b, label in PHONES if a < end] + [Interval(2.6, end, "")]
    write_textgrid(Alignment(words=[Interval(0.15, 2.6, "satz")], phones=phones, duration=end),
                   folder / "sentence.TextGrid")
    sf.write(folder / "vowel.wav", voice(3.2, RATE, 120.0, 0.006, 0.03, 25.0, seed=seed).samples, RATE)
    return {"sentence": folder / "sentence.wav", "vowel_a": folder / "vowel.wav"}


def measures_of(files: dict[str, Path]) -> dict:
    from voice_desk.session.measures import measure_session

    return measure_session(files["sentence"], files["vowel_a"], sex="m").to_dict()


def prediction(model: str, p: float, threshold: float = 0.45, band=(0.38, 0.52)):
    from voice_desk.model.result import Prediction

    return Prediction(model=model, labels=["healthy", "pathological"], probabilities=np.array([1 - p, p], np.float32),
                      gives_verdict=True, pathology_probability=p, source="sentence.wav", threshold=threshold,
                      band=band)


def write_explanation(path: Path, audio: Path, model: str, p: float, seed: int = 0) -> Path:
    """An explanation .npz of ``audio``: a log-mel power of the real audio, a made-up map."""
    from voice_desk.model.result import Explanation

    from scipy.signal import resample_poly

    from voice_desk.model.relevance_image import hz_to_mel, mel_to_hz

    samples, rate = sf.read(audio, dtype="float32")
    samples, rate = resample_poly(samples, 16_000, rate), 16_000
    shift, n_mels = 0.01, 128
    hop, win = int(rate * shift), int(rate * 0.025)
    frames = max(1, (samples.size - win) // hop + 1)
    view = np.lib.stride_tricks.sliding_window_view(samples, win)[::hop][:frames] * np.hanning(win)
    power = np.abs(np.fft.rfft(view, 512, axis=1)) ** 2
    hz = mel_to_hz(np.linspace(hz_to_mel(20.0), hz_to_mel(8000.0), n_mels + 2))
    edges = np.clip(np.round(hz / (rate / 512)).astype(int), 0, power.shape[1] - 1)
    mel = np.stack([power[:, edges[i]:edges[i + 2] + 1].mean(axis=1) for i in range(n_mels)], axis=1)
    log_power = np.log(mel + 1e-10).astype(np.float32)
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None]
    f = np.arange(n_mels)[None, :]
    relevance = (np.exp(-((t - frames * (0.3 + 0.3 * rng.random())) / (frames * 0.12)) ** 2)
                 * np.exp(-((f - 30 - 40 * rng.random()) / 25.0) ** 2) + 0.05 * rng.random((frames, n_mels)))
    explanation = Explanation(prediction(model, p), np.zeros((1024, n_mels), np.float32), log_power,
                              np.zeros((12, 101), np.float32), relevance.astype(np.float32), frames, shift,
                              {"rendering": "study"})
    return explanation.save_npz(path)


def phone_rows(seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"phone": label, "start": a, "end": b, "mean_relevance": float(rng.random()), "share": 0.1,
             "word": "satz", "relative": float(0.5 + 2 * rng.random())} for a, b, label in PHONES if label]


_CACHE: dict = {}


def session_files(seed: int = 0) -> dict[str, Path]:
    """The takes of :func:`write_takes` with their measures, made once per test run and seed
    (Praat takes a moment); copy them before changing them."""
    import tempfile

    if seed not in _CACHE:
        files = write_takes(Path(tempfile.mkdtemp(prefix="record-takes-")), seed)
        _CACHE[seed] = (files, measures_of(files))
    return _CACHE[seed][0]


def session_measures(seed: int = 0) -> dict:
    session_files(seed)
    return _CACHE[seed][1]


def fill_session(record, patient_id: int, day: str, seed: int = 0, models=(("ast_freeze", 0.7),), notes: str = "",
                 rating=None, maps: bool = True):
    """A session with a sentence (+ TextGrid) and a sustained /a/, each model's result on the sentence
    (with its map), and the measures."""
    import tempfile

    session = record.add_session(patient_id, day, examiner="Dr. Weber", notes=notes, rating=rating)
    files = session_files(seed)
    sentence_take = record.add_take(session.id, files["sentence"], "sentence")
    record.add_take(session.id, files["vowel_a"], "vowel_a")
    for k, (model, p) in enumerate(models):
        record.store_result(sentence_take.id, model, f"hash-{model}", prediction(model, p).to_record(),
                            {"peak_s": 1.1}, phone_rows(seed + k), card_summary=f"{model}, test UAR 0.712, AUC 0.781")
        if maps:
            folder = Path(tempfile.mkdtemp(prefix="record-map-"))
            record.store_explanation(sentence_take.id, model,
                                     write_explanation(folder / "map.npz", files["sentence"], model, p, seed + k))
    record.store_measures(session.id, session_measures(seed))
    return record.session(session.id)
