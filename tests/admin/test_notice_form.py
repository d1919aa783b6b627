"""Notices entered through the record screen are numbered by their register (Decree
30/2020: the issuing unit's register of the year of issue), never by hand; an issued
notice keeps its number, issuing unit and year, and is never deleted. Bad input gets
a Vietnamese message and the data stays exactly as it was."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Notice, Unit
from portal.services.workdays import local_today
from tests.admin.conftest import flashes


def _unit(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def _highest(unit: Unit, year: int) -> int:
    numbers = db.session.scalars(sa.select(Notice.number).where(Notice.issuing_unit_id == unit.id,
                                                                Notice.issued_year == year)).all()
    return max((int(n) for n in numbers), default=0)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notice))


def _form(unit: Unit, **changes: Any) -> dict[str, Any]:
    form = {"kind": "overdue_reminder", "issuing_unit": unit.id, "recipient_unit": _unit("PT-X-MS").id,
            "subject": "V/v chấn chỉnh việc chậm giải quyết hồ sơ", "body": "Đề nghị khẩn trương giải quyết.",
            "issued_on": local_today().strftime("%d/%m/%Y")}
    form.update(changes)
    return form


def _create(user: Any, form: dict[str, Any]) -> tuple[int, str]:
    response = user.post("/admin/notice/new/", form)
    return response.status_code, flashes(response.get_data(as_text=True)) + response.get_data(as_text=True)


def _latest(unit: Unit) -> Notice:
    db.session.expire_all()
    return db.session.scalar(sa.select(Notice).where(Notice.issuing_unit_id == unit.id).order_by(Notice.id.desc()))


def test_the_create_form_has_no_number_to_type(as_user):
    page = as_user("admin").get("/admin/notice/new/").get_data(as_text=True)
    assert 'name="issued_on"' in page and 'name="issuing_unit"' in page
    assert 'name="number"' not in page and 'name="dedupe_key"' not in page
    assert "Số văn bản được cấp khi lưu" in page


def test_a_new_notice_takes_the_next_number_of_its_register_whatever_was_typed(as_user):
    unit, today = _unit("PT-TNMT"), local_today()
    expected = _highest(unit, today.year) + 1
    admin = as_user("admin")
    status, page = _create(admin, _form(unit, number="999", dedupe_key="typed-by-hand", symbol=""))
    assert status == 302, page[:300]
    first = _latest(unit)
    assert (first.number, first.issued_year, first.symbol) == (str(expected), today.year, f"TB-{unit.code}")
    assert first.dedupe_key == f"register:{unit.id}:{today.year}:{expected}"
    status, page = _create(admin, _form(unit, number="1", symbol="TB-TNMT-RIENG"))
    assert status == 302, page[:300]
    second = _latest(unit)
    assert (second.number, second.symbol) == (str(expected + 1), "TB-TNMT-RIENG")


def test_the_issuing_unit_and_the_year_of_issue_name_the_register(as_user):
    unit, other = _unit("PT-TNMT"), _unit("PT-TCKH")
    last_year = date(local_today().year - 1, 12, 30)
    expected_dated, expected_other = _highest(unit, last_year.year) + 1, _highest(other, local_today().year) + 1
    admin = as_user("admin")
    assert _create(admin, _form(unit, issued_on=last_year.strftime("%d/%m/%Y")))[0] == 302
    dated = _latest(unit)
    assert (int(dated.number), dated.issued_year) == (expected_dated, last_year.year)
    assert _create(admin, _form(other))[0] == 302
    assert int(_latest(other).number) == expected_other


def test_bad_notices_are_refused_in_vietnamese_and_nothing_is_numbered(as_user):
    unit, closed = _unit("PT-TNMT"), _unit("PT-YT")
    admin = as_user("admin")
    before, highest = _count(), _highest(unit, local_today().year)
    tomorrow = (local_today() + timedelta(days=1)).strftime("%d/%m/%Y")
    for changes, message in (
        ({"issued_on": tomorrow}, "không được sau ngày hôm nay"),
        ({"issuing_unit": closed.id}, "nằm ngoài thời gian hoạt động của Phòng Y tế"),
        ({"issuing_unit": ""}, "Trường này là bắt buộc."),
        ({"issued_on": ""}, "Trường này là bắt buộc."),
        ({"symbol": "x" * 41}, "Không được dài quá 40 ký tự."),
    ):
        status, page = _create(admin, _form(unit, **changes))
        assert status == 200 and message in page, (changes, message)
    assert (_count(), _highest(unit, local_today().year)) == (before, highest)


def test_an_edit_keeps_the_number_the_issuing_unit_and_the_year(as_user):
    unit = _unit("PT-TNMT")
    admin = as_user("admin")
    assert _create(admin, _form(unit))[0] == 302
    notice = _latest(unit)
    kept = (notice.number, notice.issuing_unit_id, notice.issued_on, notice.issued_year, notice.dedupe_key)
    response = admin.post(f"/admin/notice/edit/?id={notice.id}", {
        "subject": "V/v chấn chỉnh (sửa trích yếu)", "body": notice.body, "number": "1",
        "issuing_unit": _unit("PT-TCKH").id, "issued_on": "02/01/2030", "dedupe_key": "x",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    notice = _latest(unit)
    assert notice.subject == "V/v chấn chỉnh (sửa trích yếu)"
    assert (notice.number, notice.issuing_unit_id, notice.issued_on, notice.issued_year, notice.dedupe_key) == kept
    page = admin.get(f"/admin/notice/edit/?id={notice.id}").get_data(as_text=True)
    assert 'name="number"' not in page and 'name="issuing_unit"' not in page and 'name="issued_on"' not in page


def test_a_notice_is_never_deleted(as_user):
    unit = _unit("PT-TNMT")
    admin = as_user("admin")
    assert _create(admin, _form(unit))[0] == 302
    notice = _latest(unit)
    before = _count()
    assert admin.post("/admin/notice/delete/", {"id": notice.id}).status_code == 403
    assert admin.post("/admin/notice/action/", {"action": "delete", "rowid": [notice.id]}).status_code == 403
    assert 'action="/admin/notice/delete/"' not in admin.get("/admin/notice/").get_data(as_text=True)
    assert _count() == before and _latest(unit).id == notice.id
