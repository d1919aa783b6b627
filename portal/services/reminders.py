"""Reminders: overdue (quá hạn) and coming due (sắp đến hạn), set-based.

Directive items 3 and 5: tasks must be decided "trong thời hạn được pháp luật quy
định, nhất là đối với những công việc đã để chậm trễ", and the responsibility of
each person is individualised "trong từng khâu". So an overdue step is reminded
to its one responsible person (and their unit), an overdue task to its lead unit,
and a step, a task at risk or a consultation answer a few working days before its
deadline. Every reminder is a :class:`~portal.models.Notice` with a dedupe key
(``overdue:step:<id>``, ``overdue:task:<id>``, ``due:step:<id>``, ``due:task:<id>``,
``due:recipient:<id>``): issued once, whatever the number of sweeps.

Each statement is an index range on (status|outcome, due date); ``not_before``
narrows the overdue ranges to what became due since the last run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm import join as orm_join

from ..models import Consultation, ConsultationRecipient, Notice, Staff, Task, TaskStep, Unit
from .notices import CD280, NoticeSpec, concat, insert_notices
from .sqlkit import chunked, date_text, text_of
from .tasks import ACTIVE_STATUSES
from .workdays import WorkCalendar

__all__ = ["ReminderResult", "insert_due_reminders", "insert_overdue_reminders", "staff_of_notices"]

_STEP_HEAD = (
    f"Thực hiện {CD280} về chấn chỉnh, tăng cường trách nhiệm trong xử lý công việc, "
    "cụ thể, cá thể hóa trách nhiệm của cá nhân trong từng khâu của quy trình xử lý công việc; "
)


@dataclass
class ReminderResult:
    steps: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    recipients: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.steps) + len(self.tasks) + len(self.recipients)


def _step_parts():
    s, t = TaskStep, Task
    person, lead = aliased(Staff, name="person"), aliased(Unit, name="lead")
    from_ = (orm_join(s, t, t.id == s.task_id)
             .join(person, person.id == s.responsible_staff_id)
             .join(lead, lead.id == t.lead_unit_id))
    return s, t, person, lead, from_


def _task_parts():
    t, lead = Task, aliased(Unit, name="lead")
    return t, lead, orm_join(t, lead, lead.id == t.lead_unit_id)


def insert_overdue_reminders(
    session: Session, *, today: date, now: datetime, not_before: date | None = None
) -> ReminderResult:
    """Reminders for open steps and unfinished tasks whose deadline has passed (items 3, 5).

    Rows due before ``not_before`` are assumed reminded by an earlier run (pass
    ``None`` to catch up on the whole overdue backlog; still index ranges only).
    """
    result = ReminderResult()
    s, t, person, lead, from_ = _step_parts()
    due = date_text(session, s.due_date)
    where = [s.status == "open", s.due_date < today, t.status.in_(ACTIVE_STATUSES)]
    if not_before is not None:
        where.append(s.due_date >= not_before)
    step = NoticeSpec(
        kind="overdue_reminder", key=concat("overdue:step:", text_of(s.id)),
        issuing_unit_id=t.lead_unit_id, recipient_unit_id=person.unit_id, recipient_staff_id=s.responsible_staff_id,
        task_id=t.id, task_step_id=s.id, order_by=s.id,
        subject=concat("V/v nhắc việc quá hạn: nhiệm vụ ", t.code, ", bước ", text_of(s.seq)),
        body=concat(
            _STEP_HEAD, lead.name, " nhắc ", person.full_name, " (", person.position, "): bước ", text_of(s.seq),
            " “", s.title, "” của nhiệm vụ ", t.code, " — ", t.title, " có hạn hoàn thành đến hết ngày ", due,
            ", đến nay đã quá hạn mà chưa hoàn thành.\n",
            "Đề nghị ", person.full_name, " khẩn trương hoàn thành, báo cáo kết quả và nêu rõ lý do chậm trễ. "
            "Việc chậm trễ được ghi nhận là trách nhiệm của cá nhân phụ trách bước này.",
        ),
    )
    result.steps = insert_notices(session, step, from_, where, today=today, now=now)

    t, lead, from_ = _task_parts()
    due = date_text(session, t.due_date)
    where = [t.status.in_(ACTIVE_STATUSES), t.due_date < today]
    if not_before is not None:
        where.append(t.due_date >= not_before)
    task = NoticeSpec(
        kind="overdue_reminder", key=concat("overdue:task:", text_of(t.id)),
        issuing_unit_id=sa.func.coalesce(lead.parent_id, lead.id), recipient_unit_id=t.lead_unit_id,
        recipient_staff_id=t.owner_staff_id, task_id=t.id, order_by=t.id,
        subject=concat("V/v nhắc việc quá hạn: nhiệm vụ ", t.code),
        body=concat(
            f"Thực hiện {CD280}, yêu cầu khẩn trương rà soát, quyết định các nhiệm vụ trong thời hạn được "
            "pháp luật quy định, nhất là những công việc đã để chậm trễ, kéo dài; nhiệm vụ ", t.code, " — ",
            t.title, " do ", lead.name, " chủ trì có hạn giải quyết đến hết ngày ", due,
            ", đến nay đã quá hạn mà chưa hoàn thành.\n",
            "Đề nghị Thủ trưởng ", lead.name, " chỉ đạo hoàn thành ngay, báo cáo kết quả giải quyết, "
            "làm rõ khâu và cá nhân để xảy ra chậm trễ.",
        ),
    )
    result.tasks = insert_notices(session, task, from_, where, today=today, now=now)
    return result


def insert_due_reminders(
    session: Session, *, calendar: WorkCalendar, today: date, now: datetime, reminder_days: int, at_risk_days: int
) -> ReminderResult:
    """Reminders before a deadline (items 3–5): steps and consultation answers due within
    ``reminder_days`` working days, tasks becoming at risk (fewer than ``at_risk_days``
    working days left). The window is a handful of due dates: the cost follows it."""
    result = ReminderResult()
    if reminder_days > 0:
        # working days in (today, due] <= n  <=>  due < the (n+1)-th working day after today
        until = calendar.add_working_days(today, reminder_days + 1)
        s, t, person, lead, from_ = _step_parts()
        due = date_text(session, s.due_date)
        step = NoticeSpec(
            kind="due_reminder", key=concat("due:step:", text_of(s.id)),
            issuing_unit_id=t.lead_unit_id, recipient_unit_id=person.unit_id,
            recipient_staff_id=s.responsible_staff_id, task_id=t.id, task_step_id=s.id, order_by=s.id,
            subject=concat("V/v nhắc việc sắp đến hạn: nhiệm vụ ", t.code, ", bước ", text_of(s.seq)),
            body=concat(
                _STEP_HEAD, lead.name, " nhắc ", person.full_name, " (", person.position, "): bước ",
                text_of(s.seq), " “", s.title, "” của nhiệm vụ ", t.code, " — ", t.title,
                " có hạn hoàn thành đến hết ngày ", due, ".\n",
                "Đề nghị hoàn thành đúng thời hạn; trường hợp có vướng mắc phải báo cáo ngay Thủ trưởng đơn vị.",
            ),
        )
        where = [s.status == "open", s.due_date >= today, s.due_date < until, t.status.in_(ACTIVE_STATUSES)]
        result.steps = insert_notices(session, step, from_, where, today=today, now=now)

        r, c = ConsultationRecipient, Consultation
        asked, lead_u = aliased(Unit, name="asked"), aliased(Unit, name="consulting")
        from_ = (orm_join(r, c, c.id == r.consultation_id).join(asked, asked.id == r.unit_id)
                 .join(lead_u, lead_u.id == c.consulting_unit_id))
        deadline = date_text(session, r.deadline)
        recipient = NoticeSpec(
            kind="due_reminder", key=concat("due:recipient:", text_of(r.id)),
            issuing_unit_id=c.consulting_unit_id, recipient_unit_id=r.unit_id, consultation_recipient_id=r.id,
            task_id=c.task_id, order_by=r.id,
            subject=concat("V/v đề nghị trả lời ý kiến về nội dung ", c.code),
            body=concat(
                f"Thực hiện {CD280}, cơ quan được lấy ý kiến có trách nhiệm trả lời đúng thời hạn, chính kiến rõ "
                "ràng. ", lead_u.name, " đề nghị ", asked.name, " trả lời ý kiến về: ", c.code, " — ", c.subject,
                " trước 24 giờ ngày ", deadline, ".\n",
                "Quá thời hạn trên mà không trả lời thì được xác định là đồng ý với ý kiến và đề xuất của cơ quan "
                "lấy ý kiến, và đơn vị phải chịu trách nhiệm về việc không trả lời.",
            ),
        )
        where = [r.outcome == "pending", r.deadline >= today, r.deadline < until, c.status == "open"]
        result.recipients = insert_notices(session, recipient, from_, where, today=today, now=now)

    if at_risk_days > 0:
        boundary = calendar.add_working_days(today, at_risk_days)  # at risk: due < boundary
        t, lead, from_ = _task_parts()
        due = date_text(session, t.due_date)
        task = NoticeSpec(
            kind="due_reminder", key=concat("due:task:", text_of(t.id)),
            issuing_unit_id=sa.func.coalesce(lead.parent_id, lead.id), recipient_unit_id=t.lead_unit_id,
            recipient_staff_id=t.owner_staff_id, task_id=t.id, order_by=t.id,
            subject=concat("V/v nhắc việc sắp đến hạn: nhiệm vụ ", t.code),
            body=concat(
                f"Thực hiện {CD280}, nhiệm vụ ", t.code, " — ", t.title, " do ", lead.name,
                " chủ trì có hạn giải quyết đến hết ngày ", due, ", thời gian còn lại ít hơn ",
                str(at_risk_days), " ngày làm việc.\n",
                "Đề nghị Thủ trưởng ", lead.name, " chỉ đạo hoàn thành đúng thời hạn.",
            ),
        )
        where = [t.status.in_(ACTIVE_STATUSES), t.due_date >= today, t.due_date < boundary]
        result.tasks = insert_notices(session, task, from_, where, today=today, now=now)
    return result


def staff_of_notices(session: Session, notice_ids: list[int]) -> set[int]:
    """The people a batch of reminders was addressed to."""
    people: set[int] = set()
    for ids in chunked(notice_ids):
        people.update(session.scalars(
            sa.select(Notice.recipient_staff_id).where(Notice.id.in_(ids), Notice.recipient_staff_id.is_not(None))
        ))
    return people
