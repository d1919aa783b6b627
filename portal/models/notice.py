"""Written notices and reports the system issues (thông báo, báo cáo, nhắc việc)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from . import enums
from .base import created_at, enum_check, fk, pk
from .consultation import ConsultationRecipient
from .org import Staff, Unit
from .task import Task, TaskStep


class Notice(db.Model):
    """One issued document. ``dedupe_key`` names the fact it answers (for example
    ``deemed:recipient:42``), so a sweep run twice cannot issue it twice."""

    __tablename__ = "notice"
    __table_args__ = (
        enum_check("kind", enums.NOTICE_KINDS),
        sa.CheckConstraint("period_end IS NULL OR period_end >= period_start", name="period_order"),
        sa.Index("ix_notice_kind_issued_on", "kind", "issued_on"),
        # Lists show the latest notices first (ORDER BY issued_on DESC, id DESC): an index
        # scan instead of sorting hundreds of thousands of notices with their bodies.
        sa.Index("ix_notice_issued_on_id", "issued_on", "id"),
        # Row scope by issuing unit (one arm of the scope's OR) and each unit's yearly
        # numbering (count per issuing unit and year, in the sweep's INSERT … SELECT).
        sa.Index("ix_notice_issuing_unit_id_issued_on", "issuing_unit_id", "issued_on"),
    )

    id: Mapped[int] = pk()
    kind: Mapped[str] = mapped_column(sa.String(30))
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    number: Mapped[str] = mapped_column(sa.String(20))
    symbol: Mapped[str] = mapped_column(sa.String(40))
    issuing_unit_id: Mapped[int] = fk("unit.id", index=False)
    recipient_unit_id: Mapped[int | None] = fk("unit.id", nullable=True)
    recipient_staff_id: Mapped[int | None] = fk("staff.id", nullable=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    task_id: Mapped[int | None] = fk("task.id", nullable=True)
    task_step_id: Mapped[int | None] = fk("task_step.id", nullable=True)
    consultation_recipient_id: Mapped[int | None] = fk("consultation_recipient.id", nullable=True)
    period_start: Mapped[date | None] = mapped_column(sa.Date)
    period_end: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = created_at()

    issuing_unit: Mapped[Unit] = relationship(foreign_keys=[issuing_unit_id])
    recipient_unit: Mapped[Unit | None] = relationship(foreign_keys=[recipient_unit_id])
    recipient_staff: Mapped[Staff | None] = relationship()
    task: Mapped[Task | None] = relationship()
    task_step: Mapped[TaskStep | None] = relationship()
    consultation_recipient: Mapped[ConsultationRecipient | None] = relationship()

    def __str__(self) -> str:
        return f"{self.number}/{self.symbol} — {self.subject}"
