"""A small hand-made organisation for the rule tests, built inside each test's
rolled-back transaction (the demo world is there too, but no test counts on it).

    root (district) ── lead office A ── (staff a1, head of A)
                    ├─ office B ────── school B1 (staff b1)
                    └─ office C
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Account, Role, Staff, Unit
from portal.services.workdays import TZ

_seq = itertools.count(1)


def code(prefix: str) -> str:
    return f"{prefix}-R{next(_seq):05d}"


def ict(*args: int) -> datetime:
    """An instant given in Asia/Ho_Chi_Minh local time."""
    return datetime(*args, tzinfo=TZ)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def make_unit(session: Session, name: str, parent: Unit | None = None, kind: str = "office",
              place: str | None = None) -> Unit:
    unit = Unit(code=code("U"), name=name, short_name=name, kind=kind, parent=parent, path="/",
                depth=0 if parent is None else parent.depth + 1, place=place, valid_from=date(2020, 1, 1))
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent is not None else "/") + f"{unit.id}/"
    session.flush()
    return unit


def make_staff(session: Session, unit: Unit, name: str, *, manager: bool = False,
               position: str = "Chuyên viên", status: str = "active") -> Staff:
    staff = Staff(code=code("S"), full_name=name, category="cong_chuc", position=position,
                  is_manager=manager, unit=unit, status=status)
    session.add(staff)
    session.flush()
    return staff


def make_account(session: Session, unit: Unit, staff: Staff | None = None, role: str = "unit_head") -> Account:
    role_row = session.scalar(sa.select(Role).where(Role.code == role))
    if role_row is None:
        role_row = Role(code=role, name=role)
        session.add(role_row)
        session.flush()
    account = Account(username=code("acc").lower(), password_hash="x", role=role_row, staff=staff, unit=unit,
                      display_name=staff.full_name if staff else unit.name)
    session.add(account)
    session.flush()
    return account


@dataclass
class World:
    session: Session
    root: Unit
    a: Unit
    b: Unit
    b1: Unit
    c: Unit
    head_a: Staff
    a1: Staff
    head_b: Staff
    b1_staff: Staff
    head_c: Staff
    acc_a: Account
    acc_b: Account
    acc_b1: Account
    acc_c: Account
    acc_a1: Account
    leader: Account


@pytest.fixture
def world(session: Session) -> World:
    root = make_unit(session, "UBND huyện Thử Nghiệm", kind="district", place="Phong Thổ")
    a = make_unit(session, "Phòng Tài nguyên và Môi trường (thử)", root, place="Phong Thổ")
    b = make_unit(session, "Phòng Tài chính - Kế hoạch (thử)", root)
    b1 = make_unit(session, "Trường Tiểu học Thử", b, kind="school")
    c = make_unit(session, "Phòng Tư pháp (thử)", root)
    head_a = make_staff(session, a, "Lò Văn Trưởng", manager=True, position="Trưởng phòng")
    a1 = make_staff(session, a, "Nguyễn Thị Một")
    head_b = make_staff(session, b, "Vàng A Bình", manager=True, position="Trưởng phòng")
    b1_staff = make_staff(session, b1, "Tẩn Thị Hoa")
    head_c = make_staff(session, c, "Đỗ Văn Cường", manager=True, position="Trưởng phòng")
    leader_staff = make_staff(session, root, "Chủ tịch Thử", manager=True, position="Chủ tịch")
    return World(
        session=session, root=root, a=a, b=b, b1=b1, c=c, head_a=head_a, a1=a1, head_b=head_b,
        b1_staff=b1_staff, head_c=head_c,
        acc_a=make_account(session, a, head_a), acc_b=make_account(session, b, head_b),
        acc_b1=make_account(session, b1, b1_staff, role="staff"), acc_c=make_account(session, c, head_c),
        acc_a1=make_account(session, a, a1, role="staff"),
        leader=make_account(session, root, leader_staff, role="leadership"),
    )
