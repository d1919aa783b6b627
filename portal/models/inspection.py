"""Public-duty inspections (kiểm tra công vụ), their samples, findings and recommendations."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from . import enums
from .base import UTCDateTime, created_at, enum_check, fk, pk
from .org import Staff, Unit
from .task import Task


class Inspection(db.Model):
    __tablename__ = "inspection"
    __table_args__ = (
        enum_check("mode", enums.INSPECTION_MODES),
        enum_check("status", enums.INSPECTION_STATUSES),
        sa.CheckConstraint("ended_at IS NULL OR started_at IS NOT NULL", name="ended_after_started"),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="time_order"),
        # Secrecy of unannounced inspections turns on started_at: a started status needs it.
        sa.CheckConstraint("status NOT IN ('in_progress', 'closed') OR started_at IS NOT NULL", name="started_has_time"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    mode: Mapped[str] = mapped_column(sa.String(20), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="planned", index=True)
    lead_unit_id: Mapped[int] = fk("unit.id")
    planned_on: Mapped[date] = mapped_column(sa.Date)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = fk("account.id", nullable=True, index=False)
    created_at: Mapped[datetime] = created_at()

    lead_unit: Mapped[Unit] = relationship()
    targets: Mapped[list[InspectionTarget]] = relationship(back_populates="inspection", cascade="all, delete-orphan")
    samples: Mapped[list[Sample]] = relationship(back_populates="inspection")
    findings: Mapped[list[Finding]] = relationship(back_populates="inspection", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class InspectionTarget(db.Model):
    """A unit being inspected (named by hand or drawn in a sample)."""

    __tablename__ = "inspection_target"
    __table_args__ = (sa.UniqueConstraint("inspection_id", "unit_id"),)

    id: Mapped[int] = pk()
    inspection_id: Mapped[int] = fk("inspection.id", ondelete="CASCADE", index=False)
    unit_id: Mapped[int] = fk("unit.id")

    inspection: Mapped[Inspection] = relationship(back_populates="targets")
    unit: Mapped[Unit] = relationship()


class Sample(db.Model):
    """The append-only record of one ``vsample-v1`` draw."""

    __tablename__ = "sample"
    __table_args__ = (
        sa.CheckConstraint("algorithm = 'vsample-v1'", name="algorithm"),
        enum_check("population_kind", enums.POPULATION_KINDS),
        enum_check("weighting", enums.WEIGHTINGS),
        enum_check("status", enums.SAMPLE_STATUSES),
        enum_check("seed_source", ("dice", "random")),
        sa.CheckConstraint("length(seed_commitment) = 64", name="commitment_hex"),
        sa.CheckConstraint("weight_cap IS NULL OR weight_cap >= 1", name="weight_cap"),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        sa.CheckConstraint("population_size IS NULL OR population_size >= 0", name="population_size"),
    )

    id: Mapped[int] = pk()
    inspection_id: Mapped[int] = fk("inspection.id")
    extends_sample_id: Mapped[int | None] = fk("sample.id", nullable=True)
    algorithm: Mapped[str] = mapped_column(sa.String(20), default="vsample-v1")
    population_kind: Mapped[str] = mapped_column(sa.String(10))
    domain: Mapped[str] = mapped_column(sa.String(200))
    seed_source: Mapped[str] = mapped_column(sa.String(10))
    seed: Mapped[str | None] = mapped_column(sa.String(128))
    seed_commitment: Mapped[str] = mapped_column(sa.String(64))
    seed_revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    weighting: Mapped[str] = mapped_column(sa.String(10), default="uniform")
    weight_cap: Mapped[int | None] = mapped_column(sa.Integer)
    filters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    strata_by: Mapped[str | None] = mapped_column(sa.String(40))
    sizes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    suggested_size: Mapped[int | None] = mapped_column(sa.Integer)
    size_reason: Mapped[str | None] = mapped_column(sa.Text)
    population_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    population_size: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    job_id: Mapped[str | None] = mapped_column(sa.String(60))
    requested_by_id: Mapped[int | None] = fk("account.id", nullable=True, index=False)
    requested_at: Mapped[datetime] = created_at()
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    inspection: Mapped[Inspection] = relationship(back_populates="samples")
    items: Mapped[list[SampleItem]] = relationship(
        back_populates="sample", order_by="(SampleItem.stratum, SampleItem.rank)"
    )

    def __str__(self) -> str:
        return f"Mẫu #{self.id} ({self.domain})"


class SampleItem(db.Model):
    __tablename__ = "sample_item"
    __table_args__ = (
        sa.UniqueConstraint("sample_id", "stratum", "rank"),
        sa.UniqueConstraint("sample_id", "item_id"),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
        sa.CheckConstraint("length(key_hex) = 64", name="key_hex"),
    )

    id: Mapped[int] = pk()
    sample_id: Mapped[int] = fk("sample.id", ondelete="CASCADE", index=False)
    stratum: Mapped[str] = mapped_column(sa.String(200))
    rank: Mapped[int] = mapped_column(sa.Integer)
    item_id: Mapped[str] = mapped_column(sa.String(200))
    key_hex: Mapped[str] = mapped_column(sa.String(64))
    is_replacement: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    unit_id: Mapped[int | None] = fk("unit.id", nullable=True)
    staff_id: Mapped[int | None] = fk("staff.id", nullable=True)
    task_id: Mapped[int | None] = fk("task.id", nullable=True)

    sample: Mapped[Sample] = relationship(back_populates="items")
    unit: Mapped[Unit | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    task: Mapped[Task | None] = relationship()


class Finding(db.Model):
    __tablename__ = "finding"
    __table_args__ = (
        enum_check("kind", enums.FINDING_KINDS),
        enum_check("severity", enums.SEVERITIES),
        sa.CheckConstraint("length(trim(description)) > 0", name="description_given"),
    )

    id: Mapped[int] = pk()
    inspection_id: Mapped[int] = fk("inspection.id", ondelete="CASCADE")
    unit_id: Mapped[int] = fk("unit.id")
    staff_id: Mapped[int | None] = fk("staff.id", nullable=True)
    task_id: Mapped[int | None] = fk("task.id", nullable=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    severity: Mapped[str] = mapped_column(sa.String(10), default="minor")
    description: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = created_at()
    recorded_by_id: Mapped[int | None] = fk("account.id", nullable=True, index=False)

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    unit: Mapped[Unit] = relationship()
    staff: Mapped[Staff | None] = relationship()
    task: Mapped[Task | None] = relationship()
    recommendations: Mapped[list[Recommendation]] = relationship(back_populates="finding", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return f"{enums.FINDING_KINDS.get(self.kind, self.kind)}: {self.description[:60]}"


class Recommendation(db.Model):
    __tablename__ = "recommendation"
    __table_args__ = (
        enum_check("kind", enums.RECOMMENDATION_KINDS),
        enum_check("status", enums.RECOMMENDATION_STATUSES),
        sa.CheckConstraint("length(trim(text)) > 0", name="text_given"),
    )

    id: Mapped[int] = pk()
    finding_id: Mapped[int] = fk("finding.id", ondelete="CASCADE")
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_at: Mapped[datetime] = created_at()

    finding: Mapped[Finding] = relationship(back_populates="recommendations")
