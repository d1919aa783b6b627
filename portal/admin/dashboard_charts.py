"""What a dashboard chart carries to the page, and how its numbers read.

A chart is a dictionary the template writes into the ``data-chart`` attribute of a
``<canvas>`` (JSON; the Content-Security-Policy forbids inline scripts), read by
``static/dashboard.js``, which draws it with the vendored Chart.js. Each value has
the URL of the list behind it, opened on click; the same numbers and links are in
the table beside the chart, for keyboards, screen readers and print.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal, format_percent

from ..i18n import current_language
from ..models import enums
from ..services.dashboards_sql import Tally

__all__ = ["COLORS", "STATUS_LABELS", "STATUS_SHORT", "Cell", "bar_chart", "line_chart", "num", "pct", "tally"]

#: Colours of the series (Bootstrap 4's palette, as the rest of the portal).
COLORS = {
    "done_on_time": "#28a745", "done_late": "#e0a800", "in_time": "#007bff", "overdue": "#dc3545",
    "planned": "#007bff", "surprise_notice": "#6f42c1", "unannounced": "#343a40",
    "minor": "#ffc107", "moderate": "#fd7e14", "serious": "#dc3545",
    "acknowledged": "#28a745", "missing": "#dc3545", "rate": "#17a2b8",
}
#: The officials' four statuses as the charts name them (``in_time`` includes those at risk).
STATUS_LABELS = {
    "done_on_time": enums.TASK_OUTCOMES["done_on_time"], "done_late": enums.TASK_OUTCOMES["done_late"],
    "in_time": enums.TASK_OUTCOMES["in_time"], "overdue": enums.TASK_OUTCOMES["overdue"],
}
#: The same, short, for table headers (the full name is in the header's title and the legend).
STATUS_SHORT = {"done_on_time": "Đúng hạn", "done_late": "Hoàn thành muộn", "in_time": "Trong hạn",
                "overdue": "Quá hạn"}


@dataclass(frozen=True)
class Cell:
    """A number of a table with the list behind it (``url`` is ``None`` when there is none)."""

    value: int
    url: str | None = None

    @property
    def text(self) -> str:
        return num(self.value)


def num(value: int | None) -> str:
    """1234567 → "1.234.567" in Vietnamese, "1,234,567" in English."""
    return "—" if value is None else format_decimal(value, locale=current_language())


#: One decimal; Vietnamese writes a space before the sign (TCVN), English does not.
PERCENT = {"vi": "#,##0.0 %", "en": "#,##0.0%"}


def pct(rate: float | None) -> str:
    """0.8534 → "85,3 %" in Vietnamese, "85.3%" in English; ``None`` (nothing due) → "—"."""
    if rate is None:
        return "—"
    language = current_language()
    return format_percent(rate, format=PERCENT.get(language, PERCENT["vi"]), locale=language)


def tally(count: Tally) -> str:
    """A capped count: "1.000+" when there are more."""
    return num(count.n) + ("+" if count.more else "")


def _series(label: str, color: str, cells: Sequence[Cell | None]) -> dict[str, Any]:
    return {"label": label, "color": color,
            "data": [c.value if c is not None else None for c in cells],
            "links": [c.url if c is not None else None for c in cells]}


def bar_chart(title: str, names: Sequence[str], series: Sequence[tuple[str, str, Sequence[Cell]]], *,
              horizontal: bool = True, stacked: bool = True) -> dict[str, Any]:
    """A (stacked) bar chart: ``series`` are (label, colour, one cell per name)."""
    return {"type": "bar", "title": title, "horizontal": horizontal, "stacked": stacked, "percent": False,
            "labels": list(names), "titles": list(names),
            "datasets": [_series(label, color, cells) for label, color, cells in series]}


def line_chart(title: str, names: Sequence[str], label: str, rates: Sequence[float | None],
               urls: Sequence[str | None]) -> dict[str, Any]:
    """A line of percentages (0–100); a month with nothing due leaves a gap."""
    return {"type": "line", "title": title, "horizontal": False, "stacked": False, "percent": True,
            "labels": list(names), "titles": list(names),
            "datasets": [{"label": label, "color": COLORS["rate"], "links": list(urls),
                          "data": [None if r is None else round(r * 100, 1) for r in rates]}]}
