"""Reading and writing Praat TextGrids (through praatio) with `words` and `phones` tiers.

An alignment that is approximate or carries a confidence (the built-in aligner's) is written
with a third tier, ``aligner``: one interval over the whole file saying where the tiers came
from, how sure the aligner was and any warning, e.g. ``built-in aligner | approximate |
confidence 0.93``. Reading the TextGrid back restores those, so a doubtful alignment stays
marked wherever it is used; delete the tier in Praat once you have checked the boundaries.
"""

from __future__ import annotations

import re
from pathlib import Path

from voice_desk.align.phoneset import GERMAN_MFA_PHONES
from voice_desk.align.tiers import Alignment, Interval
from voice_desk.errors import VoiceDeskError

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


class TextGridError(VoiceDeskError):
    """A TextGrid that cannot be used with its recording."""


def _label(text) -> str:
    """The label as written, except that other tools' silence markers become ''."""
    label = str(text).strip()
    return "" if label.lower() in SILENCE_LABELS else label


def _intervals(tier, end: float) -> list[Interval]:
    """The tier's intervals up to ``end`` with the gaps filled by empty (silence) intervals."""
    out, t = [], 0.0
    for start, stop, label in tier.entries:
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


def _unreadable(path: Path, exc: Exception) -> TextGridError:
    """Say what kind of file it is, rather than praatio's parser error alone."""
    try:
        head = path.read_bytes()[:64]
    except OSError:
        head = b""
    text = head.replace(b"\0", b"").decode("utf-8", "replace")
    if b"ooBinaryFile" in head:
        why = "it is a binary TextGrid, which Voice Desk cannot read"
    elif not head.strip():
        why = "the file is empty"
    elif "ooTextFile" not in text or "TextGrid" not in text:
        why = "it does not start like a Praat TextGrid ('File type = \"ooTextFile\"', 'Object class = \"TextGrid\"')"
    else:
        why = f"it is damaged or incomplete ({type(exc).__name__}: {exc})"
    return TextGridError(f"this is not a readable TextGrid: {why}.", path=path,
                         hint="Open it in Praat and save it again as a text file (Save as text file…).")


def _read_note(grid, alignment: Alignment) -> None:
    if NOTE_TIER not in grid.tierNames or grid.getTier(NOTE_TIER).__class__.__name__ != "IntervalTier":
        return
    fields = [f.strip() for e in grid.getTier(NOTE_TIER).entries for f in str(e[2]).split(" | ") if f.strip()]
    for field in fields[1:]:
        match = re.fullmatch(r"confidence ([0-9.]+)", field)
        if match:
            alignment.confidence = float(match.group(1))
        elif field == "approximate":
            alignment.approximate = True
        elif field not in alignment.warnings:
            alignment.warnings.append(field)


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
    from praatio import textgrid

    path = Path(path)
    if not path.is_file():
        raise TextGridError("the TextGrid file does not exist.", path=path, hint="Check the path and the file name.")
    try:
        grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False, reportingMode="silence",
                                     duplicateNamesMode="rename")
    except Exception as exc:  # praatio raises several types for malformed files
        raise _unreadable(path, exc) from exc
    names = grid.tierNames
    phones_name = next((n for n in PHONE_TIER_NAMES if n in names), None)
    words_name = next((n for n in WORD_TIER_NAMES if n in names), None)
    if phones_name is None:
        raise TextGridError(f"it has no phone tier (tiers found: {', '.join(names) or 'none'}).", path=path,
                            hint="Voice Desk needs interval tiers named 'phones' (and 'words'), as MFA writes them; "
                                 "rename the phone tier in Praat, or align the recording again (voice-desk align).")
    for name in filter(None, (phones_name, words_name)):
        if grid.getTier(name).__class__.__name__ != "IntervalTier":
            raise TextGridError(f"its tier '{name}' is a point tier, not an interval tier.", path=path,
                                hint="Phones and words need intervals with a start and an end.")
    duration = float(grid.maxTimestamp)
    if audio_duration is not None and abs(duration - audio_duration) > DURATION_TOLERANCE_S:
        raise TextGridError(
            f"it lasts {duration:.2f} s but the recording lasts {audio_duration:.2f} s, so it belongs to "
            "another recording or to another version of this one.", path=path,
            hint="Choose the TextGrid made for this recording, or align the recording again.")
    end = audio_duration if audio_duration is not None else duration
    phones = _intervals(grid.getTier(phones_name), end)
    if not any(not p.is_silence for p in phones):
        raise TextGridError(f"its tier '{phones_name}' has no labelled phones.", path=path,
                            hint="Align the recording again (voice-desk align), or label the phones in Praat.")
    words = _intervals(grid.getTier(words_name), end) if words_name else [Interval(0.0, end, "")]
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
    ``aligner`` tier when the alignment is approximate, has a confidence or warnings."""
    from praatio import textgrid

    grid = textgrid.Textgrid()
    for name, tier in (("words", alignment.words), ("phones", alignment.phones)):
        entries = [(i.start, i.end, i.label) for i in tier if not i.is_silence and i.end > i.start]
        grid.addTier(textgrid.IntervalTier(name, entries, 0.0, alignment.duration))
    note = note_label(alignment)
    if note:
        grid.addTier(textgrid.IntervalTier(NOTE_TIER, [(0.0, alignment.duration, note)], 0.0, alignment.duration))
    path = Path(path)
    grid.save(str(path), format="long_textgrid", includeBlankSpaces=True)
    return path


def find_textgrid_for(audio_path: str | Path) -> Path | None:
    """A TextGrid next to the audio file with the same stem, if there is one."""
    audio_path = Path(audio_path)
    for suffix in (".TextGrid", ".textgrid", ".TEXTGRID"):
        candidate = audio_path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None
