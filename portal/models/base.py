"""Column types and helpers shared by every model module."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Current instant, timezone-aware UTC (passed as a callable, never evaluated at import)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC; always returned timezone-aware.

    PostgreSQL keeps ``timestamp with time zone``; SQLite has no zone type, so the
    value is stored as UTC text and the zone is re-attached on the way out.
    """

    impl = sa.TIMESTAMP(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Thời điểm phải có múi giờ (naive datetime không được chấp nhận)")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def pk() -> Mapped[int]:
    """Surrogate key: an identity column on PostgreSQL, the rowid alias on SQLite."""
    return mapped_column(sa.Integer, sa.Identity(), primary_key=True)


def fk(target: str, *, nullable: bool = False, ondelete: str | None = None, index: bool = True) -> Any:
    return mapped_column(sa.ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index)


def enum_check(column: str, values: Mapping[str, str] | tuple[str, ...], *, nullable: bool = False) -> sa.CheckConstraint:
    """CHECK constraint restricting ``column`` to an enumeration's codes."""
    codes = ", ".join(f"'{v}'" for v in values)
    expr = f"{column} IN ({codes})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return sa.CheckConstraint(expr, name=column)


def created_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, nullable=False, default=utcnow)


def updated_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class RuleViolation(ValueError):
    """A row breaks a rule the model layer guards (one the database cannot express
    as a CHECK); ``str()`` is a Vietnamese message for users."""
