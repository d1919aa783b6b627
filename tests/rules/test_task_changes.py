"""Task and step changes asked field by field (as a record form does) go through the
rules of items 2, 3 and 5: portal.services.task_changes."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal.models import Task, TaskExtension, TaskStep
from portal.services import DomainError
from portal.services.task_changes import (change_step_status, change_task_status, check_new_step, check_new_task,
                                          check_step_edit)
from portal.services.tasks import add_step, create_task, extend_task, task_outcome
from portal.services.workdays import WorkCalendar

from .conftest import code, ict

CAL = WorkCalendar()


def new_task(world, due=date(2025, 6, 30), authority=None):
    return create_task(world.session, code=code("NV"), title="Thẩm định hồ sơ (thử)", lead_unit_id=world.a.id,
                       authority_unit_id=(authority or world.a).id, received_on=date(2025, 6, 2), due_date=due,
                       calendar=CAL)


def test_done_is_a_completion_with_its_lateness(world):
    s = world.session
    task = new_task(world, due=date(2025, 6, 13))
    step = add_step(s, task, title="Thụ lý", responsible_staff_id=world.a1.id, due_date=date(2025, 6, 10))
    with pytest.raises(DomainError, match="Còn bước chưa hoàn thành: 1"):
        change_task_status(s, task, "done", by=world.acc_a, at=ict(2025, 6, 12, 9))
    assert (task.status, task.completed_at) == ("in_progress", None)
    change_step_status(s, step, "done", by=world.acc_a1, at=ict(2025, 6, 11, 9))
    assert (step.status, step.completed_late) == ("done", True)
    change_task_status(s, task, "done", by=world.acc_a, at=ict(2025, 6, 14, 0, 0))
    assert (task.status, task.completed_late) == ("done", True)
    assert task_outcome(task, date(2025, 6, 20), CAL, 3) == "done_late"
    with pytest.raises(DomainError, match="đã kết thúc"):
        change_task_status(s, task, "in_progress", by=world.acc_a, at=ict(2025, 6, 15, 9))
    with pytest.raises(DomainError, match="không mở lại được"):
        change_step_status(s, step, "open", by=world.acc_a, at=ict(2025, 6, 15, 9))
    assert (task.status, step.status) == ("done", "done")


def test_submission_return_and_cancellation_go_through_their_rules(world):
    s = world.session
    task = new_task(world)
    with pytest.raises(DomainError, match="Phải chọn đơn vị nhận tờ trình"):
        change_task_status(s, task, "submitted", by=world.acc_a, at=ict(2025, 6, 5, 9))
    change_task_status(s, task, "submitted", by=world.acc_a, at=ict(2025, 6, 5, 9), to_unit_id=world.root.id)
    assert (task.status, task.improper_escalation) == ("submitted", True)
    with pytest.raises(DomainError, match="chỉ đơn vị nhận tờ trình trả lại được"):
        change_task_status(s, task, "in_progress", by=world.acc_a, at=ict(2025, 6, 6, 9))
    with pytest.raises(DomainError, match="Chỉ đơn vị nhận tờ trình"):
        change_task_status(s, task, "returned", by=world.acc_a, at=ict(2025, 6, 6, 9), reason="Thuộc thẩm quyền")
    change_task_status(s, task, "returned", by=world.leader, at=ict(2025, 6, 6, 9), reason="Thuộc thẩm quyền")
    assert (task.status, task.return_reason) == ("returned", "Thuộc thẩm quyền")
    change_task_status(s, task, "in_progress", by=world.acc_a, at=ict(2025, 6, 7, 9))
    with pytest.raises(DomainError, match="Chỉ thủ trưởng đơn vị chủ trì được hủy"):
        change_task_status(s, task, "cancelled", by=world.acc_b, at=ict(2025, 6, 7, 9))
    change_task_status(s, task, "cancelled", by=world.acc_a, at=ict(2025, 6, 7, 9))
    assert task.status == "cancelled" and task_outcome(task, date(2025, 7, 20), CAL, 3) is None


def test_a_new_task_starts_open_or_in_progress():
    check_new_task(None)
    check_new_task("in_progress")
    for status in ("done", "submitted", "returned", "cancelled"):
        with pytest.raises(DomainError, match="Nhiệm vụ mới chỉ ở trạng thái"):
            check_new_task(status)


def test_a_form_built_step_obeys_the_step_rules(world):
    s = world.session
    task = new_task(world)

    def built(**kw):
        values = {"seq": 1, "title": "Bước", "responsible": world.a1, "due_date": date(2025, 6, 20)}
        values.update(kw)
        step = TaskStep(**values)
        set_committed_value(step, "task", task)  # as a form builds it; only checked, never stored
        return step

    check = lambda step: check_new_step(s, step)  # noqa: E731
    check(built())
    for kw, message in (
        ({"status": "done"}, "Bước mới phải ở trạng thái"),
        ({"responsible": world.head_b}, "không thuộc"),
        ({"due_date": date(2025, 7, 1)}, "không được sau hạn của nhiệm vụ"),
        ({"due_date": date(2025, 6, 1)}, "không được trước ngày nhận"),
        ({"title": "  "}, "Phải nhập tên bước"),
    ):
        with pytest.raises(DomainError, match=message):
            check(built(**kw))
    assert s.scalar(sa.select(sa.func.count()).select_from(TaskStep).where(TaskStep.task_id == task.id)) == 0


def test_a_step_edit_keeps_what_its_delay_is_attributed_by(world):
    s = world.session
    task = new_task(world)
    step = add_step(s, task, title="Thụ lý", responsible_staff_id=world.a1.id, due_date=date(2025, 6, 10))
    old_due = step.due_date
    step.due_date = date(2025, 6, 25)
    with pytest.raises(DomainError, match="đã qua: không dời hạn được"):
        check_step_edit(s, step, {"due_date"}, old_due=old_due, at=ict(2025, 6, 11, 0, 0))
    check_step_edit(s, step, {"due_date"}, old_due=old_due, at=ict(2025, 6, 10, 23, 59))
    step.due_date = date(2025, 7, 25)
    with pytest.raises(DomainError, match="không được sau hạn của nhiệm vụ"):
        check_step_edit(s, step, {"due_date"}, old_due=old_due, at=ict(2025, 6, 9, 9))
    step.due_date = old_due
    step.responsible = world.b1_staff
    with pytest.raises(DomainError, match="không thuộc"):
        check_step_edit(s, step, {"responsible"}, old_due=old_due, at=ict(2025, 6, 9, 9))
    step.responsible = world.a1
    s.flush()
    change_step_status(s, step, "done", by=world.acc_a1, at=ict(2025, 6, 9, 9))
    step.title = "Đổi tên"
    with pytest.raises(DomainError, match="đã hoàn thành: không sửa"):
        check_step_edit(s, step, {"title"}, old_due=old_due, at=ict(2025, 6, 9, 10))


def test_an_extension_fills_a_form_built_row(world):
    s = world.session
    task = new_task(world, due=date(2025, 6, 13))
    row = TaskExtension(previous_due_date=date(2020, 1, 1), new_due_date=date(2025, 6, 27), reason="  x  ")
    ext = extend_task(s, task, new_due_date=date(2025, 6, 27), reason=" Chờ đo đạc ", by=world.acc_a,
                      at=ict(2025, 6, 12, 9), extension=row)
    assert ext is row
    assert (row.task_id, row.previous_due_date, row.new_due_date, row.reason) == (
        task.id, date(2025, 6, 13), date(2025, 6, 27), "Chờ đo đạc")
    assert (task.legal_due_date, task.due_date) == (date(2025, 6, 13), date(2025, 6, 27))


def test_every_done_task_and_step_carries_its_lateness(world):
    # The database holds it, so task_outcome and outcome_clause read the same fact.
    s = world.session
    task = new_task(world)
    step = add_step(s, task, title="Thụ lý", responsible_staff_id=world.a1.id, due_date=date(2025, 6, 10))
    for row in (task, step):
        savepoint = s.begin_nested()
        row.status, row.completed_at = "done", ict(2025, 6, 9, 9)
        with pytest.raises(IntegrityError, match="done_has_lateness"):
            s.flush()
        savepoint.rollback()
    assert s.scalar(sa.select(Task.status).where(Task.id == task.id)) == "in_progress"
