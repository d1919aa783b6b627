"""The deadline sweep — issue 4, rule 9 (directive items 3, 4, 5, 6, 7).

Idempotent (a second run right after changes nothing and returns zeros; a notice is
never created twice) and set-based (SQL statements only).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.models import DisciplinaryReview, Notice, Reassignment
from portal.services.consultations import answer, create_consultation
from portal.services.notices import insert_deemed_notices
from portal.services.sweep import SweepStats, run_sweep
from portal.services.tasks import add_step, create_task
from portal.services.workdays import WorkCalendar

from .conftest import code, ict

CAL = WorkCalendar()


def count_notices(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Notice))


def keys(session, *dedupe_keys: str) -> dict[str, int]:
    rows = session.execute(sa.select(Notice.dedupe_key, sa.func.count()).where(Notice.dedupe_key.in_(dedupe_keys))
                           .group_by(Notice.dedupe_key)).all()
    return dict(rows)


def make_work(world):
    s = world.session
    c = create_consultation(s, code=code("LYK"), subject="Phương án bồi thường (thử)", consulting_unit_id=world.a.id,
                            competent_unit_id=world.root.id, sent_on=date(2025, 6, 10), due_date=date(2025, 6, 20),
                            recipients=[(world.b.id, "Quản lý tài chính"), (world.c.id, "Thẩm định pháp lý")],
                            calendar=CAL)
    task = create_task(s, code=code("NV"), title="Cấp giấy chứng nhận (thử)", lead_unit_id=world.a.id,
                       authority_unit_id=world.a.id, received_on=date(2025, 6, 2), due_date=date(2025, 6, 30),
                       owner_staff_id=world.head_a.id, calendar=CAL)
    late_step = add_step(s, task, title="Đo đạc", responsible_staff_id=world.a1.id, due_date=date(2025, 6, 18))
    soon_step = add_step(s, task, title="Trình ký", responsible_staff_id=world.head_a.id, due_date=date(2025, 6, 24))
    return c, task, late_step, soon_step


def test_sweep_twice_creates_each_notice_once(world):
    # Items 3–5 and rule 9: deemed agreement, notices, reports and reminders; a second
    # run right after returns zeros and the notice count does not change.
    s = world.session
    c, task, late_step, soon_step = make_work(world)
    rb, rc = c.recipients
    answer(s, rc, answer="agree", text=None, by=world.acc_c, at=ict(2025, 6, 19, 9))
    now = ict(2025, 6, 23, 8, 0)  # Monday
    first = run_sweep(s, now, reminder_days=2, at_risk_days=6)  # task due 30/06: 5 working days left
    assert first.deemed >= 1 and first.notices >= 1 and first.reports >= 1
    assert first.overdue_reminders >= 1 and first.reminders >= 1
    assert rb.outcome == "deemed_agreed" and rc.outcome == "answered"
    mine = keys(s, f"deemed:recipient:{rb.id}", f"report:recipient:{rb.id}", f"deemed:recipient:{rc.id}",
                f"overdue:step:{late_step.id}", f"due:step:{soon_step.id}", f"due:task:{task.id}")
    assert mine == {f"deemed:recipient:{rb.id}": 1, f"report:recipient:{rb.id}": 1,
                    f"overdue:step:{late_step.id}": 1, f"due:step:{soon_step.id}": 1, f"due:task:{task.id}": 1}
    reminder = s.scalar(sa.select(Notice).where(Notice.dedupe_key == f"overdue:step:{late_step.id}"))
    assert (reminder.kind, reminder.recipient_staff_id, reminder.recipient_unit_id) == ("overdue_reminder", world.a1.id, world.a.id)
    assert "280/CĐ-TTg" in reminder.body and task.code in reminder.body
    total = count_notices(s)
    second = run_sweep(s, now, reminder_days=2, at_risk_days=6)
    assert second == SweepStats() and second.changed == 0
    assert count_notices(s) == total
    # a later run with nothing newly due is a no-op as well, and "since" narrows it
    third = run_sweep(s, ict(2025, 6, 23, 8, 5), reminder_days=2, at_risk_days=6, since=now)
    assert third.changed == 0 and count_notices(s) == total


def test_notice_insert_is_idempotent_even_when_repeated(world):
    # DESIGN "Background jobs": two sweeps racing on the same facts cannot both issue a
    # notice: the insert skips existing dedupe keys and ignores a conflict.
    s = world.session
    c, *_ = make_work(world)
    now = ict(2025, 6, 23, 8)
    run_sweep(s, now, reminder_days=0, at_risk_days=0)
    ids = [r.id for r in c.recipients]
    assert insert_deemed_notices(s, ids, today=date(2025, 6, 23), now=now) == (0, 0)
    assert sum(keys(s, *(f"deemed:recipient:{i}" for i in ids)).values()) == 2


def test_overdue_reminders_since_last_run_and_catch_up(world):
    # Rule 9: with "since", only what became due since the last run is looked at; a
    # full run (since=None) still catches up on an older fact nobody reminded.
    s = world.session
    _, task, late_step, _ = make_work(world)
    run = run_sweep(s, ict(2025, 6, 23, 8), reminder_days=0, at_risk_days=0, since=ict(2025, 6, 22, 8))
    assert keys(s, f"overdue:step:{late_step.id}") == {}  # due 18/06, before the window
    run = run_sweep(s, ict(2025, 6, 23, 8), reminder_days=0, at_risk_days=0)
    assert run.overdue_reminders >= 1 and keys(s, f"overdue:step:{late_step.id}") == {f"overdue:step:{late_step.id}": 1}


def test_sweep_proposes_reviews_once(world):
    # Item 7: a step overdue by more than 5 working days → one review proposal with evidence.
    s = world.session
    _, task, late_step, _ = make_work(world)
    run_sweep(s, ict(2025, 6, 25, 8), reminder_days=0, at_risk_days=0)  # 5 working days late: not yet
    assert s.scalar(sa.select(DisciplinaryReview).where(DisciplinaryReview.source_key == f"review:step:{late_step.id}")) is None
    stats = run_sweep(s, ict(2025, 6, 26, 8), reminder_days=0, at_risk_days=0)
    review = s.scalar(sa.select(DisciplinaryReview).where(DisciplinaryReview.source_key == f"review:step:{late_step.id}"))
    assert stats.proposals >= 1 and review.staff_id == world.a1.id and review.status == "proposed"
    assert review.proposed_by_id is None and [e.task_step_id for e in review.evidence] == [late_step.id]
    assert run_sweep(s, ict(2025, 6, 26, 8), reminder_days=0, at_risk_days=0).changed == 0
    assert s.scalar(sa.select(sa.func.count()).select_from(Reassignment).where(Reassignment.staff_id == world.a1.id)) == 0


def test_auto_since_reads_the_scheduler_claims(world):
    # Rule 9: "everything that became due since it last ran" — with a finished run
    # earlier the same day only new facts are looked at; the first run of a day is full.
    from portal.models import JobTick

    s = world.session
    _, task, late_step, _ = make_work(world)
    s.add(JobTick(job="sweep", tick=ict(2025, 6, 23, 7, 55), started_at=ict(2025, 6, 23, 7, 55),
                  finished_at=ict(2025, 6, 23, 7, 56), stats={}))
    s.flush()
    run_sweep(s, ict(2025, 6, 23, 8), reminder_days=0, at_risk_days=0)
    assert keys(s, f"overdue:step:{late_step.id}") == {}  # due 18/06: an earlier run's business
    run_sweep(s, ict(2025, 6, 24, 8), reminder_days=0, at_risk_days=0)  # first run of the next day
    assert keys(s, f"overdue:step:{late_step.id}") == {f"overdue:step:{late_step.id}": 1}


def test_sweep_effects_are_in_the_audit_log(world):
    # DESIGN "Audit log": the set-based statements of the sweep (which bypass the ORM's
    # flush events) still leave entries naming the rows they changed; the chain verifies.
    from portal.models import AuditLog
    from portal.services.audit import verify_chain

    s = world.session
    c, *_ = make_work(world)
    run_sweep(s, ict(2025, 6, 23, 8), reminder_days=0, at_risk_days=0)
    rb = c.recipients[0]
    entries = s.scalars(sa.select(AuditLog).where(AuditLog.table_name.in_(("consultation_recipient", "notice")),
                                                  AuditLog.row_id.is_(None))).all()
    assert any(rb.id in (e.after or {}).get("ids", []) for e in entries if e.table_name == "consultation_recipient")
    notice_id = s.scalar(sa.select(Notice.id).where(Notice.dedupe_key == f"deemed:recipient:{rb.id}"))
    assert any(notice_id in (e.after or {}).get("ids", []) for e in entries if e.table_name == "notice")
    assert verify_chain(s).ok


def test_statistics_refreshed_mid_sweep_change_nothing_but_the_plans(world, monkeypatch):
    """A catch-up sweep refreshes PostgreSQL's statistics after each large write (the
    planner does not count the transaction's own rows otherwise). With the threshold at
    one row every write triggers it: same notices and numbers, inside the same
    transaction, and the register still numbers each unit 1, 2, 3… without a gap."""
    from portal.services import sqlkit

    monkeypatch.setattr(sqlkit, "ANALYZE_AFTER", 1)
    s = world.session
    c, task, late_step, soon_step = make_work(world)
    analyzed: list[str] = []

    def watch(conn, cursor, sql, *args):
        if sql.startswith("ANALYZE"):
            analyzed.append(sql)

    bind = s.get_bind()
    sa.event.listen(bind, "before_cursor_execute", watch)
    try:
        first = run_sweep(s, ict(2025, 6, 23, 8, 0), reminder_days=2, at_risk_days=6)
    finally:
        sa.event.remove(bind, "before_cursor_execute", watch)
    assert first.deemed >= 1 and first.notices == first.reports == first.deemed and first.overdue_reminders >= 1
    if s.get_bind().dialect.name == "postgresql":
        assert "ANALYZE notice" in analyzed and "ANALYZE consultation_recipient" in analyzed, analyzed
    else:
        assert analyzed == []  # SQLite plans without statistics
    numbers = s.execute(sa.select(Notice.issuing_unit_id, Notice.number).where(Notice.issued_year == 2025)).all()
    by_unit: dict[int, list[int]] = {}
    for unit_id, number in numbers:
        by_unit.setdefault(unit_id, []).append(int(number))
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in by_unit.values()), by_unit
