"""List filters the generated ones cannot express: a unit and everything under it,
the officials' status of a task, and local days over UTC instants."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterConverter
from flask_admin.model import filters
from sqlalchemy.orm import aliased

from ..models import Unit, enums
from ..services.tasks import outcome_clause
from ..services.workdays import TZ, local_today
from .formatting import request_calendar


class UnitSubtreeFilter(BaseSQLAFilter):
    """Rows whose unit is the unit with the typed code, or any unit under it.

    The value is a unit code (e.g. ``PT-GDDT``) rather than a drop-down: a list of
    every unit would load the whole table into each page. Row scope still applies,
    so naming another unit's code never widens what a user sees.
    """

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        top = aliased(Unit)
        subtree = (
            sa.select(Unit.id)
            .join(top, Unit.path.like(top.path.concat("%")))
            .where(sa.func.upper(top.code) == value.upper())
        )
        return query.filter(self.get_column(alias).in_(subtree.scalar_subquery()))

    def clean(self, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 40:
            raise ValueError("mã đơn vị không hợp lệ")
        return value

    def operation(self) -> str:
        return "thuộc đơn vị (mã) và cấp dưới"


class OutcomeFilter(BaseSQLAFilter):
    """Tasks by how officials report them (computed from status and deadline, in SQL)."""

    def __init__(self, column: Any, name: str = "Tình trạng thực hiện") -> None:
        super().__init__(column, name, options=tuple(enums.TASK_OUTCOMES.items()))

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        days = current_app.config.get("AT_RISK_WORKING_DAYS", 0)
        return query.filter(outcome_clause(value, local_today(), calendar=request_calendar(), at_risk_days=days))

    def clean(self, value: str) -> str:
        if value not in enums.TASK_OUTCOMES:
            raise ValueError("không hợp lệ")
        return value

    def operation(self) -> str:
        return "là"


class LocalDayRangeFilter(BaseSQLAFilter, filters.BaseDateBetweenFilter):
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
    """Flask-Admin's filters, plus the portal's UTC instant column type."""

    @filters.convert("UTCDateTime")
    def conv_utc_datetime(self, column: Any, name: str, **kwargs: Any) -> list[BaseSQLAFilter]:
        return [LocalDayRangeFilter(column, name)]
