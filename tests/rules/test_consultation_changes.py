"""Consultation changes asked field by field (as a record form does) go through the
rules of item 4: portal.services.consultation_changes."""
from __future__ import annotations

from datetime import date

import pytest

from portal.models import ConsultationRecipient
from portal.services import DomainError
from portal.services.consultation_changes import (change_consultation_status, change_recipient_deadline,
                                                  check_new_recipient)
from portal.services.consultations import answer, create_consultation, file_deadline_issue

from .conftest import code, ict

DEADLINE = date(2025, 6, 20)


def consult(world, *units):
    return create_consultation(
        world.session, code=code("LYK"), subject="Dự thảo quy chế (thử)", consulting_unit_id=world.a.id,
        competent_unit_id=world.root.id, sent_on=date(2025, 6, 10), due_date=DEADLINE,
        recipients=[(u.id, "Liên quan chức năng quản lý") for u in (units or (world.b,))],
    )


def test_a_deadline_moves_only_by_the_consulting_unit_before_anything_happened(world):
    s = world.session
    c = consult(world, world.b, world.c)
    rb, rc = c.recipients
    with pytest.raises(DomainError, match="cơ quan lấy ý kiến"):
        change_recipient_deadline(s, rb, date(2025, 6, 25), by=world.acc_b, at=ict(2025, 6, 12, 9))
    with pytest.raises(DomainError, match="không được trước ngày hôm nay"):
        change_recipient_deadline(s, rb, date(2025, 6, 11), by=world.acc_a, at=ict(2025, 6, 12, 9))
    change_recipient_deadline(s, rb, date(2025, 6, 25), by=world.acc_a, at=ict(2025, 6, 12, 9))
    assert rb.deadline == date(2025, 6, 25)
    with pytest.raises(DomainError, match="đã qua"):
        change_recipient_deadline(s, rc, date(2025, 6, 30), by=world.acc_a, at=ict(2025, 6, 21, 0, 0))
    answer(s, rc, answer="agree", text=None, by=world.acc_c, at=ict(2025, 6, 13, 9))
    with pytest.raises(DomainError, match="không thay đổi được"):
        change_recipient_deadline(s, rc, date(2025, 6, 30), by=world.acc_a, at=ict(2025, 6, 14, 9))
    assert rc.deadline == DEADLINE


def test_a_suspended_unit_waits_for_the_decision_not_for_a_form(world):
    s = world.session
    c = consult(world)
    rb = c.recipients[0]
    file_deadline_issue(s, rb, document_ref="01/CV", description="Chờ số liệu", by=world.acc_b, at=ict(2025, 6, 15, 9))
    with pytest.raises(DomainError, match="văn bản trao đổi được quyết định riêng"):
        change_recipient_deadline(s, rb, date(2025, 6, 30), by=world.acc_a, at=ict(2025, 6, 16, 9))


def test_submitting_goes_through_the_rule_and_stays_submitted(world):
    s = world.session
    c = consult(world)
    rb = c.recipients[0]
    with pytest.raises(DomainError, match="chưa trả lời"):
        change_consultation_status(s, c, "submitted", by=world.acc_a, at=ict(2025, 6, 12, 9))
    answer(s, rb, answer="agree", text=None, by=world.acc_b, at=ict(2025, 6, 12, 9))
    with pytest.raises(DomainError, match="cơ quan lấy ý kiến"):
        change_consultation_status(s, c, "submitted", by=world.acc_b, at=ict(2025, 6, 13, 9))
    # "escalated" is the rule's to decide: asked for without an escalation, it is a plain submission.
    change_consultation_status(s, c, "escalated", by=world.acc_a, at=ict(2025, 6, 13, 9))
    assert c.status == "submitted" and c.submitted_at == ict(2025, 6, 13, 9)
    with pytest.raises(DomainError, match="không chuyển sang"):
        change_consultation_status(s, c, "open", by=world.acc_a, at=ict(2025, 6, 14, 9))
    assert c.status == "submitted"


def test_a_unit_added_by_a_form_is_relevant_and_has_not_answered(world):
    c = consult(world)

    def built(**kw):
        values = {"unit": world.c, "relevance_reason": "Thẩm định pháp lý", "deadline": DEADLINE}
        values.update(kw)
        return ConsultationRecipient(**values)

    check_new_recipient(c, built())
    for kw, message in (
        ({"unit": world.a}, "không tự lấy ý kiến của chính mình"),
        ({"relevance_reason": " "}, "Phải nêu lý do"),
        ({"deadline": date(2025, 6, 1)}, "sau hoặc bằng ngày gửi"),
        ({"answer": "agree"}, "chưa có ý kiến trả lời"),
    ):
        with pytest.raises(DomainError, match=message):
            check_new_recipient(c, built(**kw))
    c.status = "submitted"
    with pytest.raises(DomainError, match="không thêm đơn vị"):
        check_new_recipient(c, built())
