"""CSRF on every state-changing request of the portal: forms, deletes, bulk actions,
inline edits and decisions. A missing or forged token is refused (400) with a
Vietnamese message, and nothing changes."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import CalendarException, Commendation, TaskStep, Unit

REFUSED = "CSRF"
FORGED = "IjEyMzQ1Njc4OTAi.ZZZZZZ.forged-signature-aaaaaaaaaaaaaaaaaaaaaa"


def _unit(code: str) -> int:
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _refused(response) -> None:
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert REFUSED in text and "vui lòng tải lại trang" in text.lower()


@pytest.fixture
def exception_day() -> CalendarException:
    row = CalendarException(day=date(2031, 1, 2), kind="day_off", reason="Ngày thử")
    db.session.add(row)
    db.session.commit()  # released into the test's outer transaction, rolled back after the test
    return row


@pytest.mark.parametrize("token", [None, FORGED], ids=["missing", "forged"])
def test_create_without_a_valid_token(as_user, token):
    admin = as_user("admin")
    before = _count(CalendarException)
    data = {"day": "03/01/2031", "kind": "day_off", "reason": "Không được lưu"}
    if token:
        data["csrf_token"] = token
    _refused(admin.post("/admin/calendar_exception/new/", data, csrf=False))
    assert _count(CalendarException) == before


@pytest.mark.parametrize("token", [None, FORGED], ids=["missing", "forged"])
def test_delete_and_bulk_action_without_a_valid_token(as_user, exception_day, token):
    admin = as_user("admin")
    extra = {"csrf_token": token} if token else {}
    _refused(admin.post("/admin/calendar_exception/delete/", {"id": exception_day.id, **extra}, csrf=False))
    _refused(admin.post("/admin/calendar_exception/action/",
                        {"action": "delete", "rowid": exception_day.id, **extra}, csrf=False))
    assert db.session.get(CalendarException, exception_day.id) is not None


@pytest.mark.parametrize("token", [None, FORGED], ids=["missing", "forged"])
def test_inline_edit_without_a_valid_token(as_user, token):
    staff = as_user("staff")
    step = db.session.scalars(sa.select(TaskStep).where(
        TaskStep.responsible_staff_id == staff.account.staff_id).order_by(TaskStep.id)).first()
    data = {"list_form_pk": step.id, "note": "Không được lưu"}
    if token:
        data["csrf_token"] = token
    _refused(staff.post("/admin/task_step/ajax/update/", data, csrf=False))
    db.session.expire_all()
    assert db.session.get(TaskStep, step.id).note != "Không được lưu"


@pytest.mark.parametrize("token", [None, FORGED], ids=["missing", "forged"])
def test_decision_without_a_valid_token(as_user, token):
    proposal = db.session.scalar(sa.select(Commendation).where(Commendation.source_key == "demo:commendation:3"))
    data = {"decision": "approve"}
    if token:
        data["csrf_token"] = token
    _refused(as_user("leader").post(f"/admin/commendation/decide/?id={proposal.id}", data, csrf=False))
    db.session.expire_all()
    assert db.session.get(Commendation, proposal.id).status == "proposed"


def test_the_same_requests_pass_with_the_token(as_user, exception_day):
    admin = as_user("admin")
    response = admin.post("/admin/calendar_exception/delete/", {"id": exception_day.id})
    assert response.status_code == 302
    assert db.session.get(CalendarException, exception_day.id) is None


def test_generated_forms_carry_the_token(as_user):
    html = as_user("admin").get("/admin/task/new/").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    html = as_user("admin").get("/admin/calendar_exception/").get_data(as_text=True)
    assert html.count('name="csrf_token"') >= 2  # delete buttons and the bulk-action form
