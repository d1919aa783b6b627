"""The working-day calendar of the database, and deadlines as the law counts them.

Directive items 3 and 4 ("trong thời hạn được pháp luật quy định", "trả lời đúng
thời hạn") are only enforceable if everyone counts the same days: this module
joins the pure :class:`~portal.services.workdays.WorkCalendar` (weekends, public
holidays and the announced swaps of the ``holidays`` package) with the calendar
exceptions that administrators enter (extra days off, make-up working days).

A stored deadline date is always *effective*: it is already moved off a day off
when it is computed here, so every later comparison — in Python and in SQL — is
the plain "the deadline instant is 24:00 Asia/Ho_Chi_Minh of that date".
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import CalendarException
from . import DomainError
from .workdays import TZ, WorkCalendar, local_today

__all__ = [
    "TZ", "WorkCalendar", "load_calendar", "compute_deadline", "deadline_instant",
    "deadline_instant_utc", "local_today", "overdue_cutoff", "require_aware",
]


def load_calendar(session: Session) -> WorkCalendar:
    """A calendar with the administrators' exceptions (one query over a small table)."""
    rows = session.execute(sa.select(CalendarException.day, CalendarException.kind)).all()
    try:
        return WorkCalendar(
            extra_days_off=[day for day, kind in rows if kind == "day_off"],
            makeup_working_days=[day for day, kind in rows if kind == "working_day"],
        )
    except ValueError as exc:  # a day entered both as day off and as make-up day
        raise DomainError(str(exc)) from exc


def compute_deadline(
    calendar: WorkCalendar,
    start: date,
    *,
    kind: str,
    working_days: int | None,
    due_date: date | None,
) -> date:
    """The effective deadline date of a task or a consultation (directive items 3–4).

    ``kind == "date"``: ``due_date`` itself, moved to the next working day when it
    falls on a day off (Civil Code 2015, Art. 148). ``kind == "working_days"``: the
    ``working_days``-th working day strictly after ``start`` (Art. 147: a period
    starts the day after the event).
    """
    if kind == "date":
        if due_date is None:
            raise DomainError("Phải nhập ngày hết hạn.")
        if working_days is not None:
            raise DomainError("Thời hạn theo ngày không kèm số ngày làm việc.")
        if due_date < start:
            raise DomainError(
                f"Ngày hết hạn {due_date:%d/%m/%Y} không được trước ngày bắt đầu {start:%d/%m/%Y}."
            )
        return calendar.deadline_for_date(due_date)
    if kind == "working_days":
        if isinstance(working_days, bool) or not isinstance(working_days, int):
            raise DomainError("Số ngày làm việc phải là một số nguyên dương.")
        if working_days <= 0:
            raise DomainError(f"Số ngày làm việc phải lớn hơn 0 (đã nhập {working_days}).")
        if due_date is not None:
            raise DomainError("Thời hạn theo số ngày làm việc không kèm ngày hết hạn.")
        return calendar.add_working_days(start, working_days)
    raise DomainError(f"Cách tính thời hạn không hợp lệ: {kind!r}.")


def deadline_instant(d: date) -> datetime:
    """24:00 Asia/Ho_Chi_Minh of an effective deadline date (aware, local zone).

    Unlike ``WorkCalendar.deadline_end`` the date is not moved again: stored
    deadlines are already effective, and the SQL of the sweep compares dates as
    stored, so Python and SQL must agree on the same instant.
    """
    return datetime.combine(d + timedelta(days=1), time(0, 0), tzinfo=TZ)


def deadline_instant_utc(d: date) -> datetime:
    """The same instant in UTC (Vietnam has kept UTC+7 since 1975: 17:00 UTC of ``d``)."""
    return deadline_instant(d).astimezone(timezone.utc)


def require_aware(moment: datetime, what: str = "Thời điểm") -> datetime:
    """Refuse a naive datetime: its zone, and so the deadline comparison, is unknowable."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(f"{what} phải có múi giờ.")
    return moment


def overdue_cutoff(calendar: WorkCalendar, today: date, n: int) -> date:
    """First due date that is *not* yet overdue by more than ``n`` working days on ``today``.

    A step due on ``d`` has been overdue by more than ``n`` working days on
    ``today`` iff ``d < overdue_cutoff(calendar, today, n)``; the sweep turns the
    rule into one indexed range condition on ``due_date``.
    """
    if n < 0:
        raise DomainError("Số ngày làm việc không được âm.")
    d = today - timedelta(days=1)
    while calendar.working_days_between(d, today) <= n:
        d -= timedelta(days=1)
    return d + timedelta(days=1)
