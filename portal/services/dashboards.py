"""Figures of the role dashboards (start pages) — issue 6, the leadership part and
what every dashboard shares.

Leadership sees, for a reporting window of whole months (directive items 3–8):
tasks by the officials' four statuses per unit, the on-time rate month by month,
consultations waiting for answers and those deemed agreed this month, proposals
waiting for a decision and the units with the worst records.

Every figure is one aggregate statement (conditional sums, GROUP BY) over an index
range — ``task (status, due_date, lead_unit_id, completed_late)``, which covers them,
``consultation_recipient (outcome, deadline)``, ``<proposal> (status)`` — never a
loop over tasks in Python and never ORM objects loaded to be counted; Python only
merges one row per unit, or per status and day. The officials' statuses are those of
:func:`portal.services.tasks.outcome_clause` and the per-unit figures those of
:func:`portal.services.scorecards.unit_scorecards`, so a figure here and the task
list filtered by the same status always agree.

Row scope is a materialised unit path: ``scope_path=None`` for those who see the
whole organisation, the account's unit path for the others (its subtree).
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import ConsultationRecipient, Task, Unit
from .dashboards_proposals import PROPOSAL_MODELS, ProposalQueue, pending_proposals
from .dashboards_sql import subtree_ids
from .scorecards import Period, Scorecard, unit_scorecards
from .tasks import ACTIVE_STATUSES, outcome_clause
from .workdays import local_today

__all__ = [
    "FOUR_STATUSES", "PROPOSAL_MODELS", "ConsultationSummary", "LeadershipDashboard", "MonthRate", "StatusCounts",
    "UnitStatus", "WorstUnit", "consultation_summary", "count_if", "latest_due_month", "leadership_dashboard",
    "month_spans", "on_time_by_month", "overdue_now", "pending_proposals", "status_by_unit", "worst_units",
]

#: The officials' four statuses (đúng hạn / quá hạn, trong hạn / quá hạn), in reading order.
FOUR_STATUSES = ("done_on_time", "done_late", "in_time", "overdue")
#: Months of the reporting window (bar chart, worst records) and of the on-time line.
WINDOW_MONTHS = 3
TREND_MONTHS = 6
WORST_LIMIT = 10


# --------------------------------------------------------------------------- shared pieces
@dataclass(frozen=True)
class StatusCounts:
    """Tasks by the officials' four statuses; ``in_time`` includes those at risk."""

    done_on_time: int = 0
    done_late: int = 0
    in_time: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.done_on_time + self.done_late + self.in_time + self.overdue

    @property
    def on_time_rate(self) -> float | None:
        """On time / (on time + late + overdue), as in the scorecards; ``None`` when nothing was due."""
        decided = self.done_on_time + self.done_late + self.overdue
        return self.done_on_time / decided if decided else None

    def __add__(self, other: StatusCounts) -> StatusCounts:
        return StatusCounts(*(getattr(self, s) + getattr(other, s) for s in FOUR_STATUSES))


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``, 0 on no rows."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def month_spans(anchor: date, months: int) -> list[Period]:
    """``months`` whole calendar months ending with the month of ``anchor``, oldest first."""
    first = anchor.year * 12 + anchor.month - 1
    spans = []
    for index in range(first - months + 1, first + 1):
        start = date(index // 12, index % 12 + 1, 1)
        after = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
        spans.append(Period(start, after - timedelta(days=1)))
    return spans


def latest_due_month(session: Session, today: date, scope_path: str | None = None) -> date | None:
    """First day of the latest month, up to today, in which a task fell due (one index
    lookup): where to look when the chosen window holds no task at all."""
    # Backwards along ix_task_due_date; the first task not cancelled ends the walk.
    stmt = (sa.select(Task.due_date).where(Task.due_date <= today, Task.status != "cancelled")
            .order_by(Task.due_date.desc()).limit(1))
    if scope_path is not None:
        stmt = stmt.where(Task.lead_unit_id.in_(subtree_ids(scope_path)))
    latest = session.scalar(stmt)
    return latest.replace(day=1) if latest is not None else None


# --------------------------------------------------------------------------- tasks by unit
@dataclass(frozen=True)
class UnitStatus:
    """One bar of the chart: a unit and the units under it, or (``direct``) only the
    tasks the unit leads itself, when units under it have bars of their own."""

    unit_id: int
    code: str
    name: str
    direct: bool
    counts: StatusCounts


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def status_by_unit(session: Session, cards: list[Scorecard], scope_path: str | None = None) -> list[UnitStatus]:
    """The scorecards' task figures rolled up one level below the units' common ancestor.

    Below a province root that is its departments and communes; below a district, its
    offices and communes (schools counted with their commune or office). The common
    ancestor's own tasks form a bar of their own (``direct``). Most overdue first.
    """
    cards = [c for c in cards if c.done_on_time or c.done_late or c.in_time or c.overdue]
    if not cards:
        return []
    paths_stmt = sa.select(Unit.id, Unit.path)
    if scope_path is not None:
        paths_stmt = paths_stmt.where(Unit.path.startswith(scope_path, autoescape=True))
    paths = dict(session.execute(paths_stmt).tuples().all())
    segments = [_segments(paths[c.unit_id]) for c in cards]
    common = segments[0]
    for segs in segments[1:]:
        n = 0
        while n < min(len(common), len(segs)) and common[n] == segs[n]:
            n += 1
        common = common[:n]
    level = len(common)
    groups: dict[tuple[int, bool], list[int]] = {}
    for card, segs in zip(cards, segments):
        key = (int(segs[-1]), True) if len(segs) == level else (int(segs[level]), False)
        sums = groups.setdefault(key, [0, 0, 0, 0])
        sums[0] += card.done_on_time
        sums[1] += card.done_late
        sums[2] += card.in_time
        sums[3] += card.overdue
    names = {uid: (code, name) for uid, code, name in session.execute(
        sa.select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(sorted({uid for uid, _ in groups}))))}
    rows = [UnitStatus(uid, *names[uid], direct, StatusCounts(*sums)) for (uid, direct), sums in groups.items()]
    return sorted(rows, key=lambda r: (-r.counts.overdue, -r.counts.total, r.name))


@dataclass(frozen=True)
class WorstUnit:
    unit_id: int
    code: str
    name: str
    done_on_time: int
    done_late: int
    overdue: int
    missed: int
    on_time_rate: float | None


def worst_units(session: Session, cards: list[Scorecard], limit: int = WORST_LIMIT) -> list[WorstUnit]:
    """Units with the worst records in the scorecards' period: lowest on-time rate first,
    then most overdue, then most missed consultations; a unit with no failure at all
    (nothing late, overdue or missed) is not listed."""
    failing = [c for c in cards if c.overdue or c.done_late or c.missed]

    def badness(card: Scorecard) -> tuple:
        rate = card.on_time_rate
        return (1.0 if rate is None else rate, -card.overdue, -card.missed, -card.done_late, card.name)

    chosen = sorted(failing, key=badness)[:limit]
    codes = dict(session.execute(sa.select(Unit.id, Unit.code).where(Unit.id.in_([c.unit_id for c in chosen]))).all())
    return [WorstUnit(c.unit_id, codes[c.unit_id], c.name, c.done_on_time, c.done_late, c.overdue, c.missed,
                      c.on_time_rate) for c in chosen]


# --------------------------------------------------------------------------- on time by month
@dataclass(frozen=True)
class MonthRate:
    period: Period
    counts: StatusCounts


def on_time_by_month(
    session: Session, months: list[Period], today: date, scope_path: str | None = None
) -> list[MonthRate]:
    """Tasks due in each month by the four statuses, as of ``today``.

    One GROUP BY (status, due_date) along the index of that order — a few hundred
    rows, one per status and day — merged into months here. The classification is
    :func:`~portal.services.tasks.outcome_clause`'s, on grouped rows: done is on
    time unless marked late; an unfinished task is overdue once its day has passed.
    """
    if not months:
        return []
    t = Task
    stmt = (
        sa.select(t.status, t.due_date, sa.func.count(), count_if(t.completed_late.is_(True)))
        .where(t.status.in_((*ACTIVE_STATUSES, "done")), t.due_date >= months[0].start, t.due_date <= months[-1].end)
        .group_by(t.status, t.due_date)
    )
    if scope_path is not None:
        stmt = stmt.where(t.lead_unit_id.in_(subtree_ids(scope_path)))
    sums = [[0, 0, 0, 0] for _ in months]
    ends = [m.end for m in months]
    for status, due, n, late in session.execute(stmt):
        row = sums[bisect_left(ends, due)]
        if status == "done":
            row[0] += n - late
            row[1] += late
        elif due < today:
            row[3] += n
        else:
            row[2] += n
    return [MonthRate(m, StatusCounts(*row)) for m, row in zip(months, sums)]


# --------------------------------------------------------------------------- consultations
@dataclass(frozen=True)
class ConsultationSummary:
    """Answers of consulted units (item 4): still waiting within the deadline, waiting
    past it (the sweep turns them into deemed agreement), suspended by a written
    deadline issue, and deemed agreed with a deadline in ``month``."""

    month: Period
    waiting: int
    waiting_past_deadline: int
    suspended: int
    deemed_agreed: int


def consultation_summary(
    session: Session, today: date, month: Period, scope_path: str | None = None
) -> ConsultationSummary:
    r = ConsultationRecipient

    def count(*where: sa.ColumnElement[bool]) -> int:
        stmt = sa.select(sa.func.count()).select_from(r).where(*where)
        if scope_path is not None:
            stmt = stmt.where(r.unit_id.in_(subtree_ids(scope_path)))
        return session.scalar(stmt) or 0

    return ConsultationSummary(
        month=month,
        waiting=count(r.outcome == "pending", r.deadline >= today),
        waiting_past_deadline=count(r.outcome == "pending", r.deadline < today),
        suspended=count(r.outcome == "suspended"),
        deemed_agreed=count(r.outcome == "deemed_agreed", r.deadline >= month.start, r.deadline <= month.end),
    )


# --------------------------------------------------------------------------- the leadership page
def overdue_now(session: Session, today: date, scope_path: str | None = None) -> int:
    """Tasks overdue today whatever their due date: the backlog (item 3, "nhất là những
    hồ sơ đã bị chậm trễ"), counted along the covering ``(status, due_date, …)`` index."""
    stmt = sa.select(sa.func.count()).select_from(Task).where(outcome_clause("overdue", today))
    if scope_path is not None:
        stmt = stmt.where(Task.lead_unit_id.in_(subtree_ids(scope_path)))
    return session.scalar(stmt) or 0


@dataclass
class LeadershipDashboard:
    today: date
    window: Period
    months: list[MonthRate]
    by_unit: list[UnitStatus]
    totals: StatusCounts
    worst: list[WorstUnit]
    consultations: ConsultationSummary
    proposals: list[ProposalQueue]
    overdue_now: int
    #: The window asked for when it held no task and the latest one with tasks is shown instead.
    moved_from: Period | None = None
    #: When the window shown holds no task: the latest month with one (to offer it).
    latest_month: date | None = None


def _window(session: Session, anchor: date, today: date, scope_path: str | None,
            unit_ids: list[int] | None) -> tuple[list[Period], Period, list[Scorecard], list[UnitStatus]]:
    trend = month_spans(anchor, TREND_MONTHS)
    window = Period(trend[-WINDOW_MONTHS].start, trend[-1].end)
    cards = unit_scorecards(session, window, today, unit_ids=unit_ids)
    return trend, window, cards, status_by_unit(session, cards, scope_path)


def leadership_dashboard(
    session: Session, *, today: date | None = None, anchor: date | None = None, scope_path: str | None = None,
    decider_id: int | None = None, proposal_kinds: tuple[str, ...] = tuple(PROPOSAL_MODELS),
) -> LeadershipDashboard:
    """Everything the leadership start page shows, for the window ending with ``anchor``'s
    month; statuses are as of ``today``. Without an anchor the window ends this month,
    or — when no task falls due in it — with the latest month in which one did."""
    today = today or local_today()
    unit_ids = list(session.scalars(subtree_ids(scope_path))) if scope_path is not None else None
    trend, window, cards, by_unit = _window(session, anchor or today, today, scope_path, unit_ids)
    moved_from, latest = None, None
    if not by_unit:
        latest = latest_due_month(session, today, scope_path)
        if anchor is None and latest is not None and latest < window.start:
            moved_from = window
            trend, window, cards, by_unit = _window(session, latest, today, scope_path, unit_ids)
    totals = sum((row.counts for row in by_unit), StatusCounts())
    return LeadershipDashboard(
        today=today, window=window, months=on_time_by_month(session, trend, today, scope_path),
        by_unit=by_unit, totals=totals, worst=worst_units(session, cards),
        consultations=consultation_summary(session, today, trend[-1], scope_path),
        proposals=pending_proposals(session, exclude_proposer_id=decider_id, scope_path=scope_path,
                                    kinds=proposal_kinds),
        overdue_now=overdue_now(session, today, scope_path), moved_from=moved_from,
        latest_month=latest if not by_unit and moved_from is None else None,
    )
