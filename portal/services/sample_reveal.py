"""An inspection opens: its samples' seeds are revealed in the same transaction.

Why: a ``vsample-v1`` seed stays secret until the inspection starts (only its
commitment is shown), and from that moment anyone the inspectors answer to must
be able to re-derive the draw. So the reveal may not wait for a first export, and
it may not depend on which screen or command started the inspection: the generic
inspection form, the "Bắt đầu kiểm tra" action, ``flask inspection start`` or any
other code. A session hook (``before_flush``, the place where SQLAlchemy lets a
flush add changes of its own) therefore reveals the seeds of every inspection
flushed in a started state, and :func:`start_inspection` is the service the
explicit ways in call. The drawn units become targets of the inspection at the
same moment (targets are visible to the units concerned, so not earlier).

A seed, once revealed, stays revealed: an inspection whose seeds were revealed
cannot be put back to "not started".
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Inspection, InspectionTarget, Sample, SampleItem
from ..models.base import RuleViolation, utcnow
from . import DomainError

STARTED_STATUSES = ("in_progress", "closed")
UNSTART_REFUSED = ("Không thể đưa đợt kiểm tra về trạng thái chưa bắt đầu: hạt giống của các mẫu đã được "
                   "công bố khi đợt kiểm tra bắt đầu.")


def inspection_started(inspection: Inspection) -> bool:
    """An inspection is open once it has started (or already ended)."""
    return inspection.started_at is not None or inspection.status in STARTED_STATUSES


def _target_units(session: Session, inspection: Inspection) -> set[int]:
    """Units already targeted, counting targets added or removed in this very flush
    (a form may add targets in the same save that starts the inspection)."""
    have = set(session.scalars(sa.select(InspectionTarget.unit_id)
                               .where(InspectionTarget.inspection_id == inspection.id)))
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, InspectionTarget) and (obj.inspection is inspection or obj.inspection_id == inspection.id):
            unit_id = obj.unit_id if obj.unit_id is not None else (obj.unit.id if obj.unit is not None else None)
            if unit_id is not None:
                have.add(unit_id)
    return have


def _add_targets(session: Session, sample: Sample, have: set[int]) -> int:
    """Drawn units (not replacements) of a unit sample become targets, once each (no flush)."""
    if sample.population_kind != "unit" or sample.status != "done":
        return 0
    drawn = session.scalars(sa.select(SampleItem.unit_id).where(
        SampleItem.sample_id == sample.id, SampleItem.is_replacement.is_(False), SampleItem.unit_id.is_not(None))
        .order_by(SampleItem.stratum, SampleItem.rank))
    added = 0
    for unit_id in drawn:
        if unit_id not in have:
            session.add(InspectionTarget(inspection_id=sample.inspection_id, unit_id=unit_id))
            have.add(unit_id)
            added += 1
    return added


def add_targets(session: Session, sample: Sample) -> int:
    """The drawn units of ``sample`` become targets of its inspection (flushes).
    Only once the inspection opened: a target is visible to the unit concerned."""
    with session.no_autoflush:
        added = _add_targets(session, sample, _target_units(session, sample.inspection))
    session.flush()
    return added


def _reveal(session: Session, inspection: Inspection, now: datetime) -> int:
    """Reveal the seeds of the inspection's drawn samples (no flush). A sample not
    drawn yet keeps its seed secret until its draw is stored: knowing the seed
    before the population is read would let someone steer the draw."""
    hidden = list(session.scalars(sa.select(Sample).where(
        Sample.inspection_id == inspection.id, Sample.seed_revealed_at.is_(None), Sample.status == "done")
        .order_by(Sample.id)))
    if not hidden:
        return 0
    have = _target_units(session, inspection)
    for sample in hidden:
        # ORM changes, not one UPDATE statement, so that each reveal is in the audit log.
        sample.seed_revealed_at = now
        _add_targets(session, sample, have)
    return len(hidden)


def reveal_seed(session: Session, inspection: Inspection, now: datetime | None = None) -> int:
    """Reveal what is still hidden of a started inspection (records from before the
    hook existed; normally the start itself revealed everything). Returns how many
    seeds this call revealed; flushes."""
    if not inspection_started(inspection):
        raise DomainError("Chỉ công bố hạt giống khi đợt kiểm tra đã bắt đầu.")
    session.flush()
    with session.no_autoflush:
        count = _reveal(session, inspection, now or utcnow())
    session.flush()
    return count


def start_inspection(session: Session, inspection: Inspection, *, at: datetime | None = None) -> int:
    """Open ``inspection`` now (or at ``at``): status "in progress", its start time
    set, the seeds of its drawn samples revealed and the drawn units made targets,
    all in the caller's transaction (flushes). Returns how many of its samples
    have their seed public."""
    if inspection.status == "cancelled":
        raise DomainError(f"Đợt kiểm tra {inspection.code} đã hủy, không thể bắt đầu.")
    if inspection_started(inspection):
        raise DomainError(f"Đợt kiểm tra {inspection.code} đã bắt đầu hoặc đã kết thúc.")
    at = at or utcnow()
    if at > utcnow():
        raise DomainError("Thời điểm bắt đầu không được ở tương lai.")
    inspection.status, inspection.started_at = "in_progress", at
    session.flush()  # the hook below reveals the seeds in this flush
    return int(session.scalar(sa.select(sa.func.count()).select_from(Sample).where(
        Sample.inspection_id == inspection.id, Sample.seed_revealed_at.is_not(None))) or 0)


def _was_started(inspection: Inspection) -> bool:
    state = sa.inspect(inspection)
    old_start = state.attrs.started_at.history.deleted
    old_status = state.attrs.status.history.deleted
    return any(v is not None for v in old_start) or any(v in STARTED_STATUSES for v in old_status)


def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Reveal the seeds of every inspection this flush writes in a started state."""
    now = None
    for obj in list(session.dirty):
        if not isinstance(obj, Inspection) or not session.is_modified(obj, include_collections=False):
            continue
        if inspection_started(obj):
            now = now or utcnow()
            _reveal(session, obj, now)
        elif _was_started(obj) and session.scalar(sa.select(sa.literal(True)).where(sa.exists().where(
                Sample.inspection_id == obj.id, Sample.seed_revealed_at.is_not(None)))):
            raise RuleViolation(UNSTART_REFUSED)


def install_reveal_listener() -> None:
    """Attach the hook to Flask-SQLAlchemy's session class (idempotent), like the
    audit log's listeners: every ``db.session`` of views, jobs and commands."""
    target = db.session.session_factory.class_
    if not sa.event.contains(target, "before_flush", _on_flush):
        sa.event.listen(target, "before_flush", _on_flush)


def init_app(_app: Any) -> None:
    install_reveal_listener()
