"""Row scope through the screens, with expectations computed independently of the
policy (the unit tree is walked through ``parent_id``, not the materialised path)."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, Inspection, Permission, Role, Sample, Staff, Task, TaskStep, Unit


def subtree(unit_code: str) -> set[int]:
    units = db.session.execute(sa.select(Unit.id, Unit.parent_id, Unit.code)).all()
    children: dict[int | None, list[int]] = {}
    for uid, parent, _code in units:
        children.setdefault(parent, []).append(uid)
    root = next(uid for uid, _p, code in units if code == unit_code)
    found, todo = set(), [root]
    while todo:
        uid = todo.pop()
        found.add(uid)
        todo.extend(children.get(uid, []))
    return found


def task_of(unit_code: str) -> Task:
    unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == unit_code))
    return db.session.scalars(sa.select(Task).where(Task.lead_unit_id == unit_id).order_by(Task.id)).first()


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]


def test_unit_head_cannot_open_another_units_task_by_url(as_user):
    head = as_user("head")
    other = task_of("PT-TCKH")
    assert head.get(f"/admin/task/details/?id={other.id}").status_code == 403
    assert head.get(f"/admin/task/edit/?id={other.id}").status_code == 403
    response = head.post("/admin/task/edit/?id={}".format(other.id), {"title": "Chiếm quyền", "code": other.code})
    assert response.status_code == 403
    assert head.post("/admin/task/delete/", {"id": other.id}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Task, other.id).title != "Chiếm quyền"
    own = task_of("PT-TNMT")
    assert head.get(f"/admin/task/details/?id={own.id}").status_code == 200


def test_task_list_and_export_hold_only_the_units_subtree(as_user):
    units = subtree("PT-TNMT")
    expected = set(db.session.scalars(sa.select(Task.code).where(
        sa.or_(Task.lead_unit_id.in_(units), Task.submitted_to_unit_id.in_(units)))))
    rows = csv_rows(as_user("head").get("/admin/task/export/csv/"))
    assert {row[0] for row in rows} == expected
    assert expected, "the demo gives the head tasks of their own"


def test_commune_head_sees_staff_of_the_commune_only(as_user):
    units = subtree("PT-X-MS")
    expected = set(db.session.scalars(sa.select(Staff.code).where(Staff.unit_id.in_(units))))
    html = as_user("commune").get("/admin/staff/?page_size=100").get_data(as_text=True)
    shown = set(re.findall(r"PT-S\d{4}", html))
    assert expected and shown == expected


def test_lookup_offers_only_own_staff(as_user):
    response = as_user("head").get("/admin/task/ajax/lookup/?name=owner&query=&limit=50")
    ids = {item[0] for item in json.loads(response.get_data(as_text=True))}
    units = subtree("PT-TNMT")
    allowed = set(db.session.scalars(sa.select(Staff.id).where(Staff.unit_id.in_(units))))
    assert ids and ids <= allowed


def _steps(username: str) -> tuple[TaskStep, TaskStep]:
    account = db.session.scalar(sa.select(Account).where(Account.username == username))
    own = db.session.scalars(sa.select(TaskStep).where(TaskStep.responsible_staff_id == account.staff_id)
                             .order_by(TaskStep.id)).first()
    task_ids = sa.select(Task.id).where(Task.lead_unit_id == account.unit_id)
    colleague = db.session.scalars(sa.select(TaskStep).where(
        TaskStep.task_id.in_(task_ids), TaskStep.responsible_staff_id != account.staff_id).order_by(TaskStep.id)).first()
    assert own is not None and colleague is not None
    return own, colleague


def test_staff_edit_only_their_own_steps(as_user):
    staff = as_user("staff")
    own, colleague = _steps("staff")
    response = staff.post("/admin/task_step/ajax/update/",
                          {"list_form_pk": own.id, "note": "Đã liên hệ người dân"})
    assert response.status_code == 200, response.get_data(as_text=True)
    response = staff.post("/admin/task_step/ajax/update/",
                          {"list_form_pk": colleague.id, "note": "Sửa hộ"})
    assert response.status_code == 403
    assert staff.get(f"/admin/task_step/edit/?id={colleague.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(TaskStep, own.id).note == "Đã liên hệ người dân"
    assert db.session.get(TaskStep, colleague.id).note != "Sửa hộ"


def test_staff_cannot_hand_their_step_to_someone_else(as_user):
    staff = as_user("staff")
    own, colleague = _steps("staff")
    form = staff.get(f"/admin/task_step/edit/?id={own.id}").get_data(as_text=True)
    assert 'name="responsible"' not in form, "the field is not offered to staff"
    response = staff.post(f"/admin/task_step/edit/?id={own.id}", {
        "responsible": colleague.responsible_staff_id, "status": own.status, "note": "x",
    })
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(TaskStep, own.id).responsible_staff_id == own.responsible_staff_id


def _secret() -> Inspection:
    return db.session.scalar(sa.select(Inspection).where(Inspection.code == "PT-KT-2025-04"))


def test_unannounced_inspection_is_invisible_to_the_inspected_unit(as_user):
    secret = _secret()
    assert secret.mode == "unannounced" and secret.started_at is None
    head = as_user("head")
    assert secret.code not in head.get("/admin/inspection/").get_data(as_text=True)
    assert head.get(f"/admin/inspection/details/?id={secret.id}").status_code == 403
    for sample_id in db.session.scalars(sa.select(Sample.id).where(Sample.inspection_id == secret.id)):
        assert head.get(f"/admin/sample/details/?id={sample_id}").status_code == 403


def test_unannounced_inspection_stays_hidden_even_where_the_head_may_export_and_look_up(as_user):
    # Grant the head's role more than the default matrix does: secrecy must still hold.
    role = db.session.scalar(sa.select(Role).where(Role.code == "unit_head"))
    for resource, action in (("inspection", "export"), ("finding", "create")):
        db.session.add(Permission(role_id=role.id, resource=resource, action=action))
    db.session.commit()
    secret = _secret()
    head = as_user("head")
    exported = head.get("/admin/inspection/export/csv/")
    assert exported.status_code == 200 and secret.code not in exported.get_data(as_text=True)
    response = head.get("/admin/finding/ajax/lookup/?name=inspection&query=&limit=50")
    assert response.status_code == 200
    assert secret.id not in {item[0] for item in json.loads(response.get_data(as_text=True))}


def test_unannounced_inspection_is_hidden_from_admin_lookups_and_exports(as_user):
    # Keeping the records does not entitle anyone to know of a surprise visit.
    secret = _secret()
    admin = as_user("admin")
    response = admin.get("/admin/finding/ajax/lookup/?name=inspection&query=&limit=50")
    ids = {item[0] for item in json.loads(response.get_data(as_text=True))}
    assert ids and secret.id not in ids
    codes = {row[0] for row in csv_rows(admin.get("/admin/inspection/export/csv/"))}
    assert codes and secret.code not in codes
    assert admin.get(f"/admin/inspection/details/?id={secret.id}").status_code == 403


def test_unannounced_inspection_is_known_to_leadership_and_the_inspection_unit(as_user):
    secret = _secret()
    for username in ("leader", "inspector"):
        assert as_user(username).get(f"/admin/inspection/details/?id={secret.id}").status_code == 200


def test_inspection_becomes_visible_to_the_inspected_unit_once_started(as_user):
    secret = _secret()
    secret.started_at = datetime.now(timezone.utc)
    db.session.commit()
    head = as_user("head")
    assert head.get(f"/admin/inspection/details/?id={secret.id}").status_code == 200
    assert secret.code in head.get("/admin/inspection/").get_data(as_text=True)


def _sample(inspection: Inspection, seed: str = "12345678901234567890123") -> Sample:
    row = Sample(inspection_id=inspection.id, population_kind="unit", domain=f"inspection:{inspection.code}:units",
                 seed_source="dice", seed=seed, seed_commitment="a" * 64, weighting="uniform", status="done",
                 progress=100, filters={}, sizes={"all": 1})
    db.session.add(row)
    db.session.commit()
    return row


def test_a_secret_inspections_sample_is_hidden_and_seeds_stay_sealed(as_user):
    secret = _secret()
    hidden = _sample(secret)
    open_one = _sample(db.session.scalar(sa.select(Inspection).where(Inspection.code == "PT-KT-2025-03")))
    admin = as_user("admin")
    assert admin.get(f"/admin/sample/details/?id={hidden.id}").status_code == 403
    codes = admin.get("/admin/sample/export/csv/").get_data(as_text=True)
    assert secret.code not in codes and "PT-KT-2025-03" in codes
    details = as_user("inspector").get(f"/admin/sample/details/?id={open_one.id}").get_data(as_text=True)
    assert "12345678901234567890123" not in details and "chưa công bố" in details
