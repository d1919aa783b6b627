"""Tasks, their steps and extensions: deadlines, status as officials report it,
delay attributed to the step and person, and improper escalation.

Directive items 2 (decide within your own authority), 3 (decide within the legal
deadline, report results) and 5 (individual responsibility at every step). The
officials' status (đúng hạn / quá hạn, trong hạn / quá hạn) is computed, never
stored: :func:`task_outcome` for one loaded task, :func:`outcome_clause` for lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Account, Staff, Task, TaskExtension, TaskStep, Unit
from ..models.base import utcnow
from ..models.enums import TASK_OUTCOMES
from . import DomainError
from .calendar import WorkCalendar, compute_deadline, deadline_instant, load_calendar, require_aware
from .sqlkit import in_subtree, require_text
from .workdays import TZ, local_today

__all__ = [
    "ACTIVE_STATUSES", "DelayedStep", "add_step", "attribute_delay", "cancel_task", "check_extension",
    "complete_step", "complete_task", "create_task", "extend_task", "outcome_clause", "require_active",
    "require_staff_in_unit", "require_step_due", "return_to_authority", "submit_upward", "task_outcome",
]

#: A task in one of these statuses is still the lead unit's to finish. A task returned
#: for improper escalation is back with the unit that has the authority: still due.
ACTIVE_STATUSES = ("open", "in_progress", "submitted", "returned")
_MANAGING_ROLES = ("unit_head", "leadership", "admin")


def _late(at: datetime, due: date) -> bool:
    """Done after 24:00 Asia/Ho_Chi_Minh of the due date (item 3)."""
    return require_aware(at) >= deadline_instant(due)


def task_outcome(task: Task, today: date, calendar: WorkCalendar, at_risk_days: int) -> str | None:
    """The officials' status of ``task`` (a code of ``enums.TASK_OUTCOMES``), items 3 and 5.

    Done on or before 24:00 local of ``due_date`` is on time (``completed_late``, fixed
    by :func:`complete_task` and required of every done task by the database, so this
    and :func:`outcome_clause` read the same column); an unfinished task is overdue
    from the day after ``due_date`` and *at risk* while fewer than ``at_risk_days``
    working days remain. ``None`` for a cancelled task.
    """
    if task.status == "cancelled":
        return None
    if task.status == "done":
        return "done_late" if task.completed_late else "done_on_time"
    if task.due_date < today:
        return "overdue"
    if at_risk_days > 0 and calendar.working_days_between(today, task.due_date) < at_risk_days:
        return "at_risk"
    return "in_time"


def outcome_clause(
    outcome: str, today: date, *, calendar: WorkCalendar | None = None, at_risk_days: int = 0
) -> sa.ColumnElement[bool]:
    """SQL condition on ``task`` selecting the tasks whose :func:`task_outcome` is ``outcome``.

    Every branch is a condition on ``status`` and ``due_date`` (the indexed pair), so a
    list filtered by outcome is one index range. With a calendar and ``at_risk_days``
    the boundary between *at risk* and *in time* is one date computed here.
    """
    if outcome not in TASK_OUTCOMES:
        raise DomainError(f"Trạng thái báo cáo không hợp lệ: {outcome!r}.")
    active = Task.status.in_(ACTIVE_STATUSES)
    if outcome == "done_on_time":
        return sa.and_(Task.status == "done", sa.func.coalesce(Task.completed_late, sa.false()) == sa.false())
    if outcome == "done_late":
        return sa.and_(Task.status == "done", Task.completed_late.is_(True))
    if outcome == "overdue":
        return sa.and_(active, Task.due_date < today)
    boundary = today
    if calendar is not None and at_risk_days > 0:
        # working days in (today, due] < n  <=>  due < the n-th working day after today
        boundary = calendar.add_working_days(today, at_risk_days)
    if outcome == "at_risk":
        return sa.and_(active, Task.due_date >= today, Task.due_date < boundary)
    return sa.and_(active, Task.due_date >= boundary)


# --------------------------------------------------------------------------- tasks
def create_task(
    session: Session,
    *,
    code: str,
    title: str,
    lead_unit_id: int,
    authority_unit_id: int,
    received_on: date,
    deadline_kind: str = "date",
    working_days: int | None = None,
    due_date: date | None = None,
    owner_staff_id: int | None = None,
    description: str | None = None,
    calendar: WorkCalendar | None = None,
    by: Account | None = None,
) -> Task:
    """A task with its legal deadline (item 3), as a date or N working days after receipt.

    The legal deadline is computed once and kept in ``legal_due_date``; extensions
    change only ``due_date``.
    """
    code = require_text(code, "Phải nhập mã nhiệm vụ.")
    title = require_text(title, "Phải nhập tên nhiệm vụ.")
    if session.scalar(sa.select(Task.id).where(Task.code == code)) is not None:
        raise DomainError(f"Mã nhiệm vụ {code} đã tồn tại.")
    for unit_id in (lead_unit_id, authority_unit_id):
        if session.get(Unit, unit_id) is None:
            raise DomainError(f"Không tìm thấy đơn vị #{unit_id}.")
    if owner_staff_id is not None:
        require_staff_in_unit(session, owner_staff_id, lead_unit_id)
    calendar = calendar or load_calendar(session)
    due = compute_deadline(calendar, received_on, kind=deadline_kind, working_days=working_days, due_date=due_date)
    task = Task(
        code=code, title=title, description=description, lead_unit_id=lead_unit_id,
        authority_unit_id=authority_unit_id, owner_staff_id=owner_staff_id, received_on=received_on,
        deadline_kind=deadline_kind, deadline_working_days=working_days if deadline_kind == "working_days" else None,
        legal_due_date=due, due_date=due, status="open", improper_escalation=False,
        created_by_id=by.id if by is not None else None,
    )
    session.add(task)
    session.flush()
    return task


def require_staff_in_unit(session: Session, staff_id: int, unit_id: int) -> Staff:
    """An active staff member of ``unit_id`` or a unit below it (owners, step persons)."""
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise DomainError(f"Không tìm thấy cán bộ #{staff_id}.")
    if staff.status != "active":
        raise DomainError(f"{staff.full_name} không còn đang công tác, không thể giao việc.")
    if not in_subtree(session, staff.unit_id, unit_id):
        unit = session.get(Unit, unit_id)
        raise DomainError(f"{staff.full_name} không thuộc {unit.name if unit else 'đơn vị chủ trì'} hoặc đơn vị trực thuộc.")
    return staff


def require_active(task: Task) -> None:
    if task.status not in ACTIVE_STATUSES:
        raise DomainError(f"Nhiệm vụ {task.code} đã kết thúc (trạng thái: {task.status}), không thể thay đổi.")


def add_step(session: Session, task: Task, *, title: str, responsible_staff_id: int, due_date: date) -> TaskStep:
    """A step (khâu) with exactly one responsible person and its own deadline (item 5).

    The person must belong to the task's lead unit or a unit below it, and the
    step cannot be due after the task itself.
    """
    require_active(task)
    title = require_text(title, "Phải nhập tên bước xử lý.")
    require_staff_in_unit(session, responsible_staff_id, task.lead_unit_id)
    require_step_due(task, due_date)
    last = session.scalar(sa.select(sa.func.max(TaskStep.seq)).where(TaskStep.task_id == task.id)) or 0
    step = TaskStep(task=task, seq=last + 1, title=title, responsible_staff_id=responsible_staff_id,
                    due_date=due_date, status="open")
    session.add(step)
    if task.status == "open":
        task.status = "in_progress"
    session.flush()
    return step


def require_step_due(task: Task, due_date: date | None) -> None:
    """A step is due within its task: not before receipt, not after the deadline in force."""
    if due_date is None:
        raise DomainError("Phải nhập hạn của bước.")
    if due_date > task.due_date:
        raise DomainError(
            f"Hạn của bước ({due_date:%d/%m/%Y}) không được sau hạn của nhiệm vụ ({task.due_date:%d/%m/%Y})."
        )
    if due_date < task.received_on:
        raise DomainError(f"Hạn của bước không được trước ngày nhận nhiệm vụ ({task.received_on:%d/%m/%Y}).")


def _may_act(session: Session, by: Account, unit_id: int, staff_id: int | None = None) -> bool:
    """The responsible person themself, or a manager account over the unit."""
    if by is None:
        return False
    if staff_id is not None and by.staff_id == staff_id:
        return True
    return by.role_code in _MANAGING_ROLES and (by.role_code == "leadership" or in_subtree(session, unit_id, by.unit_id))


def complete_step(session: Session, step: TaskStep, *, by: Account, at: datetime) -> TaskStep:
    """Mark a step done; lateness is judged against the step's own deadline (item 5)."""
    if step.status == "done":
        raise DomainError(f"Bước {step.seq} đã hoàn thành lúc {step.completed_at.astimezone(TZ):%H:%M %d/%m/%Y}.")
    require_active(step.task)
    if not _may_act(session, by, step.task.lead_unit_id, step.responsible_staff_id):
        raise DomainError("Chỉ người chịu trách nhiệm hoặc thủ trưởng đơn vị được xác nhận hoàn thành bước này.")
    step.status, step.completed_at, step.completed_late = "done", at, _late(at, step.due_date)
    session.flush()
    return step


def complete_task(session: Session, task: Task, *, by: Account, at: datetime) -> Task:
    """Close a task: ``completed_late`` is fixed now, against the deadline in force (item 3)."""
    require_active(task)
    if not _may_act(session, by, task.lead_unit_id, task.owner_staff_id):
        raise DomainError("Chỉ thủ trưởng đơn vị chủ trì hoặc người được giao được xác nhận hoàn thành nhiệm vụ.")
    open_steps = [s.seq for s in task.steps if s.status != "done"]
    if open_steps:
        raise DomainError("Còn bước chưa hoàn thành: " + ", ".join(str(n) for n in open_steps) + ".")
    task.status, task.completed_at, task.completed_late = "done", at, _late(at, task.due_date)
    session.flush()
    return task


def cancel_task(session: Session, task: Task, *, by: Account) -> Task:
    """Cancel a task that is still due (it then counts neither as done nor as overdue);
    a finished task stays as it ended."""
    require_active(task)
    if not _may_act(session, by, task.lead_unit_id):
        raise DomainError("Chỉ thủ trưởng đơn vị chủ trì được hủy nhiệm vụ.")
    task.status = "cancelled"
    session.flush()
    return task


def check_extension(session: Session, task: Task, *, new_due_date: date | None, reason: str | None,
                    by: Account) -> str:
    """Whether ``by`` may extend ``task`` to ``new_due_date``; returns the reason, trimmed. Writes nothing."""
    require_active(task)
    reason = require_text(reason, "Gia hạn phải nêu rõ lý do.")
    if new_due_date is None:
        raise DomainError("Phải nhập hạn mới.")
    if new_due_date <= task.due_date:
        raise DomainError(
            f"Hạn mới ({new_due_date:%d/%m/%Y}) phải sau hạn hiện tại ({task.due_date:%d/%m/%Y})."
        )
    if not _may_act(session, by, task.authority_unit_id):
        raise DomainError("Chỉ lãnh đạo đơn vị có thẩm quyền được gia hạn nhiệm vụ.")
    return reason


def extend_task(
    session: Session, task: Task, *, new_due_date: date, reason: str, by: Account, at: datetime | None = None,
    extension: TaskExtension | None = None,
) -> TaskExtension:
    """Extend the deadline in force; the legal deadline and the replaced date stay on record (item 3).

    ``extension``: a row a form already built (it is filled in here, whatever it held).
    """
    reason = check_extension(session, task, new_due_date=new_due_date, reason=reason, by=by)
    ext = extension if extension is not None else TaskExtension()
    ext.task, ext.previous_due_date, ext.new_due_date = task, task.due_date, new_due_date
    ext.reason, ext.granted_by_id, ext.granted_at = reason, by.id, at or utcnow()
    session.add(ext)
    task.due_date = new_due_date
    session.flush()
    return ext


@dataclass(frozen=True)
class DelayedStep:
    step: TaskStep
    days_late: int
    staff_id: int

    def __iter__(self) -> Any:  # unpacks as (step, days_late, staff_id)
        return iter((self.step, self.days_late, self.staff_id))


def attribute_delay(task: Task, calendar: WorkCalendar, today: date | None = None) -> list[DelayedStep]:
    """The steps where the delay happened, with working days late and the person (item 5).

    A step done after 24:00 of its own deadline, or still open after it, carries its
    delay; a step that finished within its deadline carries none, even if the task
    as a whole is late. Working days late are counted from the day after the
    deadline, at least 1 (a step due Friday and done on Saturday is late).
    """
    today = today or local_today()
    delayed = []
    for step in sorted(task.steps, key=lambda s: s.seq):
        if step.status == "done" and step.completed_at is not None:
            if not _late(step.completed_at, step.due_date):
                continue
            end = step.completed_at.astimezone(TZ).date()
        elif step.due_date < today:
            end = today
        else:
            continue
        days = max(1, calendar.working_days_between(step.due_date, end))
        delayed.append(DelayedStep(step, days, step.responsible_staff_id))
    return delayed


# ------------------------------------------------------------------- escalation
def submit_upward(
    session: Session, task: Task, *, to_unit_id: int, by: Account, at: datetime | None = None
) -> Task:
    """Submit the task to a higher unit for decision (item 2).

    When the lead unit is itself the unit with authority to decide, the submission
    is kept but flagged ``improper_escalation``: the higher unit can return it.
    """
    if task.status not in ("open", "in_progress", "returned"):
        raise DomainError(f"Nhiệm vụ {task.code} không ở trạng thái có thể trình (hiện: {task.status}).")
    if to_unit_id is None:
        raise DomainError("Phải chọn đơn vị nhận tờ trình.")
    if to_unit_id == task.lead_unit_id:
        raise DomainError("Không thể trình lên chính đơn vị chủ trì.")
    target = session.get(Unit, to_unit_id)
    if target is None:
        raise DomainError(f"Không tìm thấy đơn vị #{to_unit_id}.")
    if not _may_act(session, by, task.lead_unit_id, task.owner_staff_id):
        raise DomainError("Chỉ đơn vị chủ trì được trình nhiệm vụ lên cấp trên.")
    task.submitted_to_unit_id, task.submitted_at = to_unit_id, at or utcnow()
    task.status = "submitted"
    task.improper_escalation = task.authority_unit_id == task.lead_unit_id
    session.flush()
    return task


def return_to_authority(session: Session, task: Task, *, reason: str, by: Account) -> Task:
    """Return a submitted task to the unit that has the authority to decide it (item 2)."""
    if task.status != "submitted" or task.submitted_to_unit_id is None:
        raise DomainError(f"Nhiệm vụ {task.code} không ở trạng thái đã trình cấp trên.")
    reason = require_text(reason, "Trả lại phải nêu rõ lý do.")
    if not _may_act(session, by, task.submitted_to_unit_id):
        raise DomainError("Chỉ đơn vị nhận tờ trình được trả lại nhiệm vụ.")
    task.status, task.return_reason = "returned", reason
    session.flush()
    return task

