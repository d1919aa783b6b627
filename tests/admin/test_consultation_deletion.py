"""Deleting consultations and consulted units through the generic screens, as an
administrator would: the delete button, the bulk delete action and an inline
consulted unit ticked for deletion. An answer, a deemed agreement, a written
deadline issue or a passed deadline is a record of accountability (item 4):
refused with a Vietnamese message, and the data stays exactly as it was. A unit
added by mistake, before anything happened, still goes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, Consultation, ConsultationRecipient, DeadlineIssue, Notice, Unit
from portal.services import consultations
from portal.services.workdays import local_today
from tests.admin.conftest import flashes


def _unit(code: str) -> int:
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def _account(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def _consultation(code: str, *, sent: date | None = None, deadline: date | None = None) -> Consultation:
    """Phòng TC-KH (head2) consults Phòng TN-MT (head) and UBND xã Mường So (commune)."""
    sent = sent or local_today()
    consultation = consultations.create_consultation(
        db.session, code=code, subject="Dự thảo kế hoạch đầu tư công", consulting_unit_id=_unit("PT-TCKH"),
        competent_unit_id=_unit("PT"), sent_on=sent, due_date=deadline or sent + timedelta(days=20),
        recipients=[(_unit("PT-TNMT"), "Liên quan đến lĩnh vực đất đai"), (_unit("PT-X-MS"), "Địa bàn dự án")],
        by=_account("head2"),
    )
    db.session.commit()
    return consultation


def _answer(recipient: ConsultationRecipient) -> None:
    consultations.answer(db.session, recipient, answer="agree", text=None, by=_account("head"),
                         at=datetime.now(timezone.utc))
    db.session.commit()


def _state(consultation_id: int) -> tuple[Any, ...] | None:
    db.session.expire_all()
    c = db.session.get(Consultation, consultation_id)
    if c is None:
        return None
    return (c.status, [(r.id, r.unit_id, r.outcome, r.answer, r.answered_at, r.deadline, len(r.deadline_issues))
                       for r in c.recipients])


def _delete(user: Any, endpoint: str, ident: int) -> str:
    response = user.post(f"/admin/{endpoint}/delete/", {"id": ident}, follow_redirects=True)
    assert response.status_code == 200
    return flashes(response.get_data(as_text=True))


def test_an_answered_unit_stays_and_so_does_its_consultation(as_user):
    c = _consultation("LYK-DEL-1")
    answered, silent = c.recipients
    _answer(answered)
    before = _state(c.id)
    admin = as_user("admin")
    for endpoint, ident in (("consultation_recipient", answered.id), ("consultation", c.id)):
        message = _delete(admin, endpoint, ident)
        assert "đã trả lời ý kiến: ý kiến trả lời là hồ sơ trách nhiệm, không xóa được." in message, message
        assert _state(c.id) == before
    # The unit that has not answered, its deadline still ahead, was added by mistake: it goes.
    _delete(admin, "consultation_recipient", silent.id)
    assert [r[0] for r in _state(c.id)[1]] == [answered.id]


def test_a_consultation_where_nothing_has_happened_goes(as_user):
    c = _consultation("LYK-DEL-2")
    _delete(as_user("admin"), "consultation", c.id)
    assert _state(c.id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationRecipient)
                             .where(ConsultationRecipient.consultation_id == c.id)) == 0


def test_silence_past_the_deadline_is_kept_before_and_after_the_sweep(as_user):
    sent = local_today() - timedelta(days=10)
    c = _consultation("LYK-DEL-3", sent=sent, deadline=local_today() - timedelta(days=2))
    first = c.recipients[0]
    before = _state(c.id)
    admin = as_user("admin")
    message = _delete(admin, "consultation_recipient", first.id)
    assert "đã qua: ý kiến được xác định là đồng ý, không xóa được." in message
    assert _state(c.id) == before
    consultations.apply_deemed_agreement(db.session, datetime.now(timezone.utc))
    db.session.commit()
    deemed = _state(c.id)
    assert {r[2] for r in deemed[1]} == {"deemed_agreed"}
    message = _delete(admin, "consultation_recipient", first.id)
    assert "là “Được xác định là đồng ý”: là hồ sơ trách nhiệm" in message
    message = _delete(admin, "consultation", c.id)
    assert "Được xác định là đồng ý" in message
    assert _state(c.id) == deemed
    notices = db.session.scalar(sa.select(sa.func.count()).select_from(Notice)
                                .where(Notice.consultation_recipient_id == first.id))
    assert notices == 2


def test_a_unit_that_wrote_about_its_deadline_stays(as_user):
    c = _consultation("LYK-DEL-4")
    recipient = c.recipients[0]
    consultations.file_deadline_issue(db.session, recipient, document_ref="21/CV-TNMT", description="Chờ số liệu",
                                      by=_account("head"), at=datetime.now(timezone.utc))
    db.session.commit()
    before = _state(c.id)
    message = _delete(as_user("admin"), "consultation_recipient", recipient.id)
    assert "“Tạm dừng (có văn bản trao đổi)”: là hồ sơ trách nhiệm" in message
    assert _state(c.id) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineIssue)
                             .where(DeadlineIssue.recipient_id == recipient.id)) == 1


def test_the_bulk_delete_refuses_an_answered_unit_and_deletes_the_other(as_user):
    c = _consultation("LYK-DEL-5")
    answered, silent = c.recipients
    _answer(answered)
    response = as_user("admin").post("/admin/consultation_recipient/action/", {
        "action": "delete", "rowid": [answered.id, silent.id]}, follow_redirects=True)
    message = flashes(response.get_data(as_text=True))
    assert "đã trả lời ý kiến" in message and "Đã xóa 1 bản ghi." in message
    assert "1 bản ghi không xóa được" in message
    state = _state(c.id)
    assert [(r[0], r[3]) for r in state[1]] == [(answered.id, "agree")]


def test_an_inline_consulted_unit_ticked_for_deletion_obeys_the_same_rule(as_user):
    c = _consultation("LYK-DEL-6")
    answered, silent = c.recipients
    _answer(answered)
    base = {"subject": c.subject, "competent_unit": c.competent_unit_id, "deadline_kind": "date",
            "deadline": c.deadline.strftime("%d/%m/%Y"), "status": "open"}

    def row(index: int, r: ConsultationRecipient) -> dict[str, Any]:
        return {f"recipients-{index}-id": r.id, f"recipients-{index}-unit": r.unit_id,
                f"recipients-{index}-relevance_reason": r.relevance_reason,
                f"recipients-{index}-deadline": r.deadline.strftime("%d/%m/%Y")}

    before = _state(c.id)
    admin = as_user("admin")
    response = admin.post(f"/admin/consultation/edit/?id={c.id}",
                          {**base, **row(0, answered), "del-recipients-0": "y", **row(1, silent)})
    assert response.status_code == 200
    assert "đã trả lời ý kiến" in flashes(response.get_data(as_text=True))
    assert _state(c.id) == before
    response = admin.post(f"/admin/consultation/edit/?id={c.id}",
                          {**base, **row(0, answered), **row(1, silent), "del-recipients-1": "y"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    assert [r[0] for r in _state(c.id)[1]] == [answered.id]
