"""The audit log and the claims of scheduled runs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import enums
from .base import UTCDateTime, enum_check, pk


class AuditLog(db.Model):
    """Append-only; each entry carries the hash of the previous one. ``prev_hash`` is
    unique so two writers can never fork the chain."""

    __tablename__ = "audit_log"
    __table_args__ = (
        enum_check("action", enums.AUDIT_ACTIONS),
        enum_check("source", enums.AUDIT_SOURCES),
        sa.Index("ix_audit_log_table_name_row_id", "table_name", "row_id"),
    )

    id: Mapped[int] = pk()
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(60), index=True)
    source: Mapped[str] = mapped_column(sa.String(10))
    action: Mapped[str] = mapped_column(sa.String(10))
    table_name: Mapped[str] = mapped_column(sa.String(60))
    row_id: Mapped[str | None] = mapped_column(sa.String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The inspection an entry concerns (inspections, their targets, samples, sample
    #: items, findings, recommendations), so that entries about a secret inspection
    #: are shown only to those who may know of it. Outside the hashed fields: it
    #: decides who reads an entry, not what the entry says. No foreign key: the log
    #: outlives the rows it describes.
    inspection_id: Mapped[int | None] = mapped_column(sa.Integer)


class JobTick(db.Model):
    """A claimed interval of a scheduled job: inserted in the same transaction as the
    run's effects, so two schedulers or workers cannot both run one interval."""

    __tablename__ = "job_tick"
    __table_args__ = (sa.UniqueConstraint("job", "tick"), enum_check("job", enums.SWEEP_JOBS))

    id: Mapped[int] = pk()
    job: Mapped[str] = mapped_column(sa.String(30))
    tick: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(sa.Integer)
    stats: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
