"""Figures of the unit head's dashboard — issue 6, item 3.

A unit head sees their unit's subtree: overdue and at-risk tasks and steps with the
person responsible for each (directive items 3 and 5), the consultations the unit
must answer with the working days left (item 4), and how far the latest directive
has been acknowledged (item 1, :mod:`.dashboards_staff`).

Counts run along the composite indexes ``task (lead_unit_id, status, due_date)``,
``task_step (responsible_staff_id, status, due_date)`` and ``consultation_recipient
(unit_id, outcome, deadline)`` for a narrow scope, along the global ones for a wide
scope, and stop at :data:`~.dashboards_sql.CAP` (see :mod:`.dashboards_sql`). Working
days come from the calendar the caller passes in, so they are the ones every other
page shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ..models import Consultation, ConsultationRecipient, Staff, Task, TaskStep, Unit
from .dashboards_sql import Scope, StraightJoin, Tally, first_ids, tally
from .dashboards_staff import Coverage, directive_coverage, unit_tree
from .tasks import ACTIVE_STATUSES, outcome_clause
from .workdays import WorkCalendar, local_today

__all__ = ["AnswerDue", "LateItem", "LateList", "UnitHeadDashboard", "answers_due", "late_steps", "late_tasks",
           "unit_head_dashboard"]

LIST_LIMIT = 10
#: Consulted units whose answer is still awaited (a written deadline issue suspends, not ends, it).
WAITING = ("pending", "suspended")


@dataclass(frozen=True)
class LateItem:
    """An open task or step: overdue (``days_left`` < 0, working days late) or at risk."""

    id: int
    task_id: int
    code: str
    title: str
    unit: str
    person: str | None
    due: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass
class LateList:
    overdue: Tally
    at_risk: Tally
    rows: list[LateItem] = field(default_factory=list)


def boundary(today: date, calendar: WorkCalendar, at_risk_days: int) -> date:
    """First due date that is neither overdue nor at risk (as ``outcome_clause`` counts)."""
    return calendar.add_working_days(today, at_risk_days) if at_risk_days > 0 else today


def _ordered(rows: list[tuple], ids: list[int]) -> list[tuple]:
    order = {ident: n for n, ident in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row[0]])


def late_tasks(
    session: Session, scope: Scope, today: date, calendar: WorkCalendar, at_risk_days: int,
    limit: int = LIST_LIMIT,
) -> LateList:
    """Tasks led by the units (a unit and those under it), overdue or at risk — the
    officials' statuses of :func:`~portal.services.tasks.outcome_clause`."""
    overdue_clause = outcome_clause("overdue", today)
    risk_clause = outcome_clause("at_risk", today, calendar=calendar, at_risk_days=at_risk_days)
    lead = scope.holds(Task.lead_unit_id)
    overdue = tally(session, sa.select(Task.id).where(lead, overdue_clause))
    at_risk = tally(session, sa.select(Task.id).where(lead, risk_clause))
    end = boundary(today, calendar, at_risk_days)
    late = sa.select(Task.id).where(lead, Task.status.in_(ACTIVE_STATUSES), Task.due_date < end)

    def per_status() -> list[sa.Select]:
        return [sa.select(Task.id).where(lead, Task.status == status, Task.due_date < end) for status in ACTIVE_STATUSES]

    _, ids = first_ids(session, late, Task.due_date, Task.id, limit, ordered=per_status)
    rows = session.execute(
        sa.select(Task.id, Task.code, Task.title, Unit.name, Staff.full_name, Task.due_date)
        .join(Unit, Unit.id == Task.lead_unit_id).outerjoin(Staff, Staff.id == Task.owner_staff_id)
        .where(Task.id.in_(ids))
    ).all()
    items = [LateItem(tid, tid, code, title, unit, person, due, calendar.working_days_left(due, today))
             for tid, code, title, unit, person, due in _ordered(rows, ids)]
    return LateList(overdue, at_risk, items)


def _open_steps(scope: Scope, low: date | None, high: date, *, by_person: bool) -> sa.Select:
    """Open steps due in [low, high) of tasks under way led by the units.

    ``by_person``: reached from the people of those units — the person of a step
    always belongs to the lead unit or a unit under it (``tasks.add_step``) — along
    ``task_step (responsible_staff_id, status, due_date)``, for a narrow scope.
    """
    s = TaskStep
    where = [s.status == "open", s.due_date < high, scope.holds(Task.lead_unit_id), Task.status.in_(ACTIVE_STATUSES)]
    if low is not None:
        where.append(s.due_date >= low)
    if by_person:
        people = StraightJoin(Staff.__table__, s.__table__, s.responsible_staff_id == Staff.id)
        return sa.select(s.id).select_from(people).join(Task, Task.id == s.task_id).where(
            scope.holds(Staff.unit_id), *where)
    return sa.select(s.id).join(Task, Task.id == s.task_id).where(*where)


def late_steps(
    session: Session, scope: Scope, today: date, calendar: WorkCalendar, at_risk_days: int,
    limit: int = LIST_LIMIT,
) -> LateList:
    """Open steps of the units' tasks under way, overdue or at risk by the step's own
    deadline, with the person responsible for each (item 5)."""
    end = boundary(today, calendar, at_risk_days)
    narrow = not scope.wide
    s = TaskStep
    overdue = tally(session, _open_steps(scope, None, today, by_person=narrow))
    # Few steps anywhere fall due in the next days: the global index serves every scope.
    at_risk = tally(session, _open_steps(scope, today, end, by_person=False))
    _, ids = first_ids(session, _open_steps(scope, None, end, by_person=narrow), s.due_date, s.id, limit,
                       ordered=lambda: [_open_steps(scope, None, end, by_person=False)])
    rows = session.execute(
        sa.select(s.id, Task.id, Task.code, s.seq, s.title, Unit.name, Staff.full_name, s.due_date)
        .select_from(s).join(Task, Task.id == s.task_id).join(Unit, Unit.id == Task.lead_unit_id)
        .join(Staff, Staff.id == s.responsible_staff_id).where(s.id.in_(ids))
    ).all()
    items = [LateItem(sid, tid, code, f"{seq}. {title}", unit, person, due, calendar.working_days_left(due, today))
             for sid, tid, code, seq, title, unit, person, due in _ordered(rows, ids)]
    return LateList(overdue, at_risk, items)


@dataclass(frozen=True)
class AnswerDue:
    recipient_id: int
    consultation_id: int
    code: str
    subject: str
    consulting_unit: str
    unit: str
    deadline: date
    days_left: int
    suspended: bool


def answers_due(
    session: Session, scope: Scope, today: date, calendar: WorkCalendar, limit: int = LIST_LIMIT,
) -> tuple[Tally, list[AnswerDue]]:
    """Answers the units still owe to open consultations — the rows of the "Trả lời
    lấy ý kiến" page — soonest deadline first."""
    r = ConsultationRecipient
    unit = scope.holds(r.unit_id)

    def waiting(*outcomes: str) -> sa.Select:
        return (sa.select(r.id).join(Consultation, Consultation.id == r.consultation_id)
                .where(unit, r.outcome.in_(outcomes), Consultation.status == "open"))

    total, ids = first_ids(session, waiting(*WAITING), r.deadline, r.id, limit,
                           ordered=lambda: [waiting(outcome) for outcome in WAITING])
    lead = aliased(Unit)
    rows = session.execute(
        sa.select(r.id, Consultation.id, Consultation.code, Consultation.subject, lead.name, Unit.name,
                  r.deadline, r.outcome)
        .join(Consultation, Consultation.id == r.consultation_id).join(Unit, Unit.id == r.unit_id)
        .join(lead, lead.id == Consultation.consulting_unit_id).where(r.id.in_(ids))
    ).all()
    return total, [
        AnswerDue(rid, cid, code, subject, lead_name, unit_name, deadline,
                  calendar.working_days_left(deadline, today), outcome == "suspended")
        for rid, cid, code, subject, lead_name, unit_name, deadline, outcome in _ordered(rows, ids)
    ]


@dataclass
class UnitHeadDashboard:
    today: date
    unit_code: str
    unit_name: str
    tasks: LateList
    steps: LateList
    answers_total: Tally
    answers: list[AnswerDue]
    coverage: Coverage | None


def unit_head_dashboard(
    session: Session, unit_id: int, calendar: WorkCalendar, *, at_risk_days: int, today: date | None = None,
) -> UnitHeadDashboard:
    """Everything the unit head's start page shows, for the unit and the units under it."""
    today = today or local_today()
    code, name, path = session.execute(sa.select(Unit.code, Unit.name, Unit.path).where(Unit.id == unit_id)).one()
    tree = unit_tree(session, path)
    scope = Scope(path, tuple(tree))
    total, answers = answers_due(session, scope, today, calendar)
    return UnitHeadDashboard(
        today=today, unit_code=code, unit_name=name,
        tasks=late_tasks(session, scope, today, calendar, at_risk_days),
        steps=late_steps(session, scope, today, calendar, at_risk_days),
        answers_total=total, answers=answers, coverage=directive_coverage(session, path, today, tree),
    )
