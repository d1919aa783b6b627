"""The generic task screens obey the task rules (items 2, 3 and 5), through HTTP as a
user would send them: a status of "done" is a completion (lateness fixed, no open
step left), a step is completed through its rule and never reopened, an extension
keeps the replaced deadline and the reason and moves the deadline in force. Every
refusal is a Vietnamese message and leaves the data exactly as it was."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, Staff, Task, Unit
from portal.services.workdays import local_today
from tests import factories as f
from tests.admin.conftest import flashes


def _unit(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def _account(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def _person(unit_code: str) -> Staff:
    return db.session.scalar(sa.select(Staff).where(Staff.unit_id == _unit(unit_code).id, Staff.status == "active")
                             .order_by(Staff.id))


def _task(*, due: date, authority: str | None = None, steps: int = 1, person: Staff | None = None) -> Task:
    """A task of Phòng TN-MT (the demo "head"), received 20 days before ``due``."""
    lead = _unit("PT-TNMT")
    task = f.task(db.session, lead, received=due - timedelta(days=20), due=due,
                  authority=_unit(authority) if authority else lead)
    for seq in range(1, steps + 1):
        f.step(db.session, task, person or _person("PT-TNMT"), seq=seq, due=due - timedelta(days=1))
    db.session.commit()
    return task


def _fresh(row: Any) -> Any:
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def _state(task: Task) -> tuple[Any, ...]:
    task = _fresh(task)
    return (task.status, task.completed_at, task.completed_late, task.due_date, task.legal_due_date,
            task.submitted_to_unit_id, task.improper_escalation, len(task.extensions),
            [(s.status, s.completed_at, s.completed_late, s.due_date) for s in task.steps])


def _form(task: Task, **changes: Any) -> dict[str, Any]:
    form = {"title": task.title, "lead_unit": task.lead_unit_id, "authority_unit": task.authority_unit_id,
            "status": task.status}
    form.update(changes)
    return form


def _edit(user: Any, task: Task, **changes: Any) -> tuple[int, str]:
    response = user.post(f"/admin/task/edit/?id={task.id}", _form(task, **changes))
    return response.status_code, flashes(response.get_data(as_text=True)) + response.get_data(as_text=True)


def _close_to_now(instant: datetime) -> bool:
    return abs(instant - datetime.now(timezone.utc)) < timedelta(minutes=5)


# ---------------------------------------------------------------- task status
def test_done_with_an_open_step_is_refused_and_nothing_changes(as_user):
    task = _task(due=local_today() + timedelta(days=10))
    before = _state(task)
    status, page = _edit(as_user("head"), task, status="done", completed_at="01/01/2020 08:00")
    assert status == 200
    assert "Còn bước chưa hoàn thành: 1." in page
    assert _state(task) == before


def test_step_then_task_done_through_the_forms_fix_lateness_now(as_user):
    # Due yesterday: done today is late, whatever completion time is posted.
    task = _task(due=local_today() - timedelta(days=1))
    head = as_user("head")
    step = task.steps[0]
    response = head.post(f"/admin/task_step/edit/?id={step.id}", {
        "title": step.title, "responsible": step.responsible_staff_id, "due_date": step.due_date.strftime("%d/%m/%Y"),
        "status": "done", "completed_at": "01/01/2020 08:00",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    step = _fresh(step)
    assert step.status == "done" and step.completed_late is True and _close_to_now(step.completed_at)
    status, page = _edit(head, task, status="done", completed_at="01/01/2020 08:00")
    assert status == 302, page[:300]
    task = _fresh(task)
    assert task.status == "done" and task.completed_late is True and _close_to_now(task.completed_at)


def test_a_done_task_is_not_reopened(as_user):
    task = _task(due=local_today() + timedelta(days=10), steps=0)
    head = as_user("head")
    assert _edit(head, task, status="done")[0] == 302
    before = _state(task)
    status, page = _edit(head, _fresh(task), status="in_progress")
    assert status == 200 and "đã kết thúc" in page
    assert _state(task) == before


def test_submission_goes_through_its_rule_and_is_flagged_when_improper(as_user):
    # The lead unit holds the authority itself, yet submits upward (item 2).
    task = _task(due=local_today() + timedelta(days=10))
    head = as_user("head")
    before = _state(task)
    status, page = _edit(head, task, submitted_to_unit=_unit("PT").id)
    assert status == 200 and "Đơn vị nhận tờ trình chỉ được chọn khi chuyển trạng thái" in page
    status, page = _edit(head, task, status="submitted")
    assert status == 200 and "Phải chọn đơn vị nhận tờ trình." in page
    assert _state(task) == before
    status, page = _edit(head, task, status="submitted", submitted_to_unit=_unit("PT").id)
    assert status == 302, page[:300]
    task = _fresh(task)
    assert (task.status, task.submitted_to_unit_id, task.improper_escalation) == ("submitted", _unit("PT").id, True)
    assert task.submitted_at is not None


def test_a_new_task_cannot_start_done(as_user):
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    response = as_user("head").post("/admin/task/new/", {
        "code": "PT-T-RULE-01", "title": "Nhiệm vụ thử", "lead_unit": _unit("PT-TNMT").id,
        "authority_unit": _unit("PT").id, "received_on": "02/06/2025", "deadline_kind": "date",
        "legal_due_date": "20/06/2025", "status": "done",
    })
    assert response.status_code == 200
    assert "Nhiệm vụ mới chỉ ở trạng thái" in flashes(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == count


# ---------------------------------------------------------------- steps
def test_staff_complete_their_step_in_the_list_and_cannot_reopen_it(as_user):
    staff = as_user("staff")
    person = db.session.get(Staff, staff.account.staff_id)
    task = _task(due=local_today() + timedelta(days=10), person=person)
    step = task.steps[0]
    response = staff.post("/admin/task_step/ajax/update/", {"list_form_pk": step.id, "status": "done"})
    assert response.status_code == 200, response.get_data(as_text=True)
    step = _fresh(step)
    assert step.status == "done" and step.completed_late is False and _close_to_now(step.completed_at)
    done = (step.status, step.completed_at, step.completed_late)
    response = staff.post("/admin/task_step/ajax/update/", {"list_form_pk": step.id, "status": "open"})
    assert response.status_code == 500 and "không mở lại được" in response.get_data(as_text=True)
    step = _fresh(step)
    assert (step.status, step.completed_at, step.completed_late) == done


def test_an_inline_step_marked_done_goes_through_the_rule(as_user):
    task = _task(due=local_today() + timedelta(days=10))
    step = task.steps[0]
    status, page = _edit(as_user("head"), task, **{
        "steps-0-id": step.id, "steps-0-seq": "1", "steps-0-title": step.title,
        "steps-0-responsible": step.responsible_staff_id, "steps-0-due_date": step.due_date.strftime("%d/%m/%Y"),
        "steps-0-status": "done",
    })
    assert status == 302, page[:300]
    step = _fresh(step)
    assert step.status == "done" and step.completed_late is False and _close_to_now(step.completed_at)


def test_a_new_step_cannot_be_done_nor_due_after_its_task(as_user):
    task = _task(due=local_today() + timedelta(days=10), steps=0)
    head = as_user("head")
    row = {"steps-0-seq": "1", "steps-0-title": "Bước thêm", "steps-0-responsible": _person("PT-TNMT").id,
           "steps-0-due_date": task.due_date.strftime("%d/%m/%Y"), "steps-0-status": "done"}
    before = _state(task)
    status, page = _edit(head, task, **row)
    assert status == 200 and "Bước mới phải ở trạng thái “Chưa hoàn thành”" in page
    late = {**row, "steps-0-status": "open",
            "steps-0-due_date": (task.due_date + timedelta(days=1)).strftime("%d/%m/%Y")}
    status, page = _edit(head, task, **late)
    assert status == 200 and "không được sau hạn của nhiệm vụ" in page
    assert _state(task) == before
    status, page = _edit(head, task, **{**row, "steps-0-status": "open"})
    assert status == 302, page[:300]
    task = _fresh(task)
    assert task.status == "in_progress" and [s.status for s in task.steps] == ["open"]


def test_a_passed_step_deadline_is_not_moved(as_user):
    task = _task(due=local_today() + timedelta(days=10))
    step = task.steps[0]
    step.due_date = local_today() - timedelta(days=2)
    task.received_on = task.legal_due_date - timedelta(days=40)
    db.session.commit()
    before = _state(task)
    response = as_user("head").post(f"/admin/task_step/edit/?id={step.id}", {
        "title": step.title, "responsible": step.responsible_staff_id,
        "due_date": task.due_date.strftime("%d/%m/%Y"), "status": "open",
    })
    assert response.status_code == 200
    assert "đã qua: không dời hạn được" in flashes(response.get_data(as_text=True))
    assert _state(task) == before


# ---------------------------------------------------------------- extensions
def test_an_inline_extension_moves_the_deadline_and_keeps_the_old_one(as_user):
    task = _task(due=local_today() + timedelta(days=5))
    old_due, legal = task.due_date, task.legal_due_date
    new_due = old_due + timedelta(days=10)
    status, page = _edit(as_user("head"), task, **{
        "extensions-0-new_due_date": new_due.strftime("%d/%m/%Y"), "extensions-0-reason": "Chờ kết quả đo đạc",
        "extensions-0-previous_due_date": "01/01/2020",
    })
    assert status == 302, page[:300]
    task = _fresh(task)
    assert (task.due_date, task.legal_due_date) == (new_due, legal)
    (ext,) = task.extensions
    assert (ext.previous_due_date, ext.new_due_date, ext.reason) == (old_due, new_due, "Chờ kết quả đo đạc")
    assert ext.granted_by_id == _account("head").id


def test_bad_extensions_are_refused_and_nothing_changes(as_user):
    task = _task(due=local_today() + timedelta(days=5))
    head = as_user("head")
    before = _state(task)
    later = (task.due_date + timedelta(days=10)).strftime("%d/%m/%Y")
    for row, message in (
        ({"extensions-0-new_due_date": later, "extensions-0-reason": "   "}, "Gia hạn phải nêu rõ lý do."),
        ({"extensions-0-new_due_date": task.due_date.strftime("%d/%m/%Y"), "extensions-0-reason": "Lý do"},
         "phải sau hạn hiện tại"),
    ):
        status, page = _edit(head, task, **row)
        assert status == 200 and message in page, message
        assert _state(task) == before
    # The authority to extend is the authority unit's (here the district): not the office head's.
    theirs = _task(due=local_today() + timedelta(days=5), authority="PT")
    before = _state(theirs)
    status, page = _edit(head, theirs, **{"extensions-0-new_due_date": later, "extensions-0-reason": "Lý do"})
    assert status == 200 and "Chỉ lãnh đạo đơn vị có thẩm quyền được gia hạn" in page
    assert _state(theirs) == before


def test_a_recorded_extension_is_neither_edited_nor_deleted(as_user):
    task = _task(due=local_today() + timedelta(days=5))
    head = as_user("head")
    later = task.due_date + timedelta(days=10)
    assert _edit(head, task, **{"extensions-0-new_due_date": later.strftime("%d/%m/%Y"),
                                "extensions-0-reason": "Chờ đo đạc"})[0] == 302
    task = _fresh(task)
    ext = task.extensions[0]
    before = _state(task)
    edited, deleted = {"extensions-0-reason": "Lý do khác"}, {"extensions-0-reason": "Chờ đo đạc", "del-extensions-0": "y"}
    for extra in (edited, deleted):
        status, page = _edit(head, task, **{"extensions-0-id": ext.id,
                                            "extensions-0-new_due_date": later.strftime("%d/%m/%Y"), **extra})
        assert status == 200 and "Gia hạn đã ghi nhận là hồ sơ" in page, extra
        assert _state(task) == before
    assert head.get(f"/admin/task_extension/edit/?id={ext.id}").status_code == 403
    assert head.post("/admin/task_extension/delete/", {"id": ext.id}).status_code == 403
    assert as_user("admin").post("/admin/task_extension/delete/", {"id": ext.id}).status_code == 403
    assert _state(task) == before


def test_an_extension_created_on_its_own_screen_goes_through_the_rule(as_user):
    task = _task(due=local_today() + timedelta(days=5))
    old_due = task.due_date
    new_due = old_due + timedelta(days=7)
    response = as_user("head").post("/admin/task_extension/new/", {
        "task": task.id, "new_due_date": new_due.strftime("%d/%m/%Y"), "reason": "Chờ ý kiến Sở",
        "previous_due_date": "01/01/2020",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    task = _fresh(task)
    (ext,) = task.extensions
    assert task.due_date == new_due and ext.previous_due_date == old_due and ext.reason == "Chờ ý kiến Sở"
