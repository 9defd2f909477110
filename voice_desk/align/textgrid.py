"""Reading and writing Praat TextGrids (through praatio) with `words` and `phones` tiers."""

from __future__ import annotations

from pathlib import Path

from voice_desk.align.tiers import Alignment, Interval
from voice_desk.errors import VoiceDeskError

#: Tier names we accept, first match wins (MFA writes "words"/"phones").
WORD_TIER_NAMES = ("words", "word", "Words", "ORT-MAU", "ORT")
PHONE_TIER_NAMES = ("phones", "phone", "Phones", "MAU", "segments")
#: How far the TextGrid's end may differ from the audio's duration.
DURATION_TOLERANCE_S = 0.1


class TextGridError(VoiceDeskError):
    """A TextGrid that cannot be used with its recording."""


def _intervals(tier, duration: float) -> list[Interval]:
    """The tier's intervals with the gaps filled by empty (silence) intervals."""
    out, t = [], 0.0
    for start, end, label in tier.entries:
        if start > t + 1e-6:
            out.append(Interval(t, start, ""))
        out.append(Interval(float(start), float(end), str(label)))
        t = float(end)
    if duration > t + 1e-6:
        out.append(Interval(t, duration, ""))
    return out


def read_textgrid(path: str | Path, audio_duration: float | None = None) -> Alignment:
    """Read the words and phones tiers; check the TextGrid fits a recording of ``audio_duration`` s."""
    from praatio import textgrid

    path = Path(path)
    try:
        grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False, reportingMode="silence")
    except FileNotFoundError as exc:
        raise TextGridError("the TextGrid file does not exist.", path=path) from exc
    except Exception as exc:  # praatio raises several types for malformed files
        raise TextGridError(f"this is not a readable TextGrid ({exc}).", path=path,
                            hint="Open it in Praat and save it again as a text TextGrid.") from exc
    names = grid.tierNames
    phones_name = next((n for n in PHONE_TIER_NAMES if n in names), None)
    words_name = next((n for n in WORD_TIER_NAMES if n in names), None)
    if phones_name is None:
        raise TextGridError(f"it has no phone tier (tiers found: {', '.join(names) or 'none'}).", path=path,
                            hint="Voice Desk needs interval tiers named 'phones' (and 'words'), as MFA writes them.")
    if grid.getTier(phones_name).__class__.__name__ != "IntervalTier":
        raise TextGridError(f"its tier '{phones_name}' is a point tier, not an interval tier.", path=path)
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
    return Alignment(words=words, phones=phones, duration=end, source=str(path))


def write_textgrid(alignment: Alignment, path: str | Path) -> Path:
    """Write ``words`` and ``phones`` interval tiers (silence left as gaps, as MFA does)."""
    from praatio import textgrid

    grid = textgrid.Textgrid()
    for name, tier in (("words", alignment.words), ("phones", alignment.phones)):
        entries = [(i.start, i.end, i.label) for i in tier if not i.is_silence and i.end > i.start]
        grid.addTier(textgrid.IntervalTier(name, entries, 0.0, alignment.duration))
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
