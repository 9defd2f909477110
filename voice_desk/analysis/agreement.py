"""The study's agreement cases for one recording with a known true label.

**O** both models right, **X** both wrong, **A** ast_finetuned wrong and ast_freeze right,
**B** ast_finetuned right and ast_freeze wrong.
"""

from __future__ import annotations

CASES = {
    "O": "both models right",
    "X": "both models wrong",
    "A": "ast_finetuned wrong, ast_freeze right",
    "B": "ast_finetuned right, ast_freeze wrong",
}


def agreement_case(true_label: str, freeze_label: str, finetuned_label: str) -> str:
    """'O', 'X', 'A' or 'B' from the true label and each model's predicted label."""
    truth = true_label.lower()
    freeze_right = freeze_label.lower() == truth
    finetuned_right = finetuned_label.lower() == truth
    if freeze_right and finetuned_right:
        return "O"
    if not freeze_right and not finetuned_right:
        return "X"
    return "A" if freeze_right else "B"


def describe_case(case: str) -> str:
    """'Agreement case O: both models right' (the window's Verdict panel and ``voice-desk assess``)."""
    return f"Agreement case {case}: {CASES[case]}"
