"""Records of accountability are kept: what has happened to a task, a step, a consulted
unit or a notice is never deleted (task_changes / consultation_changes / notices
``refuse_delete``), and the consulting unit alone states why a unit is consulted."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.models import Consultation, ConsultationRecipient, DeadlineIssue, Notice, Task, TaskExtension, TaskStep
from portal.services import DomainError, consultation_changes, task_changes
from portal.services.consultations import (
    answer, apply_deemed_agreement, create_consultation, decide_deadline_issue, file_deadline_issue,
)
from portal.services.notices import refuse_delete as refuse_notice_delete
from portal.services.tasks import add_step, complete_step, create_task, extend_task, submit_upward
from portal.services.workdays import WorkCalendar

from .conftest import code, ict

CAL = WorkCalendar()
BEFORE_ANY_DEADLINE = ict(2025, 6, 5, 9)


def new_task(world, due=date(2025, 6, 30)) -> Task:
    return create_task(world.session, code=code("NV"), title="Thẩm định hồ sơ (thử)", lead_unit_id=world.a.id,
                       authority_unit_id=world.root.id, received_on=date(2025, 6, 2), due_date=due, calendar=CAL)


def step_of(world, task: Task, due=date(2025, 6, 20)) -> TaskStep:
    return add_step(world.session, task, title="Thụ lý", responsible_staff_id=world.a1.id, due_date=due)


def refused(session, obj, message: str, *, at=BEFORE_ANY_DEADLINE) -> None:
    """The rule refuses deleting ``obj`` with ``message`` (a regular expression)."""
    consulting = isinstance(obj, (Consultation, ConsultationRecipient, DeadlineIssue))
    rule = consultation_changes.refuse_delete if consulting else task_changes.refuse_delete
    with pytest.raises(DomainError, match=message):
        rule(session, obj, at=at)


# ---------------------------------------------------------------- tasks and steps
def test_a_task_entered_by_mistake_may_go_but_not_one_with_a_history(world):
    s = world.session
    task = new_task(world)
    step = step_of(world, task)
    task_changes.refuse_delete(s, task, at=BEFORE_ANY_DEADLINE)
    task_changes.refuse_delete(s, step, at=BEFORE_ANY_DEADLINE)
    # The deadline in force has passed: the delay is on record.
    refused(s, task, "đã quá hạn", at=ict(2025, 7, 1, 0, 0))
    refused(s, step, "Hạn của bước 1 .* đã qua", at=ict(2025, 6, 21, 0, 0))
    complete_step(s, step, by=world.acc_a1, at=ict(2025, 6, 6, 9))
    refused(s, step, "Bước 1 đã hoàn thành")
    refused(s, task, "Bước 1 đã hoàn thành")  # the task would take its done step with it
    assert s.get(TaskStep, step.id).status == "done"


def test_a_done_or_submitted_task_and_its_steps_stay(world):
    s = world.session
    done = new_task(world)
    done.status, done.completed_at, done.completed_late = "done", ict(2025, 6, 6, 9), False
    s.flush()
    refused(s, done, "đã hoàn thành")
    submitted = new_task(world)
    step = step_of(world, submitted)
    submit_upward(s, submitted, to_unit_id=world.root.id, by=world.acc_a, at=ict(2025, 6, 4, 9))
    refused(s, submitted, "đã được trình cấp trên")
    refused(s, step, "“Đã trình cấp trên”: các bước xử lý là hồ sơ")


def test_extensions_consultations_and_notices_keep_their_task(world):
    s = world.session
    extended = new_task(world)
    ext = extend_task(s, extended, new_due_date=date(2025, 7, 10), reason="Chờ đo đạc", by=world.leader,
                      at=ict(2025, 6, 4, 9))
    refused(s, extended, "đã được gia hạn")
    refused(s, ext, "Gia hạn đã ghi nhận là hồ sơ")
    assert isinstance(ext, TaskExtension)
    consulted = new_task(world)
    lyk = create_consultation(s, code=code("LYK"), subject="Dự thảo (thử)", consulting_unit_id=world.a.id,
                              competent_unit_id=world.root.id, sent_on=date(2025, 6, 3), due_date=date(2025, 6, 20),
                              recipients=[(world.b.id, "Liên quan")], task_id=consulted.id)
    refused(s, consulted, f"có hồ sơ lấy ý kiến \\({lyk.code}\\)")
    reminded = new_task(world)
    step = step_of(world, reminded)
    s.add(Notice(kind="due_reminder", dedupe_key=code("key"), number="1", symbol="TB", issuing_unit_id=world.a.id,
                 recipient_staff_id=world.a1.id, subject="V/v nhắc hạn", body="Nhắc", issued_on=date(2025, 6, 4),
                 task_step_id=step.id, created_at=ict(2025, 6, 4, 9)))
    s.flush()
    refused(s, step, "Đã có văn bản .* về bước 1")
    refused(s, reminded, "Đã có văn bản .* về nhiệm vụ")


# ---------------------------------------------------------------- consultations
def consult(world, *units, deadline=date(2025, 6, 20)) -> Consultation:
    return create_consultation(
        world.session, code=code("LYK"), subject="Dự thảo quy chế (thử)", consulting_unit_id=world.a.id,
        competent_unit_id=world.root.id, sent_on=date(2025, 6, 3), due_date=deadline,
        recipients=[(u.id, "Liên quan chức năng quản lý") for u in (units or (world.b,))],
    )


def test_a_consulted_unit_that_has_answered_or_been_deemed_stays(world):
    s = world.session
    c = consult(world, world.b, world.c)
    rb, rc = c.recipients
    consultation_changes.refuse_delete(s, rb, at=BEFORE_ANY_DEADLINE)
    consultation_changes.refuse_delete(s, c, at=BEFORE_ANY_DEADLINE)
    answer(s, rb, answer="agree", text=None, by=world.acc_b, at=ict(2025, 6, 6, 9))
    refused(s, rb, "đã trả lời ý kiến")
    refused(s, c, "đã trả lời ý kiến")
    # Silent past the deadline, before the sweep: silence already counts as agreement.
    refused(s, rc, "Hạn trả lời .* đã qua: ý kiến được xác định là đồng ý", at=ict(2025, 6, 21, 0, 0))
    apply_deemed_agreement(s, ict(2025, 6, 21, 1, 0))
    s.refresh(rc)
    refused(s, rc, "“Được xác định là đồng ý”")
    assert s.scalar(sa.select(sa.func.count()).select_from(Notice)
                    .where(Notice.consultation_recipient_id == rc.id)) == 2


def test_a_deadline_issue_keeps_its_unit_and_a_submitted_consultation_stays(world):
    s = world.session
    c = consult(world)
    rb = c.recipients[0]
    issue = file_deadline_issue(s, rb, document_ref="01/CV", description="Chờ số liệu", by=world.acc_b,
                                at=ict(2025, 6, 5, 9))
    refused(s, rb, "“Tạm dừng")
    refused(s, issue, "Văn bản trao đổi về thời hạn là hồ sơ")
    decide_deadline_issue(s, issue, decision="keep", new_deadline=None, note=None, by=world.acc_a,
                          at=ict(2025, 6, 6, 9))
    assert rb.outcome == "pending"
    refused(s, rb, "đã có văn bản trao đổi về thời hạn")
    other = consult(world)
    answer(s, other.recipients[0], answer="agree", text=None, by=world.acc_b, at=ict(2025, 6, 6, 9))
    consultation_changes.change_consultation_status(s, other, "submitted", by=world.acc_a, at=ict(2025, 6, 7, 9))
    refused(s, other, "đã ở trạng thái “Đã trình”: là hồ sơ trách nhiệm")


# ---------------------------------------------------------------- whom to consult, and why
def test_only_the_consulting_unit_states_why_a_unit_is_consulted(world):
    s = world.session
    c = consult(world)
    rb = c.recipients[0]
    with pytest.raises(DomainError, match="cơ quan lấy ý kiến\\) được nêu lý do"):
        consultation_changes.change_relevance_reason(s, rb, "Không liên quan", by=world.acc_b)
    with pytest.raises(DomainError, match="Phải nêu lý do"):
        consultation_changes.change_relevance_reason(s, rb, "   ", by=world.acc_a)
    assert rb.relevance_reason == "Liên quan chức năng quản lý"
    consultation_changes.change_relevance_reason(s, rb, " Quản lý ngân sách ", by=world.acc_a)
    assert rb.relevance_reason == "Quản lý ngân sách"
    added = ConsultationRecipient(unit=world.c, relevance_reason="Thẩm định pháp lý", deadline=date(2025, 6, 20))
    with pytest.raises(DomainError, match="được chọn đơn vị được lấy ý kiến"):
        consultation_changes.check_new_recipient(c, added, by=world.acc_b)
    consultation_changes.check_new_recipient(c, added, by=world.acc_a)
    answer(s, rb, answer="agree", text=None, by=world.acc_b, at=ict(2025, 6, 6, 9))
    consultation_changes.change_consultation_status(s, c, "submitted", by=world.acc_a, at=ict(2025, 6, 7, 9))
    with pytest.raises(DomainError, match="không sửa lý do lấy ý kiến được"):
        consultation_changes.change_relevance_reason(s, rb, "Lý do khác", by=world.acc_a)
    assert rb.relevance_reason == "Quản lý ngân sách"


def test_a_notice_is_never_deleted(world):
    row = Notice(kind="deemed_agreement", dedupe_key=code("key"), number="12", symbol="TB-X",
                 issuing_unit_id=world.a.id, subject="V/v", body="x", issued_on=date(2025, 6, 4))
    with pytest.raises(DomainError, match="Văn bản số 12/TB-X đã ban hành là hồ sơ trách nhiệm"):
        refuse_notice_delete(world.session, row, at=BEFORE_ANY_DEADLINE)
