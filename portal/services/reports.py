"""The periodic report to the leadership — directive item 3 ("kịp thời báo cáo kết quả
giải quyết về UBND huyện") and issue 4, rule 8.

Per unit, for the period: tasks due, done on time, done late, overdue with the age
of the oldest one, consultations missed (deemed agreement), improper escalations
(item 2), inspections and findings (item 9). It is stored as a ``periodic_report``
:class:`~portal.models.Notice` whose body keeps the table as tab-separated lines,
so the DOCX (:func:`portal.services.notices.notice_docx`) renders it as a table and
the figures stay those of the day it was issued.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Notice, Unit, UnitFunction, UnitFunctionAssignment
from ..models.base import utcnow
from . import DomainError
from .calendar import WorkCalendar
from .notices import next_number, notice_docx
from .periodic_report import PeriodicReport, compute_report
from .periodic_report_render import compact_table, report_body, report_subject
from .workdays import local_today

__all__ = ["draft_report_docx", "periodic_report", "periodic_report_docx", "report_parties", "reporting_unit"]


def reporting_unit(session: Session, on: date) -> Unit:
    """The unit holding the home-affairs (or inspection-lead) function on ``on``, else the root."""
    for function in ("home_affairs", "inspection_lead"):
        unit = session.scalar(
            sa.select(Unit).join(UnitFunctionAssignment, UnitFunctionAssignment.unit_id == Unit.id)
            .join(UnitFunction, UnitFunction.id == UnitFunctionAssignment.function_id)
            .where(UnitFunction.code == function, UnitFunctionAssignment.valid_from <= on,
                   sa.or_(UnitFunctionAssignment.valid_to.is_(None), UnitFunctionAssignment.valid_to >= on))
            .order_by(Unit.depth, Unit.id).limit(1)
        )
        if unit is not None:
            return unit
    unit = session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
    if unit is None:
        raise DomainError("Chưa có đơn vị nào.")
    return unit


def report_parties(session: Session, scope_unit_id: int | None, on: date) -> tuple[Unit, Unit]:
    """(issuer, addressee) of a report on a scope: a unit reports on itself and the units
    under it to its parent; a report on every unit comes from the home-affairs unit."""
    if scope_unit_id is None:
        issuer = reporting_unit(session, on)
    else:
        issuer = session.get(Unit, scope_unit_id)
        if issuer is None:
            raise DomainError(f"Không tìm thấy đơn vị #{scope_unit_id}.")
    return issuer, issuer.parent or issuer


def _notice(issuer: Unit, recipient: Unit, report: PeriodicReport, now: datetime) -> Notice:
    """The report as an (unnumbered, unsaved) notice; the table rides in the body as
    tab-separated lines, so the figures stay those of the day it was written."""
    table = ["\t".join(r) for r in compact_table(report)]
    return Notice(
        kind="periodic_report", number="", symbol=f"BC-{issuer.code}", issuing_unit=issuer,
        issuing_unit_id=issuer.id, recipient_unit=recipient, recipient_unit_id=recipient.id,
        subject=report_subject(report), body="\n".join(report_body(issuer.name, report) + table),
        issued_on=report.today, period_start=report.start, period_end=report.end, created_at=now,
    )


def periodic_report(
    session: Session,
    period_start: date,
    period_end: date,
    *,
    issuing_unit_id: int | None = None,
    recipient_unit_id: int | None = None,
    today: date | None = None,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
    report: PeriodicReport | None = None,
) -> Notice:
    """Issue (once per issuing unit and period) the report to the leadership.

    Defaults: issued by the unit holding the home-affairs function, to its parent
    (the People's Committee), covering every unit under that parent. ``report``:
    figures already computed for that period and scope (the monthly run writes the
    same figures into the workbook).
    """
    if period_end < period_start:
        raise DomainError(f"Ngày kết thúc kỳ báo cáo ({period_end:%d/%m/%Y}) không được trước ngày bắt đầu "
                          f"({period_start:%d/%m/%Y}).")
    now = now or utcnow()
    today = today or local_today(now)
    issuer = session.get(Unit, issuing_unit_id) if issuing_unit_id else reporting_unit(session, period_end)
    if issuer is None:
        raise DomainError(f"Không tìm thấy đơn vị #{issuing_unit_id}.")
    key = f"report:period:{issuer.id}:{period_start.isoformat()}:{period_end.isoformat()}"
    existing = session.scalar(sa.select(Notice).where(Notice.dedupe_key == key))
    if existing is not None:
        return existing
    leadership = session.get(Unit, recipient_unit_id) if recipient_unit_id else (issuer.parent or issuer)
    if leadership is None:
        raise DomainError(f"Không tìm thấy đơn vị #{recipient_unit_id}.")
    if report is None:
        report = compute_report(session, period_start, period_end, scope_unit_id=leadership.id, today=today,
                                calendar=calendar)
    elif (report.start, report.end) != (period_start, period_end):
        raise DomainError("Số liệu không cùng kỳ với báo cáo.")
    notice = _notice(issuer, leadership, report, now)
    notice.dedupe_key, notice.number, notice.issued_on = key, next_number(session, issuer.id, today), today
    session.add(notice)
    session.flush()
    return notice


def periodic_report_docx(session: Session, notice: Notice) -> tuple[str, bytes]:
    """The report as DOCX: the same renderer as every notice, with its table."""
    if notice.kind != "periodic_report":
        raise DomainError("Văn bản này không phải báo cáo định kỳ.")
    return notice_docx(session, notice)


def draft_report_docx(session: Session, report: PeriodicReport, *, now: datetime | None = None) -> tuple[str, bytes]:
    """A report asked for in the portal, as an unnumbered draft (the records office numbers
    it when it is issued): nothing is stored, so looking at figures issues no document."""
    issuer, recipient = report_parties(session, report.scope_unit_id, report.end)
    return notice_docx(session, _notice(issuer, recipient, report, now or utcnow()))
