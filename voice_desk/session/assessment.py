"""The models' results on one recording, and what the study reads from them.

The study compares two configurations, ast_freeze and ast_finetuned: with a known true label
each recording falls in one agreement case (O both right, X both wrong, A only ast_freeze
right, B only ast_finetuned right; :mod:`voice_desk.analysis.agreement`). When several models
of one configuration ran, the first in the model list speaks for it; a model that gives no
verdict (an AudioSet base, an untrained head) never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voice_desk.analysis.agreement import agreement_case

#: The study's configurations, in the order the window lists them.
CONFIGURATIONS = ("ast_freeze", "ast_finetuned")
CONFIG_ORDER = {name: i for i, name in enumerate(CONFIGURATIONS)}
TRUE_LABELS = ("healthy", "pathological")


def model_order(entries) -> list:
    """Models as the window lists them: ast_freeze, then ast_finetuned, then the rest, by name."""
    return sorted(entries, key=lambda e: (CONFIG_ORDER.get(e.configuration or "", len(CONFIGURATIONS)), e.name))


def known_label(text: str | None) -> str | None:
    """'healthy' / 'pathological', or None for anything else ('unknown', '', None)."""
    text = (text or "").strip().lower()
    return text if text in TRUE_LABELS else None


@dataclass
class Assessment:
    """Results (``explanations``: model path -> Explanation) and failures (model path -> why)
    of the models in ``entries`` (model path -> ModelEntry, in list order) on one recording."""

    entries: dict = field(default_factory=dict)
    explanations: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)
    true_label: str | None = None

    def results(self) -> list[tuple]:
        """(entry, prediction) for each model that ran, in list order."""
        return [(entry, self.explanations[path].prediction) for path, entry in self.entries.items()
                if path in self.explanations]

    def failed(self) -> list[tuple]:
        """(entry, why) for each model that could not run, in list order."""
        return [(entry, self.failures[path]) for path, entry in self.entries.items() if path in self.failures]

    def study_labels(self) -> dict[str, str]:
        """The first verdict of each study configuration."""
        labels: dict[str, str] = {}
        for entry, prediction in self.results():
            if entry.configuration in CONFIG_ORDER and prediction.gives_verdict:
                labels.setdefault(entry.configuration, prediction.label)
        return labels

    def agreement_case(self) -> str | None:
        truth, labels = known_label(self.true_label), self.study_labels()
        if truth is None or len(labels) < len(CONFIGURATIONS):
            return None
        return agreement_case(truth, labels["ast_freeze"], labels["ast_finetuned"])

    def case_note(self) -> str:
        """Why there is no agreement case although the true label is known and models ran ('' otherwise)."""
        if known_label(self.true_label) is None or not self.results() or self.agreement_case() is not None:
            return ""
        missing = [c for c in CONFIGURATIONS if c not in self.study_labels()]
        return ("The study's agreement case (O, X, A, B) needs a verdict from both an ast_freeze and an "
                f"ast_finetuned model; missing here: {' and '.join(missing)}.")

    def failure_report(self, paths: list[str], ran: int) -> str | None:
        """One message for the models of one run (``paths``) that could not run, or None."""
        failed = [path for path in paths if path in self.failures]
        if not failed:
            return None
        lines = [f"{self.entries[p].name if p in self.entries else p}: {self.failures[p]}" for p in failed]
        head = (f"{len(lines)} of {ran + len(lines)} models could not run on this recording"
                + (f"; the verdict panel shows the other {ran}." if ran else "."))
        return head + "\n\n" + "\n\n".join(lines)
