"""Changes to a task or a step asked for field by field, as a record form does.

A form lets a user pick any status or type any date; the rules of items 2, 3 and 5
still decide what that means. "Done" is a completion (:func:`tasks.complete_task`:
no open step left, lateness fixed against the deadline in force); "submitted" a
submission upward and "returned" a return to the unit with authority (item 2);
a later deadline is an extension with its reason (item 3); a step is done only
through :func:`tasks.complete_step` and, once done or past its deadline, keeps the
facts its delay is attributed by (item 5). The fields only a rule sets —
completion time, lateness, the escalation flag, the deadline in force — are
never taken from a form.

What has happened to a task is a record of accountability and is never deleted:
a completion, a submission upward and its return, an extension, a passed deadline
(the delay is attributed to it), a notice issued about it. :func:`refuse_delete`
says which, for a task, a step or an extension asked to be deleted.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Account, Consultation, Notice, Task, TaskExtension, TaskStep
from ..models.enums import STEP_STATUSES, TASK_STATUSES
from . import DomainError
from .calendar import deadline_instant
from .sqlkit import require_text
from .tasks import (
    cancel_task, complete_step, complete_task, require_active, require_staff_in_unit, require_step_due,
    return_to_authority, submit_upward,
)

__all__ = [
    "NEW_STATUSES", "change_step_status", "change_task_status", "check_new_step", "check_new_task",
    "check_step_edit", "refuse_delete",
]

#: A task or step recorded through a form starts here; the rest is reached through the rules.
NEW_STATUSES = ("open", "in_progress")
NEW_TASK_STATUS = ("Nhiệm vụ mới chỉ ở trạng thái “Chưa thực hiện” hoặc “Đang thực hiện”; hoàn thành, "
                   "trình cấp trên, trả lại hoặc hủy nhiệm vụ sau khi đã tạo.")
NEW_STEP_STATUS = "Bước mới phải ở trạng thái “Chưa hoàn thành”; xác nhận hoàn thành sau khi đã thêm bước."
EXTENSION_KEPT = "Gia hạn đã ghi nhận là hồ sơ (hạn cũ, hạn mới, lý do): không xóa được."
#: The steps of a task in one of these statuses are the record of who did what, and when.
KEPT_STEPS_OF = ("done", "submitted")


def _label(labels: dict[str, str], code: str | None) -> str:
    return labels.get(code or "", code or "—")


def _lead_unit_id(task: Task) -> int | None:
    # A task built by the same form has its unit as an object; its id column is set on flush.
    return task.lead_unit.id if task.lead_unit is not None else task.lead_unit_id


def check_new_task(status: str | None) -> None:
    """A task entered through a form starts open or in progress (``None``: the default, open)."""
    if status is not None and status not in NEW_STATUSES:
        raise DomainError(NEW_TASK_STATUS)


def change_task_status(
    session: Session, task: Task, status: str, *, by: Account, at: datetime,
    to_unit_id: int | None = None, reason: str | None = None,
) -> Task:
    """Move ``task`` to ``status`` through the rule that status belongs to.

    ``to_unit_id`` is the unit a submission goes to, ``reason`` the reason of a return.
    Between "open", "in progress" and (resuming) "returned" the status is the lead
    unit's to set; a submitted task comes back only by being returned; a done or
    cancelled task stays as it ended.
    """
    if status == task.status:
        return task
    if status not in TASK_STATUSES:
        raise DomainError(f"Trạng thái nhiệm vụ không hợp lệ: {status!r}.")
    if status == "done":
        return complete_task(session, task, by=by, at=at)
    if status == "submitted":
        return submit_upward(session, task, to_unit_id=to_unit_id, by=by, at=at)  # type: ignore[arg-type]
    if status == "returned":
        return return_to_authority(session, task, reason=reason or "", by=by)
    if status == "cancelled":
        return cancel_task(session, task, by=by)
    require_active(task)
    if task.status == "submitted":
        raise DomainError(
            f"Nhiệm vụ {task.code} đang trình cấp trên: chỉ đơn vị nhận tờ trình trả lại được, "
            "không chuyển về “" + _label(TASK_STATUSES, status) + "” trực tiếp."
        )
    task.status = status
    session.flush()
    return task


def check_new_step(session: Session, step: TaskStep) -> None:
    """A step built by a form obeys :func:`tasks.add_step`'s rules: an active task, one
    active person of the lead unit (or below), a deadline within the task's, not done yet."""
    task = step.task
    if task is None:
        raise DomainError("Phải chọn nhiệm vụ của bước.")
    require_active(task)
    if step.status not in (None, "open"):
        raise DomainError(NEW_STEP_STATUS)
    if step.completed_at is not None or step.completed_late is not None:
        raise DomainError(NEW_STEP_STATUS)
    require_text(step.title, "Phải nhập tên bước xử lý.")
    person = step.responsible.id if step.responsible is not None else step.responsible_staff_id
    if person is None:
        raise DomainError("Mỗi bước phải có một người chịu trách nhiệm.")
    require_staff_in_unit(session, person, _lead_unit_id(task))
    require_step_due(task, step.due_date)


def check_step_edit(
    session: Session, step: TaskStep, changed: set[str], *, old_due: date, at: datetime
) -> None:
    """Edits of a step's title, person or deadline (already on ``step``; ``changed`` names them).

    A done step keeps what it was (its delay, if any, is on record); a deadline that
    has passed is not moved (the delay has happened and is attributed to this step);
    a new person or deadline obeys the rules of a new step.
    """
    if not changed:
        return
    require_active(step.task)
    if step.status == "done":
        raise DomainError(f"Bước {step.seq} đã hoàn thành: không sửa nội dung, người chịu trách nhiệm hoặc hạn.")
    if "title" in changed:
        require_text(step.title, "Phải nhập tên bước xử lý.")
    if "responsible" in changed:
        person = step.responsible.id if step.responsible is not None else None
        if person is None:
            raise DomainError("Mỗi bước phải có một người chịu trách nhiệm.")
        require_staff_in_unit(session, person, _lead_unit_id(step.task))
    if "due_date" in changed:
        if at >= deadline_instant(old_due):
            raise DomainError(
                f"Hạn của bước {step.seq} ({old_due:%d/%m/%Y}) đã qua: không dời hạn được, việc chậm trễ "
                "đã được ghi nhận cho bước này."
            )
        require_step_due(step.task, step.due_date)


def change_step_status(session: Session, step: TaskStep, status: str, *, by: Account, at: datetime) -> TaskStep:
    """Move ``step`` to ``status``: "done" through :func:`tasks.complete_step`; a done step is not reopened."""
    if status == step.status:
        return step
    if status not in STEP_STATUSES:
        raise DomainError(f"Trạng thái bước không hợp lệ: {status!r}.")
    if status == "done":
        return complete_step(session, step, by=by, at=at)
    raise DomainError(
        f"Bước {step.seq} đã hoàn thành: không mở lại được (thời điểm hoàn thành và việc đúng hạn hay "
        "quá hạn đã được ghi nhận)."
    )


# ------------------------------------------------------------------ deletion
def refuse_delete(session: Session, obj: Task | TaskStep | TaskExtension, *, at: datetime) -> None:
    """Refuse (:class:`DomainError`) deleting ``obj`` when it is a record of accountability.

    A task goes with its steps and extensions, so it is kept when any of them is;
    a task entered by mistake (nothing done, nothing due yet, nothing issued) may go.
    """
    if isinstance(obj, TaskExtension):
        raise DomainError(EXTENSION_KEPT)
    if isinstance(obj, TaskStep):
        _refuse_step_delete(session, obj, at)
        return
    _refuse_task_delete(session, obj, at)


def _refuse_task_delete(session: Session, task: Task, at: datetime) -> None:
    if task.status == "done":
        raise DomainError(
            f"Nhiệm vụ {task.code} đã hoàn thành: thời điểm hoàn thành và việc đúng hạn hay quá hạn là hồ sơ trách "
            "nhiệm, không xóa được."
        )
    if task.status in ("submitted", "returned") or task.submitted_at is not None or task.improper_escalation:
        raise DomainError(
            f"Nhiệm vụ {task.code} đã được trình cấp trên: việc trình (và trả lại khi không đúng thẩm quyền) là hồ "
            "sơ trách nhiệm, không xóa được."
        )
    if task.status != "cancelled" and at >= deadline_instant(task.due_date):
        raise DomainError(
            f"Nhiệm vụ {task.code} đã quá hạn ({task.due_date:%d/%m/%Y}): việc chậm trễ đã được ghi nhận, "
            "không xóa được."
        )
    if task.extensions:
        raise DomainError(f"Nhiệm vụ {task.code} đã được gia hạn: gia hạn là hồ sơ (hạn cũ, hạn mới, lý do), "
                          "không xóa được.")
    consulted = session.scalars(sa.select(Consultation.code).where(Consultation.task_id == task.id)
                                .order_by(Consultation.code)).all()
    if consulted:
        raise DomainError(f"Nhiệm vụ {task.code} có hồ sơ lấy ý kiến ({', '.join(consulted)}): không xóa được.")
    step_ids = [s.id for s in task.steps if s.id is not None]
    if _has_notice(session, sa.or_(Notice.task_id == task.id, Notice.task_step_id.in_(step_ids))):
        raise DomainError(f"Đã có văn bản (thông báo, báo cáo) ban hành về nhiệm vụ {task.code}: không xóa được.")
    for step in task.steps:
        _refuse_step_delete(session, step, at)


def _refuse_step_delete(session: Session, step: TaskStep, at: datetime) -> None:
    task = step.task
    if task is not None and task.status in KEPT_STEPS_OF:
        raise DomainError(
            f"Nhiệm vụ {task.code} ở trạng thái “{_label(TASK_STATUSES, task.status)}”: các bước xử lý là hồ sơ "
            "trách nhiệm, không xóa được."
        )
    if step.status == "done":
        raise DomainError(
            f"Bước {step.seq} đã hoàn thành: thời điểm hoàn thành và việc đúng hạn hay quá hạn là hồ sơ trách "
            "nhiệm, không xóa được."
        )
    if at >= deadline_instant(step.due_date):
        raise DomainError(
            f"Hạn của bước {step.seq} ({step.due_date:%d/%m/%Y}) đã qua: việc chậm trễ đã được ghi nhận cho bước "
            "này, không xóa được."
        )
    if step.id is not None and _has_notice(session, Notice.task_step_id == step.id):
        raise DomainError(f"Đã có văn bản (thông báo, nhắc việc) ban hành về bước {step.seq}: không xóa được.")


def _has_notice(session: Session, where: sa.ColumnElement[bool]) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(where))))
