"""Figures of the inspector's dashboard — issue 6, item 2 (directive item 9).

Inspections by state and mode, samples drawn, findings by kind and severity, and the
units no inspection has visited in the last year. Each is one aggregate statement
over small tables (inspections, samples, findings) or one anti-join over the units.

Secrecy (DESIGN.md, "an unannounced inspection is invisible to the inspected unit
until it starts") applies to figures too: with ``hide_secret`` an unannounced
inspection that has not started — and its samples and findings — counts nowhere,
exactly as the lists hide it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Finding, Inspection, InspectionTarget, Sample, SampleItem, Unit
from .dashboards_sql import subtree_ids
from .workdays import TZ, local_today

__all__ = [
    "InspectorDashboard", "SampleSummary", "UnvisitedUnit", "findings_by_kind", "inspections_by_state",
    "inspector_dashboard", "samples_summary", "units_not_inspected",
]

#: An inspection "visits" its targets once it has started (a plan is not a visit).
VISITED_STATUSES = ("in_progress", "closed")
UNVISITED_LIMIT = 25


def _visible(hide_secret: bool) -> list[sa.ColumnElement[bool]]:
    if not hide_secret:
        return []
    return [sa.or_(Inspection.mode != "unannounced", Inspection.started_at.is_not(None))]


def inspections_by_state(session: Session, *, hide_secret: bool = True) -> dict[tuple[str, str], int]:
    """(status, mode) → number of inspections."""
    rows = session.execute(
        sa.select(Inspection.status, Inspection.mode, sa.func.count())
        .where(*_visible(hide_secret)).group_by(Inspection.status, Inspection.mode)
    ).all()
    return {(status, mode): count for status, mode, count in rows}


@dataclass(frozen=True)
class SampleSummary:
    """Samples by state, and for those drawn: per population kind, samples and items."""

    by_status: dict[str, int]
    drawn: dict[str, tuple[int, int]]  # population kind → (samples, items drawn)

    @property
    def drawn_samples(self) -> int:
        return sum(samples for samples, _ in self.drawn.values())

    @property
    def drawn_items(self) -> int:
        return sum(items for _, items in self.drawn.values())


def samples_summary(session: Session, *, hide_secret: bool = True) -> SampleSummary:
    visible = _visible(hide_secret)
    by_status = dict(session.execute(
        sa.select(Sample.status, sa.func.count()).join(Inspection, Inspection.id == Sample.inspection_id)
        .where(*visible).group_by(Sample.status)
    ).tuples().all())
    items = (sa.select(SampleItem.sample_id, sa.func.count().label("n"))
             .group_by(SampleItem.sample_id).subquery())
    drawn = {kind: (samples, int(n or 0)) for kind, samples, n in session.execute(
        sa.select(Sample.population_kind, sa.func.count(), sa.func.sum(items.c.n))
        .join(Inspection, Inspection.id == Sample.inspection_id)
        .outerjoin(items, items.c.sample_id == Sample.id)
        .where(Sample.status == "done", *visible).group_by(Sample.population_kind)
    )}
    return SampleSummary(by_status=by_status, drawn=drawn)


def findings_by_kind(session: Session, *, hide_secret: bool = True,
                     since: date | None = None) -> dict[tuple[str, str], int]:
    """(kind, severity) → number of findings (recorded on or after ``since``, local day)."""
    stmt = (sa.select(Finding.kind, Finding.severity, sa.func.count())
            .join(Inspection, Inspection.id == Finding.inspection_id)
            .where(*_visible(hide_secret)).group_by(Finding.kind, Finding.severity))
    if since is not None:
        stmt = stmt.where(Finding.recorded_at >= datetime.combine(since, time(0), tzinfo=TZ))
    return {(kind, severity): count for kind, severity, count in session.execute(stmt)}


@dataclass(frozen=True)
class UnvisitedUnit:
    unit_id: int
    code: str
    name: str
    kind: str
    last_visit: datetime | None  # start of the latest inspection that visited it, if any


def units_not_inspected(
    session: Session, today: date, *, scope_path: str | None = None, limit: int = UNVISITED_LIMIT
) -> tuple[int, list[UnvisitedUnit]]:
    """Units in force that no inspection has visited in the last year (since the same
    day a year ago): how many, and the first ``limit`` — never visited first, then the
    longest ago, in tree order."""
    cutoff = datetime.combine(today - timedelta(days=365), time(0), tzinfo=TZ)
    visits = (
        sa.select(InspectionTarget.unit_id, sa.func.max(Inspection.started_at).label("last"))
        .join(Inspection, Inspection.id == InspectionTarget.inspection_id)
        .where(Inspection.status.in_(VISITED_STATUSES), Inspection.started_at.is_not(None))
        .group_by(InspectionTarget.unit_id).subquery()
    )
    where = [sa.or_(Unit.valid_to.is_(None), Unit.valid_to >= today), Unit.valid_from <= today,
             sa.or_(visits.c.last.is_(None), visits.c.last < cutoff)]
    if scope_path is not None:
        where.append(Unit.id.in_(subtree_ids(scope_path)))
    base = sa.select(Unit.id).outerjoin(visits, visits.c.unit_id == Unit.id).where(*where)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        sa.select(Unit.id, Unit.code, Unit.name, Unit.kind, visits.c.last)
        .outerjoin(visits, visits.c.unit_id == Unit.id).where(*where)
        .order_by(sa.nulls_first(visits.c.last.asc()), Unit.path).limit(limit)
    ).all()
    return total, [UnvisitedUnit(*row) for row in rows]


@dataclass
class InspectorDashboard:
    today: date
    inspections: dict[tuple[str, str], int]
    samples: SampleSummary
    findings: dict[tuple[str, str], int]
    unvisited_total: int
    unvisited: list[UnvisitedUnit]


def inspector_dashboard(
    session: Session, *, today: date | None = None, hide_secret: bool = True, scope_path: str | None = None
) -> InspectorDashboard:
    today = today or local_today()
    total, unvisited = units_not_inspected(session, today, scope_path=scope_path)
    return InspectorDashboard(
        today=today, inspections=inspections_by_state(session, hide_secret=hide_secret),
        samples=samples_summary(session, hide_secret=hide_secret),
        findings=findings_by_kind(session, hide_secret=hide_secret),
        unvisited_total=total, unvisited=unvisited,
    )
