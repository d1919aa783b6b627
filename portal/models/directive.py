"""Directives and each person's acknowledgement of them (quán triệt, item 1)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, created_at, fk, pk
from .org import Staff, Unit


class Directive(db.Model):
    __tablename__ = "directive"
    __table_args__ = (
        sa.CheckConstraint("acknowledge_by IS NULL OR acknowledge_by >= issued_on", name="ack_after_issue"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    issued_on: Mapped[date] = mapped_column(sa.Date, index=True)
    issuing_unit_id: Mapped[int] = fk("unit.id")
    summary: Mapped[str | None] = mapped_column(sa.Text)
    acknowledge_by: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = created_at()

    issuing_unit: Mapped[Unit] = relationship()

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class Acknowledgement(db.Model):
    __tablename__ = "acknowledgement"
    __table_args__ = (sa.UniqueConstraint("directive_id", "staff_id"),)

    id: Mapped[int] = pk()
    directive_id: Mapped[int] = fk("directive.id", ondelete="CASCADE", index=False)
    staff_id: Mapped[int] = fk("staff.id")
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.String(300))

    directive: Mapped[Directive] = relationship()
    staff: Mapped[Staff] = relationship()
