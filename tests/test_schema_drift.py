"""One source of truth: the database the portal creates (ORM models) and the one
schema.sql creates must be identical, on SQLite always and on PostgreSQL when
TEST_DATABASE_URL is set."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.database import SCHEMA_FILE, create_schema_from_sql, install_engine_events
from portal.extensions import db
import portal.models  # noqa: F401  (registers every table)

from .conftest import pg_url
from .schema_snapshot import differences, snapshot


def _sqlite_pair(tmp_path: Path) -> tuple[sa.Engine, sa.Engine]:
    install_engine_events()
    return sa.create_engine(f"sqlite:///{tmp_path / 'orm.db'}"), sa.create_engine(f"sqlite:///{tmp_path / 'sql.db'}")


def _pg_pair(url: str) -> tuple[sa.Engine, sa.Engine]:
    engines = []
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        for schema in ("drift_orm", "drift_sql"):
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    for schema in ("drift_orm", "drift_sql"):
        engines.append(sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"}))
    return engines[0], engines[1]


ENGINES = ["sqlite"] + (["postgresql"] if pg_url() else [])


@pytest.mark.parametrize("kind", ENGINES)
def test_models_and_schema_sql_do_not_drift(kind: str, tmp_path: Path) -> None:
    orm_engine, sql_engine = _sqlite_pair(tmp_path) if kind == "sqlite" else _pg_pair(pg_url() or "")
    try:
        db.metadata.create_all(orm_engine)
        create_schema_from_sql(sql_engine, SCHEMA_FILE)
        schema = None
        models, ddl = snapshot(orm_engine, schema), snapshot(sql_engine, schema)
        assert len(models) == len(db.metadata.tables) >= 30
        assert differences(models, ddl) == []
    finally:
        orm_engine.dispose()
        sql_engine.dispose()


def test_drift_check_notices_a_difference(tmp_path: Path) -> None:
    """The comparison is not vacuous: a changed column type is reported."""
    orm_engine, sql_engine = _sqlite_pair(tmp_path)
    altered = tmp_path / "altered.sql"
    altered.write_text(
        SCHEMA_FILE.read_text(encoding="utf-8").replace("full_name VARCHAR(120) NOT NULL", "full_name VARCHAR(90)"),
        encoding="utf-8",
    )
    db.metadata.create_all(orm_engine)
    create_schema_from_sql(sql_engine, altered)
    found = differences(snapshot(orm_engine), snapshot(sql_engine))
    assert any(line.startswith("staff.columns") for line in found), found
