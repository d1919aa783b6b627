"""Counting the SQL of a request, and re-running it directly (the floor).

A ``before_cursor_execute`` listener on the app's engine records every statement
with the exact DBAPI parameters it was sent with. The floor re-executes the read
statements of one request, in order, on a raw DBAPI connection and fetches every
row: what the page would cost if the portal added nothing to its own SQL.
"""
from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
_READ = re.compile(r"^\s*(SELECT|WITH)\b", re.I)
_COUNT = re.compile(r"\bcount\s*\(", re.I)


@dataclass
class Statement:
    sql: str
    params: Any
    many: bool
    seconds: float = 0.0

    @property
    def control(self) -> bool:
        return bool(_CONTROL.match(self.sql))

    @property
    def read(self) -> bool:
        return bool(_READ.match(self.sql)) and not self.many

    @property
    def counts(self) -> bool:
        return bool(_COUNT.search(self.sql))


@dataclass
class Capture:
    """Records statements while ``on`` is true (toggle around the measured call)."""

    engine: sa.Engine
    statements: list[Statement] = field(default_factory=list)
    on: bool = False

    def __post_init__(self) -> None:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        sa.event.listen(self.engine, "after_cursor_execute", self._done)

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                executemany: bool) -> None:
        if self.on:
            self.statements.append(Statement(statement, parameters, executemany, time.perf_counter()))

    def _done(self, *_args: Any) -> None:
        if self.on and self.statements:
            last = self.statements[-1]
            last.seconds = time.perf_counter() - last.seconds

    def slowest(self, n: int = 5) -> list[dict[str, Any]]:
        """The ``n`` slowest statements of the last capture (SQL shortened), slowest first."""
        ranked = sorted((s for s in self.statements if not s.control), key=lambda s: -s.seconds)[:n]
        return [{"seconds": s.seconds, "sql": " ".join(s.sql.split())[:600]} for s in ranked]

    def start(self) -> None:
        self.statements = []
        self.on = True

    def stop(self) -> list[Statement]:
        self.on = False
        return [s for s in self.statements if not s.control]

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)
        sa.event.remove(self.engine, "after_cursor_execute", self._done)


def floor(engine: sa.Engine, statements: list[Statement], repeat: int) -> dict[str, Any]:
    """Median and p95 seconds of running ``statements`` directly, and the slowest one."""
    reads = [s for s in statements if s.read]
    raw = engine.raw_connection()
    times: list[float] = []
    per: list[list[float]] = [[] for _ in reads]
    # psycopg prepares a statement server-side once it has run 5 times on a connection,
    # and PostgreSQL may then switch to a generic plan, blind to the values (a LIKE
    # prefix can no longer use its index: 70 ms → 1 s). The pages never reach that
    # (no statement was prepared on the app's connection after 20 requests), so the
    # floor, which runs the same statements 21 times in a row, must not either.
    driver = getattr(raw, "driver_connection", None)
    threshold = getattr(driver, "prepare_threshold", None)
    if threshold is not None:
        driver.prepare_threshold = None
    try:
        cursor = raw.cursor()
        for _ in range(repeat + 1):
            total = 0.0
            for i, s in enumerate(reads):
                t = time.perf_counter()
                cursor.execute(s.sql, s.params)
                if cursor.description is not None:
                    cursor.fetchall()
                dt = time.perf_counter() - t
                per[i].append(dt)
                total += dt
            times.append(total)
        cursor.close()
        raw.rollback()
    finally:
        if threshold is not None:
            driver.prepare_threshold = threshold
        raw.close()
    times = times[1:]  # the first pass warms the cache, as the page's warm-up request did
    slowest = max(range(len(reads)), key=lambda i: statistics.median(per[i][1:]), default=None)
    return {
        "median": statistics.median(times) if times else 0.0,
        "p95": percentile(times, 95) if times else 0.0,
        "statements": len(reads),
        "slowest_sql": reads[slowest].sql if slowest is not None else "",
        "slowest_s": statistics.median(per[slowest][1:]) if slowest is not None else 0.0,
    }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def explain(engine: sa.Engine, statement: Statement) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params)
            text = "\n".join(row[0] for row in cursor.fetchall())
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement.sql, statement.params)
            text = "\n".join(f"{'  ' * 0}{row[-1]}" for row in cursor.fetchall())
        cursor.close()
        raw.rollback()
        return text
    finally:
        raw.close()
