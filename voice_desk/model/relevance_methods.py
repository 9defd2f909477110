"""The relevance methods Voice Desk offers, what each answers, and which class a map is for.

One wording for the command line, the window and the study report.
"""

from __future__ import annotations

from voice_desk.errors import VoiceDeskError

ROLLOUT = "rollout"
GRADIENT_ROLLOUT = "gradient-rollout"
METHODS = (ROLLOUT, GRADIENT_ROLLOUT)

#: What each map answers, in a clinician's words (README, window tooltips, report).
ANSWERS = {
    ROLLOUT: "where the model looked, for every class alike: the study's attention rollout "
             "(Abnar & Zuidema 2020)",
    GRADIENT_ROLLOUT: "which parts pushed the model towards one class: gradient-weighted rollout "
                      "(Chefer, Gur & Wolf 2021)",
}

#: Short names for menus and captions.
TITLES = {ROLLOUT: "Attention rollout", GRADIENT_ROLLOUT: "Gradient-weighted rollout"}


def check_method(method: str) -> str:
    if method not in METHODS:
        raise VoiceDeskError(f"relevance method {method!r} does not exist.",
                             hint=f"Use {' or '.join(METHODS)}.")
    return method


def target_index(labels: list[str] | tuple[str, ...], target_class: str | int | None, predicted: int) -> int:
    """The class a class-specific map is for: ``target_class`` by label (any case) or by index,
    else the ``predicted`` class."""
    if target_class is None or target_class == "":
        return predicted
    names = [str(label).lower() for label in labels]
    text = str(target_class).strip()
    if text.lower() in names:
        return names.index(text.lower())
    if text.isdigit() and int(text) < len(labels):
        return int(text)
    raise VoiceDeskError(f"--target-class {target_class}: this model has no such class.",
                         hint=f"Its classes are {', '.join(map(str, labels))} (or their numbers, 0 to "
                              f"{len(labels) - 1}); leave it out for the predicted class.")


def caption(method: str, target_label: str | None) -> str:
    """'Attention rollout' or 'Gradient-weighted rollout for pathological'."""
    if method == GRADIENT_ROLLOUT and target_label:
        return f"{TITLES[method]} for {target_label}"
    return TITLES.get(method, method)
