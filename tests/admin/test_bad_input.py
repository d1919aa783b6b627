"""Bad input through the forms, as a user would send it: each gets a clear
Vietnamese message and the data stays exactly as it was."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Commendation, Evidence, Staff, Task, TaskStep, Unit
from tests.admin.conftest import flashes


def unit_id(code: str) -> int:
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def staff_of(code: str) -> int:
    return db.session.scalar(sa.select(Staff.id).where(Staff.unit_id == unit_id(code)).order_by(Staff.id))


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def task_form(**changes: object) -> dict[str, object]:
    form = {
        "code": "PT-T-THU-01", "title": "Thẩm định hồ sơ thử nghiệm", "lead_unit": unit_id("PT-TNMT"),
        "authority_unit": unit_id("PT"), "received_on": "02/06/2025", "deadline_kind": "working_days",
        "deadline_working_days": "10", "status": "open",
    }
    form.update(changes)
    return form


def test_a_valid_task_is_created_with_its_legal_deadline(as_user):
    before = count(Task)
    response = as_user("head").post("/admin/task/new/", task_form())
    assert response.status_code == 302
    task = db.session.scalar(sa.select(Task).where(Task.code == "PT-T-THU-01"))
    assert count(Task) == before + 1
    assert task.legal_due_date == task.due_date and task.legal_due_date > date(2025, 6, 2)
    assert task.created_by_id is not None


BAD_TASKS = [
    ("empty required", {"title": ""}, "Trường này là bắt buộc."),
    ("too long", {"title": "x" * 301}, "Không được dài quá 300 ký tự."),
    ("wrong type", {"deadline_working_days": "mười"}, "Phải là số nguyên."),
    ("not a date", {"received_on": "31/02/2025"}, "Ngày không hợp lệ"),
    ("dates in the wrong order", {"deadline_kind": "date", "deadline_working_days": "", "received_on": "02/06/2025",
                                  "legal_due_date": "01/05/2025"}, "không được trước ngày bắt đầu 02/06/2025"),
    ("unknown id", {"lead_unit": 999_999}, "ngoài phạm vi của bạn"),
    ("another unit's id", {"lead_unit": "PT-TCKH"}, "ngoài phạm vi của bạn"),
    ("another unit's staff", {"owner": "staff:PT-TCKH"}, "ngoài phạm vi của bạn"),
    ("duplicate code", {"code": "PT-T001"}, "Đã tồn tại"),
    ("a status only a rule may set", {"status": "done"}, "Nhiệm vụ mới chỉ ở trạng thái"),
]


@pytest.mark.parametrize(("case", "changes", "message"), BAD_TASKS, ids=[c[0] for c in BAD_TASKS])
def test_bad_task_input_is_refused_in_vietnamese(as_user, case, changes, message):
    resolved = {}
    for key, value in changes.items():
        if isinstance(value, str) and value.startswith("PT-") and key.endswith("unit"):
            value = unit_id(value)
        elif isinstance(value, str) and value.startswith("staff:"):
            value = staff_of(value.removeprefix("staff:"))
        resolved[key] = value
    before = count(Task)
    response = as_user("head").post("/admin/task/new/", task_form(**resolved))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, case
    assert message in html, case
    assert "Chưa lưu được bản ghi mới" in flashes(html) or message in flashes(html)
    assert count(Task) == before


def test_read_only_fields_keep_their_value_whatever_is_posted(as_user):
    task = db.session.scalars(sa.select(Task).where(Task.lead_unit_id == unit_id("PT-TNMT")).order_by(Task.id)).first()
    code, legal = task.code, task.legal_due_date
    response = as_user("head").post(f"/admin/task/edit/?id={task.id}", {
        "code": "DOI-MA", "legal_due_date": "01/01/2030", "title": "Tên mới", "lead_unit": task.lead_unit_id,
        "authority_unit": task.authority_unit_id, "due_date": task.due_date.strftime("%d/%m/%Y"),
        "status": task.status, "completed_at": task.completed_at.strftime("%d/%m/%Y %H:%M") if task.completed_at else "",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert (task.code, task.legal_due_date, task.title) == (code, legal, "Tên mới")


def test_a_task_cannot_be_moved_to_another_unit(as_user):
    task = db.session.scalars(sa.select(Task).where(Task.lead_unit_id == unit_id("PT-TNMT")).order_by(Task.id)).first()
    response = as_user("head").post(f"/admin/task/edit/?id={task.id}", {
        "title": task.title, "lead_unit": unit_id("PT-TCKH"), "authority_unit": task.authority_unit_id,
        "due_date": task.due_date.strftime("%d/%m/%Y"), "status": task.status,
    })
    assert "ngoài phạm vi của bạn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task.id).lead_unit_id == unit_id("PT-TNMT")


def test_an_inline_step_for_another_units_person_is_refused(as_user):
    task = db.session.scalars(sa.select(Task).where(Task.lead_unit_id == unit_id("PT-TNMT"),
                                                    Task.status == "in_progress").order_by(Task.id)).first()
    steps = count(TaskStep)
    response = as_user("head").post(f"/admin/task/edit/?id={task.id}", {
        "title": task.title, "lead_unit": task.lead_unit_id, "authority_unit": task.authority_unit_id,
        "due_date": task.due_date.strftime("%d/%m/%Y"), "status": task.status,
        "steps-0-seq": "99", "steps-0-title": "Bước chen vào", "steps-0-responsible": staff_of("PT-TCKH"),
        "steps-0-due_date": task.due_date.strftime("%d/%m/%Y"), "steps-0-status": "open",
    })
    assert "ngoài phạm vi của bạn" in response.get_data(as_text=True)
    assert count(TaskStep) == steps


def test_evidence_naming_another_units_task_by_id_is_refused(as_user):
    mine = db.session.scalar(sa.select(Commendation).where(Commendation.source_key == "demo:commendation:3"))
    foreign = db.session.scalar(sa.select(Task.id).where(Task.lead_unit_id == unit_id("PT-TCKH")))
    before = count(Evidence)
    response = as_user("head").post("/admin/evidence/new/", {"commendation": mine.id, "task_id": foreign})
    html = response.get_data(as_text=True)
    assert "Số hiệu nhiệm vụ: không tìm thấy số hiệu" in html
    assert count(Evidence) == before


def test_dates_in_the_wrong_order_on_a_plain_form(as_user):
    from portal.models import Directive

    before = count(Directive)
    response = as_user("admin").post("/admin/directive/new/", {
        "code": "99/CT-THU", "title": "Chỉ thị thử", "issued_on": "10/06/2025", "acknowledge_by": "01/06/2025",
        "issuing_unit": unit_id("PT"),
    })
    assert "Hạn quán triệt phải sau hoặc bằng ngày ban hành." in flashes(response.get_data(as_text=True))
    assert count(Directive) == before
