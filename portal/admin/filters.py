"""List filters the generated ones cannot express: a unit and everything under it,
the officials' status of a task, and local days over UTC instants. Dates are typed
in filters as in the forms, dd/mm/yyyy (ISO still works).

Flask-Admin reads a filter's operation and options once, at start-up, and shows them
on every page: they are lazy labels (:func:`portal.i18n.label`), read in the page's
language when the list is drawn."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterConverter
from flask_admin.model import filters
from sqlalchemy.orm import aliased

from ..auth.policy import unit_ids_under
from ..extensions import db
from ..i18n import label, labels
from ..models import Task, Unit, enums
from ..services.tasks import ACTIVE_STATUSES, outcome_clause
from ..services.workdays import TZ, local_today
from .formatting import request_calendar


class UnitSubtreeFilter(BaseSQLAFilter):
    """Rows whose unit is the unit with the typed code, or any unit under it.

    The value is a unit code (e.g. ``PT-GDDT``) rather than a drop-down: a list of
    every unit would load the whole table into each page. Row scope still applies,
    so naming another unit's code never widens what a user sees.
    """

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(self.get_column(alias).in_(units_under_code(value)))

    def clean(self, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 40:
            raise ValueError("mã đơn vị không hợp lệ")
        return value

    def operation(self) -> Any:
        return label("thuộc đơn vị (mã) và cấp dưới")


def units_under_code(code: str) -> Any:
    """The unit with ``code`` (any case) and the units under it, for ``column.in_()``.

    The unit's path is read first, so the planner sees a constant: a list of ids when
    the subtree is small, else ``path LIKE '/1/5/%'`` (an index range). A join on
    ``LIKE (parent.path || '%')`` was estimated 13 times too small on PostgreSQL,
    which then sorted 130,000 tasks on disk for a deep page.
    """
    path = db.session.scalar(sa.select(Unit.path).where(sa.func.upper(Unit.code) == code.upper()).limit(1))
    if path is None:
        return []
    ids = unit_ids_under(path)
    if ids is not None:
        return ids
    return sa.select(Unit.id).where(Unit.path.startswith(path, autoescape=True)).scalar_subquery()


class OutcomeFilter(BaseSQLAFilter):
    """Tasks by how officials report them (computed from status and deadline, in SQL)."""

    def __init__(self, column: Any, name: str = "Tình trạng thực hiện") -> None:
        super().__init__(column, name, options=tuple(labels(enums.TASK_OUTCOMES).items()))

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        days = current_app.config.get("AT_RISK_WORKING_DAYS", 0)
        return query.filter(outcome_clause(value, local_today(), calendar=request_calendar(), at_risk_days=days))

    def clean(self, value: str) -> str:
        if value not in enums.TASK_OUTCOMES:
            raise ValueError("không hợp lệ")
        return value

    def operation(self) -> Any:
        return label("là")


_LOCAL_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
RANGE_SEPARATOR = " to "  # Flask-Admin's, between the two ends of a range


def iso_dates(value: str) -> str:
    """dd/mm/yyyy [hh:mm[:ss]] (each end of a range) → the ISO text Flask-Admin's filters read."""

    def one(part: str) -> str:
        found = _LOCAL_DATE.fullmatch(part.strip())
        if found is None:
            return part
        day, month, year, hour, minute, second = found.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}"
        return text if hour is None else f"{text} {int(hour):02d}:{minute}:{second or '00'}"

    return RANGE_SEPARATOR.join(one(part) for part in value.split(RANGE_SEPARATOR))


class LocalDateInput:
    """Mixin: a date filter that also reads dd/mm/yyyy (the portal's date format)."""

    def validate(self, value: str) -> bool:
        return super().validate(iso_dates(value))  # type: ignore[misc]

    def clean(self, value: str) -> Any:
        return super().clean(iso_dates(value))  # type: ignore[misc]


def _local(filter_class: type) -> type:
    return type(filter_class.__name__, (LocalDateInput, filter_class), {"__module__": __name__})


class LocalDayRangeFilter(LocalDateInput, BaseSQLAFilter, filters.BaseDateBetweenFilter):
    """Instants (stored in UTC) falling on the local days of a range, both included.

    A day in Asia/Ho_Chi_Minh runs from 00:00 local to 24:00 local, i.e. 17:00 UTC
    the day before to 17:00 UTC: comparing the stored instant with those bounds
    keeps the column's index usable.
    """

    def __init__(self, column: Any, name: str, options: Any = None, data_type: Any = None) -> None:
        super().__init__(column, name, options, data_type="daterangepicker")

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        start, end = value
        low = datetime.combine(start, time(0), tzinfo=TZ).astimezone(timezone.utc)
        high = datetime.combine(end + timedelta(days=1), time(0), tzinfo=TZ).astimezone(timezone.utc)
        column = self.get_column(alias)
        return query.filter(column >= low, column < high)


class PortalFilterConverter(FilterConverter):
    """Flask-Admin's filters with dd/mm/yyyy dates, plus the portal's UTC instant column type."""

    date_filters = tuple(_local(f) for f in FilterConverter.date_filters)
    datetime_filters = tuple(_local(f) for f in FilterConverter.datetime_filters)

    @filters.convert("UTCDateTime")
    def conv_utc_datetime(self, column: Any, name: str, **kwargs: Any) -> list[BaseSQLAFilter]:
        return [LocalDayRangeFilter(column, name)]


# ---- Filters the dashboards' links use (portal.admin.dashboard_links) ----
class UnitCodeFilter(UnitSubtreeFilter):
    """Rows of exactly the unit with the typed code, not of the units under it (a
    unit's own figures, e.g. its scorecard on the leadership dashboard)."""

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        unit = sa.select(Unit.id).where(sa.func.upper(Unit.code) == value.upper())
        return query.filter(self.get_column(alias).in_(unit.scalar_subquery()))

    def operation(self) -> Any:
        return label("là đơn vị (mã), không gồm cấp dưới")


class TaskUnitSubtreeFilter(UnitSubtreeFilter):
    """Steps of the tasks under way (not done, not cancelled) led by the unit with the
    typed code or a unit under it."""

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        top = aliased(Unit)
        units = (sa.select(Unit.id).join(top, Unit.path.like(top.path.concat("%")))
                 .where(sa.func.upper(top.code) == value.upper()))
        tasks = sa.select(Task.id).where(Task.lead_unit_id.in_(units.scalar_subquery()),
                                         Task.status.in_(ACTIVE_STATUSES))
        return query.filter(self.get_column(alias).in_(tasks.scalar_subquery()))

    def operation(self) -> Any:
        return label("đang thực hiện, thuộc đơn vị chủ trì (mã) và cấp dưới")
