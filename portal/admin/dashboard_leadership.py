"""The leadership and inspector start pages: figures from :mod:`portal.services.dashboards`
and :mod:`portal.services.dashboards_oversight`, each with the filtered list behind it.

Texts are written in Vietnamese and read in the page's language when the page is built
(``gettext`` here runs in the request; the charts travel as JSON, which takes no lazy text)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext

from ..models import enums
from ..services import dashboards as svc
from ..services.dashboards_oversight import InspectorDashboard
from ..services.scorecards import Period
from ..services.tasks import ACTIVE_STATUSES
from .dashboard_charts import COLORS, STATUS_LABELS, STATUS_SHORT, Cell, bar_chart, line_chart, pct
from .dashboard_links import BETWEEN, EQUAL, GREATER, IN_LIST, NOT_EQUAL, OUTCOME, SMALLER, SUBTREE, ListLinks, between
from .filters import UnitCodeFilter

__all__ = ["inspector_page", "leadership_page"]

#: Bars in the chart of tasks by unit (all units are in the table beside it).
CHART_BARS = 12
PROPOSAL_NAMES = {"commendation": "Khen thưởng", "reassignment": "Điều chuyển, thay thế",
                  "disciplinary_review": "Kiểm điểm, kỷ luật"}


def month_label(period: Period) -> str:
    return f"{period.start:%m/%Y}"


def _status_cells(links: ListLinks, unit: list[tuple[str, type, str]], counts: svc.StatusCounts,
                  period: Period, today: date) -> list[Cell]:
    """One cell per status, each with the task list it counts (the same period and unit)."""
    cells = []
    for status in svc.FOUR_STATUSES:
        value = getattr(counts, status)
        url = None
        if value and status == "in_time":
            # In time = under way and not yet due: by status and due date, so it includes
            # the tasks at risk (the list's "at risk" and "in time" are two of its five).
            url = links.filtered("task", *unit, ("status", IN_LIST, ",".join(ACTIVE_STATUSES)),
                                 ("due_date", BETWEEN, between(max(period.start, today), period.end)))
        elif value:
            url = links.filtered("task", *unit, ("status", OUTCOME, status),
                                 ("due_date", BETWEEN, between(period.start, period.end)))
        cells.append(Cell(value, url))
    return cells


def _by_unit(links: ListLinks, data: svc.LeadershipDashboard) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows = []
    for row in data.by_unit:
        unit = [("lead_unit_id", UnitCodeFilter if row.direct else SUBTREE, row.code)]
        direct = row.direct and len(data.by_unit) > 1
        name = gettext("%(unit)s (trực tiếp chủ trì)", unit=row.name) if direct else row.name
        rows.append({"name": name, "code": row.code, "cells": _status_cells(links, unit, row.counts, data.window,
                                                                             data.today),
                     "total": row.counts.total, "rate": pct(row.counts.on_time_rate)})
    shown = rows[:CHART_BARS]
    chart = bar_chart(gettext("Nhiệm vụ theo tình trạng, theo đơn vị"), [r["name"] for r in shown], [
        (gettext(STATUS_LABELS[s]), COLORS[s], [r["cells"][i] for r in shown])
        for i, s in enumerate(svc.FOUR_STATUSES)
    ])
    return rows, chart


def _trend(links: ListLinks, data: svc.LeadershipDashboard) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows = []
    for month in data.months:
        due = ("due_date", BETWEEN, between(month.period.start, month.period.end))
        counted = links.filtered("task", due, ("status", NOT_EQUAL, "cancelled")) if month.counts.total else None
        rows.append({"label": month_label(month.period), "url": counted, "total": month.counts.total,
                     "cells": _status_cells(links, [], month.counts, month.period, data.today),
                     "rate": month.counts.on_time_rate})
    chart = line_chart(gettext("Tỉ lệ hoàn thành đúng hạn theo tháng"), [r["label"] for r in rows],
                       gettext("Tỉ lệ đúng hạn (%)"),
                       [r["rate"] for r in rows], [r["url"] for r in rows])
    for row in rows:
        row["rate"] = pct(row["rate"])
    return rows, chart


def _consultations(links: ListLinks, c: svc.ConsultationSummary, today: date,
                   scope: list[tuple[str, type, str]]) -> list[dict[str, Any]]:
    def link(*conditions: tuple[str, type, str]) -> str | None:
        return links.filtered("consultation_recipient", *scope, *conditions)

    return [
        {"label": gettext("Đang chờ trả lời, còn hạn"), "value": c.waiting,
         "url": link(("outcome", EQUAL, "pending"), ("deadline", GREATER, f"{today - timedelta(days=1):%Y-%m-%d}"))},
        {"label": gettext("Đã quá hạn, chưa trả lời"), "value": c.waiting_past_deadline, "warn": True,
         "hint": gettext("Lượt quét thời hạn tiếp theo sẽ xác định là đồng ý."),
         "url": link(("outcome", EQUAL, "pending"), ("deadline", SMALLER, f"{today:%Y-%m-%d}"))},
        {"label": gettext("Tạm dừng (có văn bản trao đổi)"), "value": c.suspended,
         "url": link(("outcome", EQUAL, "suspended"))},
        {"label": gettext("Được xác định là đồng ý trong tháng %(month)s", month=c.month.start.strftime("%m/%Y")),
         "value": c.deemed_agreed, "warn": True,
         "url": link(("outcome", EQUAL, "deemed_agreed"), ("deadline", BETWEEN, between(c.month.start, c.month.end)))},
    ]


def _proposals(links: ListLinks, data: svc.LeadershipDashboard) -> list[dict[str, Any]]:
    queues = []
    for queue in data.proposals:
        view = links.view(queue.kind)
        decides = view is not None and view.is_accessible() and view.may("approve")
        queues.append({
            "name": gettext(PROPOSAL_NAMES[queue.kind]), "count": queue.count, "more": queue.more,
            "url": links.filtered(queue.kind, ("status", EQUAL, "proposed")),
            "rows": [{"subject": p.subject, "detail": p.detail, "at": p.proposed_at,
                      "decide": links.page(queue.kind, "decide_view", id=p.id) if decides else None,
                      "details": links.details(queue.kind, p.id)} for p in queue.rows],
        })
    return queues


def _worst(links: ListLinks, data: svc.LeadershipDashboard) -> list[dict[str, Any]]:
    window = between(data.window.start, data.window.end)
    rows = []
    for w in data.worst:
        unit = ("lead_unit_id", UnitCodeFilter, w.code)

        def tasks(status: str, value: int) -> Cell:
            return Cell(value, links.filtered("task", unit, ("status", OUTCOME, status), ("due_date", BETWEEN, window))
                        if value else None)

        missed = links.filtered("consultation_recipient", ("unit_id", UnitCodeFilter, w.code),
                                ("outcome", EQUAL, "deemed_agreed"), ("deadline", BETWEEN, window)) if w.missed else None
        rows.append({"name": w.name, "code": w.code, "url": links.details("unit", w.unit_id),
                     "rate": pct(w.on_time_rate), "on_time": w.done_on_time,
                     "overdue": tasks("overdue", w.overdue), "late": tasks("done_late", w.done_late),
                     "missed": Cell(w.missed, missed)})
    return rows


def leadership_page(links: ListLinks, data: svc.LeadershipDashboard, scope_code: str | None) -> dict[str, Any]:
    """The template's data for the leadership dashboard (``scope_code``: the unit of a
    scoped account, whose subtree the consultation lists are limited to)."""
    by_unit, status_chart = _by_unit(links, data)
    trend, trend_chart = _trend(links, data)
    scope = [("unit_id", SUBTREE, scope_code)] if scope_code else []
    totals = _status_cells(links, [], data.totals, data.window, data.today)
    backlog = [("lead_unit_id", SUBTREE, scope_code)] if scope_code else []
    return {
        "data": data, "window": f"{data.window.start:%m/%Y} – {data.window.end:%m/%Y}",
        "moved_from": f"{data.moved_from.start:%m/%Y} – {data.moved_from.end:%m/%Y}" if data.moved_from else None,
        "overdue_now": Cell(data.overdue_now, links.filtered("task", *backlog, ("status", OUTCOME, "overdue"))
                            if data.overdue_now else None),
        "by_unit": by_unit, "status_chart": status_chart, "totals": totals, "total_rate": pct(data.totals.on_time_rate),
        "trend": trend, "trend_chart": trend_chart,
        "status_labels": {k: gettext(v) for k, v in STATUS_LABELS.items()},
        "status_short": {k: gettext(v) for k, v in STATUS_SHORT.items()},
        "consultations": _consultations(links, data.consultations, data.today, scope),
        "proposals": _proposals(links, data), "worst": _worst(links, data),
    }


def _may_create(links: ListLinks, endpoint: str) -> bool:
    view = links.view(endpoint)
    return view is not None and view.is_accessible() and view.can_create


def inspector_page(links: ListLinks, data: InspectorDashboard) -> dict[str, Any]:
    """The template's data for the inspector dashboard."""
    statuses, modes = list(enums.INSPECTION_STATUSES), list(enums.INSPECTION_MODES)

    def inspections(status: str, mode: str) -> Cell:
        n = data.inspections.get((status, mode), 0)
        return Cell(n, links.filtered("inspection", ("status", EQUAL, status), ("mode", EQUAL, mode)) if n else None)

    grid = {s: [inspections(s, m) for m in modes] for s in statuses}
    inspection_chart = bar_chart(gettext("Cuộc kiểm tra theo trạng thái"),
                                 [gettext(enums.INSPECTION_STATUSES[s]) for s in statuses], [
        (gettext(enums.INSPECTION_MODES[m]), COLORS[m], [grid[s][i] for s in statuses]) for i, m in enumerate(modes)
    ], horizontal=False)
    kinds, severities = list(enums.FINDING_KINDS), list(enums.SEVERITIES)

    def findings(kind: str, severity: str) -> Cell:
        n = data.findings.get((kind, severity), 0)
        return Cell(n, links.filtered("finding", ("kind", EQUAL, kind), ("severity", EQUAL, severity)) if n else None)

    found = {k: [findings(k, s) for s in severities] for k in kinds}
    finding_chart = bar_chart(gettext("Kết quả kiểm tra theo loại vi phạm"),
                              [gettext(enums.FINDING_KINDS[k]) for k in kinds], [
        (gettext(enums.SEVERITIES[s]), COLORS[s], [found[k][i] for k in kinds]) for i, s in enumerate(severities)
    ])
    samples = [{"label": gettext(enums.POPULATION_KINDS[kind]), "samples": n, "items": items,
                "url": links.filtered("sample", ("status", EQUAL, "done"), ("population_kind", EQUAL, kind))}
               for kind, (n, items) in sorted(data.samples.drawn.items())]
    waiting = [{"label": gettext(enums.SAMPLE_STATUSES[s]), "value": n,
                "url": links.filtered("sample", ("status", EQUAL, s))}
               for s, n in sorted(data.samples.by_status.items()) if s != "done" and n]
    return {
        "data": data, "statuses": statuses, "modes": modes, "inspection_grid": grid,
        "inspection_chart": inspection_chart, "kinds": kinds, "severities": severities, "finding_grid": found,
        "finding_chart": finding_chart, "samples": samples, "samples_waiting": waiting,
        "samples_url": links.filtered("sample", ("status", EQUAL, "done")),
        "unvisited": [{"row": u, "url": links.details("unit", u.unit_id)} for u in data.unvisited],
        "new_inspection": links.page("inspection", "create_view") if _may_create(links, "inspection") else None,
    }
