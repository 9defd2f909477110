"""How a bundle turns P(pathological) into a verdict, and how far its test figures can be trusted.

A trained bundle's card holds ``metrics["operating_point"]`` (written by training, see
:func:`voice_desk.train.metrics.operating_point`): the threshold chosen on the dev part, a
**borderline** band around it from the test part, and the test sensitivity and specificity at
the threshold with 95 % intervals and counts. A bundle without one (trained before operating
points were recorded) decides at 0.5 and says that no band is known.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Fewer test recordings than these, overall or per class, are too few to trust the figures.
FEW_TEST = 50
FEW_PER_CLASS = 20
DEFAULT_THRESHOLD = 0.5


def _ci(ci) -> str:
    try:
        lo, hi = float(ci[0]), float(ci[1])
    except (TypeError, ValueError, IndexError):
        return ""
    return f" (95 % CI {lo:.2f}–{hi:.2f})"


def too_few(n: int | None, n_healthy: int | None = None, n_pathological: int | None = None) -> str:
    """A warning when test figures rest on too few recordings ('' when enough)."""
    if not n:
        return "the number of test recordings was not recorded, so these figures cannot be judged"
    per_class = [c for c in (n_healthy, n_pathological) if c is not None]
    if n < FEW_TEST or (per_class and min(per_class) < FEW_PER_CLASS):
        counts = f"{n} test recordings" + (f" ({n_healthy} healthy, {n_pathological} pathological)"
                                           if len(per_class) == 2 else "")
        return (f"only {counts}: too few to trust (at least {FEW_TEST}, and {FEW_PER_CLASS} of each class, are "
                "needed)")
    return ""


def metric_text(name: str, value, ci=None) -> str:
    """'UAR 0.81 (95 % CI 0.74–0.88)'."""
    if value is None:
        return f"{name} n/a"
    return f"{name} {float(value):.3f}" + (_ci(ci) if ci else "")


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float = DEFAULT_THRESHOLD
    band: tuple[float, float] | None = None
    rule: str = "0.5 (no operating point was recorded for this model)"
    sensitivity: dict | None = None
    specificity: dict | None = None
    n_test: int | None = None
    n_healthy: int | None = None
    n_pathological: int | None = None

    @classmethod
    def from_metrics(cls, metrics) -> "OperatingPoint":
        """The card's operating point; the 0.5 default when there is none or it cannot be read."""
        point = metrics.get("operating_point") if isinstance(metrics, dict) else None
        if not isinstance(point, dict):
            return cls()
        try:
            threshold = float(point["threshold"])
            band = point.get("band")
            band = (float(band[0]), float(band[1])) if band else None
            if not 0.0 <= threshold <= 1.0 or (band and not band[0] <= threshold <= band[1]):
                return cls()
            return cls(threshold, band, str(point.get("rule", "")), point.get("sensitivity"),
                       point.get("specificity"), point.get("n_test"), point.get("n_healthy"),
                       point.get("n_pathological"))
        except (KeyError, TypeError, ValueError, IndexError):
            return cls()

    def label(self, probability: float) -> str:
        return "pathological" if probability >= self.threshold else "healthy"

    def is_borderline(self, probability: float) -> bool:
        """Inside the band where another sample of test recordings could have put the threshold."""
        return self.band is not None and self.band[0] <= probability <= self.band[1]

    def describe(self, warn: bool = True) -> str:
        """The threshold, the band and the test sensitivity/specificity, in one paragraph (with the
        too-few warning unless ``warn`` is False: a page that already shows it)."""
        text = f"threshold {self.threshold:.2f}"
        if self.band:
            text += f", borderline {self.band[0]:.2f}–{self.band[1]:.2f}"
        else:
            text += " (no borderline band recorded)"
        for name, rate in (("sensitivity", self.sensitivity), ("specificity", self.specificity)):
            if isinstance(rate, dict) and rate.get("value") is not None:
                text += (f"; test {name} {float(rate['value']):.2f}{_ci(rate.get('ci'))}, "
                         f"{rate.get('k')} of {rate.get('n')}")
        warning = too_few(self.n_test, self.n_healthy, self.n_pathological) if self.band and warn else ""
        return text + (f". Warning: {warning}." if warning else "")


def test_summary(test: dict, warn: bool = True) -> str:
    """'UAR 0.812 (95 % CI 0.74–0.88), AUC 0.874 (95 % CI 0.80–0.93) on 160 test recordings (80
    healthy, 80 pathological)', with the too-few warning when it applies."""
    if not isinstance(test, dict):
        return "no test figures recorded"
    n, n_h, n_p = test.get("n"), test.get("n_healthy"), test.get("n_pathological")
    text = (metric_text("UAR", test.get("uar"), test.get("uar_ci")) + ", "
            + metric_text("AUC", test.get("auc"), test.get("auc_ci")))
    if n:
        text += f" on {n} test recordings" + (f" ({n_h} healthy, {n_p} pathological)" if n_h is not None else "")
    warning = too_few(n, n_h, n_p) if warn else ""
    return text + (f". Warning: {warning}." if warning else "")
