"""Consultations (lấy ý kiến) and deemed agreement — directive item 4.

"Cơ quan được lấy ý kiến có trách nhiệm trả lời đúng thời hạn, chính kiến rõ
ràng … Trường hợp quá thời hạn quy định mà cơ quan được lấy ý kiến không trả lời
hoặc chậm trả lời thì được xác định là đồng ý …" The rules here:

* each consulted unit answers once: agree, agree with comments, or disagree with
  reasons; only that unit's accounts may answer;
* at 24:00 Asia/Ho_Chi_Minh of its deadline a silent unit is *deemed to agree*
  as of that instant (:func:`apply_deemed_agreement`, set-based), and the
  written notice and the report to the competent authority are issued once each;
* a late answer is kept and marked late; the outcome stays deemed agreement;
* a written deadline issue filed before the deadline suspends that until the
  consulting unit decides (extend, or keep the deadline);
* an open disagreement blocks submission until a direct meeting resolved it or it
  was escalated to the competent authority.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Account, Consultation, ConsultationRecipient, DeadlineIssue, Unit
from ..models.base import utcnow
from ..models.enums import ANSWERS, CONSULTATION_STATUSES, DEADLINE_ISSUE_DECISIONS, RESOLUTIONS
from . import DomainError
from .calendar import WorkCalendar, compute_deadline, deadline_instant, load_calendar, require_aware
from .notices import insert_deemed_notices
from .sqlkit import analyze_if_large, audit_bulk, in_subtree, instant_of_date, require_account_of, require_text
from .workdays import TZ, local_today

__all__ = [
    "ANSWERABLE_STATUSES", "DeemedResult", "answer", "apply_deemed_agreement", "can_submit", "create_consultation",
    "decide_deadline_issue", "deem_silent_units", "file_deadline_issue", "is_consulted_unit_account",
    "missed_counts", "resolve_disagreement", "submit",
]

#: A consultation still accepts answers (late ones included) in these statuses.
ANSWERABLE_STATUSES = ("open", "closed")
DISAGREE_NEEDS_REASONS = "Ý kiến không đồng ý phải nêu rõ lý do (chính kiến rõ ràng)."


def _fmt(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def create_consultation(
    session: Session,
    *,
    code: str,
    subject: str,
    consulting_unit_id: int,
    competent_unit_id: int,
    sent_on: date,
    recipients: Sequence[tuple[int, str]],
    deadline_kind: str = "date",
    working_days: int | None = None,
    due_date: date | None = None,
    proposal: str | None = None,
    task_id: int | None = None,
    calendar: WorkCalendar | None = None,
    by: Account | None = None,
) -> Consultation:
    """Open a consultation of the given units, each with the reason it is relevant.

    Item 4: "Không lấy ý kiến phối hợp của cơ quan không liên quan" — a unit without
    a stated reason, the consulting unit itself, or a unit named twice is refused.
    """
    code = require_text(code, "Phải nhập số, ký hiệu hồ sơ lấy ý kiến.")
    subject = require_text(subject, "Phải nhập nội dung lấy ý kiến.")
    if session.scalar(sa.select(Consultation.id).where(Consultation.code == code)) is not None:
        raise DomainError(f"Hồ sơ lấy ý kiến {code} đã tồn tại.")
    if not recipients:
        raise DomainError("Phải chọn ít nhất một đơn vị được lấy ý kiến.")
    unit_ids = [unit_id for unit_id, _ in recipients]
    if len(set(unit_ids)) != len(unit_ids):
        raise DomainError("Mỗi đơn vị chỉ được lấy ý kiến một lần trong một hồ sơ.")
    if consulting_unit_id in unit_ids:
        raise DomainError("Cơ quan lấy ý kiến không tự lấy ý kiến của chính mình.")
    for unit_id, reason in recipients:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise DomainError(f"Không tìm thấy đơn vị #{unit_id}.")
        require_text(reason, f"Phải nêu lý do lấy ý kiến {unit.name} (không lấy ý kiến cơ quan không liên quan).")
    calendar = calendar or load_calendar(session)
    deadline = compute_deadline(calendar, sent_on, kind=deadline_kind, working_days=working_days, due_date=due_date)
    consultation = Consultation(
        code=code, subject=subject, proposal=proposal, task_id=task_id, consulting_unit_id=consulting_unit_id,
        competent_unit_id=competent_unit_id, sent_on=sent_on, deadline_kind=deadline_kind,
        deadline_working_days=working_days if deadline_kind == "working_days" else None,
        deadline=deadline, status="open", created_by_id=by.id if by is not None else None,
    )
    for unit_id, reason in recipients:
        consultation.recipients.append(ConsultationRecipient(
            unit_id=unit_id, relevance_reason=reason.strip(), deadline=deadline, outcome="pending"))
    session.add(consultation)
    session.flush()
    return consultation


def answer(
    session: Session, recipient: ConsultationRecipient, *, answer: str, text: str | None, by: Account, at: datetime
) -> ConsultationRecipient:
    """Record the consulted unit's one answer (item 4).

    An answer at or after 24:00 of the deadline is kept with ``answered_late`` and
    the outcome is (or becomes, as of the deadline) deemed agreement; if the sweep
    has not yet run, the notice and the report are issued here, once each.
    """
    require_aware(at, "Thời điểm trả lời")
    consultation = recipient.consultation
    if consultation.status not in ANSWERABLE_STATUSES:
        label = CONSULTATION_STATUSES.get(consultation.status, consultation.status)
        raise DomainError(f"Hồ sơ {consultation.code} đang ở trạng thái “{label}”, không nhận ý kiến trả lời.")
    require_account_of(session, by, recipient.unit_id,
                       f"Chỉ {recipient.unit.name} (đơn vị được lấy ý kiến) được trả lời ý kiến này.")
    if recipient.answer is not None:
        raise DomainError(
            f"{recipient.unit.name} đã trả lời lúc {recipient.answered_at.astimezone(TZ):%H:%M %d/%m/%Y}; "
            "mỗi đơn vị chỉ trả lời một lần."
        )
    if not answer:
        raise DomainError("Phải chọn ý kiến trả lời: đồng ý, đồng ý có ý kiến hoặc không đồng ý.")
    if answer not in ANSWERS:
        raise DomainError(f"Ý kiến không hợp lệ: {answer!r} (đồng ý, đồng ý có ý kiến, không đồng ý).")
    text = (text or "").strip() or None
    if answer == "disagree" and text is None:
        raise DomainError(DISAGREE_NEEDS_REASONS)
    if answer == "agree_with_comments" and text is None:
        raise DomainError("Ý kiến “đồng ý, có ý kiến” phải ghi rõ nội dung góp ý.")
    instant = deadline_instant(recipient.deadline)
    # A unit that wrote in time about a deadline problem is not late while it waits.
    late = at >= instant and recipient.outcome != "suspended"
    recipient.answer, recipient.answer_text = answer, text
    recipient.answered_at, recipient.answered_by_id, recipient.answered_late = at, by.id, late
    if recipient.outcome in ("pending", "suspended") and not late:
        recipient.outcome = "answered"
    elif recipient.outcome == "pending":  # late, and the sweep has not run yet
        recipient.outcome, recipient.deemed_agreed_at = "deemed_agreed", instant
        session.flush()
        insert_deemed_notices(session, [recipient.id], today=local_today(at), now=at)
    session.flush()
    return recipient


def file_deadline_issue(
    session: Session, recipient: ConsultationRecipient, *, document_ref: str, description: str, by: Account,
    at: datetime, issue: DeadlineIssue | None = None,
) -> DeadlineIssue:
    """A written notice from the consulted unit, before the deadline, that a problem
    affects its answer; it suspends deemed agreement until the consulting unit decides (item 4).

    ``issue``: a row a form already built (filled in here: the filing time is ``at``).
    """
    require_aware(at, "Thời điểm gửi văn bản")
    if recipient.consultation.status != "open":
        raise DomainError(f"Hồ sơ {recipient.consultation.code} không còn đang lấy ý kiến.")
    require_account_of(session, by, recipient.unit_id,
                       f"Chỉ {recipient.unit.name} (đơn vị được lấy ý kiến) được gửi văn bản trao đổi về thời hạn.")
    document_ref = require_text(document_ref, "Phải nhập số, ký hiệu văn bản trao đổi.")
    description = require_text(description, "Phải nêu vấn đề ảnh hưởng đến thời hạn trả lời.")
    if at >= deadline_instant(recipient.deadline):
        raise DomainError(
            f"Đã hết thời hạn trả lời (24:00 ngày {_fmt(recipient.deadline)}): văn bản trao đổi phải gửi "
            "trước khi hết hạn; ý kiến được xác định là đồng ý."
        )
    if recipient.outcome != "pending":
        raise DomainError(f"{recipient.unit.name} đã trả lời hoặc đang chờ quyết định về thời hạn.")
    issue = issue if issue is not None else DeadlineIssue()
    issue.recipient, issue.document_ref, issue.description, issue.filed_at = recipient, document_ref, description, at
    session.add(issue)
    recipient.outcome = "suspended"
    session.flush()
    return issue


def decide_deadline_issue(
    session: Session, issue: DeadlineIssue, *, decision: str, new_deadline: date | None, note: str | None,
    by: Account, at: datetime | None = None,
) -> DeadlineIssue:
    """The consulting unit decides a deadline issue: extend to a later date, or keep the
    deadline (item 4). Either way the unit is pending again; if a kept deadline has
    already passed, the next sweep deems agreement as of that deadline."""
    recipient = issue.recipient
    consultation = recipient.consultation
    if issue.decision is not None:
        raise DomainError("Văn bản trao đổi này đã được quyết định.")
    if decision not in DEADLINE_ISSUE_DECISIONS:
        raise DomainError(f"Quyết định không hợp lệ: {decision!r} (gia hạn hoặc giữ nguyên thời hạn).")
    require_account_of(session, by, consultation.consulting_unit_id,
                       f"Chỉ {consultation.consulting_unit.name} (cơ quan lấy ý kiến) được quyết định về thời hạn.")
    if decision == "extend":
        if new_deadline is None:
            raise DomainError("Gia hạn phải có thời hạn mới.")
        if new_deadline <= recipient.deadline:
            raise DomainError(f"Thời hạn mới phải sau thời hạn hiện tại ({_fmt(recipient.deadline)}).")
        recipient.deadline = new_deadline
    elif new_deadline is not None:
        raise DomainError("Giữ nguyên thời hạn thì không nhập thời hạn mới.")
    issue.decision, issue.new_deadline = decision, new_deadline
    issue.decision_note = (note or "").strip() or None
    issue.decided_at, issue.decided_by_id = at or utcnow(), by.id
    if recipient.outcome == "suspended":
        recipient.outcome = "pending"
    session.flush()
    return issue


def resolve_disagreement(
    session: Session, recipient: ConsultationRecipient, *, resolution: str, note: str, by: Account,
    at: datetime | None = None,
) -> ConsultationRecipient:
    """The lead (consulting) unit records how a disagreement was settled (item 4): a
    direct meeting that reached agreement, or escalation to the competent authority."""
    consultation = recipient.consultation
    if recipient.answer != "disagree" or recipient.outcome != "answered":
        raise DomainError(f"{recipient.unit.name} không có ý kiến không đồng ý cần giải quyết.")
    if recipient.resolution is not None:
        raise DomainError(f"Ý kiến khác của {recipient.unit.name} đã được giải quyết.")
    if resolution not in RESOLUTIONS:
        raise DomainError(f"Cách giải quyết không hợp lệ: {resolution!r} (làm việc trực tiếp hoặc báo cáo cấp có thẩm quyền).")
    note = require_text(note, "Phải ghi kết quả làm việc hoặc nội dung báo cáo cấp có thẩm quyền.")
    require_account_of(session, by, consultation.consulting_unit_id,
                       f"Chỉ {consultation.consulting_unit.name} (cơ quan chủ trì) được ghi nhận việc giải quyết ý kiến khác.")
    recipient.resolution, recipient.resolution_note, recipient.resolved_at = resolution, note, at or utcnow()
    session.flush()
    return recipient


def can_submit(consultation: Consultation) -> tuple[bool, list[str]]:
    """Whether the consultation may be submitted, and if not, why (item 4)."""
    reasons: list[str] = []
    if consultation.status not in ANSWERABLE_STATUSES:
        label = CONSULTATION_STATUSES.get(consultation.status, consultation.status)
        reasons.append(f"Hồ sơ đang ở trạng thái “{label}”.")
    if not consultation.recipients:
        reasons.append("Chưa có đơn vị được lấy ý kiến.")
    for r in consultation.recipients:
        name = r.unit.name
        if r.outcome == "pending":
            reasons.append(f"{name} chưa trả lời (thời hạn đến hết ngày {_fmt(r.deadline)}).")
        elif r.outcome == "suspended":
            reasons.append(f"{name} có văn bản trao đổi về thời hạn chưa được quyết định.")
        elif r.outcome == "answered" and r.answer == "disagree" and r.resolution is None:
            reasons.append(
                f"{name} không đồng ý: phải làm việc trực tiếp để thống nhất hoặc báo cáo cấp có thẩm quyền quyết định."
            )
    return not reasons, reasons


def submit(session: Session, consultation: Consultation, *, by: Account, at: datetime | None = None) -> Consultation:
    """Submit the consolidated result (item 4). Refused while a disagreement is open.
    When any disagreement went to the competent authority the status is ``escalated``."""
    require_account_of(session, by, consultation.consulting_unit_id,
                       f"Chỉ {consultation.consulting_unit.name} (cơ quan lấy ý kiến) được trình hồ sơ.")
    ok, reasons = can_submit(consultation)
    if not ok:
        raise DomainError("Chưa thể trình hồ sơ " + consultation.code + ": " + " ".join(reasons))
    escalated = any(r.resolution == "escalated" for r in consultation.recipients)
    consultation.status = "escalated" if escalated else "submitted"
    consultation.submitted_at = at or utcnow()
    session.flush()
    return consultation


@dataclass
class DeemedResult:
    ids: list[int] = field(default_factory=list)
    notices: int = 0
    reports: int = 0


def deem_silent_units(session: Session, now: datetime) -> DeemedResult:
    """:func:`apply_deemed_agreement` with the counts of notices and reports issued."""
    require_aware(now, "Thời điểm quét")
    today = local_today(now)
    r, c = ConsultationRecipient, Consultation
    stmt = (
        sa.update(r)
        .where(r.outcome == "pending", r.deadline < today,
               sa.exists().where(c.id == r.consultation_id, c.status == "open"))
        .values(outcome="deemed_agreed", deemed_agreed_at=instant_of_date(session, r.deadline))
        .returning(r.id)
        .execution_options(synchronize_session="fetch")
    )
    result = DeemedResult(ids=sorted(session.execute(stmt).scalars()))
    if result.ids:
        audit_bulk(session, "update", "consultation_recipient", {"outcome": "deemed_agreed", "ids": result.ids})
        analyze_if_large(session, "consultation_recipient", len(result.ids))
        result.notices, result.reports = insert_deemed_notices(session, result.ids, today=today, now=now)
    return result


def apply_deemed_agreement(session: Session, now: datetime) -> list[int]:
    """Deem every silent unit whose deadline instant has passed to agree (item 4). Set-based.

    One UPDATE over the index (outcome, deadline): ``outcome='pending' AND deadline <
    local date of now`` in open consultations, ``deemed_agreed_at`` = 24:00 ICT of the
    deadline; then the notice to the unit and the report to the competent authority
    for exactly those rows. Two concurrent runs cannot both update a row (PostgreSQL
    re-checks the WHERE under the row lock; SQLite has one writer), and the notices
    carry UNIQUE dedupe keys. Returns the recipient ids.
    """
    return deem_silent_units(session, now).ids


def missed_counts(session: Session, period: tuple[date, date]) -> dict[int, int]:
    """Misses per consulted unit (unit id → count) for deadlines in [start, end]:
    silence or a late answer, i.e. deemed agreement (item 4: "phải chịu trách nhiệm")."""
    start, end = period
    if end < start:
        raise DomainError("Ngày kết thúc kỳ phải sau ngày bắt đầu.")
    r = ConsultationRecipient
    rows = session.execute(
        sa.select(r.unit_id, sa.func.count()).where(
            r.outcome == "deemed_agreed", r.deadline >= start, r.deadline <= end
        ).group_by(r.unit_id)
    ).all()
    return {unit_id: count for unit_id, count in rows}


def is_consulted_unit_account(session: Session, recipient: ConsultationRecipient, by: Account) -> bool:
    """For screens: may ``by`` answer for this recipient?"""
    return in_subtree(session, by.unit_id, recipient.unit_id)
