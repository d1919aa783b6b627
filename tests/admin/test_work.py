"""The work pages ("Nghiệp vụ", issue 4 "Done when"): a consulted unit answers, a
silent unit becomes deemed agreement when its deadline passes and the notice is
downloaded, a disagreement blocks submission until resolved, staff complete their
own steps — all through HTTP, with the permission and unit-scope checks on every
id typed into a URL, and CSRF on every POST."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import docx
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, Consultation, ConsultationRecipient, DeadlineIssue, Notice, Unit
from portal.services import consultations, tasks
from portal.services.calendar import deadline_instant
from portal.services.consultations import DISAGREE_NEEDS_REASONS
from portal.services.sweep import run_sweep
from portal.services.workdays import TZ, local_today
from tests.admin.conftest import flashes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ANSWERS, LEAD, NOTICES, MINE = "/admin/work/answers/", "/admin/work/consultations/", "/admin/work/", "/admin/work/my-steps/"


def _unit(code: str) -> int:
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def _account(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def _consultation(code: str, *recipient_units: str) -> Consultation:
    """Phòng TC-KH (head2) consults the given units, due 20 days from today."""
    today = local_today()
    consultation = consultations.create_consultation(
        db.session, code=code, subject="Dự thảo kế hoạch đầu tư công năm sau", consulting_unit_id=_unit("PT-TCKH"),
        competent_unit_id=_unit("PT"), sent_on=today, due_date=today + timedelta(days=20),
        recipients=[(_unit(u), "Liên quan đến lĩnh vực quản lý") for u in recipient_units], by=_account("head2"),
    )
    db.session.commit()
    return consultation


def _recipient(consultation: Consultation, unit_code: str) -> ConsultationRecipient:
    return next(r for r in consultation.recipients if r.unit_id == _unit(unit_code))


def _fresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def _docx_text(data: bytes) -> str:
    document = docx.Document(BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_consulted_head_sees_and_answers(as_user):
    consultation = _consultation("LYK-WORK-1", "PT-TNMT")
    recipient = _recipient(consultation, "PT-TNMT")
    head = as_user("head")
    page = head.get(ANSWERS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "LYK-WORK-1" in html and "ngày làm việc" in html

    # Disagreement without reasons: refused with the Vietnamese message, nothing changed.
    response = head.post(f"/admin/work/answers/{recipient.id}/answer", {"answer": "disagree", "text": "  "})
    assert response.status_code == 302
    assert DISAGREE_NEEDS_REASONS in flashes(head.get(ANSWERS).get_data(as_text=True))
    refused = _fresh(recipient)
    assert refused.answer is None and refused.outcome == "pending"

    assert head.post(f"/admin/work/answers/{recipient.id}/answer", {"answer": "agree"}).status_code == 302
    answered = _fresh(recipient)
    assert (answered.answer, answered.outcome, answered.answered_late) == ("agree", "answered", False)
    assert answered.answered_by_id == _account("head").id


def test_another_units_head_cannot_answer(as_user):
    consultation = _consultation("LYK-WORK-2", "PT-TNMT")
    recipient = _recipient(consultation, "PT-TNMT")
    commune = as_user("commune")
    assert "LYK-WORK-2" not in commune.get(ANSWERS).get_data(as_text=True)
    assert commune.post(f"/admin/work/answers/{recipient.id}/answer", {"answer": "agree"}).status_code == 403
    assert commune.post(f"/admin/work/answers/{recipient.id}/deadline-issue",
                        {"document_ref": "01/CV", "description": "x"}).status_code == 403
    assert commune.post("/admin/work/answers/999999/answer", {"answer": "agree"}).status_code == 404
    assert _fresh(recipient).answer is None
    # Staff may not answer for the unit at all (no permission cell).
    assert as_user("staff").post(f"/admin/work/answers/{recipient.id}/answer", {"answer": "agree"}).status_code == 403


def test_silent_unit_becomes_deemed_agreement_and_notice_downloads(as_user):
    consultation = _consultation("LYK-WORK-3", "PT-TNMT", "PT-X-MS")
    silent = _recipient(consultation, "PT-X-MS")
    head2 = as_user("head2")
    before = head2.get(LEAD).get_data(as_text=True)
    assert "LYK-WORK-3" in before and "Chờ trả lời" in before

    deadline = silent.deadline
    run_sweep(db.session, now=deadline_instant(deadline) + timedelta(hours=1), reminder_days=2, at_risk_days=3)
    db.session.commit()

    html = head2.get(LEAD).get_data(as_text=True)
    assert "Được xác định là đồng ý" in html
    assert deadline_instant(deadline).astimezone(TZ).strftime("%d/%m/%Y %H:%M") in html
    notice = db.session.scalar(sa.select(Notice).where(
        Notice.consultation_recipient_id == silent.id, Notice.kind == "deemed_agreement"))
    url = f"/admin/work/notice/{notice.id}.docx"
    assert url in html

    response = head2.get(url)
    assert response.status_code == 200
    assert response.mimetype == DOCX
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data[:2] == b"PK"
    assert "LYK-WORK-3" in _docx_text(response.data)

    # The silent commune sees the notice addressed to it, and may download it.
    commune = as_user("commune")
    assert url in commune.get(ANSWERS).get_data(as_text=True)
    assert commune.get(url).status_code == 200
    # A unit neither issuing nor receiving it may not; an unknown id is not found.
    assert as_user("head").get(url).status_code in (403, 404)
    assert as_user("head").get("/admin/work/notice/999999.docx").status_code == 404
    assert as_user("head").get("/admin/work/notice/abc.docx").status_code == 404


def test_submit_refused_while_disagreement_open_then_allowed(as_user):
    consultation = _consultation("LYK-WORK-4", "PT-TNMT")
    recipient = _recipient(consultation, "PT-TNMT")
    head = as_user("head")
    head.post(f"/admin/work/answers/{recipient.id}/answer", {"answer": "disagree", "text": "Trùng dự án đã có"})
    assert _fresh(recipient).answer == "disagree"

    head2 = as_user("head2")
    page = head2.get(LEAD).get_data(as_text=True)
    assert "Chưa thể trình" in page
    assert head2.post(f"/admin/work/consultations/{consultation.id}/submit").status_code == 302
    assert "không đồng ý" in flashes(head2.get(LEAD).get_data(as_text=True))
    assert _fresh(consultation).status == "open"

    # The consulted unit cannot submit or resolve the lead unit's consultation.
    head = as_user("head")
    assert head.post(f"/admin/work/consultations/{consultation.id}/submit").status_code == 403
    assert head.post(f"/admin/work/consultations/recipient/{recipient.id}/resolve",
                     {"resolution": "meeting", "note": "x"}).status_code == 403

    head2 = as_user("head2")
    assert head2.post(f"/admin/work/consultations/recipient/{recipient.id}/resolve",
                      {"resolution": "meeting", "note": "Họp ngày 10, đã thống nhất"}).status_code == 302
    assert _fresh(recipient).resolution == "meeting"
    assert head2.post(f"/admin/work/consultations/{consultation.id}/submit").status_code == 302
    submitted = _fresh(consultation)
    assert submitted.status == "submitted" and submitted.submitted_at is not None


def test_deadline_issue_filed_then_extended(as_user):
    consultation = _consultation("LYK-WORK-5", "PT-TNMT")
    recipient = _recipient(consultation, "PT-TNMT")
    head = as_user("head")
    head.post(f"/admin/work/answers/{recipient.id}/deadline-issue",
              {"document_ref": "15/CV-TNMT", "description": "Chờ số liệu đo đạc"})
    assert _fresh(recipient).outcome == "suspended"
    issue = db.session.scalar(sa.select(DeadlineIssue).where(DeadlineIssue.recipient_id == recipient.id))

    head2 = as_user("head2")
    old = recipient.deadline
    head2.post(f"/admin/work/consultations/issue/{issue.id}/decide",
               {"decision": "extend", "new_deadline": (old - timedelta(days=1)).isoformat()})
    assert "Thời hạn mới phải sau" in flashes(head2.get(LEAD).get_data(as_text=True))
    assert _fresh(issue).decision is None
    new = old + timedelta(days=10)
    head2.post(f"/admin/work/consultations/issue/{issue.id}/decide",
               {"decision": "extend", "new_deadline": new.isoformat(), "note": "Đồng ý gia hạn"})
    decided = _fresh(issue)
    assert decided.decision == "extend" and _fresh(recipient).deadline == new
    assert _fresh(recipient).outcome == "pending"


def test_staff_completes_own_step_only(as_user):
    staff, head = _account("staff"), _account("head")
    today = local_today()
    task = tasks.create_task(db.session, code="NV-WORK-1", title="Thẩm định hồ sơ đất đai",
                             lead_unit_id=_unit("PT-TNMT"), authority_unit_id=_unit("PT-TNMT"),
                             received_on=today, due_date=today + timedelta(days=30), by=head)
    own = tasks.add_step(db.session, task, title="Kiểm tra thực địa", responsible_staff_id=staff.staff_id,
                         due_date=today + timedelta(days=10))
    other = tasks.add_step(db.session, task, title="Duyệt kết quả", responsible_staff_id=head.staff_id,
                           due_date=today + timedelta(days=20))
    db.session.commit()

    user = as_user("staff")
    html = user.get(MINE).get_data(as_text=True)
    assert "Kiểm tra thực địa" in html and "Duyệt kết quả" not in html and "ngày làm việc" in html

    assert user.post(f"/admin/work/my-steps/{other.id}/complete").status_code == 403
    assert _fresh(other).status == "open"
    assert user.post("/admin/work/my-steps/999999/complete").status_code == 404

    assert user.post(f"/admin/work/my-steps/{own.id}/complete").status_code == 302
    done = _fresh(own)
    assert done.status == "done" and done.completed_late is False
    assert "Kiểm tra thực địa" not in user.get(MINE).get_data(as_text=True)


def test_post_without_csrf_token_is_refused(as_user):
    consultation = _consultation("LYK-WORK-6", "PT-TNMT")
    recipient = _recipient(consultation, "PT-TNMT")
    head = as_user("head")
    response = head.post(f"/admin/work/answers/{recipient.id}/answer", {"answer": "agree"}, csrf=False)
    assert response.status_code == 400
    assert _fresh(recipient).answer is None and _fresh(recipient).outcome == "pending"
    response = head.post(f"/admin/work/answers/{recipient.id}/answer",
                         {"answer": "agree", "csrf_token": "forged"}, csrf=False)
    assert response.status_code == 400
    assert _fresh(recipient).answer is None


def test_pages_render_for_every_role_that_may_see_them(as_user):
    for username in ("admin", "leader", "inspector", "head", "staff", "head2", "commune"):
        user = as_user(username)
        for url in (ANSWERS, LEAD, NOTICES, MINE):
            assert user.get(url).status_code in (200, 403), (username, url)
    assert as_user("staff").get(MINE).status_code == 200
    assert as_user("staff").get(NOTICES).status_code == 200
    assert as_user("staff").get(LEAD).status_code == 403


def test_lead_page_lists_those_being_answered_first_then_by_newest_deadline(as_user):
    """Read one status at a time along its index, the page keeps the order it promises:
    consultations still being answered (open, closed) first, each part newest deadline
    first."""
    today = local_today()
    plan = (("LD-ORDER-1", 10, "open"), ("LD-ORDER-2", 40, "withdrawn"), ("LD-ORDER-3", 30, "open"),
            ("LD-ORDER-4", 5, "closed"), ("LD-ORDER-5", 20, "withdrawn"))
    for code, days, status in plan:
        consultation = _consultation(code, "PT-TNMT")
        consultation.deadline, consultation.status = today + timedelta(days=days), status
    db.session.commit()
    html = as_user("head2").get(LEAD).get_data(as_text=True)
    shown = [code for code in sorted((c for c, _, _ in plan), key=html.find) if code in html]
    assert shown == ["LD-ORDER-3", "LD-ORDER-1", "LD-ORDER-4", "LD-ORDER-2", "LD-ORDER-5"]


def test_answer_page_lists_waiting_and_suspended_answers_by_deadline(as_user):
    today = local_today()
    for code, days in (("AN-ORDER-1", 15), ("AN-ORDER-2", 3), ("AN-ORDER-3", 9)):
        consultation = _consultation(code, "PT-TNMT")
        recipient = _recipient(consultation, "PT-TNMT")
        recipient.deadline = today + timedelta(days=days)
        if code == "AN-ORDER-3":
            recipient.outcome = "suspended"  # a deadline question is pending: still to answer
    db.session.commit()
    html = as_user("head").get(ANSWERS).get_data(as_text=True)
    codes = ["AN-ORDER-1", "AN-ORDER-2", "AN-ORDER-3"]
    assert all(code in html for code in codes)
    assert sorted(codes, key=html.find) == ["AN-ORDER-2", "AN-ORDER-3", "AN-ORDER-1"]
