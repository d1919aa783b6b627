"""The deadline sweep — issue 4, rule 9: rules 2, 3 and 6 applied to what became due.

One function, run every few minutes by the scheduler and on demand by
``flask --app wsgi sweep``. It is

* **idempotent**: every effect is keyed (recipient outcome ``pending`` →
  ``deemed_agreed``; notices by ``dedupe_key``; proposals by ``source_key``, both
  UNIQUE), so a second run right after changes nothing and returns zeros, and two
  concurrent runs cannot both issue a notice;
* **set-based**: a handful of ``UPDATE``/``INSERT … SELECT`` statements, each an
  index range on (status|outcome, due date); no row is loaded into Python except
  the ids of what changed. With ``since`` (the start of the previous successful
  run) the overdue ranges shrink to what became due since then;
* **transactional**: it only flushes; the caller commits (the scheduled job commits
  it with its tick claim), so a run killed half-way leaves nothing behind.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import ConsultationRecipient, Staff
from . import DomainError
from .accountability import REASSIGN_THRESHOLD, REVIEW_AFTER_DAYS, propose_from_records
from .calendar import WorkCalendar, load_calendar, require_aware
from .consultations import deem_silent_units
from .reminders import insert_due_reminders, insert_overdue_reminders, staff_of_notices
from .sqlkit import chunked
from .ticks import last_finished
from .workdays import local_today

__all__ = ["AUTO", "SweepStats", "run_sweep"]

#: ``since=AUTO``: the start of the previous finished scheduled run of the same local
#: day; the first run of each day (or with no record) catches up on the whole backlog.
AUTO = "auto"

LABELS = {
    "deemed": "Đơn vị được xác định là đồng ý",
    "notices": "Thông báo xác định đồng ý",
    "reports": "Báo cáo cấp có thẩm quyền",
    "reminders": "Nhắc việc sắp đến hạn",
    "overdue_reminders": "Nhắc việc quá hạn",
    "proposals": "Đề xuất kiểm điểm, điều chuyển",
}


@dataclass
class SweepStats:
    deemed: int = 0
    notices: int = 0
    reports: int = 0
    reminders: int = 0
    overdue_reminders: int = 0
    proposals: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def changed(self) -> int:
        return sum(asdict(self).values())


def run_sweep(
    session: Session,
    now: datetime,
    *,
    reminder_days: int,
    at_risk_days: int,
    since: datetime | str | None = AUTO,
    review_after_days: int = REVIEW_AFTER_DAYS,
    reassign_threshold: int = REASSIGN_THRESHOLD,
    calendar: WorkCalendar | None = None,
) -> SweepStats:
    """Apply the deadline rules as of ``now`` (aware) and return what changed.

    1. Item 4: silent consulted units past 24:00 of their deadline are deemed to
       agree; notice to the unit and report to the competent authority.
    2. Items 3, 5: overdue reminders (steps to their person, tasks to their lead
       unit); reminders ``reminder_days`` working days before a step's or an answer's
       deadline; a task turning *at risk* (< ``at_risk_days`` working days left).
    3. Items 6–7: review proposals for steps overdue by more than
       ``review_after_days`` working days; reassignment proposals for the people
       touched by this run with ``reassign_threshold`` delays or misses in 12 months
       (everyone when ``since`` is None).

    ``since``: start of the previous successful run; ``None`` catches up on the
    whole backlog (still index ranges only); any earlier instant is safe too.
    ``AUTO`` (default) reads it from the scheduler's claims (``job_tick``) and
    runs in full once a day, so a fact entered late (a step created with a due
    date already past) is reminded by the next morning at the latest.
    """
    require_aware(now, "Thời điểm quét")
    if reminder_days < 0 or at_risk_days < 0:
        raise DomainError("Số ngày làm việc nhắc trước không được âm.")
    today = local_today(now)
    calendar = calendar or load_calendar(session)
    if since == AUTO:
        since = _previous_run_today(session, now, today)
    if isinstance(since, str):
        raise DomainError(f"Giá trị since không hợp lệ: {since!r}.")
    since_day = local_today(require_aware(since, "Thời điểm quét trước")) if since is not None else None
    not_before = since_day - timedelta(days=1) if since_day is not None else None
    stats = SweepStats()

    deemed = deem_silent_units(session, now)
    stats.deemed, stats.notices, stats.reports = len(deemed.ids), deemed.notices, deemed.reports

    overdue = insert_overdue_reminders(session, today=today, now=now, not_before=not_before)
    due = insert_due_reminders(session, calendar=calendar, today=today, now=now,
                               reminder_days=reminder_days, at_risk_days=at_risk_days)
    stats.overdue_reminders, stats.reminders = overdue.total, due.total

    touched: set[int] | None = None
    if since is not None:
        touched = staff_of_notices(session, overdue.steps) | _heads_of_recipient_units(session, deemed.ids)
    proposals = propose_from_records(
        session, today, calendar=calendar, review_after_days=review_after_days,
        reassign_threshold=reassign_threshold, staff_ids=touched, since=since_day, now=now,
    )
    stats.proposals = proposals.total
    session.flush()
    return stats


def _previous_run_today(session: Session, now: datetime, today: date) -> datetime | None:
    last = last_finished(session, "sweep")
    if last is None or last.started_at > now or local_today(last.started_at) != today:
        return None
    return last.started_at


def _heads_of_recipient_units(session: Session, recipient_ids: list[int]) -> set[int]:
    """Managers of the units just deemed to agree: the people a miss counts against."""
    heads: set[int] = set()
    r = ConsultationRecipient
    for ids in chunked(recipient_ids):
        heads.update(session.scalars(
            sa.select(Staff.id).join(r, r.unit_id == Staff.unit_id)
            .where(r.id.in_(ids), Staff.is_manager.is_(True), Staff.status == "active")
        ))
    return heads
