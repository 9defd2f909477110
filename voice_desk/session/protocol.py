"""The recording protocol of a session: the sentence and sustained vowels, as SVD records them.

Each task is saved as its own take with the task in the file's tags (``task=vowel_a`` in the
comment, beside a ``label=`` a clinic may add), so a take says what it is wherever it goes; an SVD
session's vowel files (``<session>-a_n.nsp``) are recognised by name. The AST models assess the
sentence; the voice measures use what each task is for (AVQI: the sentence and 3 s of /a/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from voice_desk.align.reference import SENTENCE


@dataclass(frozen=True)
class Task:
    key: str
    title: str
    prompt: str
    seconds: float | None = None      # how long to hold it (a timer shows it), None: as long as it takes


TASKS = {
    "sentence": Task("sentence", "The sentence", SENTENCE),
    "vowel_a": Task("vowel_a", "Sustained /a/", "Say /a/ at a comfortable pitch and loudness, steadily, for at "
                                                "least 3 seconds.", 4.0),
    "vowel_i": Task("vowel_i", "Sustained /i/", "Say /i/ at a comfortable pitch and loudness for 3 seconds.", 3.0),
    "vowel_u": Task("vowel_u", "Sustained /u/", "Say /u/ at a comfortable pitch and loudness for 3 seconds.", 3.0),
    "mpt": Task("mpt", "Maximum phonation /a/", "Breathe in deeply, then say /a/ for as long as you can."),
}
_TAG = re.compile(r"\btask\s*[=:]\s*(\w+)", re.IGNORECASE)
_SVD_VOWEL = re.compile(r"-(a|i|u)_n$", re.IGNORECASE)


def tag_take(path: str | Path, task: str) -> None:
    """Write ``task=<task>`` into the take's comment (other tags kept)."""
    import soundfile as sf

    if task not in TASKS:
        raise ValueError(f"unknown recording task {task!r}")
    with sf.SoundFile(str(path), "r+") as f:
        rest = _TAG.sub("", f.comment or "").strip(" ,;")
        f.comment = f"task={task}" + (f", {rest}" if rest else "")


def task_of(path: str | Path) -> str | None:
    """The task a recording was made for: its tag, an SVD vowel file's name, else None."""
    from voice_desk.audio.metadata import tags

    for value in tags(path).values():
        match = _TAG.search(value)
        if match and match.group(1).lower() in TASKS:
            return match.group(1).lower()
    vowel = _SVD_VOWEL.search(Path(path).stem)
    return f"vowel_{vowel.group(1).lower()}" if vowel else None
