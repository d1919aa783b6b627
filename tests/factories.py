"""Small row builders for tests (explicit, so each test shows what it relies on)."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from portal.models import Consultation, ConsultationRecipient, Staff, Task, TaskStep, Unit

_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_seq):05d}"


def unit(session: Session, *, parent: Unit | None = None, kind: str = "office", name: str | None = None, **kw: Any) -> Unit:
    row = Unit(
        code=unique("TU"), name=name or unique("Đơn vị thử"), kind=kind, parent=parent,
        path="/", depth=0, valid_from=date(2020, 1, 1), **kw,
    )
    session.add(row)
    session.flush()
    return row


def staff(session: Session, unit_: Unit, *, category: str = "cong_chuc", **kw: Any) -> Staff:
    row = Staff(
        code=unique("TS"), full_name=kw.pop("full_name", "Nguyễn Văn Thử"), category=category,
        position=kw.pop("position", "Chuyên viên"), unit=unit_, **kw,
    )
    session.add(row)
    session.flush()
    return row


def task(session: Session, lead: Unit, *, received: date = date(2025, 3, 3), due: date = date(2025, 3, 31), **kw: Any) -> Task:
    row = Task(
        code=unique("TT"), title=kw.pop("title", "Giải quyết hồ sơ thử"), lead_unit=lead,
        authority_unit=kw.pop("authority", lead), received_on=received, legal_due_date=due, due_date=due, **kw,
    )
    session.add(row)
    session.flush()
    return row


def step(session: Session, task_: Task, person: Staff, *, seq: int = 1, due: date | None = None) -> TaskStep:
    row = TaskStep(task=task_, seq=seq, title=f"Bước {seq}", responsible=person, due_date=due or task_.due_date)
    session.add(row)
    session.flush()
    return row


def consultation(session: Session, lead: Unit, authority: Unit, *, sent: date = date(2025, 3, 3),
                 deadline: date = date(2025, 3, 10), **kw: Any) -> Consultation:
    row = Consultation(
        code=unique("TC"), subject=kw.pop("subject", "Lấy ý kiến dự thảo"), consulting_unit=lead,
        competent_unit=authority, sent_on=sent, deadline=deadline, **kw,
    )
    session.add(row)
    session.flush()
    return row


def recipient(session: Session, consultation_: Consultation, unit_: Unit, **kw: Any) -> ConsultationRecipient:
    row = ConsultationRecipient(
        consultation=consultation_, unit=unit_, relevance_reason=kw.pop("reason", "Liên quan chức năng quản lý"),
        deadline=kw.pop("deadline", consultation_.deadline), **kw,
    )
    session.add(row)
    session.flush()
    return row


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
