"""Sampling populations built from the database (units, staff or tasks).

Why: a ``vsample-v1`` draw needs rows ``(id, weight, stratum)`` whose ``id`` is a
stable business key (unit, staff or task code, never a serial). The population is
defined by data kept in the Sample record — kind, filters, strata and weighting —
and computed with one streamed query (risk weights come from an aggregate
sub-query, not one query per row), so a million tasks need no more memory than
the draw itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Iterator, Mapping, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ..models import Staff, Task, TaskStep, Unit, enums
from . import DomainError
from .sampling import PopulationItem, make_item
from .tasks import ACTIVE_STATUSES

#: What a population may be stratified by, per kind (code → label).
STRATA: dict[str, dict[str, str]] = {
    "unit": {"kind": "Loại đơn vị", "parent": "Đơn vị cấp trên (mã)"},
    "staff": {"category": "Loại cán bộ, công chức", "unit": "Đơn vị công tác (mã)", "unit_kind": "Loại đơn vị"},
    "task": {"status": "Trạng thái", "lead_unit": "Đơn vị chủ trì (mã)", "lead_unit_kind": "Loại đơn vị chủ trì"},
}
#: Filters each kind accepts; unit filters apply to the unit, the staff's unit or
#: the task's lead unit.
FILTERS: dict[str, frozenset[str]] = {
    "unit": frozenset({"unit_kinds", "subtree"}),
    "staff": frozenset({"unit_kinds", "subtree", "staff_categories"}),
    "task": frozenset({"unit_kinds", "subtree", "task_statuses"}),
}
_ENUM_FILTERS = {"unit_kinds": enums.UNIT_KINDS, "staff_categories": enums.STAFF_CATEGORIES,
                 "task_statuses": enums.TASK_STATUSES}
DEFAULT_WEIGHT_CAP = 5


@dataclass(frozen=True)
class PopulationSpec:
    """Everything that defines a population, as stored in the Sample row."""

    kind: str
    filters: dict[str, Any] = field(default_factory=dict)
    strata_by: str | None = None
    weighting: str = "uniform"
    weight_cap: int | None = None


def make_spec(
    kind: str,
    filters: Mapping[str, Any] | None = None,
    strata_by: str | None = None,
    weighting: str = "uniform",
    weight_cap: int | None = None,
) -> PopulationSpec:
    """Validate user input into a spec (messages in Vietnamese)."""
    if kind not in enums.POPULATION_KINDS:
        raise DomainError("Loại tổng thể không hợp lệ (đơn vị, cán bộ hoặc nhiệm vụ).")
    if strata_by in ("", None):
        strata_by = None
    elif strata_by not in STRATA[kind]:
        raise DomainError(f"Không thể phân tầng {enums.POPULATION_KINDS[kind].lower()} theo {strata_by!r}.")
    if weighting not in enums.WEIGHTINGS:
        raise DomainError("Cách tính trọng số không hợp lệ.")
    if weighting == "risk":
        weight_cap = DEFAULT_WEIGHT_CAP if weight_cap in (None, "") else weight_cap
        if isinstance(weight_cap, bool) or not isinstance(weight_cap, int) or not 1 <= weight_cap <= 1000:
            raise DomainError("Mức trần trọng số rủi ro phải là số nguyên từ 1 đến 1000.")
    else:
        weight_cap = None
    clean: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if value in (None, "", [], ()):
            continue
        if key not in FILTERS[kind]:
            raise DomainError(f"Bộ lọc {key!r} không áp dụng cho loại tổng thể này.")
        if key == "subtree":
            if not isinstance(value, str) or not value.strip() or len(value) > 40:
                raise DomainError("Đơn vị gốc phải là một mã đơn vị.")
            clean[key] = value.strip()
            continue
        values = [value] if isinstance(value, str) else list(value)
        unknown = [v for v in values if v not in _ENUM_FILTERS[key]]
        if unknown:
            raise DomainError(f"Giá trị lọc không hợp lệ: {', '.join(map(str, unknown))}.")
        clean[key] = sorted(set(values))
    return PopulationSpec(kind, clean, strata_by, weighting, weight_cap)


def spec_of(sample: Any) -> PopulationSpec:
    return PopulationSpec(sample.population_kind, dict(sample.filters or {}), sample.strata_by,
                          sample.weighting, sample.weight_cap)


def _capped(count: sa.ColumnElement[Any], cap: int) -> sa.ColumnElement[Any]:
    """``1 + min(cap, count)``, written with CASE so it is the same SQL everywhere."""
    n = sa.func.coalesce(count, 0)
    return 1 + sa.case((n > cap, cap), else_=n)


def _unit_filters(stmt: sa.Select[Any], session: Session, unit: Any, spec: PopulationSpec, today: date) -> sa.Select[Any]:
    if spec.kind == "unit":
        stmt = stmt.where(unit.valid_from <= today, sa.or_(unit.valid_to.is_(None), unit.valid_to >= today))
    if "unit_kinds" in spec.filters:
        stmt = stmt.where(unit.kind.in_(spec.filters["unit_kinds"]))
    if "subtree" in spec.filters:
        root_path = session.scalar(sa.select(Unit.path).where(Unit.code == spec.filters["subtree"]))
        if root_path is None:
            raise DomainError(f"Không tìm thấy đơn vị gốc có mã {spec.filters['subtree']!r}.")
        stmt = stmt.where(unit.path.startswith(root_path, autoescape=True))
    return stmt


class _Parts(NamedTuple):
    """The population's SELECT (joins and conditions) and its four column expressions."""

    stmt: sa.Select[Any]
    pk: sa.ColumnElement[Any]
    code: sa.ColumnElement[Any]
    stratum: sa.ColumnElement[Any]
    weight: sa.ColumnElement[Any]


def _needs_unit(spec: PopulationSpec) -> bool:
    """Staff and tasks join their unit only when a filter or the strata read it: the
    join (one lookup per row) doubles the time of reading a million tasks."""
    return bool(spec.filters.keys() & {"unit_kinds", "subtree"}) or spec.strata_by in (
        "unit", "unit_kind", "lead_unit", "lead_unit_kind")


def _parts(session: Session, spec: PopulationSpec, today: date) -> _Parts:
    cap = spec.weight_cap or DEFAULT_WEIGHT_CAP
    risk = spec.weighting == "risk"
    if spec.kind == "unit":
        unit = Unit
        parent = aliased(Unit)
        strata = {"kind": unit.kind, "parent": sa.func.coalesce(parent.code, "")}
        pk, code = unit.id, unit.code
        stmt = sa.select(unit.id).select_from(unit)
        if spec.strata_by == "parent":
            stmt = stmt.outerjoin(parent, parent.id == unit.parent_id)
        if risk:
            overdue = (
                sa.select(Task.lead_unit_id.label("key"), sa.func.count().label("n"))
                .where(Task.status.in_(ACTIVE_STATUSES), Task.due_date < today)
                .group_by(Task.lead_unit_id).subquery()
            )
            stmt = stmt.outerjoin(overdue, overdue.c.key == unit.id)
    elif spec.kind == "staff":
        unit = aliased(Unit)
        strata = {"category": Staff.category, "unit": unit.code, "unit_kind": unit.kind}
        pk, code = Staff.id, Staff.code
        stmt = sa.select(Staff.id).where(Staff.status == "active")
        if _needs_unit(spec):
            stmt = stmt.join(unit, unit.id == Staff.unit_id)
        if "staff_categories" in spec.filters:
            stmt = stmt.where(Staff.category.in_(spec.filters["staff_categories"]))
        if risk:
            overdue = (
                sa.select(TaskStep.responsible_staff_id.label("key"), sa.func.count().label("n"))
                .where(TaskStep.status == "open", TaskStep.due_date < today)
                .group_by(TaskStep.responsible_staff_id).subquery()
            )
            stmt = stmt.outerjoin(overdue, overdue.c.key == Staff.id)
    else:
        unit = aliased(Unit)
        strata = {"status": Task.status, "lead_unit": unit.code, "lead_unit_kind": unit.kind}
        pk, code = Task.id, Task.code
        stmt = sa.select(Task.id)
        if _needs_unit(spec):
            stmt = stmt.join(unit, unit.id == Task.lead_unit_id)
        if "task_statuses" in spec.filters:
            stmt = stmt.where(Task.status.in_(spec.filters["task_statuses"]))
        if risk:
            overdue = (
                sa.select(TaskStep.task_id.label("key"), sa.func.count().label("n"))
                .where(TaskStep.status == "open", TaskStep.due_date < today)
                .group_by(TaskStep.task_id).subquery()
            )
            stmt = stmt.outerjoin(overdue, overdue.c.key == Task.id)
    stmt = _unit_filters(stmt, session, unit, spec, today)
    stratum = strata[spec.strata_by] if spec.strata_by else sa.literal("")
    if not risk:
        weight: sa.ColumnElement[Any] = sa.literal(1)
    elif spec.kind == "task":
        late = sa.case((sa.and_(Task.status.in_(ACTIVE_STATUSES), Task.due_date < today), 1), else_=0)
        weight = _capped(sa.func.coalesce(overdue.c.n, 0) + late, cap)
    else:
        weight = _capped(overdue.c.n, cap)
    return _Parts(stmt, pk, code, stratum, weight)


def _query(session: Session, spec: PopulationSpec, today: date) -> sa.Select[Any]:
    """SELECT pk, code, stratum, weight for the population (not yet ordered)."""
    p = _parts(session, spec, today)
    return p.stmt.with_only_columns(p.pk, p.code, p.stratum.label("stratum"), p.weight.label("weight"))


def count(session: Session, spec: PopulationSpec, today: date) -> int:
    """How many items (for the draw's progress). Weights and strata never add or
    remove a row (outer joins on a grouped key, inner joins on a required foreign
    key), so the count skips them: for risk weights that halves a draw's SQL."""
    spec = replace(spec, weighting="uniform", weight_cap=None, strata_by=None)
    sub = _query(session, spec, today).subquery()
    return int(session.scalar(sa.select(sa.func.count()).select_from(sub)) or 0)


def summary(session: Session, spec: PopulationSpec, today: date) -> dict[str, int]:
    """Items per stratum (one GROUP BY), for the request page's suggested sizes."""
    sub = _query(session, spec, today).subquery()
    rows = session.execute(sa.select(sub.c.stratum, sa.func.count()).group_by(sub.c.stratum).order_by(sub.c.stratum))
    return {str(s): int(n) for s, n in rows}


class Row(NamedTuple):
    """One streamed population row: database key, stored code and the item."""

    pk: int
    code: str
    item: PopulationItem


def stream(session: Session, spec: PopulationSpec, today: date, *, batch: int = 5000) -> Iterator[Row]:
    """Validated items, streamed with flat memory (the benchmark's export reads
    them; a draw uses :func:`batches`, which is several times faster). PostgreSQL
    needs a server-side cursor (``yield_per``, set on the statement: options set on
    the connection would stay for the rest of the transaction); SQLite's cursor
    already steps row by row."""
    stmt = _query(session, spec, today)
    connection = session.connection()
    options = {"yield_per": batch} if connection.dialect.name != "sqlite" else {}
    for pk, code, stratum, weight in connection.execute(stmt, execution_options=options):
        yield Row(pk, code, make_item(code, int(weight), "" if stratum is None else str(stratum)))


#: Database collations whose plain ORDER BY is already the byte order of UTF-8 text.
_BYTE_ORDER_COLLATIONS = ("C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic")


def _byte_order(connection: sa.Connection, code: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """``code`` ordered by its UTF-8 bytes, the order of the population file. SQLite's
    BINARY collation is that order; on PostgreSQL a database whose collation is not
    C-like needs ``COLLATE "C"`` (a sort instead of the code index, but still a
    fraction of the draw)."""
    if connection.dialect.name != "postgresql":
        return code
    collation = connection.scalar(sa.text("SELECT datcollate FROM pg_database WHERE datname = current_database()"))
    return code if collation in _BYTE_ORDER_COLLATIONS else sa.collate(code, "C")


def _driver_rows(connection: sa.Connection, stmt: sa.Select[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Run ``stmt`` on the DB-API connection under ``connection`` (same transaction)
    and yield plain tuples, ``size`` at a time.

    Why not SQLAlchemy's result: building a ``Row`` for each of a million rows costs
    more than reading them (measured 3.0 s against 0.6 s on PostgreSQL), and its
    streaming result reads one row ahead, so its cursor cannot be used directly.
    The statement is compiled with its IN lists expanded; the parameters are plain
    strings, integers and dates, which both drivers take as they are, except that
    SQLAlchemy stores dates on SQLite as ISO text. PostgreSQL reads through a
    server-side cursor, so memory stays flat.
    """
    dialect = connection.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if dialect.name == "sqlite":
        params = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}
    args: Any = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
    driver = connection.connection.driver_connection
    cursor = driver.cursor(name="vsample_population") if dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(str(compiled), args)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def batches(session: Session, spec: PopulationSpec, today: date, *, size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
    """Rows ``(code, weight, stratum, pk)`` in byte order of the code, in lists of
    ``size``, for :func:`portal.services.sampling_stream.draw_stream`."""
    p = _parts(session, spec, today)
    connection = session.connection()
    stmt = p.stmt.with_only_columns(p.code, p.weight, p.stratum, p.pk).order_by(_byte_order(connection, p.code))
    yield from _driver_rows(connection, stmt, size)


def link_column(kind: str) -> str:
    """The SampleItem column that links an item to its row."""
    return {"unit": "unit_id", "staff": "staff_id", "task": "task_id"}[kind]


def pks_by_code(session: Session, kind: str, codes: list[str]) -> dict[str, int]:
    model = {"unit": Unit, "staff": Staff, "task": Task}[kind]
    out: dict[str, int] = {}
    for i in range(0, len(codes), 500):
        chunk = codes[i:i + 500]
        out.update({c: int(pk) for pk, c in session.execute(sa.select(model.id, model.code).where(model.code.in_(chunk)))})
    return out
