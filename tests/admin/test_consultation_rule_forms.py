"""The generic consultation screens obey item 4, through HTTP as a user would send
them: an answer typed into the record form is the consulted unit's one answer,
given now (late answers are kept, marked late and stay deemed agreement; a
disagreement needs reasons); deadline issues are filed and decided through their
rules; submitting is refused while a disagreement is open. Every refusal is a
Vietnamese message and leaves the data exactly as it was."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, Consultation, ConsultationRecipient, DeadlineIssue, Notice, Unit
from portal.services import consultations
from portal.services.consultations import DISAGREE_NEEDS_REASONS
from portal.services.workdays import local_today
from tests.admin.conftest import flashes


def _unit(code: str) -> int:
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def _account(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def _recipient(code: str, *, sent: date | None = None, deadline: date | None = None) -> ConsultationRecipient:
    """Phòng TC-KH (head2) consults Phòng TN-MT (head)."""
    sent = sent or local_today()
    consultation = consultations.create_consultation(
        db.session, code=code, subject="Dự thảo kế hoạch đầu tư công", consulting_unit_id=_unit("PT-TCKH"),
        competent_unit_id=_unit("PT"), sent_on=sent, due_date=deadline or sent + timedelta(days=20),
        recipients=[(_unit("PT-TNMT"), "Liên quan đến lĩnh vực đất đai")], by=_account("head2"),
    )
    db.session.commit()
    return consultation.recipients[0]


def _fresh(row: Any) -> Any:
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def _state(recipient: ConsultationRecipient) -> tuple[Any, ...]:
    r = _fresh(recipient)
    return (r.outcome, r.answer, r.answer_text, r.answered_at, r.answered_late, r.deemed_agreed_at, r.deadline,
            r.resolution, r.resolution_note, len(r.deadline_issues), r.consultation.status)


def _edit(user: Any, recipient: ConsultationRecipient, **changes: Any) -> tuple[int, str]:
    form = {"relevance_reason": recipient.relevance_reason, "deadline": recipient.deadline.strftime("%d/%m/%Y")}
    form.update(changes)
    response = user.post(f"/admin/consultation_recipient/edit/?id={recipient.id}", form)
    html = response.get_data(as_text=True)
    return response.status_code, flashes(html) + html


def _close_to_now(instant: datetime) -> bool:
    return abs(instant - datetime.now(timezone.utc)) < timedelta(minutes=5)


# ---------------------------------------------------------------- answers
def test_an_answer_in_the_record_form_is_the_units_answer_given_now(as_user):
    recipient = _recipient("LYK-FORM-1")
    head = as_user("head")
    before = _state(recipient)
    status, page = _edit(head, recipient, answer="disagree", answer_text="  ")
    assert status == 200 and DISAGREE_NEEDS_REASONS in page
    assert _state(recipient) == before
    status, page = _edit(head, recipient, answer="disagree", answer_text="Trùng dự án đã có",
                         answered_at="01/01/2020 08:00")
    assert status == 302, page[:300]
    r = _fresh(recipient)
    assert (r.outcome, r.answer, r.answer_text, r.answered_late) == ("answered", "disagree", "Trùng dự án đã có", False)
    assert _close_to_now(r.answered_at) and r.answered_by_id == _account("head").id


def test_one_answer_per_unit_and_only_the_consulted_unit_answers(as_user):
    recipient = _recipient("LYK-FORM-2")
    before = _state(recipient)
    # The consulting unit may edit the row (its deadline, its resolution) but not answer for the unit.
    status, page = _edit(as_user("head2"), recipient, answer="agree")
    assert status == 200 and "được trả lời ý kiến này" in page
    assert _state(recipient) == before
    head = as_user("head")
    assert _edit(head, recipient, answer="agree")[0] == 302
    answered = _state(recipient)
    status, page = _edit(head, _fresh(recipient), answer="disagree", answer_text="Đổi ý")
    assert status == 200 and "mỗi đơn vị chỉ trả lời một lần" in page
    status, page = _edit(head, _fresh(recipient), answer="agree", answer_text="Thêm góp ý")
    assert status == 200 and "mỗi đơn vị chỉ trả lời một lần" in page
    assert _state(recipient) == answered


def test_a_late_answer_is_kept_marked_late_and_deemed_agreement(as_user):
    # Deadline yesterday, the sweep has not run yet: the outcome becomes deemed agreement
    # as of the deadline, and the notice and the report are issued once each.
    sent = local_today() - timedelta(days=10)
    recipient = _recipient("LYK-FORM-3", sent=sent, deadline=local_today() - timedelta(days=1))
    status, page = _edit(as_user("head"), recipient, answer="disagree", answer_text="Không phù hợp quy hoạch")
    assert status == 302, page[:300]
    r = _fresh(recipient)
    assert (r.outcome, r.answer, r.answered_late) == ("deemed_agreed", "disagree", True)
    kinds = db.session.scalars(sa.select(Notice.kind).where(Notice.consultation_recipient_id == r.id)).all()
    assert sorted(kinds) == ["authority_report", "deemed_agreement"]


def test_an_answer_after_deemed_agreement_stays_deemed(as_user):
    sent = local_today() - timedelta(days=10)
    recipient = _recipient("LYK-FORM-4", sent=sent, deadline=local_today() - timedelta(days=2))
    consultations.apply_deemed_agreement(db.session, datetime.now(timezone.utc))
    db.session.commit()
    deemed_at = _fresh(recipient).deemed_agreed_at
    assert _fresh(recipient).outcome == "deemed_agreed"
    assert _edit(as_user("head"), recipient, answer="agree")[0] == 302
    r = _fresh(recipient)
    assert (r.outcome, r.answer, r.answered_late, r.deemed_agreed_at) == ("deemed_agreed", "agree", True, deemed_at)


def test_a_new_consulted_unit_cannot_arrive_with_an_answer(as_user):
    recipient = _recipient("LYK-FORM-5")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationRecipient))
    response = as_user("head2").post("/admin/consultation_recipient/new/", {
        "consultation": recipient.consultation_id, "unit": _unit("PT-TCKH"), "relevance_reason": "Tự hỏi mình",
        "deadline": recipient.deadline.strftime("%d/%m/%Y"), "answer": "agree",
    })
    assert response.status_code == 200
    assert "không tự lấy ý kiến của chính mình" in flashes(response.get_data(as_text=True))
    response = as_user("head2").post("/admin/consultation_recipient/new/", {
        "consultation": recipient.consultation_id, "unit": _unit("PT-X-MS"), "relevance_reason": "Địa bàn dự án",
        "deadline": recipient.deadline.strftime("%d/%m/%Y"), "answer": "agree", "answer_text": "x",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    added = db.session.scalar(sa.select(ConsultationRecipient).where(
        ConsultationRecipient.consultation_id == recipient.consultation_id,
        ConsultationRecipient.unit_id == _unit("PT-X-MS")))
    assert (added.outcome, added.answer, added.answered_at) == ("pending", None, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationRecipient)) == count + 1


# ---------------------------------------------------------------- deadlines and disagreements
def test_the_deadline_moves_only_while_nothing_has_happened(as_user):
    recipient = _recipient("LYK-FORM-6")
    later = recipient.deadline + timedelta(days=5)
    status, page = _edit(as_user("head"), recipient, deadline=later.strftime("%d/%m/%Y"))
    assert status == 200 and "(cơ quan lấy ý kiến) được thay đổi hạn trả lời" in page
    assert _edit(as_user("head2"), recipient, deadline=later.strftime("%d/%m/%Y"))[0] == 302
    assert _fresh(recipient).deadline == later
    assert _edit(as_user("head"), _fresh(recipient), answer="agree")[0] == 302
    answered = _state(recipient)
    status, page = _edit(as_user("head2"), _fresh(recipient),
                         deadline=(later + timedelta(days=5)).strftime("%d/%m/%Y"))
    assert status == 200 and "hạn trả lời không thay đổi được" in page
    assert _state(recipient) == answered


def test_a_disagreement_is_settled_only_through_its_rule(as_user):
    recipient = _recipient("LYK-FORM-7")
    assert _edit(as_user("head"), recipient, answer="disagree", answer_text="Trùng dự án")[0] == 302
    head2 = as_user("head2")
    consultation = _fresh(recipient).consultation
    response = head2.post(f"/admin/consultation/edit/?id={consultation.id}", {
        "subject": consultation.subject, "competent_unit": consultation.competent_unit_id,
        "deadline_kind": "date", "deadline": consultation.deadline.strftime("%d/%m/%Y"), "status": "submitted",
    })
    assert response.status_code == 200 and "không đồng ý" in flashes(response.get_data(as_text=True))
    before = _state(recipient)
    status, page = _edit(head2, _fresh(recipient), resolution="meeting", resolution_note="  ")
    assert status == 200 and "Phải ghi kết quả làm việc" in page
    assert _state(recipient) == before
    status, page = _edit(head2, _fresh(recipient), resolution="meeting", resolution_note="Họp ngày 10, đã thống nhất")
    assert status == 302, page[:300]
    r = _fresh(recipient)
    assert r.resolution == "meeting" and r.resolved_at is not None
    response = head2.post(f"/admin/consultation/edit/?id={consultation.id}", {
        "subject": consultation.subject, "competent_unit": consultation.competent_unit_id,
        "deadline_kind": "date", "deadline": consultation.deadline.strftime("%d/%m/%Y"), "status": "submitted",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    c = _fresh(consultation)
    assert c.status == "submitted" and c.submitted_at is not None


def test_deadline_issues_are_filed_and_decided_through_their_rules(as_user):
    recipient = _recipient("LYK-FORM-8")
    head = as_user("head")
    before = _state(recipient)
    # Filed through the record screen: the filing time is now, a decision cannot come with it.
    response = head.post("/admin/deadline_issue/new/", {
        "recipient": recipient.id, "document_ref": "15/CV-TNMT", "description": "Chờ số liệu",
        "decision": "extend", "new_deadline": "01/01/2030",
    })
    assert response.status_code == 302  # the decision fields are not on the filing form: ignored
    issue = db.session.scalar(sa.select(DeadlineIssue).where(DeadlineIssue.recipient_id == recipient.id))
    assert issue.decision is None and _close_to_now(issue.filed_at)
    assert _fresh(recipient).outcome == "suspended"
    # The consulted unit does not decide its own issue; the consulting unit does, through the rule.
    status, page = _edit(head, _fresh(recipient), **{
        "deadline_issues-0-id": issue.id, "deadline_issues-0-document_ref": issue.document_ref,
        "deadline_issues-0-description": issue.description, "deadline_issues-0-decision": "extend",
        "deadline_issues-0-new_deadline": (recipient.deadline + timedelta(days=9)).strftime("%d/%m/%Y"),
    })
    assert status == 200 and "(cơ quan lấy ý kiến) được quyết định về thời hạn" in page
    assert _fresh(issue).decision is None
    new = recipient.deadline + timedelta(days=9)
    response = as_user("head2").post(f"/admin/deadline_issue/edit/?id={issue.id}", {
        "decision": "extend", "new_deadline": new.strftime("%d/%m/%Y"), "decision_note": "Đồng ý gia hạn",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    assert _fresh(issue).decision == "extend"
    r = _fresh(recipient)
    assert (r.outcome, r.deadline) == ("pending", new)
    assert before[6] != new
    assert as_user("admin").post("/admin/deadline_issue/delete/", {"id": issue.id}).status_code == 403


def test_a_deadline_issue_after_the_deadline_is_refused(as_user):
    sent = local_today() - timedelta(days=10)
    recipient = _recipient("LYK-FORM-9", sent=sent, deadline=local_today() - timedelta(days=1))
    before = _state(recipient)
    status, page = _edit(as_user("head"), recipient, **{
        "deadline_issues-0-document_ref": "16/CV-TNMT", "deadline_issues-0-description": "Chờ số liệu",
    })
    assert status == 200 and "văn bản trao đổi phải gửi trước khi hết hạn" in page
    assert _state(recipient) == before
    count = db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineIssue))
    response = as_user("head").post("/admin/deadline_issue/new/", {
        "recipient": recipient.id, "document_ref": "16/CV-TNMT", "description": "Chờ số liệu"})
    assert "văn bản trao đổi phải gửi trước khi hết hạn" in flashes(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineIssue)) == count
    assert _state(recipient) == before


def test_a_consulted_unit_is_not_swapped_in_the_consultation_form(as_user):
    recipient = _recipient("LYK-FORM-10")
    consultation: Consultation = recipient.consultation
    before = _state(recipient)
    response = as_user("head2").post(f"/admin/consultation/edit/?id={consultation.id}", {
        "subject": consultation.subject, "competent_unit": consultation.competent_unit_id,
        "deadline_kind": "date", "deadline": consultation.deadline.strftime("%d/%m/%Y"), "status": "open",
        "recipients-0-id": recipient.id, "recipients-0-unit": _unit("PT-X-MS"),
        "recipients-0-relevance_reason": recipient.relevance_reason,
        "recipients-0-deadline": recipient.deadline.strftime("%d/%m/%Y"),
    })
    assert response.status_code == 200
    assert "Không đổi được đơn vị đã được lấy ý kiến" in flashes(response.get_data(as_text=True))
    assert _fresh(recipient).unit_id == _unit("PT-TNMT")
    assert _state(recipient) == before


# ---------------------------------------------------------------- why a unit is consulted
def test_only_the_consulting_unit_states_why_a_unit_is_consulted(as_user):
    recipient = _recipient("LYK-FORM-11")
    stated = recipient.relevance_reason
    before = _state(recipient)
    # The consulted unit answers the consulting unit's statement; it does not rewrite it.
    status, page = _edit(as_user("head"), recipient, relevance_reason="Không thuộc lĩnh vực của phòng")
    assert status == 200 and "(cơ quan lấy ý kiến) được nêu lý do lấy ý kiến" in page
    assert (_fresh(recipient).relevance_reason, _state(recipient)) == (stated, before)
    head2 = as_user("head2")
    status, page = _edit(head2, _fresh(recipient), relevance_reason="   ")
    assert status == 200 and "Phải nêu lý do lấy ý kiến cơ quan này" in page
    assert _fresh(recipient).relevance_reason == stated
    status, page = _edit(head2, _fresh(recipient), relevance_reason="Thu hồi đất của dự án")
    assert status == 302, page[:300]
    assert _fresh(recipient).relevance_reason == "Thu hồi đất của dự án"


def test_a_consulted_unit_does_not_add_units_to_the_consultation(as_user):
    recipient = _recipient("LYK-FORM-12")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationRecipient))
    response = as_user("head").post("/admin/consultation_recipient/new/", {
        "consultation": recipient.consultation_id, "unit": _unit("PT-X-MS"), "relevance_reason": "Địa bàn dự án",
        "deadline": recipient.deadline.strftime("%d/%m/%Y"),
    })
    assert response.status_code == 200
    assert "(cơ quan lấy ý kiến) được chọn đơn vị được lấy ý kiến" in flashes(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationRecipient)) == count
