"""Reading and writing Praat TextGrids with `words` and `phones` tiers.

Reading is ours (:func:`parse_textgrid`), done as Praat reads its text files: the long and the
short format are the same sequence of numbers, "strings" and <flags> (labels, ``[...]`` and
``! comments`` are skipped), in UTF-8, UTF-16 with or without a byte-order mark, or Latin-1;
numbers may carry a sign and an exponent (``6.25e-01``). Only a regular file of at most
:data:`MAX_TEXTGRID_BYTES` is read, and a tier with more than :data:`MAX_INTERVALS` intervals is
refused as soon as its size is read, before anything is built. Writing goes through praatio.

An alignment that is approximate or carries a confidence (the built-in aligner's) is written
with a third tier, ``aligner``: one interval over the whole file saying where the tiers came
from, how sure the aligner was and any warning, e.g. ``built-in aligner | approximate |
confidence 0.93``. Reading the TextGrid back restores those, so a doubtful alignment stays
marked wherever it is used; delete the tier in Praat once you have checked the boundaries.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from voice_desk.align.phoneset import GERMAN_MFA_PHONES
from voice_desk.align.tiers import Alignment, Interval
from voice_desk.errors import VoiceDeskError
from voice_desk.files import read_regular

#: Tier names we accept, first match wins (MFA writes "words"/"phones").
WORD_TIER_NAMES = ("words", "word", "Words", "ORT-MAU", "ORT")
PHONE_TIER_NAMES = ("phones", "phone", "Phones", "MAU", "segments")
#: The tier that records the aligner, its confidence and warnings.
NOTE_TIER = "aligner"
#: Labels other tools use for silence (older MFA, WebMAUS, HTK); read as an empty interval.
SILENCE_LABELS = frozenset({"sil", "sp", "<sil>", "<p:>", "<p>", "pau", "#"})
#: How far the TextGrid's end may differ from the audio's duration.
DURATION_TOLERANCE_S = 0.1
_SOURCE_NAMES = {"builtin": "built-in aligner", "mfa": "MFA"}
#: More intervals than this in one tier is no alignment of a recording (10 minutes, the longest
#: Voice Desk reads, at an absurd 100 phones a second is 60 000); it would only stall the window.
MAX_INTERVALS = 100_000
#: A TextGrid file larger than this is not one Voice Desk can use (10**5 intervals in the long
#: format take about 10 MB per tier).
MAX_TEXTGRID_BYTES = 64_000_000


class TextGridError(VoiceDeskError):
    """A TextGrid that cannot be used with its recording."""


@dataclass
class Tier:
    name: str
    kind: str                                    # "IntervalTier" or "TextTier"
    entries: list = field(default_factory=list)  # (start, end, label) or (time, mark)


@dataclass
class Grid:
    xmin: float
    xmax: float
    tiers: list[Tier]

    def tier(self, name: str) -> Tier | None:
        """The first tier of that name (a later one of the same name is ignored)."""
        return next((t for t in self.tiers if t.name == name), None)


def _label(text) -> str:
    """The label as written, except that other tools' silence markers become ''."""
    label = str(text).strip()
    return "" if label.lower() in SILENCE_LABELS else label


def _intervals(tier: Tier, end: float) -> list[Interval]:
    """The tier's intervals up to ``end`` with the gaps filled by empty (silence) intervals."""
    out, t = [], 0.0
    for start, stop, label in sorted(e for e in tier.entries if str(e[2]).strip()):
        start, stop = max(float(start), t), min(float(stop), end)
        if stop <= start + 1e-9:  # past the recording's end (a TextGrid a little longer than the audio)
            continue
        if start > t + 1e-6:
            out.append(Interval(t, start, ""))
        out.append(Interval(start, stop, _label(label)))
        t = stop
    if end > t + 1e-6:
        out.append(Interval(t, end, ""))
    return out


class _Damaged(Exception):
    """Why the text is not a TextGrid (turned into a TextGridError naming the file)."""


_TOKEN = re.compile(r'"((?:[^"]|"")*)"|(<[A-Za-z]+>)|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|![^\n]*|\[[^\]\n]*\]')


class _Tokens:
    """Praat's text reader: the next string, number or flag, skipping everything else."""

    def __init__(self, text: str):
        self.text, self._matches = text, _TOKEN.finditer(text)
        self.at = 0

    def _next(self, what: str):
        for match in self._matches:
            if match.lastindex is not None:   # not a skipped comment or [..]
                self.at = match.start()
                return match
        raise _Damaged(f"it ends before its {what} (the file is incomplete)")

    def _wrong(self, what: str) -> _Damaged:
        line = self.text.count("\n", 0, self.at) + 1
        return _Damaged(f"line {line}: where its {what} should be there is something else")

    def string(self, what: str) -> str:
        match = self._next(what)
        if match.group(1) is None:
            raise self._wrong(what)
        return match.group(1).replace('""', '"')

    def number(self, what: str) -> float:
        match = self._next(what)
        if match.group(3) is None:
            raise self._wrong(what)
        value = float(match.group(3))
        if not math.isfinite(value):
            raise self._wrong(what)
        return value

    def count(self, what: str) -> int:
        value = self.number(what)
        if value < 0 or value != int(value):
            raise self._wrong(what)
        return int(value)

    def flag(self, what: str) -> str:
        match = self._next(what)
        if match.group(2) is None:
            raise self._wrong(what)
        return match.group(2)


def decode_text(data: bytes) -> str:
    """Text of a Praat file: UTF-16 (with or without a byte-order mark), UTF-8, else Latin-1."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    head = data[:512]
    if head.count(0) >= len(head) // 4 > 0:   # ASCII in UTF-16: every other byte is zero
        return data.decode("utf-16-le" if head[1::2].count(0) >= head[0::2].count(0) else "utf-16-be")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_textgrid(text: str) -> Grid:
    """A Praat TextGrid in the long or the short text format; raises _Damaged."""
    tokens = _Tokens(text)
    if not tokens.string("file type").startswith("ooTextFile") or tokens.string("object class") != "TextGrid":
        raise _Damaged("it is not a TextGrid")
    xmin, xmax = tokens.number("start time (xmin)"), tokens.number("end time (xmax)")
    size = tokens.count("number of tiers") if tokens.flag("tiers flag") == "<exists>" else 0
    tiers = []
    for n in range(1, size + 1):
        kind, name = tokens.string(f"tier {n}'s class"), tokens.string(f"tier {n}'s name")
        tokens.number(f"tier {n}'s start"), tokens.number(f"tier {n}'s end")
        count = tokens.count(f"tier {n}'s size")
        if count > MAX_INTERVALS:
            raise TextGridError(f"its tier '{name}' has {count:,} intervals, far more than any recording Voice Desk "
                                f"reads can hold (at most {MAX_INTERVALS:,}).",
                                hint="Choose the TextGrid made for this recording, or align the recording again.")
        tier = Tier(name, kind)
        if kind == "IntervalTier":
            tier.entries = [(tokens.number("interval start"), tokens.number("interval end"),
                             tokens.string("interval text")) for _ in range(count)]
        elif kind == "TextTier":
            tier.entries = [(tokens.number("point time"), tokens.string("point mark")) for _ in range(count)]
        else:
            raise _Damaged(f"its tier '{name}' is of an unknown class '{kind}'")
        tiers.append(tier)
    return Grid(xmin, xmax, tiers)


def _unreadable(path: Path, data: bytes, why: str) -> TextGridError:
    """Say what kind of file it is, rather than the parser's complaint alone."""
    head = data[:64]
    text = head.replace(b"\0", b"").decode("utf-8", "replace")
    if b"ooBinaryFile" in head:
        why = "it is a binary TextGrid, which Voice Desk cannot read"
    elif not head.strip():
        why = "the file is empty"
    elif "ooTextFile" not in text or "TextGrid" not in text:
        why = "it does not start like a Praat TextGrid ('File type = \"ooTextFile\"', 'Object class = \"TextGrid\"')"
    else:
        why = f"it is damaged or incomplete ({why})"
    return TextGridError(f"this is not a readable TextGrid: {why}.", path=path,
                         hint="Open it in Praat and save it again as a text file (Save as text file…).")


def read_grid(path: str | Path) -> Grid:
    """Read a TextGrid file: a regular file only, of a sensible size, in any of Praat's text forms."""
    path = Path(path)
    data = read_regular(path, MAX_TEXTGRID_BYTES, "a TextGrid", TextGridError)
    try:
        return parse_textgrid(decode_text(data))
    except UnicodeDecodeError as exc:
        raise _unreadable(path, data, f"its text is neither UTF-8 nor UTF-16 ({exc.reason})") from exc
    except _Damaged as exc:
        raise _unreadable(path, data, str(exc)) from exc
    except TextGridError as exc:
        raise TextGridError(exc.problem, path=path, hint=exc.hint) from exc


def _read_note(grid: Grid, alignment: Alignment) -> None:
    tier = grid.tier(NOTE_TIER)
    if tier is None or tier.kind != "IntervalTier":
        return
    fields = [f.strip() for e in tier.entries for f in str(e[2]).split(" | ") if f.strip()]
    for field_ in fields[1:]:
        match = re.fullmatch(r"confidence ([0-9.]+)", field_)
        if match:
            alignment.confidence = float(match.group(1))
        elif field_ == "approximate":
            alignment.approximate = True
        elif field_ not in alignment.warnings:
            alignment.warnings.append(field_)


def _check_labels(phones: list[Interval]) -> list[str]:
    """A warning when the phones are not in german_mfa's symbols (tables would not compare)."""
    odd = sorted({p.label for p in phones if p.label and p.label not in GERMAN_MFA_PHONES})
    if not odd:
        return []
    shown = ", ".join(odd[:8]) + (", …" if len(odd) > 8 else "")
    typed = " (IPA ɡ is not the letter g, ː is not a colon)" if any("g" in o or ":" in o for o in odd) else ""
    return [f"The phones tier has labels outside MFA's german_mfa phone set ({shown}){typed}; they are used as "
            "they are, so per-phone tables may not compare with german_mfa ones."]


def read_textgrid(path: str | Path, audio_duration: float | None = None) -> Alignment:
    """Read the words and phones tiers; check the TextGrid fits a recording of ``audio_duration`` s."""
    path = Path(path)
    grid = read_grid(path)
    names = [t.name for t in grid.tiers]
    phones_name = next((n for n in PHONE_TIER_NAMES if n in names), None)
    words_name = next((n for n in WORD_TIER_NAMES if n in names), None)
    if phones_name is None:
        raise TextGridError(f"it has no phone tier (tiers found: {', '.join(names) or 'none'}).", path=path,
                            hint="Voice Desk needs interval tiers named 'phones' (and 'words'), as MFA writes them; "
                                 "rename the phone tier in Praat, or align the recording again (voice-desk align).")
    for name in filter(None, (phones_name, words_name)):
        if grid.tier(name).kind != "IntervalTier":
            raise TextGridError(f"its tier '{name}' is a point tier, not an interval tier.", path=path,
                                hint="Phones and words need intervals with a start and an end.")
    if grid.xmin < 0:
        raise TextGridError(f"its times start at {grid.xmin:g} s, before the recording begins (0 s), so they do "
                            "not line up with the audio.", path=path,
                            hint="In Praat, shift its times to start at 0 (Modify times → Shift times to…), or "
                                 "align the recording again.")
    if grid.xmax <= grid.xmin:
        raise TextGridError(f"it ends ({grid.xmax:g} s) before it starts ({grid.xmin:g} s).", path=path,
                            hint="Open it in Praat and save it again, or align the recording again.")
    duration = grid.xmax
    if audio_duration is not None and abs(duration - audio_duration) > DURATION_TOLERANCE_S:
        span = f"lasts {duration:.2f} s" if grid.xmin == 0 else f"runs from {grid.xmin:g} s to {duration:g} s"
        raise TextGridError(
            f"it {span} but the recording lasts {audio_duration:.2f} s, so it belongs to "
            "another recording or to another version of this one.", path=path,
            hint="Choose the TextGrid made for this recording, or align the recording again.")
    end = audio_duration if audio_duration is not None else duration
    phones = _intervals(grid.tier(phones_name), end)
    if not any(not p.is_silence for p in phones):
        raise TextGridError(f"its tier '{phones_name}' has no labelled phones.", path=path,
                            hint="Align the recording again (voice-desk align), or label the phones in Praat.")
    words = _intervals(grid.tier(words_name), end) if words_name else [Interval(0.0, end, "")]
    alignment = Alignment(words=words, phones=phones, duration=end, source=str(path),
                          warnings=_check_labels(phones))
    _read_note(grid, alignment)
    return alignment


def note_label(alignment: Alignment) -> str:
    """The ``aligner`` tier's text: source | approximate | confidence | warnings ('' if nothing to say)."""
    fields = alignment.quality() + [w.replace(" | ", "; ") for w in alignment.warnings]
    if not fields:
        return ""
    source = _SOURCE_NAMES.get(alignment.source, alignment.source or "aligner")
    return " | ".join([source] + fields)


def write_textgrid(alignment: Alignment, path: str | Path) -> Path:
    """Write ``words`` and ``phones`` interval tiers (silence left as gaps, as MFA does), and the
    ``aligner`` tier when the alignment is approximate, has a confidence or warnings. The file
    appears whole or not at all, and a link at ``path`` is replaced, not followed."""
    from praatio import textgrid

    grid = textgrid.Textgrid()
    for name, tier in (("words", alignment.words), ("phones", alignment.phones)):
        entries = [(i.start, i.end, i.label) for i in tier if not i.is_silence and i.end > i.start]
        grid.addTier(textgrid.IntervalTier(name, entries, 0.0, alignment.duration))
    note = note_label(alignment)
    if note:
        grid.addTier(textgrid.IntervalTier(NOTE_TIER, [(0.0, alignment.duration, note)], 0.0, alignment.duration))
    path = Path(path)
    # written beside it and renamed over it: a link at ``path`` is replaced, never written
    # through, and a failure halfway leaves the file that was there as it was
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        grid.save(str(partial), format="long_textgrid", includeBlankSpaces=True)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def find_textgrid_for(audio_path: str | Path) -> Path | None:
    """A TextGrid next to the audio file with the same stem, if there is one."""
    audio_path = Path(audio_path)
    for suffix in (".TextGrid", ".textgrid", ".TEXTGRID"):
        candidate = audio_path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None
