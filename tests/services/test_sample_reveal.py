"""Opening an inspection reveals its samples' seeds in the same transaction, however
it is opened; and the audit log tags what it writes about an inspection so that
its secrecy can be kept there too (portal/services/sample_reveal.py, audit_links.py).

Each test runs in the conftest's rolled-back transaction on the demo world; the
draw runs in-process (the job path is tested in tests/jobs)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.models import Account, AuditLog, Finding, Inspection, InspectionTarget, Recommendation, Sample, SampleItem
from portal.models.base import RuleViolation, utcnow
from portal.services import DomainError
from portal.services.audit import verify_chain
from portal.services.sample_draw import ProgressWriter, compute_draw, sample_digest, store_draw
from portal.services.samples import create_sample_request, reveal_seed, start_inspection

SEED = "27182818284590452353602874"


def inspector(session) -> Account:
    return session.scalar(sa.select(Account).where(Account.username == "inspector"))


def secret(session) -> Inspection:
    """The demo's unannounced inspection that has not started (target: PT-TNMT)."""
    return session.scalar(sa.select(Inspection).where(Inspection.code == "PT-KT-2025-04"))


def request(session, inspection: Inspection, k: int = 3) -> Sample:
    return create_sample_request(session, inspection, population_kind="unit", filters={"unit_kinds": ["commune"]},
                                 sizes={"": k}, seed=SEED, size_reason="Thử công bố hạt giống", by=inspector(session))


def drawn(session, inspection: Inspection, root: Path, k: int = 3) -> Sample:
    sample = request(session, inspection, k)
    writer = ProgressWriter(session.connection(), sample.id, 1)
    result = compute_draw(session, sample, samples_root=root, writer=writer, now=utcnow())
    store_draw(session, sample, result, now=utcnow())
    session.flush()
    return sample


def drawn_units(session, sample: Sample) -> set[int]:
    return set(session.scalars(sa.select(SampleItem.unit_id).where(SampleItem.sample_id == sample.id)))


def targets(session, inspection: Inspection) -> set[int]:
    return set(session.scalars(sa.select(InspectionTarget.unit_id)
                               .where(InspectionTarget.inspection_id == inspection.id)))


def test_start_reveals_drawn_seeds_and_adds_targets_in_one_flush(session, tmp_path):
    insp = secret(session)
    sample = drawn(session, insp, tmp_path)
    pending = request(session, insp)  # requested, not drawn: its seed must stay secret
    before = targets(session, insp)
    assert sample.seed_revealed_at is None and not drawn_units(session, sample) <= before

    assert start_inspection(session, insp) == 1
    assert (insp.status, insp.started_at is not None) == ("in_progress", True)
    assert sample.seed_revealed_at is not None and pending.seed_revealed_at is None
    assert targets(session, insp) == before | drawn_units(session, sample)
    assert verify_chain(session).ok


def test_any_code_that_opens_an_inspection_reveals_its_seeds(session, tmp_path):
    insp = secret(session)
    sample = drawn(session, insp, tmp_path)
    insp.status, insp.started_at = "in_progress", utcnow()  # no service called: the session hook acts
    session.flush()
    assert sample.seed_revealed_at is not None
    assert drawn_units(session, sample) <= targets(session, insp)
    assert reveal_seed(session, insp) == 0


def test_a_target_added_in_the_same_save_is_not_added_twice(session, tmp_path):
    insp = secret(session)
    sample = drawn(session, insp, tmp_path)
    unit_id = next(iter(drawn_units(session, sample)))
    insp.targets.append(InspectionTarget(unit_id=unit_id))  # like an inline row of the form
    insp.status, insp.started_at = "in_progress", utcnow()
    session.flush()
    rows = session.scalars(sa.select(InspectionTarget).where(InspectionTarget.inspection_id == insp.id,
                                                             InspectionTarget.unit_id == unit_id))
    assert len(list(rows)) == 1 and sample.seed_revealed_at is not None


def test_a_revealed_inspection_cannot_be_put_back_to_not_started(session, tmp_path):
    insp = secret(session)
    drawn(session, insp, tmp_path)
    start_inspection(session, insp)
    insp.status, insp.started_at = "planned", None
    with pytest.raises(RuleViolation, match="chưa bắt đầu"):
        session.flush()


@pytest.mark.parametrize("case", ["cancelled", "started", "future"])
def test_start_refusals_change_nothing(session, tmp_path, case):
    insp = secret(session)
    sample = drawn(session, insp, tmp_path)
    at = None
    if case == "cancelled":
        insp.status = "cancelled"
        session.flush()
    elif case == "started":
        start_inspection(session, insp)
        sample.seed_revealed_at = None  # pretend an older record, to see nothing is touched again
        session.flush()
    else:
        at = utcnow() + timedelta(days=1)
    state = (insp.status, insp.started_at, sample.seed_revealed_at)
    with pytest.raises(DomainError):
        start_inspection(session, insp, at=at)
    assert (insp.status, insp.started_at, sample.seed_revealed_at) == state


def test_a_draw_stored_after_the_start_is_revealed_at_once(session, tmp_path):
    insp = secret(session)
    start_inspection(session, insp)
    sample = drawn(session, insp, tmp_path)
    assert sample.seed_revealed_at is not None
    assert drawn_units(session, sample) <= targets(session, insp)


def test_sample_items_are_audited_as_one_entry_without_the_drawn_ids(session, tmp_path):
    insp = secret(session)
    mark = session.scalar(sa.select(sa.func.max(AuditLog.id)))
    sample = drawn(session, insp, tmp_path, k=4)
    entries = list(session.scalars(sa.select(AuditLog).where(AuditLog.id > mark, AuditLog.table_name == "sample_item")))
    assert len(entries) == 1
    ranked = {"": [(i.key_hex, i.item_id) for i in sorted(sample.items, key=lambda i: i.rank)]}
    assert entries[0].after == {"sample_id": sample.id, "items": 4, "sample_sha256": sample_digest(ranked)}
    assert entries[0].inspection_id == insp.id
    for item in sample.items:
        assert item.item_id not in str(entries[0].after)
    assert verify_chain(session).ok


def test_entries_about_an_inspection_carry_its_id(session, tmp_path):
    insp = secret(session)
    mark = session.scalar(sa.select(sa.func.max(AuditLog.id)))
    sample = drawn(session, insp, tmp_path)
    unit_id = next(iter(drawn_units(session, sample)))
    finding = Finding(inspection_id=insp.id, unit_id=unit_id, kind="punctuality", description="Vắng mặt")
    finding.recommendations.append(Recommendation(kind="correct", text="Chấn chỉnh"))
    session.add(finding)
    insp.title = insp.title + " (sửa)"
    session.flush()
    recommendation_id = finding.recommendations[0].id
    finding.recommendations[0].status = "done"
    session.flush()
    session.delete(finding)  # the recommendation goes with it (cascade)
    session.flush()
    rows = session.execute(sa.select(AuditLog.table_name, AuditLog.action, AuditLog.row_id, AuditLog.inspection_id)
                           .where(AuditLog.id > mark)).all()
    tagged = {(t, a) for t, a, _, i in rows if i == insp.id}
    assert {("sample", "create"), ("sample_item", "create"), ("sample", "update"), ("inspection", "update"),
            ("finding", "create"), ("recommendation", "create"), ("recommendation", "update"),
            ("finding", "delete"), ("recommendation", "delete")} <= tagged
    assert all(i == insp.id for t, _, _, i in rows if t in ("sample", "sample_item", "finding", "recommendation"))
    assert ("recommendation", "delete", str(recommendation_id), insp.id) in rows
    assert verify_chain(session).ok
