"""Accountability proposals from the records — directive items 6, 7 and 8 (issue 4,
rule 6): proposed once, with their evidence; nothing decided automatically."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.models import DisciplinaryReview, Evidence, Finding, Inspection, Reassignment
from portal.services.accountability import commendation_candidates, propose_from_records
from portal.services.consultations import apply_deemed_agreement, create_consultation
from portal.services.tasks import add_step, complete_step, complete_task, create_task
from portal.services.workdays import WorkCalendar

from .conftest import code, ict

CAL = WorkCalendar()
TODAY = date(2031, 6, 20)


def task(world, due, unit=None):
    unit = unit or world.a
    return create_task(world.session, code=code("NV"), title="Việc thử", lead_unit_id=unit.id,
                       authority_unit_id=unit.id, received_on=date(2031, 1, 6), due_date=due, calendar=CAL)


def reviews_of(session, staff_id):
    return session.scalars(sa.select(DisciplinaryReview).where(DisciplinaryReview.staff_id == staff_id)).all()


def test_review_and_reassignment_proposed_once_with_evidence(world):
    s = world.session
    t = task(world, date(2031, 6, 30))
    # a1: one step overdue by 9 working days, one done late, one overdue by 2 → 3 delays.
    old = add_step(s, t, title="Thụ lý", responsible_staff_id=world.a1.id, due_date=date(2031, 6, 6))
    late = add_step(s, t, title="Xác minh", responsible_staff_id=world.a1.id, due_date=date(2031, 5, 9))
    complete_step(s, late, by=world.acc_a1, at=ict(2031, 5, 14, 9))
    recent = add_step(s, t, title="Dự thảo", responsible_staff_id=world.a1.id, due_date=date(2031, 6, 18))
    # head_c: their unit missed a consultation, and an inspection found a fault → 2 events only.
    create_consultation(s, code=code("LYK"), subject="Thử", consulting_unit_id=world.a.id,
                        competent_unit_id=world.root.id, sent_on=date(2031, 6, 2), due_date=date(2031, 6, 9),
                        recipients=[(world.c.id, "Pháp lý")], calendar=CAL)
    apply_deemed_agreement(s, ict(2031, 6, 10, 8))
    inspection = Inspection(code=code("KT"), title="Kiểm tra đột xuất (thử)", mode="unannounced", status="closed",
                            lead_unit_id=world.root.id, planned_on=date(2031, 6, 1), started_at=ict(2031, 6, 2, 8),
                            ended_at=ict(2031, 6, 2, 11))
    s.add(inspection)
    s.flush()
    s.add(Finding(inspection_id=inspection.id, unit_id=world.c.id, staff_id=world.head_c.id, kind="punctuality",
                  description="Vắng mặt không lý do", recorded_at=ict(2031, 6, 2, 10)))
    s.flush()

    counts = propose_from_records(s, TODAY, calendar=CAL, review_after_days=5, reassign_threshold=3,
                                  now=ict(2031, 6, 20, 8))
    assert counts.reviews >= 1 and counts.reassignments >= 1
    # item 7: one review, for the step overdue by more than 5 working days (not the recent one)
    [review] = reviews_of(s, world.a1.id)
    assert review.source_key == f"review:step:{old.id}" and review.status == "proposed"
    assert review.proposed_by_id is None and review.decided_at is None
    assert [(e.task_step_id, e.task_id) for e in review.evidence] == [(old.id, t.id)]
    # item 6: reassignment of a1 with the three delays attached; head_c has only two events
    [proposal] = s.scalars(sa.select(Reassignment).where(Reassignment.staff_id == world.a1.id)).all()
    assert proposal.status == "proposed" and proposal.source_key == f"reassign:staff:{world.a1.id}:2031-06"
    assert sorted(e.task_step_id for e in proposal.evidence) == sorted([old.id, late.id, recent.id])
    assert s.scalar(sa.select(Reassignment).where(Reassignment.staff_id == world.head_c.id)) is None
    # idempotent: nothing new, no evidence added
    evidence = s.scalar(sa.select(sa.func.count()).select_from(Evidence))
    again = propose_from_records(s, TODAY, calendar=CAL, now=ict(2031, 6, 20, 9))
    assert (again.reviews, again.reassignments, again.evidence) == (0, 0, 0)
    assert s.scalar(sa.select(sa.func.count()).select_from(Evidence)) == evidence
    # a month later the same facts do not propose a second reassignment within 12 months
    propose_from_records(s, date(2031, 7, 21), calendar=CAL, now=ict(2031, 7, 21, 9))
    assert s.scalar(sa.select(sa.func.count()).select_from(Reassignment)
                    .where(Reassignment.staff_id == world.a1.id)) == 1

    # a third event for head_c (a late step of unit C) → proposed, with all three facts
    tc = task(world, date(2031, 6, 30), unit=world.c)
    add_step(s, tc, title="Thẩm định", responsible_staff_id=world.head_c.id, due_date=date(2031, 6, 12))
    propose_from_records(s, TODAY, calendar=CAL, staff_ids={world.head_c.id}, now=ict(2031, 6, 20, 10))
    [proposal_c] = s.scalars(sa.select(Reassignment).where(Reassignment.staff_id == world.head_c.id)).all()
    facts = sorted((e.task_step_id is not None, e.consultation_recipient_id is not None, e.finding_id is not None)
                   for e in proposal_c.evidence)
    assert facts == [(False, False, True), (False, True, False), (True, False, False)]


def test_commendation_candidates_from_on_time_records(world):
    # Item 8: suggestions only — units and people with ≥ K tasks, all on time.
    s = world.session
    for d in (3, 10, 17):
        t = task(world, date(2031, 3, d), unit=world.b)
        step = add_step(s, t, title="Xử lý", responsible_staff_id=world.head_b.id, due_date=t.due_date)
        complete_step(s, step, by=world.acc_b, at=ict(2031, 3, d, 15))
        complete_task(s, t, by=world.acc_b, at=ict(2031, 3, d, 16))
    late = task(world, date(2031, 3, 5))
    for d in (4, 11):
        complete_task(s, task(world, date(2031, 3, d)), by=world.acc_a, at=ict(2031, 3, d, 9))
    complete_task(s, late, by=world.acc_a, at=ict(2031, 3, 6, 9))
    candidates = commendation_candidates(s, (date(2031, 3, 1), date(2031, 3, 31)), min_tasks=3, today=date(2031, 4, 1))
    found = {(c.target_kind, c.unit_id if c.target_kind == "unit" else c.staff_id) for c in candidates}
    assert ("unit", world.b.id) in found and ("person", world.head_b.id) in found
    assert ("unit", world.a.id) not in found  # one late task
    assert s.scalar(sa.select(sa.func.count()).select_from(Reassignment).where(Reassignment.staff_id == world.head_b.id)) == 0
