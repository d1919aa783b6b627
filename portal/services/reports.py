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

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Finding, Inspection, InspectionTarget, Notice, Task, Unit, UnitFunction, UnitFunctionAssignment
from ..models.base import utcnow
from . import DomainError
from .calendar import WorkCalendar, load_calendar
from .notices import CD280, next_number, notice_docx
from .scorecards import unit_scorecards
from .tasks import ACTIVE_STATUSES
from .workdays import TZ, local_today

__all__ = ["periodic_report", "periodic_report_docx"]

HEADER = ["Cơ quan, đơn vị", "Nhiệm vụ đến hạn", "Đúng hạn", "Hoàn thành quá hạn", "Quá hạn chưa xong (lâu nhất)",
          "Không trả lời ý kiến", "Trình vượt thẩm quyền", "Kiểm tra / phát hiện"]


KIND_ORDER = {"province": 0, "district": 1, "department": 2, "office": 3, "agency": 4, "commune": 5, "school": 6}


def _reporting_unit(session: Session, on: date) -> Unit:
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


def _instants(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time(0), tzinfo=TZ),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=TZ))


def _rows(session: Session, scope: Unit, start: date, end: date, today: date, calendar: WorkCalendar) -> list[list[str]]:
    units = {u.id: u for u in session.scalars(sa.select(Unit).where(Unit.path.startswith(scope.path)))}
    ids = list(units)
    cards = {c.unit_id: c for c in unit_scorecards(session, (start, end), today, unit_ids=ids)}
    t = Task
    in_period = sa.and_(t.due_date >= start, t.due_date <= end)
    oldest = dict(session.execute(
        sa.select(t.lead_unit_id, sa.func.min(t.due_date))
        .where(t.status.in_(ACTIVE_STATUSES), in_period, t.due_date < today, t.lead_unit_id.in_(ids))
        .group_by(t.lead_unit_id)).all())
    improper = dict(session.execute(
        sa.select(t.lead_unit_id, sa.func.count())
        .where(t.improper_escalation.is_(True), in_period, t.lead_unit_id.in_(ids))
        .group_by(t.lead_unit_id)).all())
    begin, finish = _instants(start, end)
    inspected = dict(session.execute(
        sa.select(InspectionTarget.unit_id, sa.func.count(sa.distinct(Inspection.id)))
        .join(Inspection, Inspection.id == InspectionTarget.inspection_id)
        .where(InspectionTarget.unit_id.in_(ids), Inspection.started_at >= begin, Inspection.started_at < finish)
        .group_by(InspectionTarget.unit_id)).all())
    found = dict(session.execute(
        sa.select(Finding.unit_id, sa.func.count())
        .where(Finding.unit_id.in_(ids), Finding.recorded_at >= begin, Finding.recorded_at < finish)
        .group_by(Finding.unit_id)).all())
    rows = []
    order = sorted(set(cards) | set(improper) | set(inspected) | set(found),
                   key=lambda i: (units[i].depth, KIND_ORDER.get(units[i].kind, 9), units[i].name))
    for unit_id in order:
        card = cards.get(unit_id)
        if not (improper.get(unit_id) or inspected.get(unit_id) or found.get(unit_id)
                or (card and (card.assigned or card.missed))):
            continue  # nothing to report for this unit
        age = ""
        if unit_id in oldest:
            age = f" ({max(1, calendar.working_days_between(oldest[unit_id], today))} ngày)"
        rows.append([
            units[unit_id].name.replace("\t", " "),
            str(card.assigned if card else 0), str(card.done_on_time if card else 0),
            str(card.done_late if card else 0), f"{card.overdue if card else 0}{age}",
            str(card.missed if card else 0), str(improper.get(unit_id, 0)),
            f"{inspected.get(unit_id, 0)} / {found.get(unit_id, 0)}",
        ])
    return rows


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
) -> Notice:
    """Issue (once per issuing unit and period) the report to the leadership.

    Defaults: issued by the unit holding the home-affairs function, to its parent
    (the People's Committee), covering every unit under that parent.
    """
    if period_end < period_start:
        raise DomainError("Ngày kết thúc kỳ báo cáo phải sau ngày bắt đầu.")
    now = now or utcnow()
    today = today or local_today(now)
    issuer = session.get(Unit, issuing_unit_id) if issuing_unit_id else _reporting_unit(session, period_end)
    if issuer is None:
        raise DomainError(f"Không tìm thấy đơn vị #{issuing_unit_id}.")
    key = f"report:period:{issuer.id}:{period_start.isoformat()}:{period_end.isoformat()}"
    existing = session.scalar(sa.select(Notice).where(Notice.dedupe_key == key))
    if existing is not None:
        return existing
    leadership = session.get(Unit, recipient_unit_id) if recipient_unit_id else (issuer.parent or issuer)
    if leadership is None:
        raise DomainError(f"Không tìm thấy đơn vị #{recipient_unit_id}.")
    calendar = calendar or load_calendar(session)
    rows = _rows(session, leadership, period_start, period_end, today, calendar)
    totals = [sum(int(r[i].split(" ")[0]) for r in rows) for i in (1, 2, 3, 4, 5, 6)]
    decided = totals[1] + totals[2] + totals[3]
    rate = f"{100 * totals[1] / decided:.1f}%" if decided else "—"
    span = f"từ ngày {period_start:%d/%m/%Y} đến ngày {period_end:%d/%m/%Y}"
    body = [
        f"Thực hiện {CD280} về chấn chỉnh, tăng cường trách nhiệm trong xử lý công việc, {issuer.name} báo cáo "
        f"kết quả giải quyết công việc, lấy ý kiến và kiểm tra công vụ của các cơ quan, đơn vị {span} "
        f"(số liệu đến ngày {today:%d/%m/%Y}) như sau:",
        f"1. Nhiệm vụ đến hạn trong kỳ: {totals[0]}; hoàn thành đúng hạn: {totals[1]}; hoàn thành quá hạn: "
        f"{totals[2]}; quá hạn chưa hoàn thành: {totals[3]}. Tỷ lệ hoàn thành đúng hạn: {rate}.",
        f"2. Số lượt cơ quan được lấy ý kiến không trả lời hoặc trả lời quá hạn (được xác định là đồng ý): "
        f"{totals[4]}; số việc trình cấp trên thuộc thẩm quyền của đơn vị: {totals[5]}.",
        "3. Đề nghị Thủ trưởng các cơ quan, đơn vị có nhiệm vụ quá hạn khẩn trương giải quyết, kiểm điểm làm rõ "
        "trách nhiệm của tập thể, cá nhân để xảy ra chậm trễ; biểu dương các đơn vị, cá nhân hoàn thành đúng hạn.",
        "Số liệu chi tiết của từng cơ quan, đơn vị như bảng sau",
    ]
    table = ["\t".join(HEADER)] + ["\t".join(r) for r in rows] if rows else []
    if not rows:
        body[-1] = "Trong kỳ không phát sinh số liệu của cơ quan, đơn vị nào"
    notice = Notice(
        kind="periodic_report", dedupe_key=key, number=next_number(session, issuer.id, today),
        symbol=f"BC-{issuer.code}", issuing_unit_id=issuer.id, recipient_unit_id=leadership.id,
        subject=f"V/v báo cáo kết quả thực hiện Công điện số 280/CĐ-TTg {span}",
        body="\n".join(body + table), issued_on=today, period_start=period_start, period_end=period_end,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    return notice


def periodic_report_docx(session: Session, notice: Notice) -> tuple[str, bytes]:
    """The report as DOCX: the same renderer as every notice, with its table."""
    if notice.kind != "periodic_report":
        raise DomainError("Văn bản này không phải báo cáo định kỳ.")
    return notice_docx(session, notice)
