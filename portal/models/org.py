"""Organisation: units as a typed tree with validity dates, functions as data, staff."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from . import enums
from .base import created_at, enum_check, fk, pk


class Unit(db.Model):
    """An organ of local government (province, district, office, commune, school …).

    ``path`` is the materialised path of ids ("/1/5/23/") so that subtree scope is
    one indexed prefix comparison instead of a recursive query.
    """

    __tablename__ = "unit"
    __table_args__ = (
        enum_check("kind", enums.UNIT_KINDS),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_order"),
        sa.CheckConstraint("depth >= 0", name="depth"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    short_name: Mapped[str | None] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    parent_id: Mapped[int | None] = fk("unit.id", nullable=True)
    path: Mapped[str] = mapped_column(sa.String(400), index=True)
    depth: Mapped[int] = mapped_column(sa.Integer)
    place: Mapped[str | None] = mapped_column(sa.String(80))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = created_at()

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def __str__(self) -> str:
        return self.name


class UnitFunction(db.Model):
    """A function a unit may hold, e.g. ``inspection_lead`` or ``home_affairs``."""

    __tablename__ = "unit_function"

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))

    def __str__(self) -> str:
        return self.name


class UnitFunctionAssignment(db.Model):
    __tablename__ = "unit_function_assignment"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "function_id", "valid_from"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_order"),
    )

    id: Mapped[int] = pk()
    unit_id: Mapped[int] = fk("unit.id")
    function_id: Mapped[int] = fk("unit_function.id")
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    unit: Mapped[Unit] = relationship()
    function: Mapped[UnitFunction] = relationship()


class Staff(db.Model):
    """A cán bộ, công chức, viên chức or người lao động."""

    __tablename__ = "staff"
    __table_args__ = (
        enum_check("category", enums.STAFF_CATEGORIES),
        enum_check("status", enums.STAFF_STATUSES),
        sa.Index("ix_staff_unit_id_full_name", "unit_id", "full_name"),
    )

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120), index=True)
    category: Mapped[str] = mapped_column(sa.String(20), index=True)
    position: Mapped[str] = mapped_column(sa.String(120))
    is_manager: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    unit_id: Mapped[int] = fk("unit.id", index=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    email: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    created_at: Mapped[datetime] = created_at()

    unit: Mapped[Unit] = relationship()

    def __str__(self) -> str:
        return self.full_name
