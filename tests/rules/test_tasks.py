"""Tasks: status as officials report it, steps, extensions, delay attribution and
improper escalation — directive items 2, 3 and 5 (issue 4, rules 2 and 4)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.models import Task, TaskExtension, TaskStep
from portal.services import DomainError
from portal.services.tasks import (add_step, attribute_delay, complete_step, complete_task, create_task, extend_task,
                                   outcome_clause, return_to_authority, submit_upward, task_outcome)
from portal.services.workdays import WorkCalendar

from .conftest import code, ict, make_staff

CAL = WorkCalendar()
TODAY = date(2025, 6, 20)  # Friday


def new_task(world, due=date(2025, 6, 30), authority=None, received=date(2025, 6, 2), **kw):
    return create_task(world.session, code=code("NV"), title="Thẩm định hồ sơ đất đai (thử)", lead_unit_id=world.a.id,
                       authority_unit_id=(authority or world.root).id, received_on=received, due_date=due,
                       calendar=CAL, **kw)


def test_task_outcomes_as_officials_report_them(world):
    # Item 3: done on time / done late / in time / at risk / overdue; a task done
    # before 24:00 local of its due date is on time.
    s = world.session
    on_time = new_task(world, due=date(2025, 6, 13))
    complete_task(s, on_time, by=world.acc_a, at=ict(2025, 6, 13, 23, 59))
    late = new_task(world, due=date(2025, 6, 13))
    complete_task(s, late, by=world.acc_a, at=ict(2025, 6, 14, 0, 0))
    overdue = new_task(world, due=date(2025, 6, 19))
    due_today = new_task(world, due=TODAY)
    at_risk = new_task(world, due=date(2025, 6, 24))  # 2 working days left on Friday 20/06
    in_time = new_task(world, due=date(2025, 6, 25))  # 3 working days left
    expected = {on_time: "done_on_time", late: "done_late", overdue: "overdue", due_today: "at_risk",
                at_risk: "at_risk", in_time: "in_time"}
    assert late.completed_late is True and on_time.completed_late is False
    for task, outcome in expected.items():
        assert task_outcome(task, TODAY, CAL, 3) == outcome, task.due_date
    # the SQL form selects exactly the same tasks
    ids = [t.id for t in expected]
    for outcome in ("done_on_time", "done_late", "overdue", "at_risk", "in_time"):
        found = set(s.scalars(sa.select(Task.id).where(Task.id.in_(ids),
                                                      outcome_clause(outcome, TODAY, calendar=CAL, at_risk_days=3))))
        assert found == {t.id for t, o in expected.items() if o == outcome}, outcome
    # without the at-risk threshold, a task due today is still "in time"
    assert task_outcome(due_today, TODAY, CAL, 0) == "in_time"


def test_steps_have_one_responsible_person_in_the_lead_unit(world):
    # Item 5: each step has one named person of the lead unit (or a unit below it).
    s = world.session
    task = new_task(world)
    step = add_step(s, task, title="Kiểm tra hồ sơ", responsible_staff_id=world.a1.id, due_date=date(2025, 6, 20))
    assert step.seq == 1 and task.status == "in_progress"
    with pytest.raises(DomainError, match="không thuộc"):
        add_step(s, task, title="Lấy ý kiến", responsible_staff_id=world.head_b.id, due_date=date(2025, 6, 25))
    with pytest.raises(DomainError, match="không được sau hạn của nhiệm vụ"):
        add_step(s, task, title="Trình ký", responsible_staff_id=world.head_a.id, due_date=date(2025, 7, 1))
    retired = make_staff(s, world.a, "Người đã nghỉ", status="retired")
    with pytest.raises(DomainError, match="không còn đang công tác"):
        add_step(s, task, title="Trình ký", responsible_staff_id=retired.id, due_date=date(2025, 6, 25))
    assert s.scalar(sa.select(sa.func.count()).select_from(TaskStep).where(TaskStep.task_id == task.id)) == 1


def test_delay_is_attributed_to_the_step_where_it_happened(world):
    # Item 5: step 1 finished late by 3 working days; step 2 finished within its own
    # deadline; step 3 is still open past its deadline.
    s = world.session
    task = new_task(world, due=date(2025, 6, 30))
    s1 = add_step(s, task, title="Thụ lý", responsible_staff_id=world.a1.id, due_date=date(2025, 6, 6))
    s2 = add_step(s, task, title="Thẩm định", responsible_staff_id=world.head_a.id, due_date=date(2025, 6, 13))
    s3 = add_step(s, task, title="Trình ký", responsible_staff_id=world.a1.id, due_date=date(2025, 6, 17))
    complete_step(s, s1, by=world.acc_a1, at=ict(2025, 6, 11, 10))  # Wed after Fri: 3 working days
    complete_step(s, s2, by=world.acc_a, at=ict(2025, 6, 13, 17))
    with pytest.raises(DomainError, match="Chỉ người chịu trách nhiệm"):
        complete_step(s, s3, by=world.acc_b, at=ict(2025, 6, 18, 9))
    delays = attribute_delay(task, CAL, today=TODAY)
    assert [(d.step.id, d.days_late, d.staff_id) for d in delays] == [(s1.id, 3, world.a1.id), (s3.id, 3, world.a1.id)]
    step, days, staff_id = delays[0]
    assert (step, days, staff_id) == (s1, 3, world.a1.id)
    with pytest.raises(DomainError, match="Còn bước chưa hoàn thành"):
        complete_task(s, task, by=world.acc_a, at=ict(2025, 6, 20, 9))


def test_extension_keeps_the_legal_deadline_and_the_reason(world):
    # Item 3: extensions keep the original deadline and the reason.
    s = world.session
    task = new_task(world, due=date(2025, 6, 13))
    ext = extend_task(s, task, new_due_date=date(2025, 6, 27), reason="Chờ kết quả đo đạc", by=world.leader)
    assert (task.legal_due_date, task.due_date) == (date(2025, 6, 13), date(2025, 6, 27))
    assert (ext.previous_due_date, ext.new_due_date, ext.reason) == (date(2025, 6, 13), date(2025, 6, 27), "Chờ kết quả đo đạc")
    assert task_outcome(task, TODAY, CAL, 3) == "in_time"


@pytest.mark.parametrize("new_due, reason, message", [
    (date(2025, 6, 10), "Lý do", "phải sau hạn hiện tại"),
    (date(2025, 6, 13), "Lý do", "phải sau hạn hiện tại"),
    (date(2025, 6, 27), "  ", "phải nêu rõ lý do"),
])
def test_bad_extension_is_refused_and_changes_nothing(world, new_due, reason, message):
    s = world.session
    task = new_task(world, due=date(2025, 6, 13))
    with pytest.raises(DomainError, match=message):
        extend_task(s, task, new_due_date=new_due, reason=reason, by=world.leader)
    s.expire_all()
    task = s.get(Task, task.id)
    assert (task.due_date, task.legal_due_date) == (date(2025, 6, 13), date(2025, 6, 13))
    assert s.scalar(sa.select(sa.func.count()).select_from(TaskExtension).where(TaskExtension.task_id == task.id)) == 0


def test_improper_escalation_is_flagged_and_returned(world):
    # Item 2: the lead unit has the authority itself, yet submits upward: flagged,
    # and the higher unit returns it.
    s = world.session
    own = new_task(world, authority=world.a)
    submit_upward(s, own, to_unit_id=world.root.id, by=world.acc_a, at=ict(2025, 6, 16, 9))
    assert (own.status, own.improper_escalation, own.submitted_to_unit_id) == ("submitted", True, world.root.id)
    with pytest.raises(DomainError, match="Chỉ đơn vị nhận tờ trình"):
        return_to_authority(s, own, reason="Thuộc thẩm quyền", by=world.acc_b)
    with pytest.raises(DomainError, match="lý do"):
        return_to_authority(s, own, reason="", by=world.leader)
    return_to_authority(s, own, reason="Thuộc thẩm quyền của Phòng, đề nghị tự giải quyết", by=world.leader)
    assert own.status == "returned" and own.return_reason.startswith("Thuộc thẩm quyền")
    assert task_outcome(own, TODAY, CAL, 3) == "in_time"  # still the unit's to finish on time
    # a matter that really needs the higher unit is not flagged
    proper = new_task(world, authority=world.root)
    submit_upward(s, proper, to_unit_id=world.root.id, by=world.acc_a)
    assert proper.improper_escalation is False
