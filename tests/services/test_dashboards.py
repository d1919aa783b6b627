"""The dashboards' figures (issue 6) from a small hand-made organisation in 2031, where the
demo world has nothing, so every count is known exactly:

    R (district) ── A (office: a1) ── t1 on time (15/1), t2 late (10/2), t3 overdue (10/3),
                 │                    t4 at risk (24/3), t5 in time (20/4), cancelled (5/3)
                 ├─ B (office: hb) ── t6 in time (28/3) ── B1 (school: b1) ── t7 overdue (20/2)
                 ├─ C (office)
                 └─ R itself leads t8, overdue (30/1)

Today is Thursday 20/3/2031; at risk = fewer than 3 working days left (due before 25/3).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.models import (
    Account, Acknowledgement, Commendation, CommendationTitle, Directive, Finding, Inspection, InspectionTarget, Reassignment,
    Sample, SampleItem, Staff, Task, TaskStep, Unit,
)
from portal.services import dashboards as D
from portal.services import dashboards_oversight as O
from portal.services import dashboards_staff as S
from portal.services import dashboards_unit as U
from portal.services.dashboards_sql import WIDE_UNITS, Scope, StraightJoin, Tally, first_ids, scope_of, tally
from portal.services.dissemination import coverage
from portal.services.scorecards import Period
from portal.services.tasks import outcome_clause
from portal.services.workdays import WorkCalendar
from tests import factories as f

TODAY = date(2031, 3, 20)
CAL = WorkCalendar()
RISK = 3
MARCH = date(2031, 3, 1)
UTC = timezone.utc


@dataclass
class Org:
    session: sa.orm.Session
    r: Unit
    a: Unit
    b: Unit
    b1: Unit
    c: Unit
    a1: Staff
    hb: Staff
    b1s: Staff
    t: dict[str, Task]

    def units(self, unit: Unit) -> list[int]:
        return list(S.unit_tree(self.session, unit.path))

    def scope(self, unit: Unit) -> Scope:
        return scope_of(self.session, unit.path)


def node(session, name: str, parent: Unit | None = None, kind: str = "office") -> Unit:
    unit = f.unit(session, parent=parent, kind=kind, name=name)
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    session.flush()
    return unit


def done(task: Task, late: bool) -> Task:
    task.status, task.completed_late = "done", late
    task.completed_at = datetime(2031, 1, 10, 3, tzinfo=UTC)
    return task


@pytest.fixture
def org(session) -> Org:
    r = node(session, "UBND huyện Bảng Số", kind="district")
    a, b, c = (node(session, n, r) for n in ("Phòng Số A", "Phòng Số B", "Phòng Số C"))
    b1 = node(session, "Trường Số B1", b, kind="school")
    a1, hb, b1s = f.staff(session, a, full_name="Cán bộ A"), f.staff(session, b, full_name="Trưởng B"), \
        f.staff(session, b1, full_name="Giáo viên B1")

    def task(unit: Unit, due: date, status: str = "open") -> Task:
        return f.task(session, unit, received=date(2031, 1, 2), due=due, status=status)

    t = {"t1": done(task(a, date(2031, 1, 15)), False), "t2": done(task(a, date(2031, 2, 10)), True),
         "t3": task(a, date(2031, 3, 10)), "t4": task(a, date(2031, 3, 24), "in_progress"),
         "t5": task(a, date(2031, 4, 20)), "cancelled": task(a, date(2031, 3, 5), "cancelled"),
         "t6": task(b, date(2031, 3, 28)), "t7": task(b1, date(2031, 2, 20)), "t8": task(r, date(2031, 1, 30))}
    session.flush()
    return Org(session, r, a, b, b1, c, a1, hb, b1s, t)


# --------------------------------------------------------------------------- leadership
def test_month_spans_cross_the_year():
    assert D.month_spans(date(2031, 2, 17), 3) == [
        Period(date(2030, 12, 1), date(2030, 12, 31)), Period(date(2031, 1, 1), date(2031, 1, 31)),
        Period(date(2031, 2, 1), date(2031, 2, 28))]


def test_tasks_by_unit_roll_up_below_the_common_ancestor(org):
    data = D.leadership_dashboard(org.session, today=TODAY, anchor=MARCH, scope_path=org.r.path)
    assert data.window == Period(date(2031, 1, 1), date(2031, 3, 31))
    rows = [(u.code, u.direct, u.counts) for u in data.by_unit]
    assert rows == [
        (org.a.code, False, D.StatusCounts(done_on_time=1, done_late=1, in_time=1, overdue=1)),
        (org.b.code, False, D.StatusCounts(in_time=1, overdue=1)),  # B1's overdue task counts with B
        (org.r.code, True, D.StatusCounts(overdue=1)),  # the district's own task
    ]
    assert data.totals == D.StatusCounts(1, 1, 2, 3) and data.totals.on_time_rate == 1 / 5
    assert data.overdue_now == 3 and data.moved_from is None


def test_on_time_by_month_agrees_with_the_officials_status_rule(org):
    months = D.month_spans(MARCH, 3)
    rates = D.on_time_by_month(org.session, months, TODAY, org.r.path)
    assert [m.counts for m in rates] == [D.StatusCounts(1, 0, 0, 1), D.StatusCounts(0, 1, 0, 1),
                                         D.StatusCounts(0, 0, 2, 1)]
    assert [m.counts.on_time_rate for m in rates] == [0.5, 0.0, 0.0]
    # The same figures through outcome_clause, the rule the task list's filter applies.
    for month, rate in zip(months, rates):
        def n(outcome: str) -> int:
            return org.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
                outcome_clause(outcome, TODAY), Task.due_date.between(month.start, month.end),
                Task.lead_unit_id.in_(org.units(org.r))))
        in_time = n("in_time") + n("at_risk")
        assert (n("done_on_time"), n("done_late"), in_time, n("overdue")) == tuple(
            getattr(rate.counts, s) for s in D.FOUR_STATUSES)


def test_an_empty_window_moves_to_the_latest_month_with_tasks(org):
    data = D.leadership_dashboard(org.session, today=date(2031, 9, 10), scope_path=org.r.path)
    assert data.moved_from == Period(date(2031, 7, 1), date(2031, 9, 30))
    assert data.window == Period(date(2031, 2, 1), date(2031, 4, 30))  # t5 (20/4) is the latest due
    asked = D.leadership_dashboard(org.session, today=date(2031, 9, 10), anchor=date(2031, 9, 1),
                                   scope_path=org.r.path)
    assert asked.by_unit == [] and asked.moved_from is None and asked.latest_month == date(2031, 4, 1)


def _consultations(org: Org) -> None:
    s = org.session
    open_ = f.consultation(s, org.c, org.r, sent=date(2031, 3, 2), deadline=date(2031, 3, 25))
    f.recipient(s, open_, org.a)
    f.recipient(s, open_, org.b1, outcome="suspended")
    past = f.consultation(s, org.c, org.r, sent=date(2031, 3, 2), deadline=date(2031, 3, 12))
    f.recipient(s, past, org.a, outcome="deemed_agreed", deemed_agreed_at=datetime(2031, 3, 12, 17, tzinfo=UTC))
    f.recipient(s, past, org.b)
    february = f.consultation(s, org.c, org.r, sent=date(2031, 1, 20), deadline=date(2031, 2, 5))
    f.recipient(s, february, org.b1, outcome="deemed_agreed", deemed_agreed_at=datetime(2031, 2, 5, 17, tzinfo=UTC))


def test_consultations_waiting_and_deemed_agreed_this_month(org):
    _consultations(org)
    march = Period(date(2031, 3, 1), date(2031, 3, 31))
    assert D.consultation_summary(org.session, TODAY, march, org.r.path) == D.ConsultationSummary(march, 1, 1, 1, 1)
    # Scope: B sees its own and B1's answers, never A's.
    assert D.consultation_summary(org.session, TODAY, march, org.b.path) == D.ConsultationSummary(march, 0, 1, 1, 0)


def test_worst_units_lowest_rate_then_overdue_then_missed(org):
    _consultations(org)
    data = D.leadership_dashboard(org.session, today=TODAY, anchor=MARCH, scope_path=org.r.path)
    assert [(w.code, w.on_time_rate, w.overdue, w.missed) for w in data.worst] == [
        (org.b1.code, 0.0, 1, 1), (org.r.code, 0.0, 1, 0), (org.a.code, 1 / 3, 1, 1)]


def test_proposals_waiting_are_counted_up_to_the_cap_and_listed_oldest_first(org, session):
    """A first sweep proposes hundreds of thousands of reviews: the count stops at the
    cap ("3+"), and the first rows are still the oldest."""
    base = datetime(2031, 3, 1, 8, tzinfo=timezone.utc)
    for n in (3, 0, 4, 1, 2):
        session.add(Reassignment(staff_id=org.a1.id, reason=f"Đề xuất {n}", proposed_at=base + timedelta(days=n)))
    session.flush()
    queue = next(q for q in D.pending_proposals(session, scope_path=org.r.path, kinds=("reassignment",),
                                                limit=2, cap=3))
    assert (queue.count, queue.more) == (3, True)
    assert [r.proposed_at for r in queue.rows] == [base, base + timedelta(days=1)]
    exact = next(q for q in D.pending_proposals(session, scope_path=org.r.path, kinds=("reassignment",)))
    assert (exact.count, exact.more) == (5, False)


def test_proposals_waiting_are_scoped_and_leave_out_the_deciders_own(org, session):
    title = session.scalars(sa.select(CommendationTitle).order_by(CommendationTitle.id)).first()
    leader = session.scalar(sa.select(Account.id).where(Account.username == "leader"))
    session.add_all([
        Commendation(target_kind="person", staff_id=org.a1.id, title_id=title.id, reason="Đúng hạn 100 %"),
        Reassignment(staff_id=org.b1s.id, reason="Chậm trễ nhiều lần", proposed_by_id=leader),
    ])
    session.flush()
    queues = {q.kind: q for q in D.pending_proposals(session, scope_path=org.r.path)}
    assert (queues["commendation"].count, queues["reassignment"].count, queues["disciplinary_review"].count) == (1, 1, 0)
    assert queues["commendation"].rows[0].subject == f"{title.name} — Cán bộ A"
    mine_left_out = {q.kind: q.count for q in D.pending_proposals(session, exclude_proposer_id=leader,
                                                                   scope_path=org.r.path)}
    assert mine_left_out["reassignment"] == 0
    assert {q.kind: q.count for q in D.pending_proposals(session, scope_path=org.a.path)} == {
        "commendation": 1, "reassignment": 0, "disciplinary_review": 0}


# --------------------------------------------------------------------------- unit head
def test_late_tasks_of_a_unit_head_never_count_another_unit(org):
    b = U.late_tasks(org.session, org.scope(org.b), TODAY, CAL, RISK)
    assert (b.overdue, b.at_risk, [r.id for r in b.rows]) == (Tally(1), Tally(0), [org.t["t7"].id])
    a = U.late_tasks(org.session, org.scope(org.a), TODAY, CAL, RISK)
    assert (a.overdue, a.at_risk) == (Tally(1), Tally(1))
    assert [(r.id, r.days_left) for r in a.rows] == [(org.t["t3"].id, -8), (org.t["t4"].id, 2)]
    everyone = U.late_tasks(org.session, org.scope(org.r), TODAY, CAL, RISK)
    assert [r.id for r in everyone.rows] == [org.t[k].id for k in ("t8", "t7", "t3", "t4")]


def _steps(org: Org) -> dict[str, TaskStep]:
    s = org.session
    steps = {"s1": f.step(s, org.t["t3"], org.a1, due=date(2031, 3, 5)),
             "s2": f.step(s, org.t["t4"], org.a1, due=date(2031, 3, 21)),
             "s3": f.step(s, org.t["t6"], org.hb, due=date(2031, 3, 18)),
             "s4": f.step(s, org.t["t7"], org.b1s, due=date(2031, 2, 10)),
             "s5": f.step(s, org.t["cancelled"], org.a1, due=date(2031, 3, 1))}
    steps["s4"].status, steps["s4"].completed_late = "done", False
    steps["s4"].completed_at = datetime(2031, 2, 9, 3, tzinfo=UTC)
    s.flush()
    return steps


def test_late_steps_with_the_person_responsible(org):
    steps = _steps(org)
    everyone = U.late_steps(org.session, org.scope(org.r), TODAY, CAL, RISK)
    assert (everyone.overdue, everyone.at_risk) == (Tally(2), Tally(1))
    assert [(r.id, r.person) for r in everyone.rows] == [
        (steps["s1"].id, "Cán bộ A"), (steps["s3"].id, "Trưởng B"), (steps["s2"].id, "Cán bộ A")]
    b = U.late_steps(org.session, org.scope(org.b), TODAY, CAL, RISK)
    assert (b.overdue, b.at_risk, [r.id for r in b.rows]) == (Tally(1), Tally(0), [steps["s3"].id])


def test_steps_found_from_the_people_or_from_the_global_index_agree(org):
    _steps(org)
    scope = org.scope(org.r)
    for low, high in ((None, TODAY), (TODAY, date(2031, 3, 25))):
        by_person = U._open_steps(scope, low, high, by_person=True)
        assert tally(org.session, by_person) == tally(org.session, U._open_steps(scope, low, high, by_person=False))
    sql = str(by_person.compile(dialect=org.session.get_bind().dialect))
    if org.session.get_bind().dialect.name == "sqlite":
        assert "staff CROSS JOIN task_step" in sql  # SQLite must start from the unit's people
    else:
        assert "CROSS JOIN" not in sql


def test_a_wide_scope_counts_the_same_along_the_global_indexes(org):
    _steps(org)
    _consultations(org)
    narrow = org.scope(org.r)
    # The same subtree, taken as wide: its units are then read by the subtree query.
    wide = Scope(narrow.path, narrow.units + tuple(range(-1, -WIDE_UNITS - 2, -1)))
    assert not narrow.wide and wide.wide
    for figures in (U.late_tasks, U.late_steps):
        assert figures(org.session, wide, TODAY, CAL, RISK) == figures(org.session, narrow, TODAY, CAL, RISK)
    assert U.answers_due(org.session, wide, TODAY, CAL) == U.answers_due(org.session, narrow, TODAY, CAL)
    sql = str(wide.holds(Task.lead_unit_id).compile(dialect=org.session.get_bind().dialect))
    assert ("+task.lead_unit_id IN (SELECT" in sql) == (org.session.get_bind().dialect.name == "sqlite")


def test_first_ids_past_the_cap_reads_in_index_order(org):
    stmt = sa.select(Task.id).where(Task.lead_unit_id.in_(org.units(org.r)), Task.status == "open")
    narrow = first_ids(org.session, stmt, Task.due_date, Task.id, 2)
    wide = first_ids(org.session, stmt, Task.due_date, Task.id, 2, cap=1)
    assert narrow == (Tally(5), [org.t["t8"].id, org.t["t7"].id])
    assert wide == (Tally(1, True), [org.t["t8"].id, org.t["t7"].id])
    assert isinstance(StraightJoin(Staff.__table__, TaskStep.__table__, TaskStep.responsible_staff_id == Staff.id),
                      sa.sql.selectable.Join)


def test_answers_the_unit_must_give_soonest_first(org):
    _consultations(org)
    total, rows = U.answers_due(org.session, org.scope(org.b), TODAY, CAL)
    assert total == Tally(2)
    assert [(r.unit, r.deadline, r.suspended, r.days_left) for r in rows] == [
        ("Phòng Số B", date(2031, 3, 12), False, -6), ("Trường Số B1", date(2031, 3, 25), True, 3)]
    assert U.answers_due(org.session, org.scope(org.a), TODAY, CAL)[0] == Tally(1)


# --------------------------------------------------------------------------- directives and staff
def _directives(org: Org) -> tuple[Directive, Directive]:
    s = org.session
    district = Directive(code=f.unique("CT"), title="Chỉ thị thử", issued_on=date(2031, 1, 5), issuing_unit_id=org.r.id)
    sibling = Directive(code=f.unique("CT"), title="Văn bản của C", issued_on=date(2031, 2, 1), issuing_unit_id=org.c.id)
    s.add_all([district, sibling])
    s.flush()
    s.add(Acknowledgement(directive_id=district.id, staff_id=org.a1.id, acknowledged_at=datetime(2031, 1, 6, tzinfo=UTC)))
    s.flush()
    return district, sibling


def test_coverage_of_the_latest_directive_addressed_to_the_unit(org):
    district, _ = _directives(org)
    cov = S.directive_coverage(org.session, org.r.path, TODAY)
    assert cov.directive_id == district.id  # the sibling's later one does not address R
    assert [(r.code, r.direct, r.staff, r.acknowledged) for r in cov.rows] == [
        (org.a.code, False, 1, 1), (org.b.code, False, 2, 0)]
    assert [name for _, name, _ in cov.missing] == ["Trưởng B", "Giáo viên B1"]
    per_unit = {c.unit.id: (c.staff_total, c.acknowledged) for c in coverage(org.session, district.id)}
    assert (cov.staff, cov.acknowledged) == tuple(map(sum, zip(*(per_unit[u] for u in org.units(org.r)
                                                                 if u in per_unit))))
    head_b = S.directive_coverage(org.session, org.b.path, TODAY)
    assert [(r.code, r.direct, r.staff) for r in head_b.rows] == [(org.b.code, True, 1), (org.b1.code, False, 1)]


def test_staff_own_steps_and_directives_to_acknowledge(org):
    steps = _steps(org)
    district, _ = _directives(org)
    own = Directive(code=f.unique("CT"), title="Văn bản của A", issued_on=date(2031, 3, 1), issuing_unit_id=org.a.id,
                    acknowledge_by=date(2031, 3, 27))
    org.session.add(own)
    org.session.flush()
    mine = S.staff_dashboard(org.session, org.a1.id, CAL, today=TODAY)
    assert (mine.steps_total, mine.steps_overdue) == (2, 1)  # the cancelled task's step is not work
    assert [(s.id, s.days_left) for s in mine.steps] == [(steps["s1"].id, -11), (steps["s2"].id, 1)]
    assert (mine.directives_total, [(d.directive_id, d.days_left) for d in mine.directives]) == (1, [(own.id, 5)])
    teacher = S.staff_dashboard(org.session, org.b1s.id, CAL, today=TODAY)
    assert [d.directive_id for d in teacher.directives] == [district.id]


# --------------------------------------------------------------------------- inspector
def test_inspector_figures_and_secrecy(org, session):
    before = (O.inspections_by_state(session, hide_secret=False), O.findings_by_kind(session, hide_secret=False),
              O.findings_by_kind(session), O.samples_summary(session))

    def inspection(status: str, mode: str, started: datetime | None, target: Unit) -> Inspection:
        row = Inspection(code=f.unique("KT"), title="Kiểm tra công vụ", mode=mode, status=status, lead_unit_id=org.c.id,
                         planned_on=date(2029, 1, 1), started_at=started,
                         ended_at=started if status == "closed" else None)
        row.targets.append(InspectionTarget(unit_id=target.id))
        session.add(row)
        session.flush()
        return row

    recent = inspection("closed", "planned", datetime(2031, 1, 10, 2, tzinfo=UTC), org.a)
    inspection("closed", "planned", datetime(2029, 6, 1, 2, tzinfo=UTC), org.b)
    secret = inspection("planned", "unannounced", None, org.c)
    session.add_all([Finding(inspection_id=recent.id, unit_id=org.a.id, kind="punctuality", description="Đi muộn"),
                     Finding(inspection_id=secret.id, unit_id=org.c.id, kind="badge", severity="serious",
                             description="Không đeo thẻ")])
    sample = Sample(inspection_id=recent.id, population_kind="unit", domain="inspection:x:units", seed_source="random",
                    seed_commitment="0" * 64, status="done")
    session.add(sample)
    session.flush()
    session.add_all([SampleItem(sample_id=sample.id, stratum="", rank=n, item_id=f"U{n}", key_hex="f" * 64)
                     for n in (1, 2)])
    session.flush()

    def delta(now: dict, then: dict) -> dict:
        return {k: v - then.get(k, 0) for k, v in now.items() if v != then.get(k, 0)}

    assert delta(O.inspections_by_state(session, hide_secret=False), before[0]) == {
        ("closed", "planned"): 2, ("planned", "unannounced"): 1}
    assert delta(O.findings_by_kind(session, hide_secret=False), before[1]) == {
        ("punctuality", "minor"): 1, ("badge", "serious"): 1}
    assert delta(O.findings_by_kind(session), before[2]) == {("punctuality", "minor"): 1}  # the secret one hidden
    samples, items = O.samples_summary(session).drawn["unit"]
    assert (samples, items) == (before[3].drawn.get("unit", (0, 0))[0] + 1, before[3].drawn.get("unit", (0, 0))[1] + 2)

    total, rows = O.units_not_inspected(session, TODAY, scope_path=org.r.path)
    assert total == 4  # A was visited in January; the unannounced plan is no visit
    assert [(u.code, u.last_visit) for u in rows] == [
        (org.r.code, None), (org.b1.code, None), (org.c.code, None),
        (org.b.code, datetime(2029, 6, 1, 2, tzinfo=UTC))]
