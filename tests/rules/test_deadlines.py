"""Deadlines as the law counts them (issue 4, rule 1; directive items 3 and 4).

Civil Code 2015 Art. 147 (a period starts the day after the event), Art. 148 (a
deadline on a day off moves to the next working day; a day ends at 24:00), public
holidays and the announced swaps, and the administrators' calendar exceptions.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from portal.models import CalendarException
from portal.services import DomainError
from portal.services.calendar import (compute_deadline, deadline_instant, deadline_instant_utc, load_calendar,
                                      overdue_cutoff)
from portal.services.workdays import WorkCalendar


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_working_days_across_tet_2025(cal):
    # Items 3–4: Tết 2025 is 27/01–31/01 (Mon–Fri) plus the weekends around it.
    # Sent on Friday 24/01/2025, 1 working day → Monday 03/02/2025.
    assert compute_deadline(cal, date(2025, 1, 24), kind="working_days", working_days=1, due_date=None) == date(2025, 2, 3)
    # 5 working days from Wednesday 22/01: 23, 24, then 03/02, 04/02, 05/02.
    assert compute_deadline(cal, date(2025, 1, 22), kind="working_days", working_days=5, due_date=None) == date(2025, 2, 5)


def test_a_date_deadline_inside_tet_moves_to_the_next_working_day(cal):
    # Art. 148: a deadline on Giao thừa (28/01/2025) ends at the end of Monday 03/02.
    assert compute_deadline(cal, date(2025, 1, 10), kind="date", working_days=None, due_date=date(2025, 1, 28)) == date(2025, 2, 3)
    # A working day is kept as is.
    assert compute_deadline(cal, date(2025, 1, 10), kind="date", working_days=None, due_date=date(2025, 1, 24)) == date(2025, 1, 24)


def test_make_up_saturday_counts_as_a_working_day(cal):
    # Items 3–4: Saturday 26/04/2025 is worked to bridge Friday 02/05/2025.
    start = date(2025, 4, 25)  # Friday
    assert compute_deadline(cal, start, kind="working_days", working_days=1, due_date=None) == date(2025, 4, 26)
    assert compute_deadline(cal, start, kind="working_days", working_days=2, due_date=None) == date(2025, 4, 28)
    # 28/04 (Mon), 29/04 (Tue), then 30/04–04/05 are days off: the 4th is Monday 05/05.
    assert compute_deadline(cal, start, kind="working_days", working_days=4, due_date=None) == date(2025, 5, 5)
    # A date deadline on the bridge day 02/05 moves past the holiday weekend.
    assert compute_deadline(cal, start, kind="date", working_days=None, due_date=date(2025, 5, 2)) == date(2025, 5, 5)


def test_calendar_exceptions_entered_by_administrators(session):
    # Rule 1: an extra day off and a make-up working day, as data.
    session.add_all([
        CalendarException(day=date(2031, 3, 14), kind="day_off", reason="Nghỉ bổ sung (thử)"),
        CalendarException(day=date(2031, 3, 15), kind="working_day", reason="Làm bù (thử)"),
    ])
    session.flush()
    cal = load_calendar(session)
    assert not cal.is_working_day(date(2031, 3, 14))  # a Friday made a day off
    assert cal.is_working_day(date(2031, 3, 15))  # a Saturday made a working day
    # From Thursday 13/03/2031: the 1st working day is the make-up Saturday.
    assert compute_deadline(cal, date(2031, 3, 13), kind="working_days", working_days=1, due_date=None) == date(2031, 3, 15)


def test_deadline_instant_is_24h_local(cal):
    # Rule 1: a deadline date ends at 24:00 Asia/Ho_Chi_Minh = 17:00 UTC of that date.
    assert deadline_instant_utc(date(2025, 6, 20)) == datetime(2025, 6, 20, 17, 0, tzinfo=timezone.utc)
    assert deadline_instant(date(2025, 6, 20)).isoformat() == "2025-06-21T00:00:00+07:00"


def test_overdue_cutoff_counts_working_days(cal):
    # Item 7 threshold: due Friday 06/06/2025, on Friday 13/06 it is 5 working days late.
    cutoff = overdue_cutoff(cal, date(2025, 6, 13), 4)
    assert date(2025, 6, 6) < cutoff  # more than 4
    assert not date(2025, 6, 6) < overdue_cutoff(cal, date(2025, 6, 13), 5)  # not more than 5


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "working_days", "working_days": -3, "due_date": None}, "phải lớn hơn 0"),
    ({"kind": "working_days", "working_days": 0, "due_date": None}, "phải lớn hơn 0"),
    ({"kind": "working_days", "working_days": "5", "due_date": None}, "số nguyên dương"),
    ({"kind": "date", "working_days": None, "due_date": None}, "Phải nhập ngày hết hạn"),
    ({"kind": "date", "working_days": None, "due_date": date(2025, 1, 1)}, "không được trước ngày bắt đầu"),
    ({"kind": "weeks", "working_days": 2, "due_date": None}, "không hợp lệ"),
])
def test_bad_deadline_input_is_refused_in_vietnamese(cal, kwargs, message):
    # Bad input (negative working days …) gets a clear Vietnamese message.
    with pytest.raises(DomainError, match=message):
        compute_deadline(cal, date(2025, 3, 3), **kwargs)


def test_negative_working_days_leave_no_task_behind(session, world):
    # Bad input changes nothing: no task row is created.
    from portal.models import Task
    from portal.services.tasks import create_task

    before = session.scalar(sa.select(sa.func.count()).select_from(Task))
    with pytest.raises(DomainError, match="Số ngày làm việc"):
        create_task(session, code="NEG-1", title="Thử", lead_unit_id=world.a.id, authority_unit_id=world.a.id,
                    received_on=date(2025, 3, 3), deadline_kind="working_days", working_days=-1)
    assert session.scalar(sa.select(sa.func.count()).select_from(Task)) == before
