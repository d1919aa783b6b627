"""Acknowledgements (quán triệt, item 1): staff record their own, once; never
someone else's."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Acknowledgement, Directive, Staff
from tests.admin.conftest import flashes


def _directive() -> Directive:
    return db.session.scalars(sa.select(Directive).order_by(Directive.id)).first()


def _acks(staff_id: int, directive: Directive) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Acknowledgement).where(
        Acknowledgement.staff_id == staff_id, Acknowledgement.directive_id == directive.id))


def test_staff_acknowledge_a_directive_once(as_user):
    staff = as_user("staff")
    me = staff.account.staff_id
    directive = _directive()
    assert _acks(me, directive) == 0, "the demo leaves this person's acknowledgement missing"
    page = staff.get(f"/admin/directive/details/?id={directive.id}").get_data(as_text=True)
    assert "Tôi đã được quán triệt văn bản này" in page
    response = staff.post(f"/admin/directive/acknowledge/?id={directive.id}")
    assert response.status_code == 302
    assert _acks(me, directive) == 1
    response = staff.post(f"/admin/directive/acknowledge/?id={directive.id}", follow_redirects=True)
    assert "mỗi người chỉ xác nhận một lần" in flashes(response.get_data(as_text=True))
    assert _acks(me, directive) == 1


def test_staff_cannot_acknowledge_for_a_colleague(as_user):
    staff = as_user("staff")
    account = staff.account
    colleague = db.session.scalar(sa.select(Staff.id).where(
        Staff.unit_id == account.unit_id, Staff.id != account.staff_id, Staff.status == "active").order_by(Staff.id))
    directive = _directive()
    db.session.execute(sa.delete(Acknowledgement).where(Acknowledgement.staff_id == colleague))
    db.session.commit()
    response = staff.post("/admin/acknowledgement/new/", {"directive": directive.id, "staff": colleague})
    assert "ngoài phạm vi" in response.get_data(as_text=True)
    assert _acks(colleague, directive) == 0
    response = staff.post("/admin/acknowledgement/new/", {"directive": directive.id, "staff": account.staff_id})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    assert _acks(account.staff_id, directive) == 1


def test_the_acknowledge_button_is_only_for_those_who_may(as_user):
    directive = _directive()
    page = as_user("leader").get(f"/admin/directive/details/?id={directive.id}").get_data(as_text=True)
    assert "Tôi đã được quán triệt văn bản này" not in page
    assert as_user("leader").post(f"/admin/directive/acknowledge/?id={directive.id}").status_code == 403
