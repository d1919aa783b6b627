"""Reference data with effective dates, editable by administrators."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import enums
from .base import enum_check, pk

VALIDITY = "valid_to IS NULL OR valid_to >= valid_from"


class DisciplineForm(db.Model):
    """A form of discipline for a staff category (NĐ 112/2020, 71/2023, 172/2025)."""

    __tablename__ = "discipline_form"
    __table_args__ = (
        sa.UniqueConstraint("code", "staff_category", "for_managers", "valid_from"),
        enum_check("staff_category", enums.STAFF_CATEGORIES),
        sa.CheckConstraint(VALIDITY, name="validity_order"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    staff_category: Mapped[str] = mapped_column(sa.String(20))
    for_managers: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    severity: Mapped[int] = mapped_column(sa.Integer)
    legal_basis: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    def __str__(self) -> str:
        return self.name


class CommendationTitle(db.Model):
    """A commendation form or emulation title (Luật Thi đua, khen thưởng 2022)."""

    __tablename__ = "commendation_title"
    __table_args__ = (
        sa.UniqueConstraint("code", "valid_from"),
        enum_check("target", enums.TITLE_TARGETS),
        sa.CheckConstraint(VALIDITY, name="validity_order"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    target: Mapped[str] = mapped_column(sa.String(10))
    awarding_authority: Mapped[str] = mapped_column(sa.String(200))
    legal_basis: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    def __str__(self) -> str:
        return self.name


class RatingLevel(db.Model):
    """Annual quality rating level (NĐ 90/2020, 48/2023)."""

    __tablename__ = "rating_level"
    __table_args__ = (
        sa.UniqueConstraint("code", "valid_from"),
        sa.CheckConstraint(VALIDITY, name="validity_order"),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    rank: Mapped[int] = mapped_column(sa.Integer)
    legal_basis: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    def __str__(self) -> str:
        return self.name


class CalendarException(db.Model):
    """An extra day off or a make-up working day, entered by administrators."""

    __tablename__ = "calendar_exception"
    __table_args__ = (enum_check("kind", enums.CALENDAR_KINDS),)

    id: Mapped[int] = pk()
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(200))

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} — {self.reason}"
