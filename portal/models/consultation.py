"""Consultations (lấy ý kiến), the units consulted and their answers (item 4)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from . import enums
from .base import UTCDateTime, created_at, enum_check, fk, pk
from .org import Unit
from .task import Task


class Consultation(db.Model):
    __tablename__ = "consultation"
    __table_args__ = (
        enum_check("status", enums.CONSULTATION_STATUSES),
        enum_check("deadline_kind", enums.DEADLINE_KINDS),
        sa.CheckConstraint("deadline >= sent_on", name="deadline_after_sent"),
        sa.CheckConstraint(
            "(deadline_kind = 'working_days' AND deadline_working_days > 0)"
            " OR (deadline_kind = 'date' AND deadline_working_days IS NULL)",
            name="deadline_kind_days",
        ),
        sa.Index("ix_consultation_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    proposal: Mapped[str | None] = mapped_column(sa.Text)
    task_id: Mapped[int | None] = fk("task.id", nullable=True)
    consulting_unit_id: Mapped[int] = fk("unit.id")
    competent_unit_id: Mapped[int] = fk("unit.id")
    sent_on: Mapped[date] = mapped_column(sa.Date)
    deadline_kind: Mapped[str] = mapped_column(sa.String(20), default="date")
    deadline_working_days: Mapped[int | None] = mapped_column(sa.Integer)
    # Indexed alone too: the list's default order (latest deadline first) at 200,000 rows.
    deadline: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = fk("account.id", nullable=True, index=False)
    created_at: Mapped[datetime] = created_at()

    task: Mapped[Task | None] = relationship()
    consulting_unit: Mapped[Unit] = relationship(foreign_keys=[consulting_unit_id])
    competent_unit: Mapped[Unit] = relationship(foreign_keys=[competent_unit_id])
    recipients: Mapped[list[ConsultationRecipient]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="ConsultationRecipient.id"
    )

    def __str__(self) -> str:
        return f"{self.code} — {self.subject}"


class ConsultationRecipient(db.Model):
    """A consulted unit: why it is relevant, its one answer, and its outcome."""

    __tablename__ = "consultation_recipient"
    __table_args__ = (
        sa.UniqueConstraint("consultation_id", "unit_id"),
        enum_check("outcome", enums.RECIPIENT_OUTCOMES),
        enum_check("answer", enums.ANSWERS, nullable=True),
        enum_check("resolution", enums.RESOLUTIONS, nullable=True),
        sa.CheckConstraint("length(trim(relevance_reason)) > 0", name="relevance_given"),
        sa.CheckConstraint(
            "answer IS NULL OR answer <> 'disagree'"
            " OR (answer_text IS NOT NULL AND length(trim(answer_text)) > 0)",
            name="disagree_has_reasons",
        ),
        sa.CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answer_has_time"),
        sa.CheckConstraint(
            "(outcome = 'deemed_agreed') = (deemed_agreed_at IS NOT NULL)", name="deemed_has_time"
        ),
        sa.CheckConstraint("resolution IS NULL OR answer = 'disagree'", name="resolution_for_disagreement"),
        # Answers by outcome in a period; covering for the per-unit figures of the
        # dashboards and scorecards (no row read for the unit and lateness).
        sa.Index("ix_consultation_recipient_outcome_deadline_unit_late",
                 "outcome", "deadline", "unit_id", "answered_late"),
        # A unit's answers by outcome and deadline (misses per unit, evidence for proposals);
        # leads with unit_id, so it also serves the foreign key.
        sa.Index("ix_consultation_recipient_unit_id_outcome_deadline", "unit_id", "outcome", "deadline"),
    )

    id: Mapped[int] = pk()
    consultation_id: Mapped[int] = fk("consultation.id", ondelete="CASCADE", index=False)
    unit_id: Mapped[int] = fk("unit.id", index=False)
    relevance_reason: Mapped[str] = mapped_column(sa.Text)
    deadline: Mapped[date] = mapped_column(sa.Date)
    outcome: Mapped[str] = mapped_column(sa.String(20), default="pending")
    answer: Mapped[str | None] = mapped_column(sa.String(30))
    answer_text: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = fk("account.id", nullable=True, index=False)
    answered_late: Mapped[bool | None] = mapped_column(sa.Boolean)
    deemed_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(sa.String(20))
    resolution_note: Mapped[str | None] = mapped_column(sa.Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consultation: Mapped[Consultation] = relationship(back_populates="recipients")
    unit: Mapped[Unit] = relationship()
    deadline_issues: Mapped[list[DeadlineIssue]] = relationship(
        back_populates="recipient", cascade="all, delete-orphan", order_by="DeadlineIssue.filed_at"
    )

    def __str__(self) -> str:
        return f"{self.consultation.code if self.consultation else ''} → {self.unit}"


class DeadlineIssue(db.Model):
    """A written notice from a consulted unit, before the deadline, that a problem
    affects its answer; it suspends deemed agreement until the consulting unit decides."""

    __tablename__ = "deadline_issue"
    __table_args__ = (
        enum_check("decision", enums.DEADLINE_ISSUE_DECISIONS, nullable=True),
        sa.CheckConstraint("length(trim(description)) > 0", name="description_given"),
        sa.CheckConstraint(
            "decision IS NULL OR decision <> 'extend' OR new_deadline IS NOT NULL", name="extend_has_date"
        ),
        sa.CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", name="decision_has_time"),
    )

    id: Mapped[int] = pk()
    recipient_id: Mapped[int] = fk("consultation_recipient.id", ondelete="CASCADE")
    document_ref: Mapped[str] = mapped_column(sa.String(60))
    description: Mapped[str] = mapped_column(sa.Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(sa.String(20))
    new_deadline: Mapped[date | None] = mapped_column(sa.Date)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = fk("account.id", nullable=True, index=False)

    recipient: Mapped[ConsultationRecipient] = relationship(back_populates="deadline_issues")
