"""Scale guards that hold on small data (issue 7; the timings are `make bench`'s job).

* The number of SQL statements a list page runs does not grow with the page size
  (no query per row: relations are eager-loaded), for each main list and as each
  role, and the lists that reach hundreds of thousands of rows at province scale
  run no COUNT(*) on a page view.
* A second deadline sweep right after the first changes nothing.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.models import Account, AuditLog, Inspection, Notice, Permission, Role, Staff, Unit
from portal.models.base import utcnow
from portal.services.sweep import run_sweep

from . import factories

#: The main lists (model name): large at province scale, or joined to several tables per row.
LISTS = ("Task", "Staff", "Consultation", "AuditLog", "Notice", "Inspection")
#: Lists that must not count their rows on every page view.
UNCOUNTED = ("Task", "Staff", "Consultation", "AuditLog", "Notice")
#: Demo accounts: the three that see everything and a unit head and a staff member of one unit.
ROLES = ("admin", "leader", "inspector", "head", "staff")
CROWD_UNIT = "PT-TNMT"  # the unit of "head" and "staff"
SMALL, LARGE = 25, 100  # both in PortalModelView.page_size_options
_ROW = re.compile(r'<td class="list-buttons-column"')
_COUNT = re.compile(r"\bcount\s*\(", re.I)
_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs (transaction control left out)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not _CONTROL.match(statement):
            seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def list_url(app: Flask, model: str) -> str:
    admins = app.extensions.get("admin", [])
    for admin in admins if isinstance(admins, list) else [admins]:
        for view in getattr(admin, "_views", []):
            if getattr(getattr(view, "model", None), "__name__", None) == model:
                return view.url.rstrip("/") + "/"
    pytest.fail(f"no admin list view for {model}")


def page(client: FlaskClient, url: str) -> tuple[int, int, list[str]]:
    """(status, rows shown, statements run) for one GET of a list page.

    The test's requests share one session (one app context for the whole test), so
    it is emptied first: rows loaded by an earlier request must not hide a lazy load.
    """
    from portal.extensions import db

    db.session.expunge_all()
    with statements() as seen:
        response = client.get(url)
    return response.status_code, len(_ROW.findall(response.get_data(as_text=True))), list(seen)


def crowd(session: sa.orm.Session) -> None:
    """More rows than a page in every main list, inside the scope of each demo role:
    tasks, consultations, staff and inspections of the unit of ``head`` and ``staff``,
    the sweep's reminders about those tasks (notices to that unit and that person),
    and audit entries by each account. Rolled back after the test."""
    unit = session.scalars(sa.select(Unit).where(Unit.code == CROWD_UNIT)).one()
    person = session.scalars(sa.select(Staff).join(Account, Account.staff_id == Staff.id)
                             .where(Account.username == "staff")).one()
    n = SMALL + 5  # a full small page, and more rows on the large one (any per-row query shows)
    for _ in range(n):
        task = factories.task(session, unit, received=date(2025, 1, 2), due=date(2025, 1, 31), owner=person)
        factories.step(session, task, person)
        factories.consultation(session, unit, unit)
        factories.staff(session, unit)
        session.add(Inspection(code=factories.unique("TK"), title="Kiểm tra công vụ định kỳ", mode="planned",
                               status="planned", lead_unit_id=unit.id, planned_on=date(2026, 12, 1)))
    accounts = session.scalars(sa.select(Account.username).where(Account.username.in_(ROLES))).all()
    at = datetime(2026, 1, 5, 2, tzinfo=timezone.utc)
    for i in range(n):
        for username in accounts:  # the hash chain is not checked here: these rows only fill pages
            session.add(AuditLog(at=at, actor=username, source="web", action="update", table_name="task",
                                 row_id=str(i), before={}, after={}, prev_hash=f"p{username}{i}",
                                 hash=f"h{username}{i}"))
    session.flush()
    run_sweep(session, utcnow(), reminder_days=2, at_risk_days=3, since=None)
    mine = sa.or_(Notice.issuing_unit_id == unit.id, Notice.recipient_unit_id == unit.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(Notice).where(mine)) > SMALL


@pytest.mark.parametrize("role", ROLES)
def test_list_queries_do_not_grow_with_page_size(app: Flask, session: sa.orm.Session, login_as: Any,
                                                 role: str) -> None:
    crowd(session)
    client = login_as(role)
    checked = []
    for model in LISTS:
        url = list_url(app, model)
        status, _rows, _ = page(client, url)  # first request: per-process caches warm up
        if status == 403:
            continue
        assert status == 200, (role, url)
        _, small_rows, small = page(client, f"{url}?page_size={SMALL}")
        _, large_rows, large = page(client, f"{url}?page_size={LARGE}")
        assert small_rows == SMALL and large_rows > SMALL, (role, model, "the comparison needs more rows than a page")
        assert len(large) == len(small), (role, model, "\n".join(large))
        if model in UNCOUNTED:
            assert not [s for s in large if _COUNT.search(s)], (role, model, "a COUNT runs on every page view")
        checked.append(model)
    assert "Task" in checked, f"{role} sees no task list"


def test_second_sweep_right_after_changes_nothing(app: Flask, session: sa.orm.Session) -> None:
    now = utcnow()
    first = run_sweep(session, now, reminder_days=2, at_risk_days=3, since=None)
    assert first.changed > 0, "the demo world has overdue work: the first run must do something"
    tables = ("notice", "evidence", "reassignment", "disciplinary_review", "consultation_recipient", "task")
    before = {t: session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
    again = run_sweep(session, now, reminder_days=2, at_risk_days=3, since=None)
    since_last = run_sweep(session, now, reminder_days=2, at_risk_days=3, since=now)
    assert again.as_dict() == dict.fromkeys(again.as_dict(), 0)
    assert since_last.changed == 0
    assert {t: session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables} == before


def test_audit_export_reads_before_and_after_with_the_rows(app: Flask, session: sa.orm.Session,
                                                           login_as: Any) -> None:
    """The list leaves the (large) before/after out; the export must still write them,
    without one query per row."""
    at = datetime(2026, 1, 5, 2, tzinfo=timezone.utc)

    def add(n: int, tag: str) -> None:
        for i in range(n):
            session.add(AuditLog(at=at, actor="admin", source="web", action="update", table_name="task",
                                 row_id=str(i), before={"status": "open"}, after={"note": f"{tag}-{i}"},
                                 prev_hash=f"p{tag}{i}", hash=f"h{tag}{i}"))
        session.flush()

    admin = session.scalars(sa.select(Role).where(Role.code == "admin")).one()
    session.add(Permission(role_id=admin.id, resource="audit_log", action="export"))  # not granted by default
    client = login_as("admin")
    url = list_url(app, "AuditLog") + "export/csv/"

    def export() -> tuple[str, list[str]]:
        from portal.extensions import db

        db.session.expunge_all()
        with statements() as seen:
            response = client.get(url)
            text = response.get_data(as_text=True)  # the CSV is written while it is read
        assert response.status_code == 200
        return text, list(seen)

    add(5, "first")
    _, few = export()
    add(20, "second")
    text, many = export()
    assert "second-19" in text and "first-4" in text
    assert len(many) == len(few), "\n".join(many)
