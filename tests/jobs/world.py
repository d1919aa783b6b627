"""Rows the sampling tests build on top of the demo world."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from redis import Redis
from rq import Queue, SimpleWorker

from portal.extensions import db
from portal.models import Account, Inspection, InspectionTarget, Sample, Staff, Task, Unit
from portal.services.samples import create_sample_request
from tests.services.test_sampling import VECTOR_POPULATION, VECTOR_SEED, VECTOR_SIZES

PAST = date(2020, 1, 6)


def account(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def unit(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def inspection(code: str, *, mode: str = "unannounced", targets: list[Unit] | None = None) -> Inspection:
    lead = account("inspector").unit
    row = Inspection(code=code, title=f"Kiểm tra công vụ {code}", mode=mode, status="planned",
                     lead_unit_id=lead.id, planned_on=date(2025, 7, 1))
    db.session.add(row)
    db.session.flush()
    for target in targets or []:
        row.targets.append(InspectionTarget(unit_id=target.id))
    db.session.flush()
    return row


def vector_world() -> Unit:
    """Twelve communes under two parents coded "Phường" and "Xã", each with as many
    overdue tasks as its vector weight minus one (risk weight = 1 + overdue)."""
    root = Unit(code="VT-ROOT", name="Tỉnh thử nghiệm", kind="province", path="/", depth=0, valid_from=PAST)
    db.session.add(root)
    db.session.flush()
    parents = {}
    for name in ("Phường", "Xã"):
        parents[name] = Unit(code=name, name=f"Khối {name}", kind="district", parent=root, path="/", depth=1,
                             valid_from=PAST)
        db.session.add(parents[name])
    db.session.flush()
    n = 0
    for code, weight, stratum in VECTOR_POPULATION:
        child = Unit(code=code, name=f"Đơn vị {code}", kind="commune", parent=parents[stratum], path="/", depth=2,
                     valid_from=PAST)
        db.session.add(child)
        db.session.flush()
        for _ in range(weight - 1):
            n += 1
            db.session.add(Task(code=f"VT-T{n:03d}", title="Hồ sơ quá hạn", lead_unit_id=child.id,
                                authority_unit_id=root.id, received_on=PAST, legal_due_date=date(2020, 2, 3),
                                due_date=date(2020, 2, 3), status="open"))
    db.session.flush()
    return root


def vector_sample(insp: Inspection) -> Sample:
    return create_sample_request(
        db.session, insp, population_kind="unit", filters={"unit_kinds": ["commune"], "subtree": "VT-ROOT"},
        strata_by="parent", sizes=VECTOR_SIZES, weighting="risk", weight_cap=5, seed=VECTOR_SEED,
        size_reason="Bộ dữ liệu kiểm thử vsample-v1", by=account("inspector"),
    )


def many_staff(count: int, unit_code: str = "PT-NV") -> Unit:
    """``count`` active staff in a new office under ``unit_code`` (bulk insert)."""
    parent = unit(unit_code)
    office = Unit(code="BULK-OFFICE", name="Tổ công tác thử", kind="office", parent=parent, path="/", depth=0,
                  valid_from=PAST)
    db.session.add(office)
    db.session.flush()
    db.session.execute(sa.insert(Staff), [
        {"code": f"BULK-{i:06d}", "full_name": f"Cán bộ {i}", "category": "cong_chuc", "position": "Chuyên viên",
         "is_manager": False, "unit_id": office.id, "status": "active"} for i in range(count)
    ])
    db.session.flush()
    return office


def run_jobs(redis: Redis) -> None:
    """Run every queued job with a real worker in this process (burst), in an app
    context of its own as a worker process would have (its own session and ``g``)."""
    with current_app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)
    # The caller's session (shared with test requests) must see what the jobs wrote.
    db.session.rollback()
