"""Integrity lives in the database and the model layer: a row that breaks a rule is
refused with a clear error and nothing else is written."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import ConsultationRecipient, Task, TaskStep, Unit
from portal.models.base import RuleViolation

from . import factories as f


def _counts(session: Session) -> dict[str, int]:
    return {
        name: session.scalar(sa.select(sa.func.count()).select_from(model))
        for name, model in {"unit": Unit, "task": Task, "task_step": TaskStep, "recipient": ConsultationRecipient}.items()
    }


def refused(session: Session, action: Callable[[], object], error: type[Exception] = IntegrityError) -> Exception:
    """Run ``action`` in a savepoint; it must fail and leave every table as it was."""
    before = _counts(session)
    with pytest.raises(error) as caught:
        with session.begin_nested():
            action()
            session.flush()
    session.expire_all()
    assert _counts(session) == before
    return caught.value


@pytest.fixture
def world(session: Session) -> dict[str, object]:
    district = f.unit(session, kind="district", name="Huyện thử")
    office = f.unit(session, parent=district, name="Phòng thử")
    other = f.unit(session, parent=district, name="Phòng khác")
    person = f.staff(session, office)
    return {"district": district, "office": office, "other": other, "person": person}


def test_unit_paths_are_maintained(session: Session, world: dict) -> None:
    district, office = world["district"], world["office"]
    school = f.unit(session, parent=office, kind="school")
    assert district.path == f"/{district.id}/" and district.depth == 0
    assert school.path == f"/{district.id}/{office.id}/{school.id}/" and school.depth == 2
    office.parent = world["other"]
    session.flush()
    session.refresh(school)
    assert school.path == f"/{district.id}/{world['other'].id}/{office.id}/{school.id}/"
    assert school.depth == 3


def test_unit_cannot_be_its_own_ancestor(session: Session, world: dict) -> None:
    district, office = world["district"], world["office"]

    def make_cycle() -> None:
        district.parent_id = office.id

    err = refused(session, make_cycle, RuleViolation)
    assert "cấp dưới của chính nó" in str(err)


def test_unit_cannot_be_its_own_parent(session: Session, world: dict) -> None:
    office = world["office"]

    def self_parent() -> None:
        office.parent_id = office.id

    refused(session, self_parent, RuleViolation)


def test_step_due_after_its_task_is_refused(session: Session, world: dict) -> None:
    task = f.task(session, world["office"], due=date(2025, 3, 31))
    err = refused(session, lambda: session.add(
        TaskStep(task=task, seq=1, title="Thẩm định", responsible=world["person"], due_date=date(2025, 4, 2))
    ), RuleViolation)
    assert "không được sau thời hạn của nhiệm vụ" in str(err)


def test_task_due_before_received_is_refused(session: Session, world: dict) -> None:
    refused(session, lambda: f.task(session, world["office"], received=date(2025, 3, 10), due=date(2025, 3, 1)))


def test_consultation_deadline_before_sending_is_refused(session: Session, world: dict) -> None:
    refused(session, lambda: f.consultation(
        session, world["office"], world["district"], sent=date(2025, 3, 10), deadline=date(2025, 3, 5)
    ))


def test_unknown_enumeration_value_is_refused(session: Session, world: dict) -> None:
    err = refused(session, lambda: f.unit(session, parent=world["district"], kind="galaxy"))
    assert "ck_unit_kind" in str(err)


def test_duplicate_answer_from_one_consulted_unit_is_refused(session: Session, world: dict) -> None:
    consultation = f.consultation(session, world["office"], world["district"])
    f.recipient(session, consultation, world["other"])
    err = refused(session, lambda: f.recipient(session, consultation, world["other"]))
    assert "uq_consultation_recipient_consultation_id_unit_id" in str(err) or "UNIQUE" in str(err)


def test_disagreement_without_reasons_is_refused(session: Session, world: dict) -> None:
    consultation = f.consultation(session, world["office"], world["district"])
    refused(session, lambda: f.recipient(
        session, consultation, world["other"], answer="disagree", answer_text="  ", answered_at=f.utc(2025, 3, 4)
    ))


def test_foreign_keys_are_enforced(session: Session, world: dict) -> None:
    refused(session, lambda: f.staff(session, world["office"]).__setattr__("unit_id", 999_999))


def test_done_task_needs_completion_time(session: Session, world: dict) -> None:
    refused(session, lambda: f.task(session, world["office"], status="done"))


def test_decided_proposal_needs_a_different_decider(session: Session, world: dict) -> None:
    from portal.models import Account, Reassignment, Role

    role = session.scalar(sa.select(Role).limit(1)) or Role(code="leadership", name="Lãnh đạo")
    account = Account(username=f.unique("u"), password_hash="x", role=role, unit=world["office"], display_name="A")
    session.add(account)
    session.flush()
    refused(session, lambda: session.add(Reassignment(
        staff=world["person"], reason="Chậm trễ nhiều lần", status="approved",
        proposed_by_id=account.id, decided_by_id=account.id, decided_at=f.utc(2025, 3, 4),
    )))
