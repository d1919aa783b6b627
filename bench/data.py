"""The benchmark's data sets: built once with the province generator, then reused.

SQLite: ``<db-dir>/province-u…-s…-t…-c…-a….sqlite`` is built under a temporary
name and renamed when complete, so an interrupted build is never reused; a file of
the same sizes is reused as it is (the measurements run on a copy, because the
sweep and the logins write). Its ``.json`` sidecar keeps how long the build took.
PostgreSQL: the schema at ``BENCH_DATABASE_URL`` is dropped and rebuilt every run.

The build is: tables from the ORM models, synthetic audit-log history (the
generator writes none; a real province's audit log is its largest table), the demo
world (``seed.demo.seed_demo``: the demo accounts), the province
(``seed.province.generate``) and two extra accounts inside the province — a unit
head of the province root (the widest row scope a unit head can have) and a staff
member of one department — then ANALYZE on PostgreSQL (autovacuum would do it).
"""
from __future__ import annotations

import json
import random
import resource
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import APP_ENV, DEMO_PASSWORD

#: Accounts the benchmark adds inside the province (username → role, unit code).
PROVINCE_ACCOUNTS = {"p-head": ("unit_head", "P-U000001"), "p-staff": ("staff", "P-U000002")}
AUDIT_BATCH = 10_000


def make_app(url: str) -> Any:
    """The real portal app on ``url`` (no TESTING flag: errors render as they would live)."""
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url}, env={**APP_ENV, "DATABASE_URL": url})


def sqlite_file(db_dir: Path, sizes: dict[str, int], audit_rows: int) -> Path:
    s = sizes
    return db_dir / f"province-u{s['units']}-s{s['staff']}-t{s['tasks']}-c{s['consultations']}-a{audit_rows}.sqlite"


def sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def read_meta(path: Path) -> dict[str, Any]:
    meta = sidecar(path)
    return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}


def reset_pg(url: str) -> None:
    """Drop and recreate the public schema (the benchmark owns this database)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def _audit_rows(engine: sa.Engine, n: int, tasks: int, seed: int = 280) -> None:
    """``n`` chained audit entries spread over 2021–2026 (valid for ``audit verify``)."""
    from portal.models import AuditLog
    from portal.services.audit import GENESIS_HASH, entry_hash

    table = AuditLog.__table__
    rng = random.Random(seed)
    actors = ["admin", "leader", "inspector", "head", "staff", "head2", "commune", "he-thong"] + [
        f"p-user-{i:04d}" for i in range(400)
    ]
    start = datetime(2021, 1, 4, 1, tzinfo=timezone.utc)
    step = (datetime(2026, 11, 1, tzinfo=timezone.utc) - start) / max(n, 1)
    moves = [("open", "in_progress"), ("in_progress", "done"), ("open", "done")]
    prev = GENESIS_HASH
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for i in range(n):
            actor = rng.choice(actors)
            before, after = moves[rng.randrange(3)]
            fields = {
                "at": start + step * i, "actor": actor, "source": "job" if actor == "he-thong" else "web",
                "action": "update", "table_name": "task", "row_id": str(1 + rng.randrange(max(tasks, 1))),
                "before": {"status": before}, "after": {"status": after},
            }
            digest = entry_hash(prev_hash=prev, **fields)
            batch.append({**fields, "prev_hash": prev, "hash": digest})
            prev = digest
            if len(batch) >= AUDIT_BATCH:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)


def _province_accounts() -> None:
    from portal.auth.passwords import hash_password
    from portal.extensions import db
    from portal.models import Account, Role, Staff, Unit

    session = db.session
    roles = {r.code: r.id for r in session.scalars(sa.select(Role))}
    password = hash_password(DEMO_PASSWORD)
    for username, (role, unit_code) in PROVINCE_ACCOUNTS.items():
        if session.scalar(sa.select(Account.id).where(Account.username == username)):
            continue
        unit = session.scalars(sa.select(Unit).where(Unit.code == unit_code)).one()
        person = session.scalars(
            sa.select(Staff).where(Staff.unit_id == unit.id, Staff.is_manager.is_(role == "unit_head"))
            .order_by(Staff.id).limit(1)
        ).one()
        session.add(Account(username=username, password_hash=password, role_id=roles[role], staff_id=person.id,
                            unit_id=unit.id, display_name=person.full_name, active=True, failed_logins=0,
                            language="vi", created_at=datetime.now(timezone.utc) - timedelta(days=1)))
    session.commit()


def build(url: str, sizes: dict[str, int], audit_rows: int) -> dict[str, Any]:
    """Create the schema and every row; return the seconds of each part."""
    from portal.extensions import db
    from seed.demo import seed_demo
    from seed.province import generate

    app = make_app(url)
    seconds: dict[str, float] = {}
    with app.app_context():
        engine = db.engine
        t = time.perf_counter()
        db.create_all()
        seconds["schema"] = time.perf_counter() - t
        t = time.perf_counter()
        _audit_rows(engine, audit_rows, sizes["tasks"])
        seconds["audit_log"] = time.perf_counter() - t
        t = time.perf_counter()
        seed_demo(db.session)
        db.session.commit()
        seconds["demo"] = time.perf_counter() - t
        t = time.perf_counter()
        counts = generate(engine, **sizes)
        seconds["generator"] = time.perf_counter() - t
        _province_accounts()
        t = time.perf_counter()
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        seconds["analyze"] = time.perf_counter() - t
        db.session.remove()
        engine.dispose()
    return {"seconds": seconds, "counts": counts, "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so the file can be copied or renamed alone."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def build_sqlite(path: Path, sizes: dict[str, int], audit_rows: int) -> dict[str, Any]:
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    meta = build(f"sqlite:///{tmp}", sizes, audit_rows)
    checkpoint(tmp)
    tmp.rename(path)
    meta["file_mb"] = path.stat().st_size / 2**20
    sidecar(path).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def schema_drift(url: str) -> list[str]:
    """Tables and columns of the models that a reused data set lacks, or has in excess
    (the models changed since it was built: it must be rebuilt, not patched)."""
    import portal.models  # noqa: F401  (registers the tables)
    from portal.extensions import db
    from portal.models.search import search_tables

    engine = sa.create_engine(url)
    try:
        insp = sa.inspect(engine)
        have = {(t, c["name"]) for t in set(insp.get_table_names()) - set(search_tables())
                for c in insp.get_columns(t)}
    finally:
        engine.dispose()
    want = {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns}
    return [f"-{t}.{c}" for t, c in sorted(want - have)] + [f"+{t}.{c}" for t, c in sorted(have - want)]


def _for_dialect(index: sa.Index, dialect: str) -> bool:
    """Whether ``create_all`` makes ``index`` on ``dialect`` (search indexes are PostgreSQL's only)."""
    only = getattr(index, "_ddl_if", None)
    return only is None or only.dialect is None or only.dialect == dialect


def sync_indexes(url: str) -> list[str]:
    """Make a reused data set's indexes those of the models (created or dropped by name),
    and give it the search tables it lacks (SQLite FTS5, filled from the rows)."""
    import portal.models  # noqa: F401  (registers the tables)
    from portal.extensions import db
    from portal.models.search import TEXT_SEARCH, fts_table, rebuild_statement, sqlite_statements

    engine = sa.create_engine(url)
    changes: list[str] = []
    try:
        with engine.begin() as conn:
            insp = sa.inspect(conn)
            if conn.dialect.name == "sqlite":
                tables = set(insp.get_table_names())
                for name in TEXT_SEARCH:
                    if fts_table(name) not in tables:
                        for statement in sqlite_statements(name):
                            conn.exec_driver_sql(statement)
                        conn.exec_driver_sql(rebuild_statement(name))
                        changes.append(f"+{fts_table(name)}")
            for table in db.metadata.sorted_tables:
                have = {i["name"] for i in insp.get_indexes(table.name)}
                want = {i.name: i for i in table.indexes if _for_dialect(i, conn.dialect.name)}
                for name in sorted(set(want) - have):
                    want[name].create(conn)
                    changes.append(f"+{name}")
                for name in sorted(n for n in have - set(want) if n and n.startswith("ix_")):
                    conn.exec_driver_sql(f"DROP INDEX {name}")
                    changes.append(f"-{name}")
    finally:
        engine.dispose()
    return changes


def working_copy(path: Path) -> Path:
    """A scratch copy to measure on (the sweep and the logins write)."""
    work = path.with_name(path.stem + ".work.sqlite")
    for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(path, work)
    return work


def drop_copy(work: Path) -> None:
    for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        leftover.unlink(missing_ok=True)


def main() -> None:
    """``python -m bench.data CONFIG.json``: build in a process of its own (peak RSS)."""
    import sys

    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    sizes, audit_rows = config["sizes"], config["audit_rows"]
    if config.get("sqlite_path"):
        meta = build_sqlite(Path(config["sqlite_path"]), sizes, audit_rows)
    else:
        reset_pg(config["url"])
        meta = build(config["url"], sizes, audit_rows)
    Path(config["out"]).write_text(json.dumps(meta, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
