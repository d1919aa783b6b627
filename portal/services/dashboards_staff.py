"""Figures of the staff member's dashboard, and the directive coverage a unit head sees
— issue 6, items 3–4 (directive items 1 and 5).

A staff member sees their own open steps with the working days left and the
directives they still have to acknowledge; a unit head sees how far the latest
directive addressed to the unit has been acknowledged, unit by unit, and the first
people still missing. A directive addresses the unit that issued it and every unit
under it (:mod:`portal.services.dissemination`), so the directives addressed to a
unit are those issued by it or by a unit above it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ..models import Acknowledgement, Directive, Staff, Task, TaskStep, Unit
from .dashboards import count_if
from .dashboards_sql import Scope
from .sqlkit import unindexed
from .tasks import ACTIVE_STATUSES
from .workdays import WorkCalendar, local_today

__all__ = [
    "Coverage", "CoverageRow", "DirectiveDue", "OwnStep", "StaffDashboard", "directive_coverage",
    "directives_to_acknowledge", "own_steps", "staff_dashboard", "unit_tree",
]

OWN_LIMIT = 20
MISSING_LIMIT = 20


def segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def unit_tree(session: Session, scope_path: str) -> dict[int, str]:
    """Unit id → materialised path, for the unit with ``scope_path`` and every unit under it."""
    return dict(session.execute(
        sa.select(Unit.id, Unit.path).where(Unit.path.startswith(scope_path, autoescape=True))).tuples().all())


def _addressed_to(unit_path: str) -> sa.ColumnElement[bool]:
    """Directives issued by the unit or a unit above it (they address its whole subtree)."""
    issuer = sa.select(Unit.id).where(sa.literal(unit_path).startswith(Unit.path))
    return Directive.issuing_unit_id.in_(issuer)


# --------------------------------------------------------------------------- coverage
@dataclass(frozen=True)
class CoverageRow:
    unit_id: int
    code: str
    name: str
    direct: bool  # the head's own unit alone (the units under it have rows of their own)
    staff: int
    acknowledged: int

    @property
    def missing(self) -> int:
        return self.staff - self.acknowledged

    @property
    def rate(self) -> float:
        return self.acknowledged / self.staff if self.staff else 1.0


@dataclass
class Coverage:
    directive_id: int
    code: str
    title: str
    issued_on: date
    acknowledge_by: date | None
    rows: list[CoverageRow]
    missing: list[tuple[int, str, str]]  # (staff id, name, unit name): the first few

    @property
    def staff(self) -> int:
        return sum(r.staff for r in self.rows)

    @property
    def acknowledged(self) -> int:
        return sum(r.acknowledged for r in self.rows)

    @property
    def rate(self) -> float:
        return self.acknowledged / self.staff if self.staff else 1.0


def directive_coverage(
    session: Session, scope_path: str, today: date, tree: dict[int, str] | None = None
) -> Coverage | None:
    """Acknowledgement of the latest directive addressed to the unit among the active
    staff of its subtree — the count of ``dissemination.coverage`` — one row for the
    unit's own staff and one per unit directly under it (with its own subtree).

    ``tree`` is :func:`unit_tree` of ``scope_path`` when the caller has it already.
    """
    directive = session.execute(
        sa.select(Directive.id, Directive.code, Directive.title, Directive.issued_on, Directive.acknowledge_by)
        .where(_addressed_to(scope_path), Directive.issued_on <= today)
        .order_by(Directive.issued_on.desc(), Directive.id.desc()).limit(1)
    ).one_or_none()
    if directive is None:
        return None
    tree = unit_tree(session, scope_path) if tree is None else tree
    ack = aliased(Acknowledgement)
    active = [Scope(scope_path, tuple(tree)).holds(Staff.unit_id), Staff.status == "active"]
    per_unit = session.execute(
        sa.select(Staff.unit_id, sa.func.count(Staff.id), sa.func.count(ack.id))
        .outerjoin(ack, sa.and_(ack.staff_id == Staff.id, ack.directive_id == directive.id))
        .where(*active).group_by(Staff.unit_id)
    ).all()
    depth = len(segments(scope_path))
    groups: dict[int, list[int]] = {}
    for unit_id, staff, done in per_unit:
        parts = segments(tree[unit_id])
        sums = groups.setdefault(int(parts[depth]) if len(parts) > depth else unit_id, [0, 0])
        sums[0] += staff
        sums[1] += done
    own = int(segments(scope_path)[-1])
    names = {uid: (code, name) for uid, code, name in session.execute(
        sa.select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(sorted(groups))))}
    rows = sorted(
        (CoverageRow(uid, *names[uid], uid == own, staff, done) for uid, (staff, done) in groups.items()),
        key=lambda row: (not row.direct, tree[row.unit_id]),
    )
    # In the order of ix_staff_unit_id_full_name, so only the first few are read.
    missing = session.execute(
        sa.select(Staff.id, Staff.full_name, Unit.name).join(Unit, Unit.id == Staff.unit_id)
        .where(*active, ~sa.exists().where(Acknowledgement.staff_id == Staff.id,
                                           Acknowledgement.directive_id == directive.id))
        .order_by(Staff.unit_id, Staff.full_name, Staff.id).limit(MISSING_LIMIT)
    ).tuples().all()
    return Coverage(directive.id, directive.code, directive.title, directive.issued_on, directive.acknowledge_by,
                    rows, list(missing))


# --------------------------------------------------------------------------- the staff member
@dataclass(frozen=True)
class DirectiveDue:
    directive_id: int
    code: str
    title: str
    issued_on: date
    acknowledge_by: date | None
    days_left: int | None


def directives_to_acknowledge(
    session: Session, staff_id: int, unit_path: str, today: date, calendar: WorkCalendar, limit: int = OWN_LIMIT
) -> tuple[int, list[DirectiveDue]]:
    """Directives addressed to the person's unit that they have not acknowledged yet
    (item 1), the nearest acknowledgement deadline first."""
    where = [_addressed_to(unit_path), Directive.issued_on <= today,
             ~sa.exists().where(Acknowledgement.directive_id == Directive.id, Acknowledgement.staff_id == staff_id)]
    total = session.scalar(sa.select(sa.func.count()).select_from(Directive).where(*where)) or 0
    rows = session.execute(
        sa.select(Directive.id, Directive.code, Directive.title, Directive.issued_on, Directive.acknowledge_by)
        .where(*where)
        .order_by(sa.nulls_last(Directive.acknowledge_by.asc()), Directive.issued_on.desc(), Directive.id)
        .limit(limit)
    ).all()
    return total, [
        DirectiveDue(did, code, title, issued, by, calendar.working_days_left(by, today) if by else None)
        for did, code, title, issued, by in rows
    ]


@dataclass(frozen=True)
class OwnStep:
    id: int
    task_id: int
    code: str
    title: str
    unit: str
    due: date
    days_left: int  # working days; negative: late by that many


def own_steps(
    session: Session, staff_id: int, today: date, calendar: WorkCalendar, limit: int = OWN_LIMIT
) -> tuple[int, int, list[OwnStep]]:
    """The person's open steps of tasks under way — the rows of "Việc của tôi" —
    soonest deadline first: how many, how many overdue, and the first ``limit``.

    Along ``task_step (responsible_staff_id, status, due_date)``; the status is kept
    off the global ``(status, due_date)`` index, which SQLite would otherwise walk to
    get the order (see :mod:`.dashboards_sql`)."""
    s = TaskStep
    where = [s.responsible_staff_id == staff_id, unindexed(s.status) == "open", Task.status.in_(ACTIVE_STATUSES)]
    total, overdue = session.execute(
        sa.select(sa.func.count(), count_if(s.due_date < today)).select_from(s)
        .join(Task, Task.id == s.task_id).where(*where)).one()
    rows = session.execute(
        sa.select(s.id, Task.id, Task.code, s.seq, s.title, Unit.name, s.due_date)
        .select_from(s).join(Task, Task.id == s.task_id).join(Unit, Unit.id == Task.lead_unit_id)
        .where(*where).order_by(s.due_date, s.id).limit(limit)
    ).all()
    return total, overdue, [OwnStep(sid, tid, code, f"{seq}. {title}", unit, due, calendar.working_days_left(due, today))
                            for sid, tid, code, seq, title, unit, due in rows]


@dataclass
class StaffDashboard:
    today: date
    steps_total: int
    steps_overdue: int
    steps: list[OwnStep]
    directives_total: int
    directives: list[DirectiveDue]


def staff_dashboard(
    session: Session, staff_id: int, calendar: WorkCalendar, *, today: date | None = None
) -> StaffDashboard:
    """Everything the staff member's start page shows."""
    today = today or local_today()
    path = session.scalar(sa.select(Unit.path).join(Staff, Staff.unit_id == Unit.id).where(Staff.id == staff_id))
    steps_total, steps_overdue, steps = own_steps(session, staff_id, today, calendar)
    directives_total, directives = directives_to_acknowledge(session, staff_id, path, today, calendar)
    return StaffDashboard(today, steps_total, steps_overdue, steps, directives_total, directives)
