"""Consultations and deemed agreement — directive item 4 (issue 4, rule 3).

"Cơ quan được lấy ý kiến có trách nhiệm trả lời đúng thời hạn, chính kiến rõ ràng …
quá thời hạn … không trả lời hoặc chậm trả lời thì được xác định là đồng ý."
The deadline instant is 24:00 Asia/Ho_Chi_Minh of the deadline date.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.models import ConsultationRecipient, DeadlineIssue, Notice
from portal.services import DomainError
from portal.services.consultations import (answer, apply_deemed_agreement, can_submit, create_consultation,
                                           decide_deadline_issue, file_deadline_issue, missed_counts,
                                           resolve_disagreement, submit)

from .conftest import code, ict, utc

DEADLINE = date(2025, 6, 20)  # a Friday; the instant is 21/06/2025 00:00 ICT = 20/06 17:00 UTC
BEFORE = ict(2025, 6, 20, 23, 59)
AFTER = ict(2025, 6, 21, 0, 1)


def consult(world, *units, deadline=DEADLINE, **kw):
    units = units or (world.b, world.c)
    return create_consultation(
        world.session, code=code("LYK"), subject="Dự thảo quy chế phối hợp (thử)", consulting_unit_id=world.a.id,
        competent_unit_id=world.root.id, sent_on=date(2025, 6, 10), due_date=deadline,
        recipients=[(u.id, "Liên quan chức năng quản lý") for u in units], **kw,
    )


def snapshot(session, recipient):
    session.expire(recipient)
    r = session.get(ConsultationRecipient, recipient.id)
    return (r.outcome, r.answer, r.answer_text, r.answered_at, r.answered_late, r.deemed_agreed_at, r.deadline,
            r.resolution, len(r.deadline_issues))


def notices_for(session, recipient_id):
    return session.scalars(sa.select(Notice).where(Notice.consultation_recipient_id == recipient_id)
                           .order_by(Notice.kind)).all()


def test_answer_one_minute_before_the_deadline_is_on_time(world):
    c = consult(world)
    rb = c.recipients[0]
    answer(world.session, rb, answer="agree", text=None, by=world.acc_b, at=BEFORE)
    assert (rb.outcome, rb.answered_late) == ("answered", False)
    # the sweep after the deadline leaves an answered unit alone
    assert rb.id not in apply_deemed_agreement(world.session, AFTER)
    assert notices_for(world.session, rb.id) == []


def test_answer_one_minute_after_the_deadline_is_kept_late_and_deemed(world):
    # Item 4: a late answer is kept and marked late; the outcome is deemed agreement
    # as of the deadline, even if the sweep has not run yet; notice and report once each.
    c = consult(world)
    rb = c.recipients[0]
    answer(world.session, rb, answer="disagree", text="Không phù hợp quy hoạch", by=world.acc_b, at=AFTER)
    assert rb.answer == "disagree" and rb.answer_text == "Không phù hợp quy hoạch"
    assert rb.answered_late is True
    assert rb.outcome == "deemed_agreed"
    assert rb.deemed_agreed_at == utc(2025, 6, 20, 17, 0)
    assert [n.kind for n in notices_for(world.session, rb.id)] == ["authority_report", "deemed_agreement"]
    # the sweep does not issue them again, and a late disagreement does not block submission
    assert rb.id not in apply_deemed_agreement(world.session, AFTER)
    assert len(notices_for(world.session, rb.id)) == 2
    rc = c.recipients[1]
    answer(world.session, rc, answer="agree", text=None, by=world.acc_c, at=BEFORE)
    assert can_submit(c) == (True, [])


def test_deemed_agreement_as_of_the_deadline_instant(world):
    # Item 4: at 24:00 of the deadline a silent unit is deemed to agree, as of that instant.
    c = consult(world)
    rb, rc = c.recipients
    session = world.session
    assert rb.id not in apply_deemed_agreement(session, ict(2025, 6, 20, 23, 59, 59))
    assert rb.outcome == "pending"
    ids = apply_deemed_agreement(session, ict(2025, 6, 21, 0, 0))
    assert {rb.id, rc.id} <= set(ids)
    for r in (rb, rc):
        assert r.outcome == "deemed_agreed"
        assert r.deemed_agreed_at == utc(2025, 6, 20, 17, 0)
    notice, report = (session.scalar(sa.select(Notice).where(Notice.dedupe_key == key))
                      for key in (f"deemed:recipient:{rb.id}", f"report:recipient:{rb.id}"))
    assert notice.kind == "deemed_agreement" and notice.issuing_unit_id == world.a.id
    assert notice.recipient_unit_id == world.b.id
    assert notice.subject.startswith("V/v ") and c.code in notice.subject
    assert "280/CĐ-TTg" in notice.body and world.b.name in notice.body and c.code in notice.body
    assert notice.symbol == f"TB-{world.a.code}" and notice.number.isdigit()
    assert report.kind == "authority_report" and report.recipient_unit_id == world.root.id
    assert report.symbol == f"BC-{world.a.code}"
    # numbers continue the issuing unit's yearly sequence, without repeats
    numbers = session.scalars(sa.select(Notice.number).where(Notice.issuing_unit_id == world.a.id)).all()
    assert sorted(int(n) for n in numbers) == list(range(1, len(numbers) + 1))
    # a later answer is kept, marked late; the outcome stays deemed agreement
    answer(session, rb, answer="agree_with_comments", text="Bổ sung điều 5", by=world.acc_b, at=ict(2025, 6, 23, 9))
    assert (rb.outcome, rb.answered_late, rb.answer) == ("deemed_agreed", True, "agree_with_comments")
    assert missed_counts(session, (date(2025, 6, 1), date(2025, 6, 30)))[world.b.id] == 1
    assert len(notices_for(session, rb.id)) == 2


def test_deadline_issue_filed_before_the_deadline_suspends_until_decided(world):
    # Item 4: a written deadline issue before the deadline suspends deemed agreement;
    # 'keep' after the deadline passed → the next sweep deems as of the original deadline.
    c = consult(world)
    rb = c.recipients[0]
    session = world.session
    issue = file_deadline_issue(session, rb, document_ref="12/TCKH", description="Chờ số liệu của Sở",
                                by=world.acc_b, at=BEFORE)
    assert rb.outcome == "suspended"
    assert rb.id not in apply_deemed_agreement(session, ict(2025, 6, 25, 8))
    decide_deadline_issue(session, issue, decision="keep", new_deadline=None, note="Giữ thời hạn", by=world.acc_a)
    assert rb.outcome == "pending" and rb.deadline == DEADLINE
    assert rb.id in apply_deemed_agreement(session, ict(2025, 6, 25, 8))
    assert rb.deemed_agreed_at == utc(2025, 6, 20, 17, 0)


def test_deadline_issue_decided_by_extension(world):
    c = consult(world)
    rb = c.recipients[0]
    session = world.session
    issue = file_deadline_issue(session, rb, document_ref="13/TCKH", description="Cần khảo sát thực địa",
                                by=world.acc_b1, at=ict(2025, 6, 18, 10))
    with pytest.raises(DomainError, match="phải sau thời hạn hiện tại"):
        decide_deadline_issue(session, issue, decision="extend", new_deadline=date(2025, 6, 19), note=None, by=world.acc_a)
    with pytest.raises(DomainError, match="cơ quan lấy ý kiến"):
        decide_deadline_issue(session, issue, decision="extend", new_deadline=date(2025, 6, 27), note=None, by=world.acc_b)
    decide_deadline_issue(session, issue, decision="extend", new_deadline=date(2025, 6, 27), note="Gia hạn", by=world.acc_a)
    assert (rb.outcome, rb.deadline, issue.decision) == ("pending", date(2025, 6, 27), "extend")
    assert rb.id not in apply_deemed_agreement(session, ict(2025, 6, 23, 8))
    answer(session, rb, answer="agree", text=None, by=world.acc_b, at=ict(2025, 6, 27, 16))
    assert (rb.outcome, rb.answered_late) == ("answered", False)


def test_deadline_issue_filed_after_the_deadline_is_refused(world):
    c = consult(world)
    rb = c.recipients[0]
    session = world.session
    before = snapshot(session, rb)
    with pytest.raises(DomainError, match="Đã hết thời hạn trả lời"):
        file_deadline_issue(session, rb, document_ref="14/TCKH", description="Xin gia hạn", by=world.acc_b, at=AFTER)
    assert snapshot(session, rb) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(DeadlineIssue)
                          .where(DeadlineIssue.recipient_id == rb.id)) == 0


def test_two_disagreements_submit_refused_until_both_resolved(world):
    # Item 4: the lead unit meets the dissenting unit, or the competent authority decides.
    c = consult(world)
    rb, rc = c.recipients
    session = world.session
    answer(session, rb, answer="disagree", text="Trùng chức năng với Phòng Nội vụ", by=world.acc_b, at=BEFORE)
    answer(session, rc, answer="disagree", text="Trái Luật Ban hành VBQPPL", by=world.acc_c, at=BEFORE)
    resolve_disagreement(session, rb, resolution="meeting", note="Biên bản làm việc ngày 23/6", by=world.acc_a)
    ok, reasons = can_submit(c)
    assert not ok and len(reasons) == 1 and world.c.name in reasons[0]
    with pytest.raises(DomainError, match="Chưa thể trình"):
        submit(session, c, by=world.acc_a)
    assert c.status == "open" and c.submitted_at is None
    with pytest.raises(DomainError, match="cơ quan chủ trì"):
        resolve_disagreement(session, rc, resolution="escalated", note="Báo cáo", by=world.acc_c)
    resolve_disagreement(session, rc, resolution="escalated", note="Báo cáo Chủ tịch UBND huyện", by=world.acc_a)
    assert can_submit(c) == (True, [])
    submit(session, c, by=world.acc_a)
    assert c.status == "escalated" and c.submitted_at is not None


def test_disagreement_without_reasons_is_refused(world):
    c = consult(world)
    rb = c.recipients[0]
    before = snapshot(world.session, rb)
    with pytest.raises(DomainError) as err:
        answer(world.session, rb, answer="disagree", text="   ", by=world.acc_b, at=BEFORE)
    assert str(err.value) == "Ý kiến không đồng ý phải nêu rõ lý do (chính kiến rõ ràng)."
    assert snapshot(world.session, rb) == before


def test_answer_from_a_unit_not_consulted_is_refused(world):
    c = consult(world, world.b)
    rb = c.recipients[0]
    before = snapshot(world.session, rb)
    with pytest.raises(DomainError, match="được trả lời ý kiến này"):
        answer(world.session, rb, answer="agree", text=None, by=world.acc_c, at=BEFORE)
    with pytest.raises(DomainError, match="được trả lời ý kiến này"):
        answer(world.session, rb, answer="agree", text=None, by=world.acc_a, at=BEFORE)  # the consulting unit
    assert snapshot(world.session, rb) == before
    # an account of a unit below the consulted unit answers for it
    answer(world.session, rb, answer="agree", text=None, by=world.acc_b1, at=BEFORE)
    assert rb.outcome == "answered" and rb.answered_by_id == world.acc_b1.id


@pytest.mark.parametrize("status", ["submitted", "withdrawn", "escalated", "draft"])
def test_answer_to_a_closed_consultation_is_refused(world, status):
    c = consult(world)
    c.status = status
    world.session.flush()
    rb = c.recipients[0]
    before = snapshot(world.session, rb)
    with pytest.raises(DomainError, match="không nhận ý kiến trả lời"):
        answer(world.session, rb, answer="agree", text=None, by=world.acc_b, at=BEFORE)
    assert snapshot(world.session, rb) == before


def test_one_answer_per_recipient(world):
    c = consult(world)
    rb = c.recipients[0]
    answer(world.session, rb, answer="agree", text=None, by=world.acc_b, at=ict(2025, 6, 12, 9))
    before = snapshot(world.session, rb)
    with pytest.raises(DomainError, match="mỗi đơn vị chỉ trả lời một lần"):
        answer(world.session, rb, answer="disagree", text="Đổi ý", by=world.acc_b, at=ict(2025, 6, 13, 9))
    assert snapshot(world.session, rb) == before


def test_a_consultation_names_why_each_unit_is_relevant(world):
    # Item 4: "Không lấy ý kiến phối hợp của cơ quan không liên quan".
    with pytest.raises(DomainError, match="Phải nêu lý do lấy ý kiến"):
        create_consultation(world.session, code=code("LYK"), subject="Thử", consulting_unit_id=world.a.id,
                            competent_unit_id=world.root.id, sent_on=date(2025, 6, 10), due_date=DEADLINE,
                            recipients=[(world.b.id, " ")])
    with pytest.raises(DomainError, match="chính mình"):
        consult(world, world.a)


def test_working_day_deadline_of_a_consultation(world):
    # Rule 1: 5 working days from Friday 24/01/2025 cross Tết 2025 → Friday 07/02/2025.
    c = create_consultation(world.session, code=code("LYK"), subject="Thử", consulting_unit_id=world.a.id,
                            competent_unit_id=world.root.id, sent_on=date(2025, 1, 24), deadline_kind="working_days",
                            working_days=5, recipients=[(world.b.id, "Quản lý ngân sách")])
    assert c.deadline == date(2025, 2, 7) and c.recipients[0].deadline == date(2025, 2, 7)
