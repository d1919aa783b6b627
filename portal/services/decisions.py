"""Leadership decisions on commendations, reassignments and disciplinary reviews.

Why a service (DOMAIN.md items 6–8): a proposal is decided once, by leadership,
never by the person who proposed it, and a rejection must say why. The database
holds the same rules as CHECK constraints; checking them here first gives users a
clear Vietnamese message and leaves the row exactly as it was. Every decision is
also written to the audit log as an explicit ``approve``/``reject`` event, beside
the automatic ``update`` entry, so a reader of the log sees the decision as such.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Union

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Account, Commendation, DisciplinaryReview, DisciplineForm, Reassignment
from ..models.base import utcnow
from ..models.enums import STAFF_CATEGORIES
from . import DomainError
from .audit import json_safe, record_event
from .workdays import TZ

__all__ = ["DECIDER_ROLE", "MAX_REASON_LENGTH", "Proposal", "approve", "assert_editable", "reject"]

Proposal = Union[Commendation, Reassignment, DisciplinaryReview]
DECIDER_ROLE = "leadership"
MAX_REASON_LENGTH = 2000
_DECISION_FIELDS = ("status", "decided_by_id", "decided_at", "decision_reason")

ALREADY_DECIDED_EDIT = "Đề xuất đã được quyết định, không thể sửa."
ALREADY_DECIDED = "Đề xuất đã được quyết định, không thể quyết định lại."


def assert_editable(proposal: Proposal) -> None:
    """Views call this before saving an edit: a decided proposal is a record, not a draft."""
    if proposal.status != "proposed":
        raise DomainError(ALREADY_DECIDED_EDIT)


def approve(
    session: Session,
    proposal: Proposal,
    decider: Account,
    reason: str | None = None,
    *,
    discipline_form_id: int | None = None,
) -> Proposal:
    """Approve ``proposal``; a disciplinary review must name the form of discipline.

    Raises :class:`DomainError` (nothing changed) when a rule refuses; flushes and
    writes an ``approve`` audit event otherwise. The caller commits.
    """
    _check_decider(proposal, decider)
    _check_open(session, proposal)
    text = _clean_reason(reason, required=False)
    now = utcnow()
    form: DisciplineForm | None = None
    if isinstance(proposal, DisciplinaryReview):
        form = _check_form(session, proposal, discipline_form_id, now.astimezone(TZ).date())
    elif discipline_form_id is not None:
        raise DomainError("Hình thức kỷ luật chỉ áp dụng khi phê duyệt kiểm điểm.")
    before = _decision_values(proposal)
    proposal.status = "approved"
    proposal.decided_by_id = decider.id
    proposal.decided_at = now
    proposal.decision_reason = text
    if form is not None:
        proposal.discipline_form_id = form.id
    _audit(session, "approve", proposal, before)
    return proposal


def reject(session: Session, proposal: Proposal, decider: Account, reason: str) -> Proposal:
    """Reject ``proposal``; the reason is required because the proposer must learn why."""
    _check_decider(proposal, decider)
    _check_open(session, proposal)
    text = _clean_reason(reason, required=True)
    before = _decision_values(proposal)
    proposal.status = "rejected"
    proposal.decided_by_id = decider.id
    proposal.decided_at = utcnow()
    proposal.decision_reason = text
    _audit(session, "reject", proposal, before)
    return proposal


# --- rules ------------------------------------------------------------------------

def _check_decider(proposal: Proposal, decider: Account | None) -> None:
    if not isinstance(decider, Account) or decider.role_code != DECIDER_ROLE:
        raise DomainError("Chỉ lãnh đạo mới được phê duyệt hoặc từ chối đề xuất.")
    if not decider.is_active:
        raise DomainError("Tài khoản đã bị vô hiệu hóa, không thể quyết định đề xuất.")
    if proposal.proposed_by_id is not None and proposal.proposed_by_id == decider.id:
        raise DomainError("Không được tự quyết định đề xuất do chính mình lập.")


def _check_open(session: Session, proposal: Proposal) -> None:
    """Re-read the status under a row lock, so two leaders cannot both decide."""
    state = sa.inspect(proposal)
    if state.transient or state.detached:
        raise DomainError("Đề xuất chưa được lưu hoặc không thuộc phiên làm việc hiện tại.")
    if state.pending:
        session.flush()
    model = type(proposal)
    with session.no_autoflush:
        stored = session.execute(
            sa.select(model.status).where(model.id == proposal.id).with_for_update()
        ).scalar_one_or_none()
    if stored is None:
        raise DomainError("Đề xuất không còn tồn tại.")
    if stored != "proposed" or proposal.status != "proposed":
        raise DomainError(ALREADY_DECIDED)


def _clean_reason(reason: Any, *, required: bool) -> str | None:
    if reason is not None and not isinstance(reason, str):
        raise DomainError("Lý do phải là văn bản.")
    text = (reason or "").strip()
    if not text:
        if required:
            raise DomainError("Phải nêu lý do từ chối đề xuất.")
        return None
    if len(text) > MAX_REASON_LENGTH:
        raise DomainError(f"Lý do quá dài: tối đa {MAX_REASON_LENGTH} ký tự (hiện có {len(text)}).")
    return text


def _valid_on(form: DisciplineForm, day: date) -> bool:
    return form.valid_from <= day and (form.valid_to is None or form.valid_to >= day)


def _check_form(session: Session, review: DisciplinaryReview, form_id: Any, day: date) -> DisciplineForm:
    """The form must exist, be in force on the decision date, and fit the person.

    Fit: the staff member's category, and the list for managers when they hold a
    management post. A category whose law has no separate list for managers (e.g.
    cán bộ) has no ``for_managers`` form in force; its general list then applies
    to managers too.
    """
    if form_id is None:
        raise DomainError("Phải chọn hình thức kỷ luật khi phê duyệt kiểm điểm.")
    if isinstance(form_id, bool) or not isinstance(form_id, int):
        raise DomainError("Hình thức kỷ luật không hợp lệ.")
    form = session.get(DisciplineForm, form_id)
    if form is None:
        raise DomainError("Hình thức kỷ luật không tồn tại.")
    staff = review.staff
    category = STAFF_CATEGORIES.get(staff.category, staff.category)
    if form.staff_category != staff.category:
        raise DomainError(f"Hình thức kỷ luật «{form.name}» không áp dụng cho đối tượng {category.lower()}.")
    if not _valid_on(form, day):
        raise DomainError(f"Hình thức kỷ luật «{form.name}» không có hiệu lực vào ngày {day:%d/%m/%Y}.")
    wants_managers = bool(staff.is_manager) and _has_manager_list(session, staff.category, day)
    if bool(form.for_managers) != wants_managers:
        who = "người giữ chức vụ lãnh đạo, quản lý" if form.for_managers else "người không giữ chức vụ lãnh đạo, quản lý"
        raise DomainError(f"Hình thức kỷ luật «{form.name}» chỉ áp dụng cho {who}.")
    return form


def _has_manager_list(session: Session, category: str, day: date) -> bool:
    with session.no_autoflush:
        return session.execute(
            sa.select(sa.literal(True)).where(
                DisciplineForm.staff_category == category,
                DisciplineForm.for_managers.is_(True),
                DisciplineForm.valid_from <= day,
                sa.or_(DisciplineForm.valid_to.is_(None), DisciplineForm.valid_to >= day),
            ).limit(1)
        ).scalar() is not None


# --- audit --------------------------------------------------------------------------

def _decision_values(proposal: Proposal) -> dict[str, Any]:
    values = {name: getattr(proposal, name) for name in _DECISION_FIELDS}
    if isinstance(proposal, DisciplinaryReview):
        values["discipline_form_id"] = proposal.discipline_form_id
    return values


def _audit(session: Session, action: str, proposal: Proposal, before: dict[str, Any]) -> None:
    after = _decision_values(proposal)
    record_event(session, action, type(proposal).__tablename__, proposal.id,
                 json_safe(before), json_safe(after))

