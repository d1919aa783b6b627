"""Scale guards that hold on small data (issue 7; the timings are `make bench`'s job).

* The number of SQL statements a list page runs does not grow with the page size
  (no query per row: relations are eager-loaded), and the lists that reach a
  million rows at province scale run no COUNT(*) on a page view.
* A second deadline sweep right after the first changes nothing.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.models import Consultation, Unit
from portal.models.base import utcnow
from portal.services.sweep import run_sweep

from . import factories

#: Lists measured by the benchmark (model name), all of them large at province scale.
LISTS = ("Task", "Staff", "Consultation", "AuditLog")
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


def page(client: FlaskClient, url: str) -> tuple[int, list[str]]:
    """(rows shown, statements run) for one GET of a list page.

    The test's requests share one session (one app context for the whole test), so
    it is emptied first: rows loaded by an earlier request must not hide a lazy load.
    """
    from portal.extensions import db

    db.session.expunge_all()
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(_ROW.findall(response.get_data(as_text=True))), list(seen)


def enough_consultations(session: sa.orm.Session) -> None:
    """The demo has fewer consultations than a page; add some (rolled back after the test)."""
    have = session.scalar(sa.select(sa.func.count()).select_from(Consultation)) or 0
    units = session.scalars(sa.select(Unit).order_by(Unit.id).limit(2)).all()
    for _ in range(max(0, SMALL + 10 - have)):
        factories.consultation(session, units[0], units[1], sent=date(2025, 3, 3), deadline=date(2025, 3, 14))


@pytest.mark.parametrize("model", LISTS)
def test_list_queries_do_not_grow_with_page_size(app: Flask, session: sa.orm.Session, login_as: Any,
                                                 model: str) -> None:
    if model == "Consultation":
        enough_consultations(session)
    client = login_as("admin")
    url = list_url(app, model)
    client.get(url)  # first request of the session: per-process caches warm up
    small_rows, small = page(client, f"{url}?page_size={SMALL}")
    large_rows, large = page(client, f"{url}?page_size={LARGE}")
    assert small_rows == SMALL and large_rows > SMALL, "the comparison needs more rows than the small page"
    assert len(large) == len(small), "\n".join(large)
    assert not [s for s in large if _COUNT.search(s)], "a COUNT runs on every page view"


def test_second_sweep_right_after_changes_nothing(app: Flask, session: sa.orm.Session) -> None:
    now = utcnow()
    first = run_sweep(session, now, reminder_days=2, at_risk_days=3)
    assert first.changed > 0, "the demo world has overdue work: the first run must do something"
    again = run_sweep(session, now, reminder_days=2, at_risk_days=3)
    since_last = run_sweep(session, now, reminder_days=2, at_risk_days=3, since=now)
    assert again.as_dict() == dict.fromkeys(again.as_dict(), 0)
    assert since_last.changed == 0
