"""Tasks (nhiệm vụ), their steps with one responsible person each, and extensions."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from . import enums
from .base import UTCDateTime, created_at, enum_check, fk, pk, updated_at
from .org import Staff, Unit


class Task(db.Model):
    """A matter to decide. ``legal_due_date`` is the deadline the law set and never
    changes; ``due_date`` is the one in force after extensions."""

    __tablename__ = "task"
    __table_args__ = (
        enum_check("status", enums.TASK_STATUSES),
        enum_check("deadline_kind", enums.DEADLINE_KINDS),
        sa.CheckConstraint("legal_due_date >= received_on", name="due_after_received"),
        sa.CheckConstraint("due_date >= legal_due_date", name="extension_not_earlier"),
        sa.CheckConstraint(
            "(deadline_kind = 'working_days' AND deadline_working_days > 0)"
            " OR (deadline_kind = 'date' AND deadline_working_days IS NULL)",
            name="deadline_kind_days",
        ),
        sa.CheckConstraint("(status = 'done') = (completed_at IS NOT NULL)", name="done_has_time"),
        # Lateness is fixed when the task is completed, so every reading of "on time" agrees.
        sa.CheckConstraint("(status = 'done') = (completed_late IS NOT NULL)", name="done_has_lateness"),
        sa.Index("ix_task_status_due_date", "status", "due_date"),
        sa.Index("ix_task_lead_unit_id_status_due_date", "lead_unit_id", "status", "due_date"),
        # Covers the dashboards' figures over a range of due dates (officials' status by unit
        # and by month): read from the index alone, without a visit to each task row.
        sa.Index("ix_task_status_due_date_lead_unit_id_completed_late",
                 "status", "due_date", "lead_unit_id", "completed_late"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    lead_unit_id: Mapped[int] = fk("unit.id", index=False)
    authority_unit_id: Mapped[int] = fk("unit.id")
    owner_staff_id: Mapped[int | None] = fk("staff.id", nullable=True)
    received_on: Mapped[date] = mapped_column(sa.Date)
    deadline_kind: Mapped[str] = mapped_column(sa.String(20), default="date")
    deadline_working_days: Mapped[int | None] = mapped_column(sa.Integer)
    legal_due_date: Mapped[date] = mapped_column(sa.Date)
    due_date: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_late: Mapped[bool | None] = mapped_column(sa.Boolean)
    # Item 2: a matter pushed up to a unit that is not needed to decide it.
    submitted_to_unit_id: Mapped[int | None] = fk("unit.id", nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    improper_escalation: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = fk("account.id", nullable=True, index=False)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    lead_unit: Mapped[Unit] = relationship(foreign_keys=[lead_unit_id])
    authority_unit: Mapped[Unit] = relationship(foreign_keys=[authority_unit_id])
    submitted_to_unit: Mapped[Unit | None] = relationship(foreign_keys=[submitted_to_unit_id])
    owner: Mapped[Staff | None] = relationship()
    steps: Mapped[list[TaskStep]] = relationship(
        back_populates="task", order_by="TaskStep.seq", cascade="all, delete-orphan"
    )
    extensions: Mapped[list[TaskExtension]] = relationship(
        back_populates="task", order_by="TaskExtension.granted_at", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class TaskStep(db.Model):
    """One step (khâu) of a task with exactly one responsible person (item 5)."""

    __tablename__ = "task_step"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "seq"),
        enum_check("status", enums.STEP_STATUSES),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.CheckConstraint("(status = 'done') = (completed_at IS NOT NULL)", name="done_has_time"),
        sa.CheckConstraint("(status = 'done') = (completed_late IS NOT NULL)", name="done_has_lateness"),
        sa.Index("ix_task_step_responsible_staff_id_status_due_date", "responsible_staff_id", "status", "due_date"),
        sa.Index("ix_task_step_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = pk()
    task_id: Mapped[int] = fk("task.id", ondelete="CASCADE", index=False)
    seq: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(300))
    responsible_staff_id: Mapped[int] = fk("staff.id", index=False)
    due_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_late: Mapped[bool | None] = mapped_column(sa.Boolean)
    note: Mapped[str | None] = mapped_column(sa.Text)

    task: Mapped[Task] = relationship(back_populates="steps")
    responsible: Mapped[Staff] = relationship()

    def __str__(self) -> str:
        return f"{self.seq}. {self.title}"


class TaskExtension(db.Model):
    """An extension keeps the deadline it replaced and the reason for it."""

    __tablename__ = "task_extension"
    __table_args__ = (
        sa.CheckConstraint("new_due_date > previous_due_date", name="later_date"),
        sa.CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )

    id: Mapped[int] = pk()
    task_id: Mapped[int] = fk("task.id", ondelete="CASCADE")
    previous_due_date: Mapped[date] = mapped_column(sa.Date)
    new_due_date: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    granted_by_id: Mapped[int | None] = fk("account.id", nullable=True, index=False)
    granted_at: Mapped[datetime] = created_at()

    task: Mapped[Task] = relationship(back_populates="extensions")
