"""Tests for the working-day calendar.

Each test names the rule it proves:
* Civil Code 2015, Art. 147 — a period starts on the day after the event.
* Civil Code 2015, Art. 148 — a period ending on a day off ends at the end of
  the next working day; the last day ends at 24:00.
* Labour Code 2019, Art. 112 — public holidays (1/1, 5 days of Tết, Giỗ Tổ
  Hùng Vương, 30/4, 1/5, 2/9 plus an adjacent day) and the annual day swaps
  announced by the Government.
"""

from __future__ import annotations

import time as _time
from datetime import date, datetime, timedelta, timezone

import pytest

from portal.services.workdays import TZ, WorkCalendar, local_today

UTC = timezone.utc


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


# --- Civil Code 2015, Art. 147: the event day never counts -------------------

def test_period_starts_the_day_after_the_event(cal):
    # Art. 147: 1 working day from Monday 03/06/2024 is Tuesday, not Monday.
    assert cal.add_working_days(date(2024, 6, 3), 1) == date(2024, 6, 4)
    # ... and 5 working days from a Monday end on the following Monday.
    assert cal.add_working_days(date(2024, 6, 3), 5) == date(2024, 6, 10)


def test_event_on_a_weekend_counts_from_next_working_day(cal):
    # Art. 147: from Saturday 08/06/2024, day 1 is Monday 10/06.
    assert cal.add_working_days(date(2024, 6, 8), 1) == date(2024, 6, 10)


def test_zero_days_is_the_event_day_moved_off_a_day_off(cal):
    # n == 0 (same-day deadline): the day itself, or Art. 148's next working day.
    assert cal.add_working_days(date(2024, 6, 5), 0) == date(2024, 6, 5)
    assert cal.add_working_days(date(2024, 6, 8), 0) == date(2024, 6, 10)


def test_negative_working_days_raise_in_vietnamese(cal):
    # A legal period (Art. 147) cannot run backwards.
    with pytest.raises(ValueError, match="Số ngày làm việc không được âm"):
        cal.add_working_days(date(2024, 6, 5), -1)


def test_non_integer_days_and_datetimes_are_rejected(cal):
    with pytest.raises(TypeError):
        cal.add_working_days(date(2024, 6, 5), 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # a datetime would silently drop its zone
        cal.is_working_day(datetime(2024, 6, 5, 12, tzinfo=TZ))  # type: ignore[arg-type]


# --- Labour Code 2019, Art. 112: Tết -----------------------------------------

def test_tet_2025_days_off_come_from_holidays_package(cal):
    # Art. 112(1)(b): five days of Tết.  For 2025 the package lists 27/01 (29 Tết,
    # replacing Saturday 01/02 = mùng 4) through 31/01 — matching the official
    # 2025 schedule for civil servants (off Sat 25/01 – Sun 02/02).
    for day in range(27, 32):
        assert not cal.is_working_day(date(2025, 1, day)), day
    assert cal.holiday_name(date(2025, 1, 29)) == "Tết Nguyên Đán"
    assert cal.is_working_day(date(2025, 1, 24))
    assert cal.is_working_day(date(2025, 2, 3))


def test_five_working_days_across_tet_2025(cal):
    # Art. 147 + Art. 112: event Friday 24/01/2025; 25/01–02/02 are days off,
    # so the five working days are 03/02–07/02.
    assert cal.add_working_days(date(2025, 1, 24), 5) == date(2025, 2, 7)
    assert cal.working_days_between(date(2025, 1, 24), date(2025, 2, 7)) == 5


# --- Civil Code 2015, Art. 148: a deadline on a day off moves -----------------

def test_deadline_on_saturday_moves_to_monday(cal):
    # Art. 148: a period ending on Saturday 08/06/2024 ends on Monday 10/06.
    assert cal.deadline_for_date(date(2024, 6, 8)) == date(2024, 6, 10)
    assert cal.deadline_for_date(date(2024, 6, 9)) == date(2024, 6, 10)
    assert cal.deadline_for_date(date(2024, 6, 7)) == date(2024, 6, 7)


def test_deadline_on_a_holiday_moves_past_the_whole_break(cal):
    # Art. 148 + Art. 112: a deadline on 30/04/2025 moves past 30/4, 1/5, the
    # swapped 2/5 and the weekend to Monday 05/05/2025.
    assert cal.deadline_for_date(date(2025, 4, 30)) == date(2025, 5, 5)


def test_next_working_day_is_strictly_after(cal):
    assert cal.next_working_day(date(2024, 6, 7)) == date(2024, 6, 10)
    assert cal.next_working_day(date(2024, 6, 5)) == date(2024, 6, 6)


# --- Labour Code 2019, Art. 112: 30/4, 1/5 and 2/9 ----------------------------

def test_reunification_and_labour_day_2024(cal):
    # Art. 112(1)(c),(d): 30/4 and 1/5; in 2024 Monday 29/04 was swapped with
    # Saturday 04/05 (Công văn 2450/VPCP-KGVX), which the package knows.
    for d in (date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)):
        assert not cal.is_working_day(d)
    assert cal.is_working_day(date(2024, 5, 4))  # make-up Saturday
    assert cal.add_working_days(date(2024, 4, 26), 1) == date(2024, 5, 2)


def test_national_day_plus_adjacent_day(cal):
    # Art. 112(1)(đ): 2/9 plus one adjacent day (before or after).
    assert not cal.is_working_day(date(2024, 9, 2))
    assert not cal.is_working_day(date(2024, 9, 3))  # 2024: the day after
    assert cal.add_working_days(date(2024, 8, 30), 1) == date(2024, 9, 4)
    assert not cal.is_working_day(date(2025, 9, 1))  # 2025: the day before
    assert not cal.is_working_day(date(2025, 9, 2))
    assert cal.add_working_days(date(2025, 8, 29), 1) == date(2025, 9, 3)


def test_new_year_across_the_year_boundary(cal):
    # Art. 112(1)(a): 1/1 is a holiday; counting crosses calendar years.
    assert cal.add_working_days(date(2024, 12, 31), 1) == date(2025, 1, 2)
    assert cal.working_days_between(date(2024, 12, 30), date(2025, 1, 2)) == 2  # 31/12, 2/1


# --- Government swaps and administrator calendar exceptions -------------------

def test_package_knows_the_2025_swap_of_2_may_with_26_april(cal):
    # Art. 112 holidays plus the Government's announced swap: for 2025 Friday
    # 02/05 was a day off and Saturday 26/04 a working day; the package has both.
    assert not cal.is_working_day(date(2025, 5, 2))
    assert "26/04/2025" in (cal.holiday_name(date(2025, 5, 2)) or "")
    assert cal.is_working_day(date(2025, 4, 26))


def test_administrator_make_up_saturday_is_a_working_day():
    # Art. 112 bridge swap entered by an administrator (as they would for 2025).
    cal = WorkCalendar(makeup_working_days=[date(2025, 4, 26)])
    assert cal.is_working_day(date(2025, 4, 26))
    assert cal.add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)
    assert cal.add_working_days(date(2025, 4, 25), 2) == date(2025, 4, 28)
    assert cal.add_working_days(date(2025, 4, 25), 4) == date(2025, 5, 5)


def test_administrator_make_up_day_unknown_to_package():
    # A swap announced after the package release (hypothetical 15/06/2024).
    plain, custom = WorkCalendar(), WorkCalendar(makeup_working_days=[date(2024, 6, 15)])
    assert not plain.is_working_day(date(2024, 6, 15))
    assert custom.is_working_day(date(2024, 6, 15))
    assert custom.add_working_days(date(2024, 6, 14), 1) == date(2024, 6, 15)
    assert custom.working_days_between(date(2024, 6, 14), date(2024, 6, 17)) == 2


def test_administrator_extra_day_off():
    # A locally announced day off (e.g. flood) shifts deadlines like a holiday
    # (Civil Code Art. 148).
    cal = WorkCalendar(extra_days_off=[date(2024, 6, 10)])
    assert not cal.is_working_day(date(2024, 6, 10))
    assert cal.add_working_days(date(2024, 6, 7), 1) == date(2024, 6, 11)
    assert cal.deadline_for_date(date(2024, 6, 8)) == date(2024, 6, 11)
    assert cal.holiday_name(date(2024, 6, 10)) == "Ngày nghỉ do cơ quan công bố"


def test_administrator_entries_override_the_package():
    # Administrators have the last word, even against the package's swap.
    cal = WorkCalendar(extra_days_off=[date(2025, 4, 26)],
                       makeup_working_days=[date(2025, 5, 2)])
    assert not cal.is_working_day(date(2025, 4, 26))
    assert cal.is_working_day(date(2025, 5, 2))


def test_same_day_off_and_make_up_is_rejected():
    with pytest.raises(ValueError, match="vừa là ngày nghỉ vừa là ngày làm bù"):
        WorkCalendar(extra_days_off=[date(2025, 4, 26)],
                     makeup_working_days=[date(2025, 4, 26)])


# --- Civil Code 2015, Art. 148: the last day ends at 24:00 local time ---------

def test_deadline_end_is_24h_ict_which_is_17h_utc(cal):
    end = cal.deadline_end(date(2024, 6, 5))
    assert end.tzinfo is not None and end.utcoffset() == timedelta(hours=7)
    assert end == datetime(2024, 6, 6, 0, 0, tzinfo=TZ)
    assert end == datetime(2024, 6, 5, 17, 0, tzinfo=UTC)


def test_deadline_end_of_a_saturday_deadline_is_monday_midnight(cal):
    # Art. 148: Saturday 08/06/2024 → end of Monday 10/06 = 17:00 UTC 10/06.
    assert cal.deadline_end(date(2024, 6, 8)) == datetime(2024, 6, 10, 17, 0, tzinfo=UTC)


def test_one_minute_before_and_after_the_deadline(cal):
    end = cal.deadline_end(date(2024, 6, 5))
    before = datetime(2024, 6, 5, 23, 59, tzinfo=TZ)
    after = datetime(2024, 6, 5, 17, 1, tzinfo=UTC)  # 00:01 ICT on 06/06
    assert before < end <= after
    assert not cal.is_overdue(date(2024, 6, 5), before)
    assert not cal.is_overdue(date(2024, 6, 5), datetime(2024, 6, 5, 16, 59, tzinfo=UTC))
    assert cal.is_overdue(date(2024, 6, 5), end)
    assert cal.is_overdue(date(2024, 6, 5), after)
    with pytest.raises(ValueError):
        cal.is_overdue(date(2024, 6, 5), datetime(2024, 6, 5, 12, 0))


def test_local_today_uses_vietnam_time():
    # 18:30 UTC on 04/06 is already 01:30 on 05/06 in Hà Nội.
    assert local_today(datetime(2024, 6, 4, 18, 30, tzinfo=UTC)) == date(2024, 6, 5)
    assert local_today(datetime(2024, 6, 4, 16, 59, tzinfo=UTC)) == date(2024, 6, 4)
    assert isinstance(local_today(), date)
    with pytest.raises(ValueError):
        local_today(datetime(2024, 6, 4, 18, 30))


# --- Counting ----------------------------------------------------------------

def test_working_days_between_is_half_open_and_signed(cal):
    # Art. 147: (a, b] — the start day is excluded, the end day included.
    assert cal.working_days_between(date(2024, 6, 3), date(2024, 6, 3)) == 0
    assert cal.working_days_between(date(2024, 6, 3), date(2024, 6, 7)) == 4
    assert cal.working_days_between(date(2024, 6, 7), date(2024, 6, 10)) == 1
    assert cal.working_days_between(date(2024, 6, 10), date(2024, 6, 3)) == -5


def test_add_and_between_are_inverse_over_several_years(cal):
    start = date(2023, 12, 1)
    for offset in range(0, 800, 37):
        event = start + timedelta(days=offset)
        for n in (1, 5, 15, 30, 260):
            due = cal.add_working_days(event, n)
            assert cal.is_working_day(due)
            assert cal.working_days_between(event, due) == n


def test_working_days_left(cal):
    due = date(2024, 6, 7)  # Friday
    assert cal.working_days_left(due, date(2024, 6, 7)) == 0  # due today
    assert cal.working_days_left(due, date(2024, 6, 6)) == 1
    assert cal.working_days_left(due, date(2024, 6, 3)) == 4
    # Overdue is always negative, even if only the weekend has passed.
    assert cal.working_days_left(due, date(2024, 6, 8)) == -1
    assert cal.working_days_left(due, date(2024, 6, 11)) == -2
    # A deadline on Saturday counts as Monday (Art. 148).
    assert cal.working_days_left(date(2024, 6, 8), date(2024, 6, 7)) == 1


def test_sweep_sized_workload_is_fast(cal):
    # The sweep evaluates thousands of rows; per-year caches keep it cheap.
    started = _time.perf_counter()
    first = date(2023, 1, 1)
    for i in range(5000):
        event = first + timedelta(days=i % 1000)
        due = cal.add_working_days(event, 20)
        cal.working_days_left(due, event + timedelta(days=10))
    assert _time.perf_counter() - started < 3.0
