"""Working-day calendar as Vietnamese law counts it.

Why this module exists: most deadlines the portal enforces (consultation
answers, task steps, the directive's "within the legal deadline") are written
in *working days* (ngày làm việc), and a wrong count either blames an official
who was on time or lets a late answer pass as on time.  The rules encoded here:

* Civil Code 2015, Art. 147: a period counted in days starts on the day *after*
  the event that triggers it.
* Civil Code 2015, Art. 148: if the last day of a period is a day off, the
  period ends at the end of the next working day; the last day ends at 24:00.
* Labour Code 2019, Art. 112: public holidays (1/1, five days of Tết,
  Giỗ Tổ Hùng Vương 10/3 lunar, 30/4, 1/5, 2/9 plus an adjacent day), plus the
  compensatory days off when a holiday falls on a weekend.
* Each year the Government swaps days (a Saturday becomes a working day so that
  a bridge day can be taken off).  The ``holidays`` package (country "VN")
  carries both halves of each announced swap: the bridge day appears as a
  holiday ("Ngày nghỉ (thay cho ngày …)") and the Saturday is listed in the
  instance attribute ``weekend_workdays``.  Both are honoured here.
* Administrators can still add a day off or a make-up working day (for a swap
  announced after the package was released); their entries override
  everything else.

Everything is pure (no Flask, no database) so the deadline sweep can build one
``WorkCalendar`` and count thousands of rows cheaply: per-year sorted tuples of
working-day ordinals are computed once, and counting/adding uses binary search.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = ["TZ", "WorkCalendar", "local_today"]

#: Legal local time for every deadline the portal computes.
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_NEGATIVE_DAYS_MSG = "Số ngày làm việc không được âm"
_SAT, _SUN = 5, 6


def local_today(now: datetime | None = None) -> date:
    """Return today's date in Vietnam.

    Why: the server may run in UTC; between 00:00 and 07:00 ICT the UTC date is
    still "yesterday", which would shift every deadline by a day.  A naive
    ``now`` is rejected because its zone is unknowable.
    """
    if now is None:
        now = datetime.now(TZ)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("Thời điểm phải có múi giờ (timezone-aware datetime)")
    return now.astimezone(TZ).date()


def _as_date(value: object) -> date:
    """Accept a plain ``date`` only: a ``datetime`` would silently drop its zone."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"Cần một ngày (datetime.date), nhận được {type(value).__name__}")
    return value


class WorkCalendar:
    """Working days of Vietnamese state agencies (Mon–Fri, minus holidays).

    Precedence, strongest first:

    1. administrator entries (``extra_days_off``, ``makeup_working_days``);
    2. the ``holidays`` package: public holidays, compensatory days off,
       announced bridge days off, and announced make-up Saturdays/Sundays;
    3. the weekly rest days (Saturday, Sunday).

    A date may not be both an extra day off and a make-up working day: that is
    a data-entry error and raises ``ValueError`` rather than picking a winner.
    """

    def __init__(
        self,
        extra_days_off: Iterable[date] = (),
        makeup_working_days: Iterable[date] = (),
    ) -> None:
        self._extra_off = frozenset(_as_date(d) for d in extra_days_off)
        self._makeup = frozenset(_as_date(d) for d in makeup_working_days)
        clash = sorted(self._extra_off & self._makeup)
        if clash:
            days = ", ".join(d.strftime("%d/%m/%Y") for d in clash)
            raise ValueError(f"Ngày vừa là ngày nghỉ vừa là ngày làm bù: {days}")
        # year -> sorted tuple of ordinals of the working days of that year
        self._years: dict[int, tuple[int, ...]] = {}
        # year -> holidays.HolidayBase (kept for holiday names)
        self._public: dict[int, holidays.HolidayBase] = {}

    # ------------------------------------------------------------------ data
    def _public_holidays(self, year: int) -> holidays.HolidayBase:
        hol = self._public.get(year)
        if hol is None:
            hol = holidays.country_holidays("VN", years=year, language="vi")
            self._public[year] = hol
        return hol

    def _working_ordinals(self, year: int) -> tuple[int, ...]:
        """Sorted ordinals of all working days of ``year`` (computed once)."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        hol = self._public_holidays(year)
        days_off = {d for d in hol if d.year == year}
        # weekend_workdays also lists swaps of other years (cross-year entries)
        weekend_work = {d for d in hol.weekend_workdays if d.year == year}
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        result = []
        for ordinal in range(first, last + 1):
            d = date.fromordinal(ordinal)
            if d in self._makeup:
                working = True
            elif d in self._extra_off:
                working = False
            elif d.weekday() >= _SAT:
                working = d in weekend_work
            else:
                working = d not in days_off
            if working:
                result.append(ordinal)
        ordinals = tuple(result)
        self._years[year] = ordinals
        return ordinals

    def _count_through(self, d: date) -> int:
        """Working days from 1 January of ``d.year`` up to and including ``d``."""
        return bisect_right(self._working_ordinals(d.year), d.toordinal())

    # ------------------------------------------------------------ predicates
    def is_working_day(self, d: date) -> bool:
        """True if state agencies work on ``d`` (see class docstring for precedence)."""
        d = _as_date(d)
        ordinals = self._working_ordinals(d.year)
        i = bisect_right(ordinals, d.toordinal())
        return i > 0 and ordinals[i - 1] == d.toordinal()

    def holiday_name(self, d: date) -> str | None:
        """Vietnamese name of the public holiday on ``d`` (None if none).

        Why: the UI explains *why* a deadline moved ("Tết Nguyên Đán").
        Administrator entries are reported as such.
        """
        d = _as_date(d)
        if d in self._makeup:
            return None
        if d in self._extra_off:
            return "Ngày nghỉ do cơ quan công bố"
        return self._public_holidays(d.year).get(d)

    # ------------------------------------------------------------- movement
    def next_working_day(self, d: date) -> date:
        """First working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def deadline_for_date(self, d: date) -> date:
        """Move a deadline that falls on a day off to the next working day.

        Civil Code 2015, Art. 148: a period ending on a day off ends at the end
        of the next working day.  A working day is returned unchanged.
        """
        d = _as_date(d)
        return d if self.is_working_day(d) else self.next_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """Last day of a period of ``n`` working days triggered on ``start``.

        Civil Code 2015, Art. 147: the period starts the day after the event,
        so the result is the n-th working day strictly after ``start`` — the
        event day never counts, even if it is a working day.

        ``n == 0`` (a same-day deadline) returns ``start`` itself when it is a
        working day, else the next working day (Art. 148).  Negative ``n``
        raises ``ValueError``: a legal period cannot run backwards.

        Cost: one binary search plus one step per calendar year crossed.
        """
        start = _as_date(start)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError("Số ngày làm việc phải là số nguyên")
        if n < 0:
            raise ValueError(_NEGATIVE_DAYS_MSG)
        if n == 0:
            return self.deadline_for_date(start)
        year = start.year
        ordinals = self._working_ordinals(year)
        index = bisect_right(ordinals, start.toordinal())  # first day after start
        remaining = n
        while index + remaining > len(ordinals):
            remaining -= len(ordinals) - index
            year += 1
            if year > date.max.year:
                raise OverflowError("Thời hạn vượt quá phạm vi lịch")
            ordinals = self._working_ordinals(year)
            index = 0
        return date.fromordinal(ordinals[index + remaining - 1])

    # -------------------------------------------------------------- counting
    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in the half-open interval (a, b].

        The interval matches Art. 147 (the event day does not count), so
        ``working_days_between(e, add_working_days(e, n)) == n``.  If ``b < a``
        the result is minus the count of working days in (b, a].
        """
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        if a.year == b.year:
            return self._count_through(b) - self._count_through(a)
        total = len(self._working_ordinals(a.year)) - self._count_through(a)
        for year in range(a.year + 1, b.year):
            total += len(self._working_ordinals(year))
        return total + self._count_through(b)

    def working_days_left(self, due: date, today: date) -> int:
        """Working days still available before ``due`` as seen on ``today``.

        ``due`` is first moved off a day off (Art. 148).  0 means "due today";
        1 means the deadline is the next working day.  Once the deadline has
        passed the result is negative and never 0, even when only weekend days
        have gone by (a deadline on Friday is one day late on Saturday), so the
        sign alone tells a dashboard whether a task is overdue.
        """
        effective = self.deadline_for_date(due)
        today = _as_date(today)
        if today <= effective:
            return self.working_days_between(today, effective)
        return -max(1, self.working_days_between(effective, today))

    # ------------------------------------------------------------- instants
    def deadline_end(self, d: date) -> datetime:
        """The instant a deadline date expires: 24:00 ICT of the adjusted date.

        Returned as 00:00 of the following day in Asia/Ho_Chi_Minh (aware),
        i.e. 17:00 UTC of the deadline date; compare it with an aware "now".
        """
        effective = self.deadline_for_date(d)
        return datetime.combine(effective + timedelta(days=1), time(0, 0), tzinfo=TZ)

    def is_overdue(self, due: date, now: datetime) -> bool:
        """True once ``now`` (aware) has reached the end of the deadline day."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("Thời điểm phải có múi giờ (timezone-aware datetime)")
        return now >= self.deadline_end(due)
