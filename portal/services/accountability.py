"""Accountability proposals from the records — directive items 6, 7 and 8.

* Item 7 ("kiểm điểm, xử lý trách nhiệm … để xảy ra chậm trễ"): a disciplinary
  review is proposed for the person responsible for a step overdue by more than
  ``review_after_days`` working days, with the step as evidence.
* Item 6 ("thay thế hoặc điều chuyển … né tránh, đùn đẩy, thiếu trách nhiệm"): a
  reassignment is proposed for a person with at least ``reassign_threshold`` delays
  or misses in the last 12 months — late or overdue steps, consultations their unit
  missed while they headed it, inspection findings against them — all attached.
* Item 8 ("biểu dương, khen thưởng kịp thời"): commendation candidates from
  records that are 100 % on time.

Nothing is decided here: proposals are ``proposed`` with ``proposed_by_id`` NULL
(the system) and wait for the leadership decision. Each carries a ``source_key``
(UNIQUE) naming the fact behind it, so re-running never proposes twice.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import (ConsultationRecipient, DisciplinaryReview, Evidence, Finding, Reassignment, Staff, Task,
                      TaskStep)
from ..models.base import UTCDateTime, utcnow
from . import DomainError
from .calendar import WorkCalendar, load_calendar, overdue_cutoff
from .notices import concat
from .scorecards import person_scorecards, unit_scorecards
from .sqlkit import analyze_if_large, audit_bulk, chunked, date_text, insert_ignore, insert_rows_ignore, text_of
from .tasks import ACTIVE_STATUSES
from .workdays import TZ

__all__ = ["Candidate", "ProposalCounts", "commendation_candidates", "propose_from_records"]

REVIEW_AFTER_DAYS = 5
REASSIGN_THRESHOLD = 3


@dataclass
class ProposalCounts:
    reviews: int = 0
    reassignments: int = 0
    evidence: int = 0

    @property
    def total(self) -> int:
        return self.reviews + self.reassignments


def _reviews(session: Session, cutoff: date, lower: date | None, now: datetime) -> tuple[int, int]:
    s, t, p = TaskStep, Task, Staff
    key = concat("review:step:", text_of(s.id))
    where = [s.status == "open", s.due_date < cutoff, t.status.in_(ACTIVE_STATUSES), p.status == "active",
             ~sa.exists().where(DisciplinaryReview.source_key == key)]
    if lower is not None:
        where.append(s.due_date >= lower)
    reason = concat(
        "Chậm trễ ở bước ", text_of(s.seq), " “", s.title, "” của nhiệm vụ ", t.code, " (hạn ",
        date_text(session, s.due_date), ", chưa hoàn thành). Đề xuất kiểm điểm trách nhiệm cá nhân theo "
        "mục 7 Công văn triển khai Công điện số 280/CĐ-TTg.",
    )
    select = (
        sa.select(s.responsible_staff_id, sa.literal("proposed"), reason, sa.literal(now, UTCDateTime), key)
        .select_from(s).join(t, t.id == s.task_id).join(p, p.id == s.responsible_staff_id).where(*where)
    )
    table = DisciplinaryReview.__table__
    ids = insert_ignore(session, table, ("staff_id", "status", "reason", "proposed_at", "source_key"), select,
                        conflict_column="source_key", returning=table.c.id)
    analyze_if_large(session, "disciplinary_review", len(ids))  # type: ignore[arg-type]
    evidence = 0
    for batch in chunked(ids):  # type: ignore[arg-type]
        keys = session.execute(sa.select(table.c.id, table.c.source_key).where(table.c.id.in_(batch))).all()
        review_of = {int(key.rsplit(":", 1)[1]): rid for rid, key in keys}
        steps = session.execute(sa.select(s.id, s.task_id).where(s.id.in_(sorted(review_of)))).all()
        rows = [{"disciplinary_review_id": review_of[sid], "task_step_id": sid, "task_id": tid,
                 "note": "Bước xử lý quá hạn (hệ thống tự động đề xuất)"} for sid, tid in steps]
        if rows:
            session.execute(sa.insert(Evidence), rows)
        evidence += len(rows)
    if ids:
        audit_bulk(session, "create", "disciplinary_review", {"ids": sorted(ids), "evidence": evidence})  # type: ignore[arg-type]
    return len(ids), evidence  # type: ignore[arg-type]


def _events(since: date, today: date, year_ago_instant: datetime) -> sa.Subquery:
    """(staff_id) once per delay or miss in the last 12 months; each branch an index range."""
    s, r, f = TaskStep, ConsultationRecipient, Finding
    late_open = sa.select(s.responsible_staff_id.label("staff_id")).where(
        s.status == "open", s.due_date < today, s.due_date >= since)
    late_done = sa.select(s.responsible_staff_id).where(
        s.status == "done", s.due_date >= since, s.completed_late.is_(True))
    missed = (sa.select(Staff.id).select_from(r).join(Staff, Staff.unit_id == r.unit_id)
              .where(r.outcome == "deemed_agreed", r.deadline >= since, Staff.is_manager.is_(True)))
    found = sa.select(f.staff_id).where(f.staff_id.is_not(None), f.recorded_at >= year_ago_instant)
    return sa.union_all(late_open, late_done, missed, found).subquery("events")


def _reassignments(
    session: Session, today: date, threshold: int, staff_ids: Collection[int] | None, now: datetime
) -> tuple[int, int]:
    since = today - timedelta(days=365)
    year_ago = datetime.combine(since, datetime.min.time(), tzinfo=TZ).astimezone(timezone.utc)
    events = _events(since, today, year_ago)
    recent = sa.exists().where(Reassignment.staff_id == events.c.staff_id, Reassignment.proposed_at >= year_ago)
    stmt = (sa.select(events.c.staff_id, sa.func.count()).join(Staff, Staff.id == events.c.staff_id)
            .where(Staff.status == "active", ~recent)
            .group_by(events.c.staff_id).having(sa.func.count() >= threshold))
    if staff_ids is not None:
        if not staff_ids:
            return 0, 0
        stmt = stmt.where(events.c.staff_id.in_(sorted(staff_ids)))
    candidates = session.execute(stmt).all()
    rows = [{
        "staff_id": staff_id, "status": "proposed", "proposed_at": now,
        "source_key": f"reassign:staff:{staff_id}:{today:%Y-%m}",
        "reason": (f"{count} lần chậm trễ hoặc không trả lời ý kiến đúng hạn trong 12 tháng (từ {since:%d/%m/%Y}). "
                   "Đề xuất xem xét thay thế hoặc điều chuyển sang công việc khác theo mục 6 Công văn triển "
                   "khai Công điện số 280/CĐ-TTg."),
    } for staff_id, count in candidates]
    table = Reassignment.__table__
    created = insert_rows_ignore(session, table, rows, conflict_column="source_key",
                                 returning=(table.c.id, table.c.staff_id))
    analyze_if_large(session, "reassignment", len(created))
    evidence = 0
    for batch in chunked(list(created)):
        ids, people = [rid for rid, _ in batch], sorted({sid for _, sid in batch})
        evidence += _reassignment_evidence(session, ids, people, since, today, year_ago)
    if created:
        audit_bulk(session, "create", "reassignment", {"ids": sorted(rid for rid, _ in created), "evidence": evidence})
    return len(created), evidence


def _reassignment_evidence(session: Session, ids: list[int], people: list[int], since: date, today: date,
                           year_ago: datetime) -> int:
    """Attach the facts behind each new reassignment proposal (INSERT … SELECT, per batch).

    ``people`` (the proposals' staff) repeats what the joins already say, so that
    SQLite, which has no statistics, starts from those people's rows (an index range
    each) instead of every late step of the year (25 s → 0.03 s a batch of 500 at
    province scale)."""
    ra, s, r, f = Reassignment, TaskStep, ConsultationRecipient, Finding
    cols = ("reassignment_id", "task_id", "task_step_id", "consultation_recipient_id", "finding_id", "note")
    null = sa.null()
    late = sa.or_(sa.and_(s.status == "open", s.due_date < today),
                  sa.and_(s.status == "done", s.completed_late.is_(True)))
    statements = [
        sa.select(ra.id, s.task_id, s.id, null, null, sa.literal("Bước xử lý chậm trễ"))
        .join(s, s.responsible_staff_id == ra.staff_id)
        .where(ra.id.in_(ids), s.responsible_staff_id.in_(people), s.status.in_(("open", "done")),
               s.due_date >= since, late),
        sa.select(ra.id, null, null, r.id, null, sa.literal("Đơn vị do người này phụ trách không trả lời ý kiến đúng hạn"))
        .join(Staff, Staff.id == ra.staff_id).join(r, r.unit_id == Staff.unit_id)
        .where(ra.id.in_(ids), Staff.id.in_(people), Staff.is_manager.is_(True), r.outcome == "deemed_agreed",
               r.deadline >= since),
        sa.select(ra.id, f.task_id, null, null, f.id, sa.literal("Phát hiện qua kiểm tra công vụ"))
        .join(f, f.staff_id == ra.staff_id).where(ra.id.in_(ids), f.staff_id.in_(people), f.recorded_at >= year_ago),
    ]
    total = 0
    for select in statements:
        total += max(session.execute(sa.insert(Evidence).from_select(cols, select)).rowcount or 0, 0)
    return total


def propose_from_records(
    session: Session,
    today: date,
    *,
    calendar: WorkCalendar | None = None,
    review_after_days: int = REVIEW_AFTER_DAYS,
    reassign_threshold: int = REASSIGN_THRESHOLD,
    staff_ids: Collection[int] | None = None,
    since: date | None = None,
    now: datetime | None = None,
) -> ProposalCounts:
    """Create the disciplinary-review and reassignment proposals the records call for
    (items 6–7), with their evidence; idempotent through ``source_key``.

    ``since`` (the local date of the previous run) limits reviews to steps that crossed
    the threshold since then; ``staff_ids`` limits reassignments to those people
    (the sweep passes the ones touched by what became due). ``None`` = everything.
    """
    if review_after_days < 0 or reassign_threshold < 1:
        raise DomainError("Ngưỡng đề xuất không hợp lệ (số ngày ≥ 0, số lần ≥ 1).")
    calendar = calendar or load_calendar(session)
    now = now or utcnow()
    cutoff = overdue_cutoff(calendar, today, review_after_days)
    lower = overdue_cutoff(calendar, since, review_after_days) - timedelta(days=1) if since else None
    counts = ProposalCounts()
    counts.reviews, ev1 = _reviews(session, cutoff, lower, now)
    counts.reassignments, ev2 = _reassignments(session, today, reassign_threshold, staff_ids, now)
    counts.evidence = ev1 + ev2
    return counts


@dataclass(frozen=True)
class Candidate:
    target_kind: str  # "unit" | "person" (enums.TARGET_KINDS)
    name: str
    done_on_time: int
    unit_id: int | None = None
    staff_id: int | None = None


def commendation_candidates(
    session: Session, period: tuple[date, date], *, min_tasks: int = 5, today: date | None = None
) -> list[Candidate]:
    """Units and people with at least ``min_tasks`` done in the period, all on time,
    nothing overdue, no consultation missed or answered late (item 8). Suggestions only:
    a commendation is proposed by a person and decided by the leadership."""
    if min_tasks < 1:
        raise DomainError("Số nhiệm vụ tối thiểu phải lớn hơn 0.")

    def clean(card) -> bool:
        return (card.done_on_time >= min_tasks and card.done_late == 0 and card.overdue == 0
                and card.answered_late == 0 and card.missed == 0)

    units = [Candidate("unit", c.name, c.done_on_time, unit_id=c.unit_id)
             for c in unit_scorecards(session, period, today) if clean(c)]
    people = [Candidate("person", c.name, c.done_on_time, unit_id=c.unit_id, staff_id=c.staff_id)
              for c in person_scorecards(session, period, today) if clean(c)]
    return units + people
