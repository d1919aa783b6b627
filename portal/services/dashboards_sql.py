"""How the dashboards' statements reach the right index on both engines.

PostgreSQL plans from statistics; SQLite has none (the portal never runs ANALYZE),
so for a unit head's figures it prefers a province-wide index — every open step by
due date — even when the scope is one office with a handful of people. Two tools
steer it, both plain on PostgreSQL:

* :func:`unindexed` keeps SQLite from choosing an index for one condition (the
  documented unary ``+``); it says which index *not* to walk;
* :class:`StraightJoin` is a join whose left side SQLite must read first (``CROSS
  JOIN``): from a unit's people to their steps, not the other way round.

A scope is *wide* when it holds more than :data:`WIDE_UNITS` units: then the global
indexes are dense in matching rows and are the right ones to walk. Counts stop at
:data:`CAP` (:func:`tally`), and the first rows of a list are taken from at most
``CAP + 1`` candidates (:func:`first_ids`), so no dashboard reads a province's worth
of rows on each visit.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Join

from ..models import Unit
from .sqlkit import unindexed

__all__ = ["CAP", "WIDE_UNITS", "Scope", "StraightJoin", "Tally", "first_ids", "scope_of", "subtree_ids", "tally",
           "unindexed"]

#: Counts stop here: past it the page says "more than", and lists are read in index order.
CAP = 1000
#: More units than this in a scope and the global indexes serve it better than the per-unit ones.
WIDE_UNITS = 100


def subtree_ids(scope_path: str) -> sa.Select[tuple[int]]:
    """``SELECT id FROM unit`` under (and including) the unit with this materialised path."""
    return sa.select(Unit.id).where(Unit.path.startswith(scope_path, autoescape=True))


@dataclass(frozen=True)
class Scope:
    """A unit and the units under it: its materialised path and the units' ids."""

    path: str
    units: tuple[int, ...]

    @property
    def wide(self) -> bool:
        return len(self.units) > WIDE_UNITS

    def holds(self, column: Any) -> sa.ColumnElement[bool]:
        """``column`` names one of the scope's units.

        A narrow scope is a literal id list (both engines then know how few rows
        match); a wide one is the subtree query — thousands of bound parameters cost
        PostgreSQL more to plan than to run — kept off the per-unit indexes on SQLite.
        """
        if self.wide:
            return unindexed(column).in_(subtree_ids(self.path))
        return column.in_(self.units)


def scope_of(session: Session, path: str) -> Scope:
    return Scope(path, tuple(session.scalars(subtree_ids(path).order_by(Unit.path))))


class StraightJoin(Join):
    """An inner join read left side first (SQLite's ``CROSS JOIN``; a plain join elsewhere)."""

    inherit_cache = True

    def __init__(self, left: Any, right: Any, onclause: Any) -> None:
        super().__init__(left, right, onclause)


@compiles(StraightJoin, "sqlite")
def _straight_join_sqlite(join: StraightJoin, compiler: Any, asfrom: bool = False, from_linter: Any = None,
                          **kw: Any) -> str:
    # SQLAlchemy's own rendering (it also tells the cartesian-product linter about the
    # join), with the join keyword changed; the left side is a plain table.
    text = compiler.visit_join(join, asfrom=asfrom, from_linter=from_linter, **kw)
    left = join.left._compiler_dispatch(compiler, asfrom=True, **kw)
    if not text.startswith(left + " JOIN "):  # pragma: no cover - only plain tables are joined so
        return text
    return left + " CROSS JOIN " + text[len(left) + len(" JOIN "):]


class Tally(NamedTuple):
    """A count stopped at ``CAP``: ``more`` when there are more rows than ``n``."""

    n: int
    more: bool = False


def tally(session: Session, stmt: sa.Select, cap: int = CAP) -> Tally:
    """``COUNT(*)`` of ``stmt``'s rows, reading at most ``cap + 1`` of them."""
    n = session.scalar(sa.select(sa.func.count()).select_from(stmt.limit(cap + 1).subquery())) or 0
    return Tally(min(n, cap), n > cap)


def first_ids(
    session: Session, stmt: sa.Select, key: Any, ident: Any, limit: int, *,
    ordered: Callable[[], Iterable[sa.Select]] | None = None, cap: int = CAP,
) -> tuple[Tally, list[int]]:
    """How many rows ``stmt`` selects (capped) and the ids of the first ``limit`` by ``key``.

    Up to ``cap + 1`` (id, key) pairs are read along the index that serves the scope
    and sorted here. Past the cap the scope is dense in the global indexes: the first
    rows are read in their order instead, from each statement of ``ordered`` (one per
    status, as an ``IN`` list of statuses would break the index order), or ``stmt``.
    """
    pairs = session.execute(stmt.with_only_columns(ident, key).limit(cap + 1)).all()
    if len(pairs) <= cap:
        return Tally(len(pairs)), [i for i, _ in sorted(pairs, key=lambda p: (p[1], p[0]))[:limit]]
    parts = list(ordered()) if ordered is not None else [stmt]
    rows = [row for part in parts for row in session.execute(
        part.with_only_columns(ident, key).order_by(key, ident).limit(limit)).all()]
    return Tally(cap, True), [i for i, _ in sorted(rows, key=lambda p: (p[1], p[0]))[:limit]]
