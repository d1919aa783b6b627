"""Scorecards per unit and per person for a period — directive items 3–8.

On-time completion of assigned work is a main criterion of the annual rating
(NĐ 90/2020, 48/2023), and the directive asks to individualise responsibility
"trong từng khâu" (item 5) and to count a silent or late consulted body against it
(item 4). Figures are aggregate SQL (GROUP BY with conditional sums) over index
ranges of due dates; Python only merges one row per unit or person.

Definitions (a task, step or consultation answer belongs to the period when its
deadline in force falls in [start, end]):

* unit: the tasks it leads; person: the steps they are responsible for;
* ``overdue`` — not done and the deadline has passed on ``today``; ``in_time`` —
  not done and not yet due;
* ``on_time_rate`` = on time / (on time + late + overdue); ``None`` when nothing
  was due yet;
* consultations (units): answered on time; answered late (kept, deemed agreement);
  ``missed`` — deemed agreement, i.e. silence or a late answer (a late answer
  counts in both, as the directive holds the unit accountable for it).
  Persons: the answers they gave for their unit (``missed`` is a unit figure: 0).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Account, ConsultationRecipient, Staff, Task, TaskStep, Unit
from . import DomainError
from .tasks import ACTIVE_STATUSES
from .workdays import local_today

__all__ = ["Period", "Scorecard", "person_scorecards", "unit_scorecards"]


class Period(NamedTuple):
    start: date
    end: date


@dataclass
class Scorecard:
    name: str
    unit_id: int | None = None
    staff_id: int | None = None
    assigned: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    in_time: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    missed: int = 0

    @property
    def on_time_rate(self) -> float | None:
        decided = self.done_on_time + self.done_late + self.overdue
        return self.done_on_time / decided if decided else None


def _period(period: tuple[date, date]) -> Period:
    start, end = period
    if end < start:
        raise DomainError("Ngày kết thúc kỳ phải sau ngày bắt đầu.")
    return Period(start, end)


def _n(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _work_columns(status, due_date, completed_late, today: date) -> list[sa.ColumnElement[int]]:
    done = status == "done"
    late = sa.func.coalesce(completed_late, sa.false()) == sa.true()
    pending = status != "done"
    return [
        sa.func.count(),
        _n(sa.and_(done, sa.not_(late))),
        _n(sa.and_(done, late)),
        _n(sa.and_(pending, due_date < today)),
        _n(sa.and_(pending, due_date >= today)),
    ]


def _answer_columns() -> list[sa.ColumnElement[int]]:
    r = ConsultationRecipient
    return [
        _n(sa.and_(r.outcome == "answered", sa.func.coalesce(r.answered_late, sa.false()) == sa.false())),
        _n(r.answered_late.is_(True)),
        _n(r.outcome == "deemed_agreed"),
    ]


_WORK = ("assigned", "done_on_time", "done_late", "overdue", "in_time")
_ANSWERS = ("answered_on_time", "answered_late", "missed")


def unit_scorecards(
    session: Session, period: tuple[date, date], today: date | None = None, *, unit_ids: list[int] | None = None
) -> list[Scorecard]:
    """One scorecard per unit with tasks led or consultations due in the period."""
    start, end = _period(period)
    today = today or local_today()
    cards: dict[int, Scorecard] = {}
    t = Task
    stmt = (
        sa.select(Unit.id, Unit.name, *_work_columns(t.status, t.due_date, t.completed_late, today))
        .join(Unit, Unit.id == t.lead_unit_id)
        .where(t.status.in_((*ACTIVE_STATUSES, "done")), t.due_date >= start, t.due_date <= end)
        .group_by(Unit.id, Unit.name)
    )
    if unit_ids is not None:
        stmt = stmt.where(t.lead_unit_id.in_(unit_ids))
    for unit_id, name, *values in session.execute(stmt):
        cards[unit_id] = Scorecard(name=name, unit_id=unit_id, **dict(zip(_WORK, values)))
    r = ConsultationRecipient
    stmt = (
        sa.select(Unit.id, Unit.name, *_answer_columns())
        .join(Unit, Unit.id == r.unit_id)
        .where(r.outcome.in_(("answered", "deemed_agreed")), r.deadline >= start, r.deadline <= end)
        .group_by(Unit.id, Unit.name)
    )
    if unit_ids is not None:
        stmt = stmt.where(r.unit_id.in_(unit_ids))
    for unit_id, name, *values in session.execute(stmt):
        card = cards.setdefault(unit_id, Scorecard(name=name, unit_id=unit_id))
        for key, value in zip(_ANSWERS, values):
            setattr(card, key, value)
    return sorted(cards.values(), key=lambda c: c.name)


def person_scorecards(
    session: Session, period: tuple[date, date], today: date | None = None, *, unit_id: int | None = None
) -> list[Scorecard]:
    """One scorecard per person with steps due (or answers given) in the period (item 5);
    ``unit_id`` limits it to the people of that unit and the units below it."""
    start, end = _period(period)
    today = today or local_today()
    scope = None
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise DomainError(f"Không tìm thấy đơn vị #{unit_id}.")
        scope = sa.select(Unit.id).where(Unit.path.startswith(unit.path))
    cards: dict[int, Scorecard] = {}
    s = TaskStep
    stmt = (
        sa.select(Staff.id, Staff.full_name, Staff.unit_id, *_work_columns(s.status, s.due_date, s.completed_late, today))
        .join(Staff, Staff.id == s.responsible_staff_id)
        .where(s.status.in_(("open", "done")), s.due_date >= start, s.due_date <= end)
        .group_by(Staff.id, Staff.full_name, Staff.unit_id)
    )
    if scope is not None:
        stmt = stmt.where(Staff.unit_id.in_(scope))
    for staff_id, name, staff_unit, *values in session.execute(stmt):
        cards[staff_id] = Scorecard(name=name, staff_id=staff_id, unit_id=staff_unit, **dict(zip(_WORK, values)))
    r = ConsultationRecipient
    stmt = (
        sa.select(Staff.id, Staff.full_name, Staff.unit_id, *_answer_columns()[:2])
        .join(Account, Account.id == r.answered_by_id)
        .join(Staff, Staff.id == Account.staff_id)
        .where(r.outcome.in_(("answered", "deemed_agreed")), r.deadline >= start, r.deadline <= end)
        .group_by(Staff.id, Staff.full_name, Staff.unit_id)
    )
    if scope is not None:
        stmt = stmt.where(Staff.unit_id.in_(scope))
    for staff_id, name, staff_unit, on_time, late in session.execute(stmt):
        card = cards.setdefault(staff_id, Scorecard(name=name, staff_id=staff_id, unit_id=staff_unit))
        card.answered_on_time, card.answered_late = on_time, late
    return sorted(cards.values(), key=lambda c: c.name)
