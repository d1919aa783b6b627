"""Samples stay secret until their inspection opens, and opening it reveals their
seeds, through every way in (HTTP as each role, and the command line):

* the generic inspection form, the "Bắt đầu kiểm tra" action and
  ``flask inspection start`` all reveal the seeds in the transaction that starts it;
* the audit log does not show entries about a secret inspection's samples (nor,
  for an unannounced one, about the inspection itself) to anyone outside the
  inspection function and leadership — list, details and export alike.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, AuditLog, Inspection, InspectionTarget, Permission, Role, Sample, SampleItem
from portal.models.base import utcnow
from portal.services.sample_draw import ProgressWriter, compute_draw, store_draw
from portal.services.samples import create_sample_request, start_inspection
from tests.admin.conftest import flashes

SEED = "16180339887498948482045868"


def account(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def secret() -> Inspection:
    return db.session.scalar(sa.select(Inspection).where(Inspection.code == "PT-KT-2025-04"))


def announced() -> Inspection:
    """A planned (announced) inspection that has not started yet."""
    row = Inspection(code="PT-KT-THU-01", title="Kiểm tra theo kế hoạch (thử)", mode="planned", status="planned",
                     lead_unit_id=account("inspector").unit_id, planned_on=date(2027, 5, 4))
    db.session.add(row)
    db.session.commit()
    return row


def drawn(inspection: Inspection, root: Path) -> Sample:
    sample = create_sample_request(db.session, inspection, population_kind="unit",
                                   filters={"unit_kinds": ["commune"]}, sizes={"": 3}, seed=SEED,
                                   size_reason="Thử giữ bí mật", by=account("inspector"))
    writer = ProgressWriter(db.session.connection(), sample.id, 1)
    result = compute_draw(db.session, sample, samples_root=root, writer=writer, now=utcnow())
    store_draw(db.session, sample, result, now=utcnow())
    db.session.commit()
    return sample


def revealed(sample_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Sample, sample_id).seed_revealed_at is not None


def drawn_units(sample_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(SampleItem.unit_id).where(SampleItem.sample_id == sample_id)))


def form_of(inspection: Inspection, **changes: str) -> dict[str, object]:
    values: dict[str, object] = {
        "title": inspection.title, "mode": inspection.mode, "status": inspection.status,
        "lead_unit": inspection.lead_unit_id, "planned_on": inspection.planned_on.strftime("%d/%m/%Y"),
        "started_at": "", "ended_at": "", "scope": inspection.scope or "",
    }
    values.update(changes)
    return values


@pytest.fixture
def logged_in(as_user) -> None:
    """Log every account in before the test's rows exist (the start pages are not
    what is tested here)."""
    for username in ("admin", "leader", "inspector", "head", "staff"):
        as_user(username)


# ---------------------------------------------------------------- every way in reveals
def test_the_generic_form_reveals_the_seeds_when_it_starts_the_inspection(logged_in, as_user, tmp_path):
    inspector = as_user("inspector")
    insp = secret()
    sample_id = drawn(insp, tmp_path).id
    response = inspector.post(f"/admin/inspection/edit/?id={insp.id}", form_of(insp, title=insp.title + " (sửa)"))
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    assert not revealed(sample_id)  # an edit that does not start it reveals nothing
    response = inspector.post(f"/admin/inspection/edit/?id={insp.id}", form_of(
        insp, status="in_progress", started_at=utcnow().astimezone().strftime("%d/%m/%Y %H:%M")))
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    assert revealed(sample_id)
    targets = set(db.session.scalars(sa.select(InspectionTarget.unit_id)
                                     .where(InspectionTarget.inspection_id == insp.id)))
    assert drawn_units(sample_id) <= targets


def test_the_form_refuses_to_put_a_revealed_inspection_back(logged_in, as_user, tmp_path):
    inspector = as_user("inspector")
    insp = secret()
    sample_id = drawn(insp, tmp_path).id
    start_inspection(db.session, insp)
    db.session.commit()
    response = inspector.post(f"/admin/inspection/edit/?id={insp.id}", form_of(insp, status="planned"))
    assert "không thể đưa đợt kiểm tra về trạng thái chưa bắt đầu" in flashes(response.get_data(as_text=True)).lower()
    db.session.expire_all()
    assert db.session.get(Inspection, insp.id).started_at is not None and revealed(sample_id)


def test_the_start_action_reveals_the_seeds(logged_in, as_user, tmp_path):
    insp = secret()
    sample_id = drawn(insp, tmp_path).id
    assert as_user("head").post("/admin/inspection/action/", {"action": "start", "rowid": insp.id}).status_code == 403
    # Administrators keep the records but may not know of (so not start) a secret inspection.
    response = as_user("admin").post("/admin/inspection/action/", {"action": "start", "rowid": insp.id},
                                     follow_redirects=True)
    assert "nằm ngoài phạm vi" in flashes(response.get_data(as_text=True)) and not revealed(sample_id)
    response = as_user("inspector").post("/admin/inspection/action/", {"action": "start", "rowid": insp.id},
                                         follow_redirects=True)
    assert "Đã bắt đầu 1 đợt kiểm tra (PT-KT-2025-04); đã công bố hạt giống của 1 mẫu." in flashes(
        response.get_data(as_text=True))
    assert revealed(sample_id) and db.session.get(Inspection, insp.id).status == "in_progress"
    response = as_user("inspector").post("/admin/inspection/action/", {"action": "start", "rowid": insp.id},
                                         follow_redirects=True)
    assert "đã bắt đầu hoặc đã kết thúc" in flashes(response.get_data(as_text=True))


def test_the_command_line_reveals_the_seeds(app, tmp_path):
    insp = secret()
    sample_id = drawn(insp, tmp_path).id
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["inspection", "start", "KHONG-CO"])
    assert missing.exit_code == 1 and "Không tìm thấy đợt kiểm tra" in missing.output
    naive = runner.invoke(args=["inspection", "start", insp.code, "--at", "2025-06-20T08:00:00"])
    assert naive.exit_code != 0 and "múi giờ" in naive.output and not revealed(sample_id)
    done = runner.invoke(args=["inspection", "start", insp.code, "--at", "2025-06-20T08:00:00+07:00"])
    assert done.exit_code == 0, done.output
    assert "đã công bố hạt giống của 1 mẫu" in done.output and revealed(sample_id)
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.table_name == "sample", AuditLog.row_id == str(
        sample_id), AuditLog.action == "update").order_by(AuditLog.id.desc()))
    assert entry.source == "cli" and "seed_revealed_at" in entry.after
    again = runner.invoke(args=["inspection", "start", insp.code])
    assert again.exit_code == 1 and "đã bắt đầu" in again.output


# ---------------------------------------------------------------- the audit log keeps the secret
def audit_ids(**where: object) -> list[int]:
    stmt = sa.select(AuditLog.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditLog, column) == value)
    return list(db.session.scalars(stmt))


def grant_export(role_code: str) -> None:
    """The default matrix lets nobody export the log; an administrator may grant it."""
    role = db.session.scalar(sa.select(Role).where(Role.code == role_code))
    db.session.add(Permission(role_id=role.id, resource="audit_log", action="export"))
    db.session.commit()


def exported_ids(client) -> set[int]:
    response = client.get("/admin/audit_log/export/csv/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    return {int(row[0]) for row in rows[1:] if row and row[0].isdigit()}


@pytest.fixture
def secret_entries(tmp_path) -> dict[str, list[int]]:
    """Audit entries about the unannounced inspection and about the samples of an
    announced one, none of them started yet."""
    insp, planned = secret(), announced()
    insp.title = insp.title + " (cập nhật)"
    db.session.commit()
    drawn(insp, tmp_path / "a")
    drawn(planned, tmp_path / "b")
    return {
        "unannounced": audit_ids(inspection_id=insp.id),
        "announced_samples": audit_ids(inspection_id=planned.id, table_name="sample")
        + audit_ids(inspection_id=planned.id, table_name="sample_item"),
        "announced_inspection": audit_ids(inspection_id=planned.id, table_name="inspection"),
    }


def test_the_audit_log_hides_a_secret_inspection_from_administrators(logged_in, as_user, secret_entries):
    hidden = secret_entries["unannounced"] + secret_entries["announced_samples"]
    # The unannounced one: created, targeted, edited, sampled; the other's sample: requested, items, drawn.
    assert len(secret_entries["unannounced"]) >= 5 and len(secret_entries["announced_samples"]) == 3
    grant_export("admin")
    admin = as_user("admin")
    for entry_id in hidden:
        assert admin.get(f"/admin/audit_log/details/?id={entry_id}").status_code == 403, entry_id
    for entry_id in secret_entries["announced_inspection"]:  # the announced inspection itself is no secret
        assert admin.get(f"/admin/audit_log/details/?id={entry_id}").status_code == 200
    assert not exported_ids(admin) & set(hidden)
    listed = admin.get("/admin/audit_log/").get_data(as_text=True)  # newest first
    assert f"details/?id={max(secret_entries['announced_inspection'])}&" in listed
    assert all(f"details/?id={entry_id}&" not in listed for entry_id in hidden)


def test_leadership_reads_the_whole_log_and_other_roles_none_of_it(logged_in, as_user, secret_entries):
    hidden = secret_entries["unannounced"] + secret_entries["announced_samples"]
    grant_export("leadership")
    leader = as_user("leader")
    for entry_id in hidden:
        assert leader.get(f"/admin/audit_log/details/?id={entry_id}").status_code == 200
    assert set(hidden) <= exported_ids(leader)
    for username in ("inspector", "head", "staff"):
        client = as_user(username)
        assert client.get("/admin/audit_log/").status_code == 403, username
        assert client.get(f"/admin/audit_log/details/?id={hidden[0]}").status_code == 403, username


def test_the_entries_become_readable_once_the_inspection_starts(logged_in, as_user, secret_entries):
    start_inspection(db.session, secret())
    db.session.commit()
    admin = as_user("admin")
    for entry_id in secret_entries["unannounced"]:
        assert admin.get(f"/admin/audit_log/details/?id={entry_id}").status_code == 200, entry_id
    for entry_id in secret_entries["announced_samples"]:  # that inspection has not started
        assert admin.get(f"/admin/audit_log/details/?id={entry_id}").status_code == 403, entry_id


def test_an_announced_inspections_sample_is_hidden_until_it_starts(logged_in, as_user, tmp_path):
    planned = announced()
    sample_id = drawn(planned, tmp_path).id
    admin = as_user("admin")
    assert admin.get(f"/admin/sample/details/?id={sample_id}").status_code == 403
    assert planned.code not in admin.get("/admin/sample/export/csv/").get_data(as_text=True)
    assert as_user("leader").get(f"/admin/sample/details/?id={sample_id}").status_code == 200
    start_inspection(db.session, planned)
    db.session.commit()
    assert as_user("admin").get(f"/admin/sample/details/?id={sample_id}").status_code == 200
