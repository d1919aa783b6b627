"""Changes to a consultation or a consulted unit asked for field by field, as a
record form does (directive item 4).

The answer, its lateness and the outcome are the consulted unit's to give through
:func:`consultations.answer`; a deadline problem is filed and decided through
:func:`consultations.file_deadline_issue` and :func:`consultations.decide_deadline_issue`;
a disagreement is settled through :func:`consultations.resolve_disagreement`; a
consultation is submitted through :func:`consultations.submit`. What is left to a
form is checked here: whom to consult (and why: the consulting unit's to state),
and a consulted unit's deadline while nothing has happened yet.

What has happened in a consultation is a record of accountability and is never
deleted: an answer, a deemed agreement, a deadline issue, a notice or report
issued, a submission. :func:`refuse_delete` says which.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from ..models import Account, Consultation, ConsultationRecipient, DeadlineIssue, Notice
from ..models.enums import CONSULTATION_STATUSES, RECIPIENT_OUTCOMES
from . import DomainError
from .calendar import deadline_instant
from .consultations import submit
from .sqlkit import require_account_of, require_text
from .workdays import local_today

__all__ = [
    "FINAL_STATUSES", "change_consultation_status", "change_recipient_deadline", "change_relevance_reason",
    "check_new_recipient", "refuse_delete",
]

#: A consultation that has been submitted (or escalated) is a closed record.
FINAL_STATUSES = ("submitted", "escalated")
#: Units may be added to a consultation still being prepared or running.
OPEN_TO_RECIPIENTS = ("draft", "open")
RELEVANCE_NEEDED = "Phải nêu lý do lấy ý kiến cơ quan này (không lấy ý kiến cơ quan không liên quan)."
ISSUE_KEPT = "Văn bản trao đổi về thời hạn là hồ sơ (số, ký hiệu, nội dung): không xóa được."


def _label(code: str) -> str:
    return CONSULTATION_STATUSES.get(code, code)


def change_consultation_status(
    session: Session, consultation: Consultation, status: str, *, by: Account, at: datetime
) -> Consultation:
    """Move ``consultation`` to ``status``: submitting (or escalating) goes through
    :func:`consultations.submit`, which refuses while a disagreement is open and
    decides itself between "submitted" and "escalated"; a submitted consultation stays so."""
    if status == consultation.status:
        return consultation
    if status not in CONSULTATION_STATUSES:
        raise DomainError(f"Trạng thái hồ sơ không hợp lệ: {status!r}.")
    if consultation.status in FINAL_STATUSES:
        raise DomainError(
            f"Hồ sơ {consultation.code} đã ở trạng thái “{_label(consultation.status)}”: không chuyển sang "
            f"“{_label(status)}” được."
        )
    if status in FINAL_STATUSES:
        return submit(session, consultation, by=by, at=at)
    consultation.status = status
    session.flush()
    return consultation


def check_new_recipient(
    consultation: Consultation | None, recipient: ConsultationRecipient, *, by: Account | None = None
) -> None:
    """A unit added to a consultation through a form (item 4: "không lấy ý kiến cơ quan
    không liên quan"): a stated reason, not the consulting unit itself, a deadline not
    before the consultation was sent, no answer or outcome of its own yet. With ``by``:
    whom to consult, and why, is the consulting unit's to say (``by`` must be one of its
    accounts)."""
    if consultation is None:
        raise DomainError("Phải chọn hồ sơ lấy ý kiến.")
    if consultation.status not in OPEN_TO_RECIPIENTS:
        raise DomainError(
            f"Hồ sơ {consultation.code} đang ở trạng thái “{_label(consultation.status)}”: không thêm đơn vị "
            "được lấy ý kiến."
        )
    unit_id = recipient.unit.id if recipient.unit is not None else recipient.unit_id
    if unit_id is None:
        raise DomainError("Phải chọn đơn vị được lấy ý kiến.")
    consulting = consultation.consulting_unit.id if consultation.consulting_unit is not None \
        else consultation.consulting_unit_id
    if unit_id == consulting:
        raise DomainError("Cơ quan lấy ý kiến không tự lấy ý kiến của chính mình.")
    if by is not None and consulting is not None:
        lead = consultation.consulting_unit.name if consultation.consulting_unit is not None else "cơ quan chủ trì"
        require_account_of(object_session(consultation), by, consulting,
                           f"Chỉ {lead} (cơ quan lấy ý kiến) được chọn đơn vị được lấy ý kiến và nêu lý do "
                           "lấy ý kiến.")
    require_text(recipient.relevance_reason, RELEVANCE_NEEDED)
    if recipient.deadline is None:
        raise DomainError("Phải nhập hạn trả lời.")
    if consultation.sent_on is not None and recipient.deadline < consultation.sent_on:
        raise DomainError("Hạn trả lời phải sau hoặc bằng ngày gửi lấy ý kiến.")
    if recipient.outcome not in (None, "pending") or recipient.answer is not None:
        raise DomainError("Đơn vị mới được lấy ý kiến chưa có ý kiến trả lời hay kết quả.")


def change_recipient_deadline(
    session: Session, recipient: ConsultationRecipient, new_deadline: date | None, *, by: Account, at: datetime
) -> ConsultationRecipient:
    """Correct a consulted unit's deadline while nothing has happened yet (item 4).

    Only the consulting unit sets it, only while the unit has neither answered nor
    been deemed to agree nor written about the deadline, and only before the current
    deadline has passed (after that, silence already counts as agreement). A deadline
    problem raised by the unit is decided through its deadline issue instead.
    """
    consultation = recipient.consultation
    if new_deadline is None:
        raise DomainError("Phải nhập hạn trả lời.")
    if new_deadline == recipient.deadline:
        return recipient
    require_account_of(session, by, consultation.consulting_unit_id,
                       f"Chỉ {consultation.consulting_unit.name} (cơ quan lấy ý kiến) được thay đổi hạn trả lời.")
    if consultation.status not in OPEN_TO_RECIPIENTS:
        raise DomainError(f"Hồ sơ {consultation.code} đang ở trạng thái “{_label(consultation.status)}”: "
                          "không thay đổi hạn trả lời được.")
    if recipient.outcome != "pending":
        raise DomainError(
            f"{recipient.unit.name} đã trả lời, đã được xác định là đồng ý hoặc có văn bản trao đổi về thời hạn: "
            "hạn trả lời không thay đổi được (văn bản trao đổi được quyết định riêng)."
        )
    if at >= deadline_instant(recipient.deadline):
        raise DomainError(
            f"Hạn trả lời của {recipient.unit.name} ({recipient.deadline:%d/%m/%Y}) đã qua: ý kiến được xác định "
            "là đồng ý, không dời hạn được."
        )
    if new_deadline < local_today(at):
        raise DomainError("Hạn trả lời mới không được trước ngày hôm nay.")
    if new_deadline < consultation.sent_on:
        raise DomainError("Hạn trả lời phải sau hoặc bằng ngày gửi lấy ý kiến.")
    recipient.deadline = new_deadline
    session.flush()
    return recipient


def change_relevance_reason(
    session: Session, recipient: ConsultationRecipient, reason: str | None, *, by: Account
) -> ConsultationRecipient:
    """Restate why a unit is consulted (item 4: "không lấy ý kiến cơ quan không liên quan").

    The reason is the consulting unit's statement: the consulted unit answers it, it
    does not rewrite it. It changes while the consultation is prepared or running.
    """
    consultation = recipient.consultation
    reason = require_text(reason, RELEVANCE_NEEDED)
    if reason == recipient.relevance_reason:
        return recipient
    require_account_of(session, by, consultation.consulting_unit_id,
                       f"Chỉ {consultation.consulting_unit.name} (cơ quan lấy ý kiến) được nêu lý do lấy ý kiến "
                       f"{recipient.unit.name}.")
    if consultation.status not in OPEN_TO_RECIPIENTS:
        raise DomainError(f"Hồ sơ {consultation.code} đang ở trạng thái “{_label(consultation.status)}”: "
                          "không sửa lý do lấy ý kiến được.")
    recipient.relevance_reason = reason
    session.flush()
    return recipient


# ------------------------------------------------------------------ deletion
def refuse_delete(
    session: Session, obj: Consultation | ConsultationRecipient | DeadlineIssue, *, at: datetime
) -> None:
    """Refuse (:class:`DomainError`) deleting ``obj`` when it is a record of accountability.

    A consultation goes with its consulted units and their deadline issues, so it is
    kept when any of them is; a consulted unit added by mistake (no answer, nothing
    filed or issued, its deadline still ahead) may go.
    """
    if isinstance(obj, DeadlineIssue):
        raise DomainError(ISSUE_KEPT)
    if isinstance(obj, ConsultationRecipient):
        _refuse_recipient_delete(session, obj, at)
        return
    if obj.status in FINAL_STATUSES:
        raise DomainError(f"Hồ sơ {obj.code} đã ở trạng thái “{_label(obj.status)}”: là hồ sơ trách nhiệm, "
                          "không xóa được.")
    for recipient in obj.recipients:
        _refuse_recipient_delete(session, recipient, at)


def _refuse_recipient_delete(session: Session, recipient: ConsultationRecipient, at: datetime) -> None:
    consultation, name = recipient.consultation, recipient.unit.name
    if consultation is not None and consultation.status in FINAL_STATUSES:
        raise DomainError(f"Hồ sơ {consultation.code} đã ở trạng thái “{_label(consultation.status)}”: các đơn vị "
                          "được lấy ý kiến là hồ sơ trách nhiệm, không xóa được.")
    if recipient.answer is not None:
        raise DomainError(f"{name} đã trả lời ý kiến: ý kiến trả lời là hồ sơ trách nhiệm, không xóa được.")
    if recipient.outcome != "pending":
        outcome = RECIPIENT_OUTCOMES.get(recipient.outcome, recipient.outcome)
        raise DomainError(f"Kết quả lấy ý kiến {name} là “{outcome}”: là hồ sơ trách nhiệm, không xóa được.")
    if recipient.deadline_issues:
        raise DomainError(f"{name} đã có văn bản trao đổi về thời hạn: văn bản là hồ sơ, không xóa được.")
    if recipient.id is not None and session.scalar(
        sa.select(sa.exists().where(Notice.consultation_recipient_id == recipient.id))
    ):
        raise DomainError(f"Đã có văn bản (thông báo, báo cáo) ban hành về ý kiến của {name}: không xóa được.")
    if consultation is not None and consultation.status == "open" and at >= deadline_instant(recipient.deadline):
        raise DomainError(f"Hạn trả lời của {name} ({recipient.deadline:%d/%m/%Y}) đã qua: ý kiến được xác định là "
                          "đồng ý, không xóa được.")
