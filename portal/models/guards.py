"""Cross-row rules the database cannot hold as CHECK constraints, guarded on every
write whatever code makes it."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper

from .base import RuleViolation
from .consultation import Consultation, ConsultationRecipient
from .task import Task, TaskStep


@event.listens_for(TaskStep, "before_insert")
@event.listens_for(TaskStep, "before_update")
def _step_within_task(_mapper: Mapper[Any], connection: sa.Connection, step: TaskStep) -> None:
    task_id = step.task_id if step.task_id is not None else (step.task.id if step.task else None)
    if step.task is not None and step.task.due_date is not None:
        task_due = step.task.due_date
    else:
        task_due = connection.scalar(sa.select(Task.__table__.c.due_date).where(Task.__table__.c.id == task_id))
    if task_due is not None and step.due_date is not None and step.due_date > task_due:
        raise RuleViolation(
            f"Thời hạn của bước ({step.due_date:%d/%m/%Y}) không được sau thời hạn của nhiệm vụ ({task_due:%d/%m/%Y})."
        )


@event.listens_for(ConsultationRecipient, "before_insert")
@event.listens_for(ConsultationRecipient, "before_update")
def _recipient_rules(_mapper: Mapper[Any], connection: sa.Connection, recipient: ConsultationRecipient) -> None:
    consultation = recipient.consultation
    if consultation is None:
        row = connection.execute(
            sa.select(Consultation.__table__.c.sent_on, Consultation.__table__.c.consulting_unit_id).where(
                Consultation.__table__.c.id == recipient.consultation_id
            )
        ).first()
        sent_on, consulting_unit_id = (row[0], row[1]) if row else (None, None)
    else:
        sent_on, consulting_unit_id = consultation.sent_on, consultation.consulting_unit_id
    if sent_on is not None and recipient.deadline is not None and recipient.deadline < sent_on:
        raise RuleViolation("Thời hạn trả lời không được trước ngày gửi lấy ý kiến.")
    if consulting_unit_id is not None and recipient.unit_id == consulting_unit_id:
        raise RuleViolation("Cơ quan chủ trì không tự lấy ý kiến của chính mình.")
