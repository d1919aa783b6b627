"""Written notices and reports the system issues (thông báo, báo cáo, nhắc việc)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from . import enums
from .base import created_at, enum_check, fk, pk
from .consultation import ConsultationRecipient
from .org import Staff, Unit
from .task import Task, TaskStep


def _year_of_issue(context: Any) -> int | None:
    issued_on = context.get_current_parameters().get("issued_on")
    return issued_on.year if issued_on is not None else None


class Notice(db.Model):
    """One issued document. ``dedupe_key`` names the fact it answers (for example
    ``deemed:recipient:42``), so a sweep run twice cannot issue it twice.

    ``number`` is the document's place in the issuing unit's register of the year
    (Decree 30/2020: "số thứ tự văn bản … trong một năm"); ``issued_year`` is the
    year of ``issued_on``, kept here so the register is one UNIQUE key."""

    __tablename__ = "notice"
    __table_args__ = (
        enum_check("kind", enums.NOTICE_KINDS),
        sa.CheckConstraint("period_end IS NULL OR period_end >= period_start", name="period_order"),
        # Plain decimals without leading zeros: "7" and "07" cannot both be number 7, and
        # the next number is MAX(CAST(number AS INTEGER)) + 1 on both engines.
        sa.CheckConstraint(
            "length(number) BETWEEN 1 AND 9 AND ltrim(number, '0123456789') = '' AND substr(number, 1, 1) <> '0'",
            name="number_digits",
        ),
        sa.UniqueConstraint("issued_year", "issuing_unit_id", "number"),
        sa.Index("ix_notice_kind_issued_on", "kind", "issued_on"),
        # Lists show the latest notices first (ORDER BY issued_on DESC, id DESC): an index
        # scan instead of sorting hundreds of thousands of notices with their bodies.
        sa.Index("ix_notice_issued_on_id", "issued_on", "id"),
        # Row scope by issuing unit (one arm of the scope's OR). The yearly registers
        # (highest number per issuing unit) are ranges of the UNIQUE key above.
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
    # Filled from issued_on (the validator for ORM rows, the default for Core inserts
    # given issued_on); the set-based INSERT … SELECT of the sweep writes it itself.
    issued_year: Mapped[int] = mapped_column(sa.Integer, default=_year_of_issue)
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

    @validates("issued_on")
    def _keep_year(self, _key: str, value: date | None) -> date | None:
        if value is not None:
            self.issued_year = value.year
        return value

    def __str__(self) -> str:
        return f"{self.number}/{self.symbol} — {self.subject}"
