"""The figures of the periodic report to the leadership — directive item 3 ("rà soát …
giải quyết dứt điểm … kịp thời báo cáo kết quả") with items 2, 4 and 9.

For a period [start, end] and a scope (a unit and every unit under it, or all units),
one row per unit with:

* tasks it leads that fell due in the period: done on time, done late, overdue (not
  done, deadline passed on ``today``) with the age of the oldest one and the average
  age in working days, still within the deadline;
* consulted-body misses (deemed agreement, item 4) with the answer deadline in the period;
* improper escalations (item 2) among the tasks due in the period;
* inspections of the unit started in the period, and findings recorded in it (item 9).

Rows and totals come from aggregate SQL (GROUP BY); the task and consultation counts
are :func:`portal.services.scorecards.unit_scorecards`, so the report and the
scorecards can never disagree. Only the working-day age is computed in Python, once
per distinct due date. Inspections that have not started are never counted (an
unannounced visit must not show in anyone's report before it happens).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Finding, Inspection, InspectionTarget, Task, Unit
from . import DomainError
from .calendar import WorkCalendar, load_calendar
from .scorecards import Scorecard, unit_scorecards
from .tasks import ACTIVE_STATUSES
from .workdays import TZ, local_today

__all__ = [
    "MAX_PERIOD_DAYS", "PeriodicReport", "ReportRow", "compute_report", "count_units", "overdue_age",
    "validate_period",
]

#: A report spans at most three years: beyond that the figures mean little and a
#: typing slip (01/01/1025) is far likelier than a real request.
MAX_PERIOD_DAYS = 3 * 366
#: Order of unit kinds inside one level of the tree (the People's Committee first).
KIND_ORDER = {"province": 0, "district": 1, "department": 2, "office": 3, "agency": 4, "commune": 5, "school": 6}
TOTAL_NAME = "Tổng cộng"
SUMMED = ("assigned", "done_on_time", "done_late", "overdue", "in_time", "answered_on_time", "answered_late",
          "missed", "improper_escalations", "inspections", "findings")

Progress = Callable[[int], None]


@dataclass
class ReportRow(Scorecard):
    """One unit's scorecard for the period (tasks ``assigned`` = due in the period,
    consultations ``missed``) with what the report adds; the totals have no unit."""

    code: str = ""
    depth: int = 0
    #: Working days since the deadline of the oldest / on average over the overdue tasks.
    oldest_overdue_days: int | None = None
    average_overdue_days: float | None = None
    improper_escalations: int = 0
    inspections: int = 0
    findings: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.assigned or self.missed or self.improper_escalations or self.inspections or self.findings)


@dataclass
class PeriodicReport:
    start: date
    end: date
    today: date
    scope_unit_id: int | None
    scope_name: str
    rows: list[ReportRow] = field(default_factory=list)
    #: Units in the scope (reported or not), for the "large report" decision and the text.
    units_in_scope: int = 0

    @property
    def totals(self) -> ReportRow:
        total = ReportRow(name=TOTAL_NAME)
        for name in SUMMED:
            setattr(total, name, sum(getattr(r, name) for r in self.rows))
        ages = [r.oldest_overdue_days for r in self.rows if r.oldest_overdue_days is not None]
        total.oldest_overdue_days = max(ages) if ages else None
        weighted = [(r.average_overdue_days, r.overdue) for r in self.rows if r.average_overdue_days is not None]
        if weighted:
            total.average_overdue_days = round(sum(a * n for a, n in weighted) / sum(n for _, n in weighted), 1)
        return total

    def to_dict(self) -> dict[str, Any]:
        """JSON-able (dates as ISO strings), for a report built by a background job."""
        data = asdict(self)
        for key in ("start", "end", "today"):
            data[key] = data[key].isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PeriodicReport:
        names = {f.name for f in fields(ReportRow)}
        rows = [ReportRow(**{k: v for k, v in row.items() if k in names}) for row in data.get("rows", [])]
        return cls(start=date.fromisoformat(data["start"]), end=date.fromisoformat(data["end"]),
                   today=date.fromisoformat(data["today"]), scope_unit_id=data.get("scope_unit_id"),
                   scope_name=data.get("scope_name", ""), rows=rows, units_in_scope=int(data.get("units_in_scope", 0)))


def validate_period(start: date | None, end: date | None) -> tuple[date, date]:
    """The period as given by a person: both dates, in order, not absurdly long."""
    if start is None:
        raise DomainError("Vui lòng nhập ngày bắt đầu kỳ báo cáo.")
    if end is None:
        raise DomainError("Vui lòng nhập ngày kết thúc kỳ báo cáo.")
    if end < start:
        raise DomainError(f"Ngày kết thúc kỳ báo cáo ({end:%d/%m/%Y}) không được trước ngày bắt đầu "
                          f"({start:%d/%m/%Y}).")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise DomainError("Kỳ báo cáo dài tối đa 3 năm; hãy chọn kỳ ngắn hơn.")
    return start, end


def overdue_age(calendar: WorkCalendar, due: date, today: date) -> int:
    """Working days an overdue task has waited since its deadline (at least 1: a
    Friday deadline is one day late on Saturday)."""
    return max(1, calendar.working_days_between(due, today))


def _scope_units(session: Session, scope: Unit | None) -> sa.Select[Any]:
    stmt = sa.select(Unit.id, Unit.code, Unit.name, Unit.depth, Unit.kind)
    if scope is not None:
        stmt = stmt.where(Unit.path.startswith(scope.path, autoescape=True))
    return stmt


def count_units(session: Session, scope_unit_id: int | None) -> int:
    """Units a report on this scope covers (one COUNT over the unit tree)."""
    stmt = sa.select(sa.func.count()).select_from(Unit)
    if scope_unit_id is not None:
        path = session.scalar(sa.select(Unit.path).where(Unit.id == scope_unit_id))
        if path is None:
            raise DomainError(f"Không tìm thấy đơn vị #{scope_unit_id}.")
        stmt = stmt.where(Unit.path.startswith(path, autoescape=True))
    return int(session.scalar(stmt) or 0)


def _instants(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as local (Asia/Ho_Chi_Minh) instants: [start 00:00, end + 1 day 00:00)."""
    return (datetime.combine(start, time(0), tzinfo=TZ),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=TZ))


def _overdue_ages(session: Session, in_scope: Callable[[Any], Any], start: date, end: date, today: date,
                  calendar: WorkCalendar) -> dict[int, tuple[int, float]]:
    """unit → (oldest, average) working-day age of its overdue tasks due in the period.

    One GROUP BY (unit, due date): at most units × days-in-period rows, whatever the
    number of tasks; the age of each distinct due date is computed once."""
    t = Task
    counts = session.execute(
        sa.select(t.lead_unit_id, t.due_date, sa.func.count())
        .where(t.status.in_(ACTIVE_STATUSES), t.due_date >= start, t.due_date <= end, t.due_date < today,
               in_scope(t.lead_unit_id))
        .group_by(t.lead_unit_id, t.due_date)
    ).all()
    ages: dict[date, int] = {}
    per_unit: dict[int, list[tuple[int, int]]] = {}
    for unit_id, due, n in counts:
        if due not in ages:
            ages[due] = overdue_age(calendar, due, today)
        per_unit.setdefault(unit_id, []).append((ages[due], int(n)))
    return {
        unit_id: (max(a for a, _ in items), round(sum(a * n for a, n in items) / sum(n for _, n in items), 1))
        for unit_id, items in per_unit.items()
    }


def _grouped(session: Session, stmt: sa.Select[Any]) -> dict[int, int]:
    return {unit_id: int(n) for unit_id, n in session.execute(stmt).all()}


def compute_report(
    session: Session,
    start: date,
    end: date,
    *,
    scope_unit_id: int | None = None,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
    progress: Progress | None = None,
) -> PeriodicReport:
    """The report for [start, end] over the unit ``scope_unit_id`` and the units under it
    (every unit when None), as seen on ``today``. Units with nothing to report are left out."""
    start, end = validate_period(start, end)
    today = today or local_today()
    report_progress = progress or (lambda pct: None)
    scope = None
    if scope_unit_id is not None:
        scope = session.get(Unit, scope_unit_id)
        if scope is None:
            raise DomainError(f"Không tìm thấy đơn vị #{scope_unit_id}.")
    calendar = calendar or load_calendar(session)
    units = {row.id: row for row in session.execute(_scope_units(session, scope)).all()}
    subtree = _scope_units(session, scope).with_only_columns(Unit.id).scalar_subquery()

    def in_scope(column: Any) -> Any:
        return column.in_(subtree) if scope is not None else sa.true()

    report_progress(10)
    cards = {c.unit_id: c for c in unit_scorecards(session, (start, end), today,
                                                  unit_ids=list(units) if scope is not None else None)}
    report_progress(40)
    ages = _overdue_ages(session, in_scope, start, end, today, calendar)
    t = Task
    improper = _grouped(session, sa.select(t.lead_unit_id, sa.func.count()).where(
        t.improper_escalation.is_(True), t.due_date >= start, t.due_date <= end, in_scope(t.lead_unit_id),
    ).group_by(t.lead_unit_id))
    report_progress(60)
    begin, finish = _instants(start, end)
    inspected = _grouped(session, sa.select(InspectionTarget.unit_id, sa.func.count(sa.distinct(Inspection.id)))
                         .join(Inspection, Inspection.id == InspectionTarget.inspection_id)
                         .where(in_scope(InspectionTarget.unit_id), Inspection.started_at >= begin,
                                Inspection.started_at < finish)
                         .group_by(InspectionTarget.unit_id))
    found = _grouped(session, sa.select(Finding.unit_id, sa.func.count())
                     .join(Inspection, Inspection.id == Finding.inspection_id)
                     .where(in_scope(Finding.unit_id), Inspection.started_at.is_not(None),
                            Finding.recorded_at >= begin, Finding.recorded_at < finish)
                     .group_by(Finding.unit_id))
    report_progress(80)
    rows = []
    for unit_id, unit in units.items():
        card = cards.get(unit_id) or Scorecard(name=unit.name, unit_id=unit_id)
        oldest, average = ages.get(unit_id, (None, None))
        row = ReportRow(
            **vars(card), code=unit.code, depth=unit.depth, oldest_overdue_days=oldest,
            average_overdue_days=average, improper_escalations=improper.get(unit_id, 0),
            inspections=inspected.get(unit_id, 0), findings=found.get(unit_id, 0),
        )
        if not row.is_empty:
            rows.append(row)
    rows.sort(key=lambda r: (r.depth, KIND_ORDER.get(units[r.unit_id].kind, 9), r.name, r.code))  # type: ignore[index]
    report_progress(90)
    return PeriodicReport(start=start, end=end, today=today, scope_unit_id=scope_unit_id,
                          scope_name=scope.name if scope is not None else "Tất cả cơ quan, đơn vị",
                          rows=rows, units_in_scope=len(units))
