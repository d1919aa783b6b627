"""Demo data: the directive's own world (UBND huyện Phong Thổ, Lai Châu, 2023–2025).

``seed_demo(session)`` is idempotent: every row is found by a business key (unit,
staff, task, consultation and inspection codes, usernames, proposal source keys,
notice dedupe keys …) and only what is missing is created; it returns the number of
rows created (0 on a second run). The caller commits.

Statuses are set relative to a fixed demo day, ``DEMO_TODAY`` (20/6/2025): tasks
done on time, done late, in progress within the deadline, at risk (due within 3
working days) and overdue; consultations answered, answered late, deemed agreed,
silent past the deadline and still pending (work for the deadline sweep), in
disagreement, suspended by a deadline issue. A few tasks and consultations are due
in 2027 so the live portal, on the real clock, also shows open work within its
deadline. All randomness comes from ``random.Random(280)``.

Demo accounts (password ``congvu-demo``):

========  ============  ==============================================
username  role          who
========  ============  ==============================================
admin     admin         chuyên viên, Văn phòng HĐND và UBND
leader    leadership    Trần Bảo Trung, Chủ tịch UBND huyện
inspector inspector     chuyên viên, Phòng Nội vụ (inspection lead)
head      unit_head     Trưởng phòng Tài nguyên và Môi trường
staff     staff         chuyên viên, Phòng Tài nguyên và Môi trường
head2     unit_head     Trưởng phòng Tài chính - Kế hoạch
commune   unit_head     Chủ tịch UBND xã Mường So
========  ============  ==============================================
"""
from __future__ import annotations

import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.auth.passwords import hash_password
from portal.models import Account, Role
from portal.models.base import utcnow

from .demo_consult import seed_consultations, seed_notices
from .demo_oversight import seed_calendar, seed_directive, seed_inspections, seed_proposals
from .demo_work import seed_tasks
from .demo_world import DEMO_TODAY, World, at, seed_functions, seed_staff, seed_units
from .reference import count_rows, seed_reference

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "DEMO_TODAY", "seed_demo"]

DEMO_PASSWORD = "congvu-demo"
RNG_SEED = 280

# username → (role code, unit code, how to pick the person in that unit)
DEMO_ACCOUNTS: dict[str, tuple[str, str, str]] = {
    "admin": ("admin", "PT-VP", "worker"),
    "leader": ("leadership", "PT", "head"),
    "inspector": ("inspector", "PT-NV", "worker"),
    "head": ("unit_head", "PT-TNMT", "head"),
    "staff": ("staff", "PT-TNMT", "worker"),
    "head2": ("unit_head", "PT-TCKH", "head"),
    "commune": ("unit_head", "PT-X-MS", "head"),
}


def _person(world: World, unit_code: str, pick: str):
    if pick == "head":
        return world.head_of(unit_code)
    return world.members(unit_code, managers=False)[0]


def seed_accounts(session: Session, world: World) -> None:
    """The demo logins; an account that already exists is left exactly as it is."""
    roles = {r.code: r for r in session.scalars(sa.select(Role))}
    existing = {a.username: a for a in session.scalars(sa.select(Account).where(Account.username.in_(DEMO_ACCOUNTS)))}
    for username, (role_code, unit_code, pick) in DEMO_ACCOUNTS.items():
        account = existing.get(username)
        if account is None:
            person = _person(world, unit_code, pick)
            account = Account(
                username=username, password_hash=hash_password(DEMO_PASSWORD), role_id=roles[role_code].id,
                staff_id=person.id, unit_id=person.unit_id, display_name=person.full_name, active=True,
                failed_logins=0, language="vi", created_at=min(utcnow(), at(DEMO_TODAY)),
            )
            session.add(account)
        world.accounts[username] = account
    session.flush()


def seed_demo(session: Session) -> int:
    """Create whatever of the demo world is missing; return the number of rows created."""
    before = count_rows(session)
    seed_reference(session)
    world = World(rng=random.Random(RNG_SEED))
    seed_units(session, world)
    seed_functions(session, world)
    seed_staff(session, world)
    seed_calendar(session)
    seed_accounts(session, world)
    seed_tasks(session, world)
    seed_consultations(session, world)
    seed_notices(session, world)
    findings = seed_inspections(session, world)
    seed_proposals(session, world, findings)
    seed_directive(session, world)
    session.flush()
    return count_rows(session) - before
