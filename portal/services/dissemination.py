"""Dissemination (quán triệt) of a directive to every official — directive item 1.

"Tổ chức quán triệt … đến từng cán bộ, công chức, viên chức, người lao động thuộc
phạm vi quản lý": each person's acknowledgement is recorded once; coverage per
unit and the list of people still missing are aggregate queries over the units
under the issuing unit (active staff only).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..models import Acknowledgement, Directive, Staff, Unit
from . import DomainError
from .calendar import require_aware
from .workdays import TZ, local_today

__all__ = ["UnitCoverage", "acknowledge", "coverage", "missing"]


@dataclass(frozen=True)
class UnitCoverage:
    unit: Unit
    staff_total: int
    acknowledged: int
    rate: float  # 0.0–1.0; 1.0 for a unit without active staff


def _directive(session: Session, directive_id: int) -> Directive:
    directive = session.get(Directive, directive_id)
    if directive is None:
        raise DomainError(f"Không tìm thấy văn bản chỉ đạo #{directive_id}.")
    return directive


def _scope(directive: Directive) -> sa.ColumnElement[bool]:
    """Units the directive addresses: the issuing unit and every unit below it."""
    return Unit.path.startswith(directive.issuing_unit.path)


def coverage(session: Session, directive_id: int) -> list[UnitCoverage]:
    """Acknowledgements per unit: one GROUP BY over active staff joined to the
    directive's acknowledgements (item 1). Units without active staff are left out."""
    directive = _directive(session, directive_id)
    ack = aliased(Acknowledgement)
    rows = session.execute(
        sa.select(Unit, sa.func.count(Staff.id), sa.func.count(ack.id))
        .join(Staff, Staff.unit_id == Unit.id)
        .outerjoin(ack, sa.and_(ack.staff_id == Staff.id, ack.directive_id == directive.id))
        .where(_scope(directive), Staff.status == "active")
        .group_by(Unit.id)
        .order_by(Unit.path, Unit.name)
    ).all()
    return [
        UnitCoverage(unit=unit, staff_total=total, acknowledged=done, rate=(done / total) if total else 1.0)
        for unit, total, done in rows
    ]


def missing(
    session: Session, directive_id: int, unit_id: int | None = None, *, include_subunits: bool = False
) -> list[Staff]:
    """Active staff who have not acknowledged the directive (item 1: the gaps), by unit
    and name. ``unit_id`` limits the list to that unit (and its subtree if asked)."""
    directive = _directive(session, directive_id)
    stmt = (
        sa.select(Staff).join(Unit, Unit.id == Staff.unit_id)
        .where(_scope(directive), Staff.status == "active",
               ~sa.exists().where(Acknowledgement.staff_id == Staff.id,
                                  Acknowledgement.directive_id == directive.id))
        .order_by(Unit.path, Staff.full_name, Staff.id)
    )
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise DomainError(f"Không tìm thấy đơn vị #{unit_id}.")
        stmt = stmt.where(Unit.path.startswith(unit.path) if include_subunits else Staff.unit_id == unit_id)
    return list(session.scalars(stmt))


def acknowledge(
    session: Session, directive: Directive, staff: Staff, *, at: datetime, note: str | None = None
) -> Acknowledgement:
    """Record that ``staff`` has been briefed on ``directive`` — once per person (item 1)."""
    require_aware(at, "Thời điểm quán triệt")
    if staff.status != "active":
        raise DomainError(f"{staff.full_name} không còn đang công tác.")
    if not staff.unit.path.startswith(directive.issuing_unit.path):
        raise DomainError(f"{staff.full_name} không thuộc phạm vi của văn bản {directive.code}.")
    if local_today(at) < directive.issued_on:
        raise DomainError(f"Không thể quán triệt trước ngày ban hành văn bản ({directive.issued_on:%d/%m/%Y}).")
    done = session.scalar(sa.select(Acknowledgement).where(
        Acknowledgement.directive_id == directive.id, Acknowledgement.staff_id == staff.id))
    if done is not None:
        raise DomainError(
            f"{staff.full_name} đã xác nhận quán triệt văn bản {directive.code} lúc "
            f"{done.acknowledged_at.astimezone(TZ):%H:%M %d/%m/%Y}; mỗi người chỉ xác nhận một lần."
        )
    row = Acknowledgement(directive_id=directive.id, staff_id=staff.id, acknowledged_at=at,
                          note=(note or "").strip() or None)
    try:
        with session.begin_nested():  # a concurrent acknowledgement hits the UNIQUE key
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise DomainError(f"{staff.full_name} đã xác nhận quán triệt văn bản {directive.code}.") from exc
    return row
