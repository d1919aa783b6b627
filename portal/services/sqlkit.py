"""Small SQL building blocks shared by the rule services (dialect differences live here).

Why: the sweep must be set-based and safe under concurrent runs on SQLite and
PostgreSQL alike, so "insert unless it already exists" and "24:00 local of a date
column, as UTC" are written once, for both engines.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ..models import Account, Unit
from . import DomainError
from .audit import record_event

CHUNK = 500  # ids per IN (...) list: far below SQLite's bound-parameter limit


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


#: A statement that wrote at least this many rows refreshes the table's statistics.
ANALYZE_AFTER = 10_000


def analyze_if_large(session: Session, table: str, changed: int) -> None:
    """``ANALYZE table`` on PostgreSQL after a statement wrote ``changed`` rows, if many.

    Why: the planner's statistics do not count the rows this transaction wrote, so
    after a catch-up sweep has issued 300,000 notices it still plans the next
    statement for an empty register and re-reads it for every row. ANALYZE inside
    the transaction counts the transaction's own rows (SQLite plans without
    statistics and needs nothing)."""
    if changed >= ANALYZE_AFTER and dialect_name(session) == "postgresql":
        session.execute(sa.text(f"ANALYZE {session.get_bind().dialect.identifier_preparer.quote(table)}"))


class unindexed(FunctionElement):  # noqa: N801 (reads as a SQL function at the call site)
    """``column`` in SQL; on SQLite ``+column``, which no index can serve."""

    name = "unindexed"
    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


def insert_ignore(
    session: Session,
    table: sa.Table,
    columns: Sequence[str],
    select: sa.Select,
    *,
    conflict_column: str,
    returning: sa.ColumnElement[Any] | None = None,
) -> list[Any] | int:
    """``INSERT INTO table (columns) SELECT … ON CONFLICT (conflict_column) DO NOTHING``.

    ``select`` must already carry its own ``WHERE NOT EXISTS`` on the unique key:
    the anti-join keeps the common case cheap, and the unique constraint with
    ``DO NOTHING`` makes a concurrent run that slipped between check and insert
    harmless. Returns the ``returning`` values, or the number of inserted rows.
    """
    name = dialect_name(session)
    if name == "postgresql":
        stmt: Any = postgresql.insert(table).from_select(list(columns), select)
        stmt = stmt.on_conflict_do_nothing(index_elements=[conflict_column])
    elif name == "sqlite":
        stmt = sqlite.insert(table).from_select(list(columns), select)
        stmt = stmt.on_conflict_do_nothing(index_elements=[conflict_column])
    else:  # pragma: no cover - the portal supports the two engines above
        stmt = sa.insert(table).from_select(list(columns), select)
    if returning is not None:
        return list(session.execute(stmt.returning(returning)).scalars())
    result = session.execute(stmt)
    return max(result.rowcount or 0, 0)


def insert_rows_ignore(
    session: Session,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    conflict_column: str,
    returning: Sequence[sa.ColumnElement[Any]],
) -> list[sa.Row[Any]]:
    """Multi-row ``INSERT … VALUES … ON CONFLICT (conflict_column) DO NOTHING RETURNING``."""
    if not rows:
        return []
    name = dialect_name(session)
    module: Any = postgresql if name == "postgresql" else sqlite
    stmt = module.insert(table).values(rows).on_conflict_do_nothing(index_elements=[conflict_column])
    return list(session.execute(stmt.returning(*returning)).all())


def audit_bulk(session: Session, action: str, table: str, after: dict[str, Any]) -> None:
    """One audit entry for a set-based statement (bulk statements bypass the flush
    listeners of the audit log, so the sweep records what it changed here)."""
    record_event(session, action, table, None, None, after)


def instant_of_date(session: Session, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """SQL for 24:00 Asia/Ho_Chi_Minh of a date column, as a UTC timestamp (17:00 UTC)."""
    if dialect_name(session) == "postgresql":
        return sa.cast(
            sa.func.timezone("UTC", column + sa.literal_column("time '17:00'", sa.Time)),
            sa.TIMESTAMP(timezone=True),
        )
    # SQLite stores UTCDateTime as naive UTC text; match SQLAlchemy's format.
    return sa.func.strftime("%Y-%m-%d 17:00:00.000000", column)


def date_text(session: Session, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """A date column formatted dd/mm/yyyy, for text built inside INSERT … SELECT."""
    if dialect_name(session) == "postgresql":
        return sa.func.to_char(column, "DD/MM/YYYY")
    return sa.func.strftime("%d/%m/%Y", column)


def text_of(column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    return sa.cast(column, sa.String)


def chunked(values: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    batch: list[int] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def unit_path(session: Session, unit_id: int) -> str:
    path = session.scalar(sa.select(Unit.path).where(Unit.id == unit_id))
    if path is None:
        raise DomainError(f"Không tìm thấy đơn vị #{unit_id}.")
    return path


def in_subtree(session: Session, unit_id: int | None, ancestor_id: int) -> bool:
    """True if ``unit_id`` is ``ancestor_id`` or a unit below it (materialised paths)."""
    if unit_id is None:
        return False
    return unit_path(session, unit_id).startswith(unit_path(session, ancestor_id))


def require_account_of(session: Session, by: Account, unit_id: int, message: str) -> None:
    """Refuse unless the account belongs to the unit or to a unit below it."""
    if by is None or not in_subtree(session, by.unit_id, unit_id):
        raise DomainError(message)


def require_text(value: str | None, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message)
    return text
