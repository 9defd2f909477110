"""The course's small charts: one per key value (each model's P(pathological), then the measures),
on a time axis of the session dates, the reported session marked, and the threshold or range limit
(when one is stored) as a dashed line."""

from __future__ import annotations

from datetime import date, timedelta

from voice_desk.record.pages import MARGIN

COLUMNS = 4
CHART_W = 1.66
CHART_H = 1.0
CELL_H = CHART_H + 0.6
_DOT = "#2f5d8a"
#: The least span of a chart's value axis, so that a change within the measure's usual session-to-session
#: spread does not fill the chart and look like a large one.
MIN_SPAN = {"p": 1.0, "cpps": 4.0, "avqi": 2.0, "hnr": 6.0, "jitter_local": 0.6, "shimmer_local": 2.0}


def draw_charts(book, points, series, current_session_id: int) -> None:
    """``series``: (key, label, unit, session id -> value or None, reference or None)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    days = {p.session_id: date.fromisoformat(p.date) for p in points}
    gap = (book.width - COLUMNS * CHART_W) / (COLUMNS - 1)
    for i, (key, label, unit, values, reference) in enumerate(series):
        column = i % COLUMNS
        if column == 0:
            book.need(CELL_H)
            top = book.y
            book.space(CELL_H)
        x = MARGIN + 0.3 + column * (CHART_W + gap)
        width = CHART_W - 0.3
        book.text(x - 0.3, top, label + (f" ({unit})" if unit else ""), 7, weight="bold")
        ax = book.axes(x, top + 0.2, width, CHART_H)
        shown = [(days[s], v) for s, v in values.items() if v is not None and s in days]
        shown.sort()
        if shown:
            ax.plot([d for d, _ in shown], [v for _, v in shown], "-o", color=_DOT, ms=3, lw=1)
        current = values.get(current_session_id)
        if current is not None:
            ax.plot([days[current_session_id]], [current], "o", ms=6, mfc="none", mec="#c0392b", mew=1.3)
        if reference is not None:
            ax.axhline(reference, color="#888888", lw=0.8, ls="--")
        ax.set_ylim(*_value_range(key, [v for _, v in shown], reference))
        locator = AutoDateLocator(minticks=2, maxticks=4)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        first, last = min(days.values()), max(days.values())
        pad = max((last - first).days * 0.08, 3)
        ax.set_xlim(first - timedelta(days=pad), last + timedelta(days=pad))
        ax.tick_params(labelsize=6, length=2)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    book.paragraph("Red ring: this session. Dashed: the model's threshold, or the limit of the measure's "
                   "normal range or the index's threshold, where one is stored.", 7.5, color="#555555")


def _value_range(key: str, values: list[float], reference: float | None) -> tuple[float, float]:
    """The value axis: P from 0 to 1; a measure around its values and reference, at least MIN_SPAN wide."""
    if key == "p":
        return -0.03, 1.03
    points = values + ([reference] if reference is not None else [])
    if not points:
        return 0.0, 1.0
    low, high = min(points), max(points)
    span = max(high - low, MIN_SPAN.get(key, 0.0))
    middle = (low + high) / 2
    low, high = middle - span / 2, middle + span / 2
    pad = 0.08 * span
    return low - pad, high + pad
