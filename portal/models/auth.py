"""Login accounts, roles and the permission matrix (data, not code)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from . import enums
from .base import UTCDateTime, created_at, enum_check, fk, pk
from .org import Staff, Unit


class Role(db.Model):
    __tablename__ = "role"
    __table_args__ = (enum_check("code", enums.ROLES),)

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))

    def __str__(self) -> str:
        return self.name


class Permission(db.Model):
    """One cell of the matrix: ``role`` may do ``action`` on ``resource``. Absent means denied."""

    __tablename__ = "permission"
    __table_args__ = (
        sa.UniqueConstraint("role_id", "resource", "action"),
        enum_check("action", enums.ACTIONS),
    )

    id: Mapped[int] = pk()
    role_id: Mapped[int] = fk("role.id", index=False)
    resource: Mapped[str] = mapped_column(sa.String(60))
    action: Mapped[str] = mapped_column(sa.String(20))

    role: Mapped[Role] = relationship()


class Account(UserMixin, db.Model):
    __tablename__ = "account"
    __table_args__ = (sa.CheckConstraint("failed_logins >= 0", name="failed_logins"),)

    id: Mapped[int] = pk()
    username: Mapped[str] = mapped_column(sa.String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role_id: Mapped[int] = fk("role.id")
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), unique=True)
    unit_id: Mapped[int] = fk("unit.id")
    display_name: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(sa.String(5))
    created_at: Mapped[datetime] = created_at()

    role: Mapped[Role] = relationship(lazy="joined")
    staff: Mapped[Staff | None] = relationship()
    unit: Mapped[Unit] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return bool(self.active)

    @property
    def role_code(self) -> str:
        return self.role.code

    def __str__(self) -> str:
        return f"{self.display_name} ({self.username})"
