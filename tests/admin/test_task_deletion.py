"""Deleting tasks and steps through the generic screens, as an administrator would:
the delete button, the bulk delete action and an inline step ticked for deletion.
What has happened to a task (a completion, a submission, a passed deadline, a
notice) is a record of accountability: refused with a Vietnamese message, and the
data stays exactly as it was. A task entered by mistake still goes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, Notice, Staff, Task, TaskStep, Unit
from portal.services import tasks
from portal.services.notices import next_number
from portal.services.workdays import local_today
from tests import factories as f
from tests.admin.conftest import flashes


def _unit(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def _account(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def _task(*, due: date | None = None, steps: int = 1) -> Task:
    """A task of Phòng TN-MT, received 20 days before ``due`` (by default ten days ahead)."""
    due = due or local_today() + timedelta(days=10)
    lead = _unit("PT-TNMT")
    task = f.task(db.session, lead, received=due - timedelta(days=20), due=due, authority=_unit("PT"))
    person = db.session.scalar(sa.select(Staff).where(Staff.unit_id == lead.id, Staff.status == "active")
                               .order_by(Staff.id))
    for seq in range(1, steps + 1):
        f.step(db.session, task, person, seq=seq, due=due - timedelta(days=steps - seq + 1))
    db.session.commit()
    return task


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _complete_first_step(task: Task) -> TaskStep:
    step = tasks.complete_step(db.session, task.steps[0], by=_account("head"), at=_now())
    db.session.commit()
    return step


def _state(task_id: int) -> tuple[Any, ...] | None:
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    if task is None:
        return None
    return (task.status, task.completed_at, task.submitted_at, task.due_date,
            [(s.id, s.status, s.completed_at, s.due_date) for s in task.steps])


def _delete(user: Any, endpoint: str, ident: int) -> str:
    response = user.post(f"/admin/{endpoint}/delete/", {"id": ident}, follow_redirects=True)
    assert response.status_code == 200
    return flashes(response.get_data(as_text=True))


# ---------------------------------------------------------------- the task screen
def test_a_task_with_a_done_step_stays_and_a_task_entered_by_mistake_goes(as_user):
    kept, mistake = _task(), _task(steps=2)
    _complete_first_step(kept)
    before = _state(kept.id)
    admin = as_user("admin")
    message = _delete(admin, "task", kept.id)
    assert "Bước 1 đã hoàn thành" in message and "không xóa được" in message
    assert _state(kept.id) == before
    step_ids = [s.id for s in mistake.steps]
    _delete(admin, "task", mistake.id)
    assert _state(mistake.id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskStep).where(TaskStep.id.in_(step_ids))) == 0


def test_done_submitted_and_overdue_tasks_are_records(as_user):
    done = _task(steps=0)
    tasks.complete_task(db.session, done, by=_account("head"), at=_now())
    submitted = _task()
    tasks.submit_upward(db.session, submitted, to_unit_id=_unit("PT").id, by=_account("head"), at=_now())
    overdue = _task(due=local_today() - timedelta(days=1), steps=0)
    db.session.commit()
    admin = as_user("admin")
    for task, expected in ((done, "đã hoàn thành"), (submitted, "đã được trình cấp trên"),
                           (overdue, "đã quá hạn")):
        before = _state(task.id)
        message = _delete(admin, "task", task.id)
        assert f"Nhiệm vụ {task.code} {expected}" in message, message
        assert _state(task.id) == before


def test_a_task_a_notice_was_issued_about_stays(as_user):
    task = _task()
    lead = _unit("PT-TNMT")
    db.session.add(Notice(kind="due_reminder", dedupe_key=f"test:task:{task.id}", symbol=f"TB-{lead.code}",
                          number=next_number(db.session, lead.id, local_today()), issuing_unit_id=lead.id,
                          subject="V/v nhắc hạn", body="Nhắc hạn xử lý", issued_on=local_today(), task_id=task.id))
    db.session.commit()
    before = _state(task.id)
    message = _delete(as_user("admin"), "task", task.id)
    assert f"Đã có văn bản (thông báo, báo cáo) ban hành về nhiệm vụ {task.code}" in message
    assert _state(task.id) == before


def test_the_bulk_delete_refuses_records_one_by_one(as_user):
    kept, mistake = _task(), _task()
    _complete_first_step(kept)
    before = _state(kept.id)
    response = as_user("admin").post("/admin/task/action/", {"action": "delete", "rowid": [kept.id, mistake.id]},
                                     follow_redirects=True)
    message = flashes(response.get_data(as_text=True))
    assert "Bước 1 đã hoàn thành" in message
    assert "Đã xóa 1 bản ghi." in message and "1 bản ghi không xóa được" in message
    assert _state(kept.id) == before and _state(mistake.id) is None


# ---------------------------------------------------------------- the step screen
def test_a_done_step_a_passed_step_and_any_step_of_a_submitted_task_stay(as_user):
    done = _task()
    _complete_first_step(done)
    submitted = _task()
    tasks.submit_upward(db.session, submitted, to_unit_id=_unit("PT").id, by=_account("head"), at=_now())
    passed = _task(steps=2)
    passed.steps[0].due_date = local_today() - timedelta(days=1)
    db.session.commit()
    admin = as_user("admin")
    for task, expected in ((done, "Bước 1 đã hoàn thành"), (submitted, "“Đã trình cấp trên”: các bước xử lý"),
                           (passed, "Hạn của bước 1")):
        before = _state(task.id)
        message = _delete(admin, "task_step", task.steps[0].id)
        assert expected in message and "không xóa được" in message, message
        assert _state(task.id) == before
    # The open step ahead of its deadline was entered by mistake: it goes.
    second = passed.steps[1].id
    _delete(admin, "task_step", second)
    assert db.session.get(TaskStep, second) is None


def test_the_bulk_step_delete_refuses_a_done_step(as_user):
    task = _task(steps=2)
    _complete_first_step(task)
    first, second = (s.id for s in task.steps)
    response = as_user("admin").post("/admin/task_step/action/", {"action": "delete", "rowid": [first, second]},
                                     follow_redirects=True)
    message = flashes(response.get_data(as_text=True))
    assert "Bước 1 đã hoàn thành" in message and "1 bản ghi không xóa được" in message
    db.session.expire_all()
    assert db.session.get(TaskStep, first).status == "done" and db.session.get(TaskStep, second) is None


# ---------------------------------------------------------------- inline rows under the task
def _row(index: int, step: TaskStep) -> dict[str, Any]:
    """The inline row of ``step`` as the task form posts it, unchanged."""
    row = {"id": step.id, "seq": step.seq, "title": step.title, "responsible": step.responsible_staff_id,
           "due_date": step.due_date.strftime("%d/%m/%Y"), "status": step.status}
    return {f"steps-{index}-{name}": value for name, value in row.items()}


def test_an_inline_step_ticked_for_deletion_obeys_the_same_rule(as_user):
    task = _task(steps=2)
    _complete_first_step(task)
    done, open_step = task.steps
    base = {"title": task.title, "lead_unit": task.lead_unit_id, "authority_unit": task.authority_unit_id,
            "status": task.status}
    before = _state(task.id)
    admin = as_user("admin")
    response = admin.post(f"/admin/task/edit/?id={task.id}",
                          {**base, **_row(0, done), "del-steps-0": "y", **_row(1, open_step)})
    assert response.status_code == 200
    assert "Bước 1 đã hoàn thành" in flashes(response.get_data(as_text=True))
    assert _state(task.id) == before
    response = admin.post(f"/admin/task/edit/?id={task.id}",
                          {**base, **_row(0, done), **_row(1, open_step), "del-steps-1": "y"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    assert [s[0] for s in _state(task.id)[-1]] == [done.id]
