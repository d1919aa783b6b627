"""The monthly report to the leadership, issued once per month by the scheduler.

On the first day of each month the scheduler asks for the previous month. The run
claims the month in ``job_tick`` (job ``monthly_report``, tick = 00:00 local of the
month's first day) in the same transaction as its effects — the numbered report
(:func:`portal.services.reports.periodic_report`, itself unique per issuer and
period) and the claim's statistics — and writes the XLSX and DOCX before that
transaction commits. So two schedulers, two workers, or a run killed half-way and
run again still give one report: the loser of the claim does nothing; a killed run
left no row, and its files are overwritten by the next run (same names).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import JobTick
from . import DomainError, ticks
from .calendar import WorkCalendar
from .periodic_report import compute_report
from .periodic_report_files import FILE_STEM, write_atomic
from .periodic_report_render import write_xlsx
from .reports import periodic_report, periodic_report_docx, reporting_unit
from .workdays import TZ, local_today

__all__ = ["JOB_NAME", "issue_monthly_report", "month_tick", "monthly_file", "monthly_reports", "parse_month",
           "previous_month", "require_past_month"]

JOB_NAME = "monthly_report"
FIRST_YEAR = 2000
_MONTH = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4}))\s*$")


def parse_month(text: str | None) -> date:
    """A month typed as mm/yyyy (or yyyy-mm, as jobs pass it): its first day."""
    match = _MONTH.match(text or "")
    if not match:
        raise DomainError(f"Tháng không hợp lệ: {text!r} (nhập theo dạng mm/yyyy).")
    year, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
    if not 1 <= int(month) <= 12 or int(year) < FIRST_YEAR:
        raise DomainError(f"Tháng không hợp lệ: {text!r} (nhập theo dạng mm/yyyy, từ năm {FIRST_YEAR}).")
    return date(int(year), int(month), 1)


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_tick(month: date) -> datetime:
    """The claim key of a month: 00:00 Asia/Ho_Chi_Minh of its first day, in UTC."""
    return datetime.combine(month.replace(day=1), time(0), tzinfo=TZ).astimezone(timezone.utc)


def require_past_month(month: date, today: date) -> tuple[date, date]:
    """(first, last day) of a month that has ended by ``today``; a report on a month
    still running would be issued once with half its figures."""
    start, end = month.replace(day=1), month_end(month)
    if end >= today:
        raise DomainError(f"Tháng {start:%m/%Y} chưa kết thúc: chỉ lập báo cáo tháng đã qua.")
    return start, end


def monthly_file(root: Path, month: date, kind: str) -> Path:
    if kind not in ("xlsx", "docx"):
        raise DomainError("Định dạng tệp không hợp lệ.")
    label = f"{month:%Y-%m}"
    return root / "monthly" / label / f"{FILE_STEM}-{label}.{kind}"


def issue_monthly_report(
    session: Session, month: date, *, root: Path, now: datetime, calendar: WorkCalendar | None = None,
) -> dict[str, object] | None:
    """Issue the report of ``month`` unless a run already has it (then ``None``).

    Must start the session's transaction (SQLite: the claim's INSERT opens the write
    transaction; a reader cannot later become a writer). The caller commits.
    """
    today = local_today(now)
    start, end = require_past_month(month, today)
    claim = ticks.claim(session, JOB_NAME, month_tick(start))
    if claim is None:
        return None
    issuer = reporting_unit(session, end)
    recipient = issuer.parent or issuer
    report = compute_report(session, start, end, scope_unit_id=recipient.id, today=today, calendar=calendar)
    notice = periodic_report(session, start, end, issuing_unit_id=issuer.id, recipient_unit_id=recipient.id,
                             today=today, now=now, report=report)
    write_atomic(monthly_file(root, start, "xlsx"), lambda fh: write_xlsx(report, fh, issuer_name=issuer.name))
    docx_name, docx = periodic_report_docx(session, notice)
    write_atomic(monthly_file(root, start, "docx"), docx)
    totals = report.totals
    stats: dict[str, object] = {
        "period_start": start.isoformat(), "period_end": end.isoformat(), "notice_id": notice.id,
        "number": f"{notice.number}/{notice.symbol}", "docx_name": docx_name, "units": len(report.rows),
        "due": totals.assigned, "done_on_time": totals.done_on_time, "done_late": totals.done_late,
        "overdue": totals.overdue, "missed_consultations": totals.missed,
    }
    ticks.finish(claim, stats)
    session.flush()
    return stats


def monthly_reports(session: Session, limit: int = 36) -> list[JobTick]:
    """The monthly reports issued, newest month first."""
    return list(session.scalars(
        sa.select(JobTick).where(JobTick.job == JOB_NAME, JobTick.finished_at.is_not(None))
        .order_by(JobTick.tick.desc()).limit(limit)
    ))
