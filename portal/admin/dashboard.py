"""The start page of each role (issue 6): which dashboard an account gets, and its data.

Administrators and leadership get the leadership dashboard, inspectors the
inspector's, unit heads and staff their own; the figures come from the
``portal.services.dashboards*`` modules and every one links to the list behind it
(:mod:`.dashboard_links`). Scope follows the account: the whole organisation for
those who see all, the unit's subtree for the others.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import current_app, flash, request
from flask_admin import Admin
from flask_babel import gettext

from ..auth.policy import can, sees_all, sees_secret_inspections, unit_path
from ..extensions import db
from ..models import Account, enums
from ..services import dashboards, dashboards_oversight, dashboards_staff, dashboards_unit
from ..services.workdays import TZ, local_today
from .dashboard_charts import COLORS, Cell, bar_chart, num, pct, tally
from .dashboard_leadership import inspector_page, leadership_page
from .dashboard_links import BETWEEN, EQUAL, OUTCOME, SMALLER, SUBTREE, ListLinks, between
from .filters import TaskUnitSubtreeFilter, UnitCodeFilter
from .formatting import request_calendar

__all__ = ["DASHBOARDS", "dashboard_of", "page_data", "parse_month"]

#: Role → dashboard (template ``admin/dashboard/<name>.html``).
DASHBOARDS = {"admin": "leadership", "leadership": "leadership", "inspector": "inspector",
              "unit_head": "unit_head", "staff": "staff"}
#: Texts of the page are Vietnamese here and read in the page's language (gettext at request time).
BAD_MONTH = "Kỳ báo cáo «%(value)s» không hợp lệ: chọn tháng, năm (ví dụ 06/2025). Đang hiển thị kỳ hiện tại."
_MONTH = re.compile(r"\s*(?:(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4}))\s*")


def dashboard_of(account: Account) -> str | None:
    return DASHBOARDS.get(account.role.code)


def parse_month(value: str | None) -> date | None:
    """"06/2025" (the period field) or "2025-06" (links) → 1 June 2025; empty → ``None``.

    Raises ``ValueError`` for anything else, or a month outside 2000–2100."""
    if not value or not value.strip():
        return None
    found = _MONTH.fullmatch(value)
    if found is None:
        raise ValueError(value)
    year, month = (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
    if not 1 <= int(month) <= 12 or not 2000 <= int(year) <= 2100:
        raise ValueError(value)
    return date(int(year), int(month), 1)


def _anchor() -> date | None:
    text = request.args.get("ky")
    try:
        return parse_month(text)
    except ValueError:
        flash(gettext(BAD_MONTH, value=(text or "")[:20]), "error")
        return None


def _leadership(links: ListLinks, account: Account) -> dict[str, Any]:
    wide = sees_all(account)
    kinds = tuple(k for k in dashboards.PROPOSAL_MODELS if can(account, k, "view"))
    data = dashboards.leadership_dashboard(
        db.session, today=local_today(), anchor=_anchor(), scope_path=None if wide else unit_path(account),
        decider_id=account.id, proposal_kinds=kinds,
    )
    page = leadership_page(links, data, None if wide else account.unit.code)
    page["month_value"] = f"{data.window.end:%m/%Y}"
    page["latest_url"] = (request.path + f"?ky={data.latest_month:%Y-%m}") if data.latest_month else None
    page["latest_label"] = f"{data.latest_month:%m/%Y}" if data.latest_month else None
    return page


def _inspector(links: ListLinks, account: Account) -> dict[str, Any]:
    data = dashboards_oversight.inspector_dashboard(
        db.session, today=local_today(), hide_secret=not sees_secret_inspections(account),
        scope_path=None if sees_all(account) else unit_path(account),
    )
    return inspector_page(links, data)


def _late_rows(links: ListLinks, rows: list[dashboards_unit.LateItem], endpoint: str) -> list[dict[str, Any]]:
    return [{"item": r, "url": links.details(endpoint, r.id)} for r in rows]


def _unit_head(links: ListLinks, account: Account) -> dict[str, Any]:
    today = local_today()
    days = current_app.config.get("AT_RISK_WORKING_DAYS", 0)
    data = dashboards_unit.unit_head_dashboard(db.session, account.unit_id, request_calendar(),
                                               at_risk_days=days, today=today)
    code = data.unit_code
    tasks = ("lead_unit_id", SUBTREE, code)
    steps = ("task_id", TaskUnitSubtreeFilter, code)
    risk_end = dashboards_unit.boundary(today, request_calendar(), days)
    coverage = data.coverage
    cov_rows, cov_chart = [], None
    if coverage is not None:
        for row in coverage.rows:
            unit = ("unit_id", UnitCodeFilter if row.direct else SUBTREE, row.code)
            people = links.filtered("staff", unit, ("status", EQUAL, "active"))
            direct = row.direct and len(coverage.rows) > 1
            name = gettext("%(unit)s (trực tiếp)", unit=row.name) if direct else row.name
            cov_rows.append({"name": name, "staff": Cell(row.staff, people), "acknowledged": row.acknowledged,
                             "missing": row.missing, "rate": pct(row.rate)})
        names = [r["name"] for r in cov_rows]
        done = [Cell(r["acknowledged"], r["staff"].url) for r in cov_rows]
        missing = [Cell(r["missing"], r["staff"].url) for r in cov_rows]
        cov_chart = bar_chart(gettext("Quán triệt văn bản chỉ đạo mới nhất"), names, [
            (gettext("Đã quán triệt"), COLORS["acknowledged"], done),
            (gettext("Chưa quán triệt"), COLORS["missing"], missing),
        ])
    return {
        "data": data,
        "tasks_overdue_url": links.filtered("task", tasks, ("status", OUTCOME, "overdue")),
        "tasks_risk_url": links.filtered("task", tasks, ("status", OUTCOME, "at_risk")),
        "steps_overdue_url": links.filtered("task_step", steps, ("status", EQUAL, "open"),
                                            ("due_date", SMALLER, f"{today:%Y-%m-%d}")),
        "steps_risk_url": links.filtered("task_step", steps, ("status", EQUAL, "open"),
                                         ("due_date", BETWEEN, between(today, date.fromordinal(
                                             risk_end.toordinal() - 1)))) if risk_end > today else None,
        "task_rows": _late_rows(links, data.tasks.rows, "task"),
        "step_rows": _late_rows(links, data.steps.rows, "task_step"),
        "answers_url": links.page("work_answers"),
        "coverage_rows": cov_rows, "coverage_chart": cov_chart,
        "directive_url": links.details("directive", coverage.directive_id) if coverage else None,
        "missing": [{"name": n, "unit": u, "url": links.details("staff", i)} for i, n, u in
                    (coverage.missing if coverage else [])],
    }


def _staff(links: ListLinks, account: Account) -> dict[str, Any]:
    if account.staff_id is None:
        return {"data": None}
    data = dashboards_staff.staff_dashboard(db.session, account.staff_id, request_calendar(), today=local_today())
    return {
        "data": data, "my_steps_url": links.page("work_my_steps"),
        "steps": [{"item": s, "url": links.details("task_step", s.id)} for s in data.steps],
        "directives": [{"item": d, "url": links.details("directive", d.directive_id)} for d in data.directives],
    }


BUILDERS = {"leadership": _leadership, "inspector": _inspector, "unit_head": _unit_head, "staff": _staff}


def page_data(admin: Admin, account: Account) -> dict[str, Any]:
    """The role's dashboard name and its template data (``{}`` for a role without one)."""
    name = dashboard_of(account)
    if name is None:
        return {"dashboard": None}
    return {"dashboard": name, "dash": BUILDERS[name](ListLinks(admin), account), "enums": enums, "tz": TZ,
            "num": num, "pct": pct, "tally": tally, "risk_days": current_app.config.get("AT_RISK_WORKING_DAYS", 0)}
