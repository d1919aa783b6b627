"""The lists' search box (portal/admin/search.py) and the indexes behind it
(portal/models/search.py): same answers as a plain scan would give, through indexes."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.admin.search_sqlite import successor
from portal.database import SCHEMA_FILE, create_schema_from_sql, install_engine_events
from portal.extensions import db
from portal.models import Staff, Task, Unit
from portal.models.search import TEXT_SEARCH, fts_table

from . import factories

_ROW = re.compile(r'<td class="list-buttons-column"')


def shown(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture
def tasks(session: sa.orm.Session) -> dict[str, Task]:
    lead = session.scalars(sa.select(Unit).order_by(Unit.id).limit(1)).one()
    made = {}
    for key, code, title in (("plan", "QX-2025-0101", "Xây dựng kế hoạch chuyển đổi số năm 2026"),
                             ("school", "QX-2025-0102", "Rà soát mạng lưới trường học"),
                             ("other", "ZQX-2025-0103", "Tổng hợp báo cáo quý")):
        made[key] = factories.task(session, lead, title=title)
        made[key].code = code
    session.flush()
    return made


def test_code_is_found_by_its_beginning_in_any_case(app: Flask, login_as: Any, tasks: dict[str, Task]) -> None:
    client = login_as("admin")
    html = shown(client, "/admin/task/?search=qx-2025-01")
    assert "QX-2025-0101" in html and "QX-2025-0102" in html
    # Codes are matched from their start: a code that only contains the word is not a hit.
    assert "ZQX-2025-0103" not in html
    exact = shown(client, "/admin/task/?search==QX-2025-0102")
    assert "QX-2025-0102" in exact and "QX-2025-0101" not in exact


@pytest.mark.parametrize("ids_first", [True, False])
def test_a_code_search_with_filters_finds_the_same_rows_by_either_plan(app: Flask, login_as: Any, monkeypatch: Any,
                                                                        tasks: dict[str, Task], ids_first: bool) -> None:
    """On SQLite a word a code may begin with is first looked up in the indexes alone;
    when more rows than ``COMMON`` match, the per-column clauses are used instead: the
    same rows either way, with the list's filters applied on top."""
    from portal.admin import search_sqlite

    found: list[Any] = []
    real = search_sqlite.few_matches
    if ids_first:
        monkeypatch.setattr(search_sqlite, "few_matches", lambda *a: found.append(real(*a)) or found[-1])
    else:  # as when more than COMMON rows match
        monkeypatch.setattr(search_sqlite, "few_matches", lambda view, mode, text: None)
    client = login_as("admin")
    html = shown(client, "/admin/task/?search=qx-2025-01&flt1_2=open")
    assert "QX-2025-0101" in html and "QX-2025-0102" in html and "ZQX-2025-0103" not in html
    assert "QX-2025-0101" in shown(client, "/admin/task/?search=chuyển")  # a word of a title only
    tasks["school"].status = "in_progress"
    db.session.commit()
    html = shown(client, "/admin/task/?search=qx-2025-01&flt1_2=open")
    assert "QX-2025-0101" in html and "QX-2025-0102" not in html
    if ids_first and db.engine.dialect.name == "sqlite":
        assert {tasks["plan"].id, tasks["school"].id} <= set(found[-1]), "the indexes alone answered"


def test_title_is_found_anywhere_ignoring_case(app: Flask, login_as: Any, tasks: dict[str, Task]) -> None:
    client = login_as("admin")
    html = shown(client, "/admin/task/?search=CHUYỂN ĐỔI")  # two words, both required, upper case
    assert "QX-2025-0101" in html and "QX-2025-0102" not in html
    assert "QX-2025-0102" in shown(client, "/admin/task/?search=lưới")
    # A word shorter than three characters is still found (without the index).
    short = shown(client, "/admin/task/?search=số")
    assert "QX-2025-0101" in short and "QX-2025-0102" not in short
    assert len(_ROW.findall(shown(client, "/admin/task/?search=không-có-nhiệm-vụ-này"))) == 0


def test_like_wildcards_typed_in_the_box_are_literal(app: Flask, login_as: Any, tasks: dict[str, Task]) -> None:
    client = login_as("admin")
    assert len(_ROW.findall(shown(client, "/admin/task/?search=QX%25"))) == 0
    assert len(_ROW.findall(shown(client, "/admin/task/?search=k_ho"))) == 0


def test_search_index_follows_edits_and_deletes(app: Flask, session: sa.orm.Session, login_as: Any,
                                                 tasks: dict[str, Task]) -> None:
    client = login_as("admin")
    tasks["school"].title = "Sắp xếp điểm trường lẻ"
    session.flush()
    assert "QX-2025-0102" not in shown(client, "/admin/task/?search=lưới")
    assert "QX-2025-0102" in shown(client, "/admin/task/?search=điểm trường")
    session.delete(tasks["plan"])
    session.flush()
    assert "QX-2025-0101" not in shown(client, "/admin/task/?search=chuyển đổi")


def test_staff_names_are_searched_through_the_index(app: Flask, session: sa.orm.Session, login_as: Any) -> None:
    unit = session.scalars(sa.select(Unit).order_by(Unit.id).limit(1)).one()
    person = factories.staff(session, unit, full_name="Hoàng Thị Xuân Quỳnh")
    html = shown(login_as("admin"), "/admin/staff/?search=xuân quỳnh")
    assert person.code in html


def test_successor_bounds_a_prefix() -> None:
    assert successor("P-T05") == "P-T06"
    assert successor("ab\U0010ffff") == "ac"
    assert successor("\ud7ff") == "\ue000"
    assert successor("\U0010ffff") is None


def _sqlite_objects(engine: sa.Engine) -> set[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE name LIKE '%\\_search%' ESCAPE '\\'").all()
    return {(t, n, " ".join((s or "").split())) for t, n, s in rows}


def test_sqlite_search_tables_are_the_same_from_the_models_and_from_schema_sql(tmp_path: Path) -> None:
    install_engine_events()
    orm, ddl = sa.create_engine(f"sqlite:///{tmp_path / 'orm.db'}"), sa.create_engine(f"sqlite:///{tmp_path / 'sql.db'}")
    try:
        db.metadata.create_all(orm)
        create_schema_from_sql(ddl, SCHEMA_FILE)
        objects = _sqlite_objects(orm)
        names = {n for _t, n, _s in objects}
        for table in TEXT_SEARCH:
            assert {fts_table(table), f"{fts_table(table)}_insert", f"{fts_table(table)}_delete",
                    f"{fts_table(table)}_update"} <= names
        assert objects == _sqlite_objects(ddl)
        db.metadata.drop_all(orm)
        assert not _sqlite_objects(orm), "dropping the tables leaves no search table behind"
    finally:
        orm.dispose()
        ddl.dispose()


def test_postgresql_search_uses_the_indexes(app: Flask, session: sa.orm.Session, tasks: dict[str, Task]) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plans (TEST_DATABASE_URL)")
    from portal.admin.search import contains_clause, prefix_clause

    # A handful of rows makes a sequential scan cheapest; forbid it to see the index is usable.
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    checks = [
        (sa.select(Task.id).where(contains_clause(Task, Task.title, "chuyển đổi", "postgresql")), "ix_task_title_trgm"),
        (sa.select(Task.id).where(prefix_clause(Task.code, "qx-2025", "postgresql")), "ix_task_code_prefix"),
        (sa.select(Staff.id).where(contains_clause(Staff, Staff.full_name, "xuân", "postgresql")),
         "ix_staff_full_name_trgm"),
        (sa.select(Unit.id).where(Unit.path.like("/1/%")), "ix_unit_path_prefix"),
    ]
    for stmt, index in checks:
        compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join(session.execute(sa.text(f"EXPLAIN {compiled}")).scalars())
        assert index in plan, plan
