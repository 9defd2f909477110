"""Render German sentences with libespeak-ng and read back where each phone starts.

**Build and benchmark time only**: ``scripts/build_aligner_reference.py`` uses this to make the
shipped aligner reference, ``scripts/make-demo-recording`` the window's demo recording and its
TextGrid, and ``benchmarks/bench_align.py`` test renditions with known phone times. Voice Desk
itself never loads libespeak-ng (Debian package ``libespeak-ng1``, which ``scripts/run-tests``
installs for tests/test_align_espeak.py).

Phone times come from espeak-ng's synthesis callback in synchronous mode with phoneme events
(``espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_PHONEME_IPA``): each event carries the
phone's IPA label and the output sample where it begins. We map labels to german_mfa
(:mod:`voice_desk.align.phoneset`) and move each stop's start back to its closure, which espeak
counts as part of the preceding phone but MFA counts as part of the stop.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

import numpy as np

from voice_desk.align.phoneset import STOPS, to_german_mfa
from voice_desk.align.tiers import Interval

RATE = 16_000
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_PHONEME_EVENTS_IPA = 0x0001 | 0x0002
_EVENT_END_LIST, _EVENT_WORD, _EVENT_END, _EVENT_PHONEME = 0, 1, 5, 7
_PARAM = {"rate": 1, "volume": 2, "pitch": 3, "range": 4, "wordgap": 7}


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass
class Rendition:
    """A synthesised sentence at 16 kHz with its true word and phone intervals."""

    text: str
    samples: np.ndarray
    words: list[Interval]
    phones: list[Interval]
    settings: dict

    @property
    def duration(self) -> float:
        return self.samples.size / RATE


class _Espeak:
    def __init__(self):
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError as exc:
            raise RuntimeError("libespeak-ng is not installed (Debian: apt-get install espeak-ng).") from exc
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _PHONEME_EVENTS_IPA)
        if self.rate <= 0:
            raise RuntimeError("libespeak-ng failed to initialise (is espeak-ng-data installed?).")
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple] = []
        self.position = 0
        self._callback = _CALLBACK(self._on_synth)  # keep a reference: ctypes does not
        self.lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav, n, events):
        i = 0
        while events[i].type != _EVENT_END_LIST:
            e = events[i]
            label = bytes(e.id.string).split(b"\0")[0].decode("utf-8", "replace") if e.type == _EVENT_PHONEME else ""
            self.events.append((e.type, e.sample, e.text_position, e.length, label))
            i += 1
        if n > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).astype(np.float32) / 32768.0)
        return 0

    def synth(self, text: str, voice: str, **params) -> tuple[np.ndarray, list[tuple]]:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"espeak-ng has no voice '{voice}'.")
        for key, value in params.items():
            if value is not None:
                self.lib.espeak_SetParameter(_PARAM[key], int(value), 0)
        self.chunks, self.events = [], []
        data = text.encode("utf-8")
        self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 0, None, None)
        self.lib.espeak_Synchronize()
        samples = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        return samples, list(self.events)


_ENGINE: _Espeak | None = None


def available() -> bool:
    try:
        _engine()
        return True
    except RuntimeError:
        return False


def _engine() -> _Espeak:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Espeak()
    return _ENGINE


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(RATE, rate)
    return resample_poly(samples, RATE // g, rate // g).astype(np.float32)


def _merge(intervals: list[Interval]) -> list[Interval]:
    """Drop empty intervals and join neighbouring silences."""
    out: list[Interval] = []
    for iv in intervals:
        if iv.end - iv.start <= 1e-9:
            continue
        if out and iv.is_silence and out[-1].is_silence:
            out[-1] = Interval(out[-1].start, iv.end, "")
        else:
            out.append(iv)
    return out


def _move_closures(samples: np.ndarray, phones: list[Interval]) -> list[Interval]:
    """Start each stop where its closure starts (espeak counts the closure in the phone before).

    The closure is the quiet stretch just before the burst: going back from espeak's stop
    onset through the preceding spoken phone (at most its second half), while the 2 ms frame
    energy stays below a tenth of that phone's peak.
    """
    hop = RATE // 500
    energy = np.convolve(samples.astype(np.float64) ** 2, np.ones(hop) / hop, mode="same")[::hop]
    out = list(phones)
    for k in range(1, len(out)):
        stop, before = out[k], out[k - 1]
        if stop.label not in STOPS or before.is_silence:
            continue
        a, b = int(before.start * 500), int(stop.start * 500)
        if b - a < 4:
            continue
        threshold = 0.1 * energy[a:b].max()
        limit = a + (b - a) // 2
        j = b
        while j - 1 > limit and energy[j - 1] < threshold:
            j -= 1
        if j < b:
            t = j / 500
            out[k - 1] = Interval(before.start, t, before.label)
            out[k] = Interval(t, stop.end, stop.label)
    return out


def render(text: str, voice: str = "de", rate: int | None = None, pitch: int | None = None,
           pitch_range: int | None = None, wordgap: int | None = None) -> Rendition:
    """Synthesise ``text`` and return 16 kHz samples with german_mfa phone and word intervals."""
    engine = _engine()
    raw, events = engine.synth(text, voice, rate=rate, pitch=pitch, range=pitch_range, wordgap=wordgap)
    scale = RATE / engine.rate
    samples = _resample(raw, engine.rate)
    end = samples.size / RATE
    phone_events = [(s * scale / RATE, label) for kind, s, _, _, label in events if kind == _EVENT_PHONEME]
    ends = [s * scale / RATE for kind, s, *_ in events if kind == _EVENT_END]
    stop_time = min(ends[-1] if ends else end, end)
    phones: list[Interval] = []
    for i, (start, label) in enumerate(phone_events):
        nxt = phone_events[i + 1][0] if i + 1 < len(phone_events) else stop_time
        phones.append(Interval(start, min(nxt, end), to_german_mfa(label)))
    if phones and phones[0].start > 0:
        phones.insert(0, Interval(0.0, phones[0].start, ""))
    if phones and phones[-1].end < end:
        phones.append(Interval(phones[-1].end, end, ""))
    phones = _move_closures(samples, _merge(phones))
    word_events = [(s * scale / RATE, pos, length) for kind, s, pos, length, _ in events if kind == _EVENT_WORD]
    words: list[Interval] = []
    encoded = text  # espeak's text positions count characters, 1-based
    for i, (start, pos, length) in enumerate(word_events):
        nxt = word_events[i + 1][0] if i + 1 < len(word_events) else end + 1
        inside = [p for p in phones if not p.is_silence and start - 1e-3 <= (p.start + p.end) / 2 < nxt]
        if inside:
            label = encoded[pos - 1: pos - 1 + length].strip(" ,.?!;:")
            words.append(Interval(inside[0].start, inside[-1].end, label))
    filled: list[Interval] = []
    t = 0.0
    for w in words:
        if w.start > t:
            filled.append(Interval(t, w.start, ""))
        filled.append(w)
        t = w.end
    if t < end:
        filled.append(Interval(t, end, ""))
    settings = {"voice": voice, "rate": rate, "pitch": pitch, "range": pitch_range, "wordgap": wordgap,
                "espeak_sample_rate": engine.rate}
    return Rendition(text=text, samples=samples, words=_merge(filled), phones=phones, settings=settings)
