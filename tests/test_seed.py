"""Seed data: the reference data, the demo world and the province generator.

Self-contained fixtures (a fresh SQLite file per module/test); inserts succeeding
also proves every CHECK, UNIQUE and foreign key of the models holds for the data.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.models import (
    Account, Acknowledgement, Commendation, ConsultationRecipient, DeadlineIssue, Directive, DisciplinaryReview,
    DisciplineForm, Inspection, Notice, Permission, Reassignment, Staff, Task, Unit, UnitFunction,
    UnitFunctionAssignment,
)
from portal.services.calendar import load_calendar
from portal.services.tasks import task_outcome
from seed.demo import DEMO_PASSWORD, DEMO_TODAY, seed_demo
from seed.demo_world import CALENDAR_EXCEPTIONS
from seed.province import generate
from seed.reference import DEFAULT_PERMISSIONS, RESOURCES, count_rows, seed_reference


def _make_app(path):
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}/t.db"},
        env={"PORTAL_ENV": "testing", "SECRET_KEY": "x"},
    )


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One demo database for the read-only checks of this module."""
    app = _make_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        db.create_all()
        created = seed_demo(db.session)
        db.session.commit()
        app.config["DEMO_CREATED"] = created
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(demo_app):
    with demo_app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def fresh_app(tmp_path):
    app = _make_app(tmp_path)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def _table_counts(s) -> dict[str, int]:
    return {t.name: s.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables}


# ------------------------------------------------------------------ reference data
def test_reference_is_idempotent(fresh_app):
    created = seed_reference(db.session)
    db.session.commit()
    assert created == count_rows(db.session) > 0
    assert seed_reference(db.session) == 0


def test_permission_matrix_seeded_exactly(session):
    rows = session.execute(sa.select(Permission)).scalars().all()
    seeded: dict[str, dict[str, set[str]]] = {}
    for p in rows:
        seeded.setdefault(p.role.code, {}).setdefault(p.resource, set()).add(p.action)
    assert seeded == {role: res for role, res in DEFAULT_PERMISSIONS.items() if res}
    assert {r for m in DEFAULT_PERMISSIONS.values() for r in m} <= set(RESOURCES)
    admin, lead = DEFAULT_PERMISSIONS["admin"], DEFAULT_PERMISSIONS["leadership"]
    assert all("approve" not in a and "sample" not in a for a in admin.values())
    assert admin["audit_log"] == {"view"} and admin["job_tick"] == {"view"}
    assert lead["commendation"] >= {"approve", "view"} and "approve" not in lead["task"]
    assert lead["audit_log"] == {"view"} and "job_tick" not in lead
    assert "sample" in DEFAULT_PERMISSIONS["inspector"]["sample"]
    assert DEFAULT_PERMISSIONS["staff"]["task_step"] == {"view", "edit"}
    assert "audit_log" not in DEFAULT_PERMISSIONS["unit_head"]


def test_discipline_forms_follow_the_decrees(session):
    def forms(category: str, managers: bool, day: date) -> set[str]:
        q = sa.select(DisciplineForm.code).where(
            DisciplineForm.staff_category == category, DisciplineForm.for_managers == managers,
            DisciplineForm.valid_from <= day, sa.or_(DisciplineForm.valid_to.is_(None), DisciplineForm.valid_to >= day))
        return set(session.scalars(q))

    assert forms("cong_chuc", False, date(2025, 6, 30)) == {"khien_trach", "canh_cao", "ha_bac_luong", "buoc_thoi_viec"}
    assert forms("cong_chuc", False, date(2025, 7, 1)) == {"khien_trach", "canh_cao", "buoc_thoi_viec"}
    assert "giang_chuc" in forms("cong_chuc", True, date(2025, 6, 30))
    assert forms("cong_chuc", True, date(2025, 7, 1)) == {"khien_trach", "canh_cao", "cach_chuc", "buoc_thoi_viec"}
    assert forms("can_bo", False, date(2025, 7, 1)) == {"khien_trach", "canh_cao", "cach_chuc", "bai_nhiem"}
    assert "cach_chuc" in forms("vien_chuc", True, date(2025, 7, 1))
    assert "cach_chuc" not in forms("vien_chuc", False, date(2025, 7, 1))


# ------------------------------------------------------------------ demo world
def test_demo_accounts(session):
    expected = {"admin": "admin", "leader": "leadership", "inspector": "inspector", "head": "unit_head",
                "staff": "staff", "head2": "unit_head", "commune": "unit_head"}
    accounts = {a.username: a for a in session.scalars(sa.select(Account))}
    assert set(expected) <= set(accounts)
    for username, role in expected.items():
        account = accounts[username]
        assert account.role.code == role
        assert verify_password(account.password_hash, DEMO_PASSWORD)
        assert account.staff is not None and account.display_name == account.staff.full_name
        assert account.unit_id == account.staff.unit_id
    assert accounts["leader"].display_name == "Trần Bảo Trung"
    assert accounts["admin"].unit.code == "PT-VP"
    assert accounts["inspector"].unit.code == "PT-NV"
    assert accounts["head"].unit.code == accounts["staff"].unit.code == "PT-TNMT"
    assert accounts["head"].staff.position == "Trưởng phòng" and accounts["head"].staff.is_manager
    assert accounts["head2"].unit.code == "PT-TCKH" and accounts["commune"].unit.code == "PT-X-MS"


def test_demo_is_idempotent(session):
    before = _table_counts(session)
    assert seed_demo(session) == 0
    session.flush()
    assert _table_counts(session) == before
    assert before["staff"] >= 140 and before["task"] >= 55 and before["consultation"] >= 15


def test_unit_tree_paths(session):
    units = {u.id: u for u in session.scalars(sa.select(Unit))}
    for unit in units.values():
        if unit.parent_id is None:
            assert unit.path == f"/{unit.id}/" and unit.depth == 0
        else:
            parent = units[unit.parent_id]
            assert unit.path == parent.path + f"{unit.id}/"
            assert unit.depth == parent.depth + 1
    kinds = Counter(u.kind for u in units.values())
    assert kinds["province"] == 1 and kinds["district"] == 1 and kinds["commune"] == 17 and kinds["school"] >= 3
    assert any(u.valid_to is not None for u in units.values())  # one closed unit for history


def test_phong_noi_vu_leads_inspections(session):
    holders = session.scalars(
        sa.select(Unit.code).join(UnitFunctionAssignment, UnitFunctionAssignment.unit_id == Unit.id)
        .join(UnitFunction).where(UnitFunction.code == "inspection_lead")).all()
    assert holders == ["PT-NV"]


def test_tasks_at_every_status(demo_app, session):
    # The officials' status as the portal computes it, with the demo's own days off.
    cal = load_calendar(session)
    assert all(cal.is_working_day(d) == (k == "working_day") for d, k, _ in CALENDAR_EXCEPTIONS)
    at_risk_days = demo_app.config["AT_RISK_WORKING_DAYS"]
    tasks = session.scalars(sa.select(Task)).all()
    outcomes = Counter(task_outcome(t, DEMO_TODAY, cal, at_risk_days) for t in tasks)
    assert {"done_on_time", "done_late", "in_time", "at_risk", "overdue"} <= set(outcomes)
    # On the live clock some open work is still within its deadline (due in 2027).
    assert any(t.status != "done" and t.due_date.year == 2027 for t in tasks)
    assert any(t.deadline_kind == "working_days" for t in tasks)
    assert any(t.improper_escalation and t.submitted_to_unit.kind == "district"
               and t.authority_unit_id == t.lead_unit_id for t in tasks)
    extended = [t for t in tasks if t.extensions]
    assert extended and all(t.due_date > t.legal_due_date == t.extensions[0].previous_due_date for t in extended)
    for t in tasks:
        assert t.received_on <= DEMO_TODAY
        assert 1 <= len(t.steps) <= 3
        for step in t.steps:
            assert t.received_on <= step.due_date <= t.due_date
            if t.status == "done":
                assert step.status == "done"
            if step.completed_at is not None:
                assert step.completed_at <= datetime(2025, 6, 21, tzinfo=timezone.utc)
        if t.status == "done":
            assert t.completed_late == (t.completed_at.date() > t.due_date)


def test_staff_account_has_steps(session):
    staff = session.scalar(sa.select(Account).where(Account.username == "staff"))
    tasks = session.scalars(sa.select(Task).where(Task.lead_unit_id == staff.unit_id)).all()
    mine = [s for t in tasks for s in t.steps if s.responsible_staff_id == staff.staff_id]
    assert {s.status for s in mine} == {"done", "open"}


def test_consultation_cases(session):
    recipients = session.scalars(sa.select(ConsultationRecipient)).all()
    notices = {n.dedupe_key for n in session.scalars(sa.select(Notice))}
    deemed = [r for r in recipients if r.outcome == "deemed_agreed"]
    assert any(r.answer is None for r in deemed) and any(r.answered_late for r in deemed)
    for r in deemed:
        assert r.deemed_agreed_at == datetime(r.deadline.year, r.deadline.month, r.deadline.day, 17,
                                              tzinfo=timezone.utc)
        assert {f"deemed:recipient:{r.id}", f"report:recipient:{r.id}"} <= notices
    assert any(r.outcome == "pending" and r.deadline < DEMO_TODAY for r in recipients)
    assert any(r.outcome == "pending" and r.deadline.year == 2027 for r in recipients)
    assert {"agree", "agree_with_comments", "disagree"} <= {r.answer for r in recipients}
    assert any(r.answer == "disagree" and r.resolution is None for r in recipients)
    assert any(r.resolution == "meeting" for r in recipients)
    suspended = [r for r in recipients if r.outcome == "suspended"]
    assert suspended and all(
        any(i.decision is None and i.filed_at.date() <= r.deadline for i in r.deadline_issues) for r in suspended)
    assert session.scalar(sa.select(sa.func.count()).select_from(DeadlineIssue).where(
        DeadlineIssue.decision == "extend")) == 1
    for r in recipients:
        assert r.relevance_reason.strip()
        assert (r.answer is None) == (r.answered_at is None)


def test_unannounced_inspection_is_not_started(session):
    head = session.scalar(sa.select(Account).where(Account.username == "head"))
    secret = session.scalars(sa.select(Inspection).where(Inspection.mode == "unannounced",
                                                         Inspection.status == "planned")).all()
    assert len(secret) == 1 and secret[0].started_at is None
    assert [t.unit_id for t in secret[0].targets] == [head.unit_id]
    closed = session.scalars(sa.select(Inspection).where(Inspection.status == "closed")).all()
    assert any(f.recommendations for i in closed for f in i.findings)


def test_proposals_wait_for_leadership(session):
    head = session.scalar(sa.select(Account).where(Account.username == "head"))
    leader = session.scalar(sa.select(Account).where(Account.username == "leader"))
    rows = [*session.scalars(sa.select(Commendation)), *session.scalars(sa.select(Reassignment)),
            *session.scalars(sa.select(DisciplinaryReview))]
    assert {r.status for r in rows} == {"proposed", "approved", "rejected"}
    assert any(r.status == "proposed" and r.proposed_by_id == head.id for r in rows)
    for r in rows:
        assert r.evidence
        if r.status != "proposed":
            assert r.decided_by_id == leader.id != r.proposed_by_id and r.decided_at > r.proposed_at


def test_directive_acknowledgements(session):
    directive = session.scalar(sa.select(Directive).where(Directive.code == "UBND-NV-280"))
    assert directive.issued_on == date(2023, 5, 5) and directive.issuing_unit.code == "PT"
    acked = session.scalar(sa.select(sa.func.count()).select_from(Acknowledgement))
    total = session.scalar(sa.select(sa.func.count()).select_from(Staff))
    assert 0.6 <= acked / total <= 0.8


# ------------------------------------------------------------------ province generator
SIZES = {"units": 50, "staff": 200, "tasks": 2000, "consultations": 300}


def test_province_generator(fresh_app):
    seed_demo(db.session)
    db.session.commit()
    before = _table_counts(db.session)
    db.session.rollback()  # end the read transaction: the generator writes on its own connection
    counts = generate(db.engine, **SIZES)
    assert counts["units"] == 50 and counts["staff"] == 200 and counts["tasks"] == 2000
    assert counts["consultations"] == 300
    assert 2000 < counts["task_steps"] < 3000 and 600 <= counts["consultation_recipients"] <= 900
    after = _table_counts(db.session)
    assert after["task"] - before["task"] == 2000 and after["task_step"] - before["task_step"] == counts["task_steps"]
    assert after["consultation_recipient"] - before["consultation_recipient"] == counts["consultation_recipients"]

    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.code.like("P-U%")))}
    assert len(units) == 50
    roots = [u for u in units.values() if u.parent_id is None]
    assert len(roots) == 1 and roots[0].path == f"/{roots[0].id}/"
    for unit in units.values():
        if unit.parent_id is not None:
            assert unit.path == units[unit.parent_id].path + f"{unit.id}/"
            assert unit.depth == units[unit.parent_id].depth + 1

    tasks = db.session.scalars(sa.select(Task).where(Task.code.like("P-T%"))).all()
    statuses = Counter("done" if t.status == "done" else "open" for t in tasks)
    assert 0.6 <= statuses["done"] / len(tasks) <= 0.8
    assert any(t.completed_late for t in tasks) and any(t.due_date.year == 2027 for t in tasks)
    assert all(s.due_date <= t.due_date for t in tasks for s in t.steps)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationRecipient).where(
        ConsultationRecipient.outcome == "pending", ConsultationRecipient.deadline < date(2026, 11, 1))) > 0

    # A second run refuses to duplicate; the demo is untouched and new rows still get fresh ids.
    db.session.rollback()
    again = generate(db.engine, **SIZES)
    assert again.get("skipped") == 1 and again["tasks"] == 0
    assert _table_counts(db.session) == after
    assert seed_demo(db.session) == 0
    db.session.add(Unit(code="X-NEW", name="Đơn vị mới", kind="office", parent_id=roots[0].id, path="/",
                        depth=1, valid_from=date(2026, 1, 1)))
    db.session.flush()


def test_reseeding_keeps_an_administrators_permission_changes(app, session) -> None:
    """The default matrix is data administrators own: seeding again does not restore
    a cell they removed."""
    import sqlalchemy as sa

    from portal.models import Permission, Role
    from seed.demo import seed_demo

    cell = session.scalar(
        sa.select(Permission).join(Role).where(Role.code == "staff", Permission.resource == "directive")
    )
    assert cell is not None
    session.delete(cell)
    session.flush()
    assert seed_demo(session) == 0
    assert session.scalar(
        sa.select(sa.func.count()).select_from(Permission).join(Role)
        .where(Role.code == "staff", Permission.resource == "directive", Permission.action == cell.action)
    ) == 0
