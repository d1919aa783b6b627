"""How values read in lists, details and exports: dd/mm/yyyy dates, local times,
Vietnamese yes/no, and the coloured officials' status of a task."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask import current_app, g
from flask_babel import gettext
from flask_admin.model import typefmt
from markupsafe import Markup, escape

from ..extensions import db
from ..models import enums
from ..services.calendar import WorkCalendar, load_calendar
from ..services.tasks import task_outcome
from ..services.workdays import TZ, local_today


def fmt_date(_view: Any, value: date, _name: str) -> str:
    return value.strftime("%d/%m/%Y")


def fmt_datetime(_view: Any, value: datetime, _name: str) -> str:
    local = value.astimezone(TZ) if value.tzinfo else value
    return local.strftime("%d/%m/%Y %H:%M")


def fmt_bool_text(_view: Any, value: bool, _name: str) -> str:
    return gettext("Có") if value else gettext("Không")


def fmt_json(_view: Any, value: Any, _name: str) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


# datetime before date: the first isinstance match wins and a datetime is a date.
LIST_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: fmt_datetime, date: fmt_date}
DETAIL_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: fmt_datetime, date: fmt_date,
                     bool: fmt_bool_text, dict: fmt_json}
EXPORT_FORMATTERS = {**typefmt.EXPORT_FORMATTERS, datetime: fmt_datetime, date: fmt_date,
                     bool: fmt_bool_text}


def request_calendar() -> WorkCalendar:
    """The working-day calendar, loaded once per request (one small query)."""
    calendar = g.get("portal_calendar")
    if calendar is None:
        calendar = g.portal_calendar = load_calendar(db.session)
    return calendar


def outcome_of(task: Any) -> str | None:
    """Officials' status of a task, by the task rules (``services.tasks``)."""
    days = current_app.config.get("AT_RISK_WORKING_DAYS", 0)
    return task_outcome(task, local_today(), request_calendar(), days)


def outcome_badge(_view: Any, _context: Any, model: Any, _name: str) -> Markup:
    """The officials' status of a task, coloured (classes in ``static/portal.css``)."""
    code = outcome_of(model)
    if code is None:
        return Markup('<span class="text-muted">—</span>')
    return Markup('<span class="outcome outcome-{}">{}</span>').format(code, escape(gettext(enums.TASK_OUTCOMES[code])))


def outcome_text(_view: Any, _context: Any, model: Any, _name: str) -> str:
    code = outcome_of(model)
    return gettext(enums.TASK_OUTCOMES[code]) if code in enums.TASK_OUTCOMES else ""
