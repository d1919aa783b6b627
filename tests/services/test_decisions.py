"""Leadership decisions (DOMAIN.md items 6–8): who may decide, once, and with what.

Rows are created here with their own codes so the tests do not depend on the demo
seed; roles are looked up by code and created only if missing. After every refusal
the proposal is re-read from the database and must be exactly as before.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.models import (
    Account,
    AuditLog,
    Commendation,
    CommendationTitle,
    DisciplinaryReview,
    DisciplineForm,
    Reassignment,
    Role,
    Staff,
    Unit,
)
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.audit import audit_actor, verify_chain
from portal.services.decisions import approve, assert_editable, reject
from portal.services.workdays import local_today

_seq = itertools.count(1)


def code(prefix: str) -> str:
    return f"{prefix}-DEC-{next(_seq):04d}"


class World:
    """A unit, two leaders, a unit head and a staff member, made inside the test's transaction."""

    def __init__(self, session) -> None:
        self.session = session
        self.unit = Unit(code=code("U"), name="Phòng thử quyết định", kind="office", path="/", depth=0,
                         valid_from=date(2020, 1, 1))
        session.add(self.unit)
        session.flush()
        self.leader = self.account("leadership")
        self.other_leader = self.account("leadership")
        self.head = self.account("unit_head")
        self.person = self.staff("cong_chuc")

    def role(self, role_code: str) -> Role:
        found = self.session.scalar(sa.select(Role).where(Role.code == role_code))
        if found is None:
            found = Role(code=role_code, name=role_code)
            self.session.add(found)
        return found

    def account(self, role_code: str) -> Account:
        row = Account(username=code("acc").lower(), password_hash="x", role=self.role(role_code), unit=self.unit,
                      display_name="Tài khoản thử")
        self.session.add(row)
        self.session.flush()
        return row

    def staff(self, category: str, *, manager: bool = False) -> Staff:
        row = Staff(code=code("S"), full_name="Nguyễn Văn Thử", category=category, position="Chuyên viên",
                    is_manager=manager, unit=self.unit)
        self.session.add(row)
        self.session.flush()
        return row

    def reassignment(self, proposer: Account | None = None) -> Reassignment:
        row = Reassignment(staff=self.person, reason="Nhiều nhiệm vụ quá hạn kéo dài",
                           proposed_by_id=(proposer or self.head).id, proposed_position="Chuyên viên lưu trữ")
        self.session.add(row)
        self.session.flush()
        return row

    def commendation(self) -> Commendation:
        title = CommendationTitle(code=code("T"), name="Giấy khen", target="both", awarding_authority="UBND huyện",
                                  legal_basis="Luật Thi đua, khen thưởng 2022", valid_from=date(2024, 1, 1))
        row = Commendation(target_kind="person", staff=self.person, title=title, reason="Đúng hạn 100%",
                           proposed_by_id=self.head.id)
        self.session.add(row)
        self.session.flush()
        return row

    def review(self, person: Staff) -> DisciplinaryReview:
        row = DisciplinaryReview(staff=person, reason="Đùn đẩy, gây chậm hồ sơ", proposed_by_id=self.head.id)
        self.session.add(row)
        self.session.flush()
        return row

    def form(self, category: str, *, managers: bool = False, valid_from: date = date(2020, 9, 18),
             valid_to: date | None = None) -> DisciplineForm:
        row = DisciplineForm(code=code("F"), name="Khiển trách (thử)", staff_category=category, for_managers=managers,
                             severity=1, legal_basis="Nghị định thử", valid_from=valid_from, valid_to=valid_to)
        self.session.add(row)
        self.session.flush()
        return row


@pytest.fixture
def world(session) -> World:
    return World(session)


def columns(row) -> dict:
    return {c.key: getattr(row, c.key) for c in sa.inspect(type(row)).column_attrs}


def last_audit_id(session) -> int:
    return session.scalar(sa.select(sa.func.max(AuditLog.id))) or 0


def refused(session, proposal, call, message: str) -> None:
    """``call`` must raise DomainError with ``message`` and change nothing (row and log)."""
    before, mark = columns(proposal), last_audit_id(session)
    with pytest.raises(DomainError, match=message):
        call()
    session.refresh(proposal)
    assert columns(proposal) == before
    assert last_audit_id(session) == mark


def test_leadership_approves_records_decider_time_and_an_audit_event(session, world):
    proposal = world.reassignment()
    started = utcnow()
    mark = last_audit_id(session)
    with audit_actor(world.leader.username, "web"):
        approve(session, proposal, world.leader, "  Đồng ý điều chuyển  ")
    session.refresh(proposal)
    assert (proposal.status, proposal.decided_by_id, proposal.decision_reason) == (
        "approved", world.leader.id, "Đồng ý điều chuyển")
    assert started <= proposal.decided_at <= utcnow()
    entries = list(session.scalars(sa.select(AuditLog).where(AuditLog.id > mark).order_by(AuditLog.id)))
    assert [(e.action, e.table_name, e.row_id) for e in entries] == [
        ("update", "reassignment", str(proposal.id)), ("approve", "reassignment", str(proposal.id))]
    event = entries[-1]
    assert (event.actor, event.source) == (world.leader.username, "web")
    assert event.before["status"] == "proposed" and event.before["decided_by_id"] is None
    assert event.after["status"] == "approved" and event.after["decided_by_id"] == world.leader.id
    assert datetime.fromisoformat(event.after["decided_at"]) == proposal.decided_at
    assert verify_chain(session).ok


def test_reject_with_reason_writes_a_reject_event(session, world):
    proposal = world.commendation()
    mark = last_audit_id(session)
    reject(session, proposal, world.leader, "Chưa đủ thành tích")
    assert (proposal.status, proposal.decision_reason, proposal.decided_by_id) == (
        "rejected", "Chưa đủ thành tích", world.leader.id)
    actions = session.scalars(sa.select(AuditLog.action).where(AuditLog.id > mark).order_by(AuditLog.id)).all()
    assert actions == ["update", "reject"]


@pytest.mark.parametrize("role_code", ["unit_head", "inspector", "admin", "staff"])
def test_only_leadership_decides(session, world, role_code):
    proposal = world.reassignment()
    someone = world.account(role_code)
    refused(session, proposal, lambda: approve(session, proposal, someone), "Chỉ lãnh đạo")
    refused(session, proposal, lambda: reject(session, proposal, someone, "Không"), "Chỉ lãnh đạo")


def test_an_inactive_leader_cannot_decide(session, world):
    proposal = world.reassignment()
    world.other_leader.active = False
    session.flush()
    refused(session, proposal, lambda: approve(session, proposal, world.other_leader), "vô hiệu hóa")


def test_nobody_decides_their_own_proposal(session, world):
    proposal = world.reassignment(proposer=world.leader)
    refused(session, proposal, lambda: approve(session, proposal, world.leader), "chính mình")
    refused(session, proposal, lambda: reject(session, proposal, world.leader, "Rút lại"), "chính mình")
    approve(session, proposal, world.other_leader)  # another leader may
    assert proposal.status == "approved"


@pytest.mark.parametrize("reason", [None, "", "   \n\t ", "x" * 2001])
def test_rejection_needs_a_reason_of_sensible_length(session, world, reason):
    proposal = world.reassignment()
    message = "quá dài" if reason and reason.strip() else "Phải nêu lý do"
    refused(session, proposal, lambda: reject(session, proposal, world.leader, reason), message)


def test_a_reason_of_exactly_2000_characters_is_accepted(session, world):
    proposal = world.reassignment()
    reject(session, proposal, world.leader, " " + "y" * 2000 + " ")
    assert len(proposal.decision_reason) == 2000


def test_a_decided_proposal_cannot_be_decided_again_or_edited(session, world):
    proposal = world.reassignment()
    assert_editable(proposal)  # still a proposal: no error
    approve(session, proposal, world.leader)
    refused(session, proposal, lambda: approve(session, proposal, world.other_leader), "không thể quyết định lại")
    refused(session, proposal, lambda: reject(session, proposal, world.other_leader, "Đổi ý"), "không thể quyết định lại")
    with pytest.raises(DomainError, match="Đề xuất đã được quyết định, không thể sửa."):
        assert_editable(proposal)


def test_a_decision_made_elsewhere_is_seen_even_if_this_copy_is_stale(session, world):
    proposal = world.reassignment()
    table = Reassignment.__table__
    session.execute(sa.update(table).where(table.c.id == proposal.id).values(
        status="rejected", decided_by_id=world.other_leader.id, decided_at=utcnow(), decision_reason="Trước đó"))
    assert proposal.status == "proposed"  # the in-memory copy still says so
    with pytest.raises(DomainError, match="không thể quyết định lại"):
        approve(session, proposal, world.leader)


def test_disciplinary_approval_needs_a_form_that_fits_category_post_and_date(session, world):
    review = world.review(world.person)  # công chức, not a manager
    general = world.form("cong_chuc")
    managers = world.form("cong_chuc", managers=True)
    other_category = world.form("vien_chuc")
    expired = world.form("cong_chuc", valid_to=date(2021, 1, 1))
    future = world.form("cong_chuc", valid_from=local_today() + timedelta(days=30))

    def attempt(form_id):
        return lambda: approve(session, review, world.leader, discipline_form_id=form_id)

    refused(session, review, attempt(None), "Phải chọn hình thức kỷ luật")
    refused(session, review, attempt(10**9), "không tồn tại")
    refused(session, review, attempt(other_category.id), "không áp dụng cho đối tượng công chức")
    refused(session, review, attempt(expired.id), "không có hiệu lực")
    refused(session, review, attempt(future.id), "không có hiệu lực")
    refused(session, review, attempt(managers.id), "chỉ áp dụng cho người giữ chức vụ")

    approve(session, review, world.leader, "Vi phạm lần đầu", discipline_form_id=general.id)
    session.refresh(review)
    assert (review.status, review.discipline_form_id) == ("approved", general.id)
    event = session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()
    assert event.action == "approve" and event.after["discipline_form_id"] == general.id


def test_a_manager_gets_a_form_from_the_managers_list(session, world):
    boss = world.staff("cong_chuc", manager=True)
    review = world.review(boss)
    general = world.form("cong_chuc")
    managers = world.form("cong_chuc", managers=True)
    refused(session, review, lambda: approve(session, review, world.leader, discipline_form_id=general.id),
            "người không giữ chức vụ")
    approve(session, review, world.leader, discipline_form_id=managers.id)
    assert review.discipline_form_id == managers.id


def test_where_the_law_has_no_managers_list_the_general_list_applies_to_managers(session, world):
    # Cán bộ have one list (NĐ 112/2020, 172/2025) whatever their post.
    assert session.scalar(sa.select(sa.func.count()).select_from(DisciplineForm).where(
        DisciplineForm.staff_category == "can_bo", DisciplineForm.for_managers.is_(True))) == 0
    chairman = world.staff("can_bo", manager=True)
    review = world.review(chairman)
    form = world.form("can_bo")
    approve(session, review, world.leader, discipline_form_id=form.id)
    assert review.status == "approved"


def test_a_discipline_form_is_refused_outside_disciplinary_reviews(session, world):
    proposal = world.reassignment()
    form = world.form("cong_chuc")
    refused(session, proposal, lambda: approve(session, proposal, world.leader, discipline_form_id=form.id),
            "chỉ áp dụng khi phê duyệt kiểm điểm")


def test_rejecting_a_review_needs_no_form(session, world):
    review = world.review(world.person)
    reject(session, review, world.leader, "Chưa đủ căn cứ")
    assert (review.status, review.discipline_form_id) == ("rejected", None)
