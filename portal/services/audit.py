"""The audit log: every row change and every decision, chained by SHA-256.

Why (DESIGN.md "Audit log"): who did what, when, with the values before and after,
so that any later edit of the log — even by an administrator with SQL access — is
detected by ``flask --app wsgi audit verify``.

How rows get here: session events on Flask-SQLAlchemy's session class, so
``db.session`` in views, jobs and CLI commands alike. ``before_flush`` snapshots the
stored values of modified and deleted objects (reading the row only when a value
is not loaded); ``after_flush`` walks what the unit of work wrote (inserts, updates,
deletes, cascade orphans) and appends one entry per row with Core inserts on the
flush's own connection, so entries commit or roll back with the change. Updates keep
only the changed columns. Explicit events (approve, reject, login): :func:`record_event`.

Not audited: ``audit_log``, ``job_tick``; statements that bypass the unit of work —
Core/bulk inserts (the province generator), ``session.execute(update(...)/delete(...))``,
Flask-Admin's ``fast_mass_delete`` (keep it off), the unit tree's set-based path
update of descendants, ``ON DELETE CASCADE`` in the database; sessions not made by
``db.session``.

Secrecy: entries about an inspection carry its id in ``inspection_id`` (not hashed;
:mod:`.audit_links`), so the log's row scope can hide those of a secret inspection.

Canonical form: ``hash = sha256(c).hexdigest()``, ``c`` the UTF-8 of the JSON object
with keys action, actor, after, at, before, prev_hash, row_id, source, table_name, as
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
allow_nan=False)`` (nested keys sorted too); ``at`` is ``YYYY-MM-DDTHH:MM:SS.ffffffZ``
(UTC). Before/after map column names to JSON-safe values (:func:`json_safe`: ISO 8601
dates, aware datetimes in UTC, decimals as strings, bytes as hex); ``password_hash``
is ``"***"``. The first ``prev_hash`` is 64 zeros, then the previous entry's hash.

Concurrency: on PostgreSQL an appending transaction takes ``pg_advisory_xact_lock(
AUDIT_LOCK_KEY)`` before reading the latest hash and keeps it until it ends, so
writers serialise on the chain (READ COMMITTED assumed). On SQLite the flush already
holds the single write lock. UNIQUE (prev_hash) is the last guard against a fork.
Limit: deleting the newest entries leaves a shorter chain that still verifies; keep
the hash ``audit verify`` prints somewhere outside the database to detect that too.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.state import InstanceState

from ..extensions import db
from ..models import AuditLog
from ..models.base import utcnow
from ..models.enums import AUDIT_ACTIONS, AUDIT_SOURCES
from .audit_chain import FIELDS as _FIELDS
from .audit_chain import GENESIS_HASH, VerifyResult, canonical_json, entry_hash, json_safe, verify_chain
from .audit_links import tag_entries

__all__ = ["AUDIT_LOCK_KEY", "GENESIS_HASH", "Actor", "VerifyResult", "audit_actor", "canonical_json",
           "current_actor", "entry_hash", "init_app", "install_audit_listeners", "json_safe",
           "record_event", "set_actor", "verify_chain"]

#: Key of the PostgreSQL advisory lock that serialises appends ("audit_lg" as 8 bytes).
AUDIT_LOCK_KEY = int.from_bytes(b"audit_lg", "big")
UNAUDITED_TABLES = frozenset({"audit_log", "job_tick"})
# A sample's seed stays secret until the inspection opens, in the log too.
SECRET_COLUMNS = frozenset({"password_hash", "seed"})
MASK = "***"
_BEFORE = "portal.audit.before"  # session.info key: snapshots taken in before_flush
_CHUNK = 500
_TABLE = AuditLog.__table__


# --- who is acting ----------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    username: str | None
    source: str


_actor: ContextVar[Actor] = ContextVar("portal_audit_actor", default=Actor(None, "system"))


def current_actor() -> Actor:
    """The actor recorded for changes made now (default: nobody, source ``system``)."""
    return _actor.get()


def set_actor(username: str | None, source: str) -> Token[Actor]:
    """Set the actor for the rest of this context (request hooks); returns a reset token."""
    if source not in AUDIT_SOURCES:
        raise ValueError(f"unknown audit source {source!r}")
    return _actor.set(Actor(username, source))


@contextmanager
def audit_actor(username: str | None, source: str) -> Iterator[Actor]:
    """Attribute every change inside the block (jobs, CLI commands); also a decorator."""
    token = set_actor(username, source)
    try:
        yield _actor.get()
    finally:
        _actor.reset(token)


# --- masking -----------------------------------------------------------------------

def _masked(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    safe = json_safe(values)
    return {k: (MASK if k in SECRET_COLUMNS else v) for k, v in safe.items()}


# --- appending ----------------------------------------------------------------------

def _entry(action: str, table_name: str, row_id: str | None, before: Any, after: Any,
           actor: Actor) -> dict[str, Any]:
    return {"at": utcnow(), "actor": actor.username, "source": actor.source, "action": action,
            "table_name": table_name, "row_id": row_id, "before": before, "after": after}


def _chain(conn: sa.Connection, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Link ``entries`` after the current tip, under the chain lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
    prev = conn.execute(sa.select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)).scalar() or GENESIS_HASH
    rows = []
    for entry in entries:
        digest = entry_hash(prev_hash=prev, **{k: entry[k] for k in _FIELDS})
        rows.append({**entry, "prev_hash": prev, "hash": digest})
        prev = digest
    return rows


def _connection(session: Session) -> sa.Connection:
    return session.connection(bind_arguments={"mapper": AuditLog})


def record_event(session: Session, action: str, table_name: str, row_id: Any, before: dict[str, Any] | None,
                 after: dict[str, Any] | None, *, actor: str | None | object = ...,
                 inspection_id: int | None = None) -> int:
    """Append an explicit event (approve, reject, login) and return its id.

    Pending changes are flushed first so their entries precede the event. ``actor``
    overrides the current actor's username (a login names the account logging in);
    ``inspection_id`` names the inspection the event concerns (see the module doc).
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.flush()
    who = current_actor()
    if actor is not ...:
        who = Actor(actor, who.source)  # type: ignore[arg-type]
    rid = None if row_id is None else str(row_id)
    entry = {**_entry(action, table_name, rid, _masked(before), _masked(after), who), "inspection_id": inspection_id}
    conn = _connection(session)
    (row,) = _chain(conn, [entry])
    return conn.execute(sa.insert(_TABLE).values(**row)).inserted_primary_key[0]


# --- the flush listeners ------------------------------------------------------------

def _audited(mapper: Mapper[Any]) -> bool:
    return getattr(mapper.local_table, "name", None) not in UNAUDITED_TABLES


@lru_cache(maxsize=None)
def _columns(mapper: Mapper[Any]) -> tuple[tuple[str, sa.Column[Any]], ...]:
    """(attribute key, table column) of every column the mapper writes."""
    return tuple((p.key, p.columns[0]) for p in mapper.column_attrs
                 if isinstance(p.columns[0], sa.Column) and p.columns[0].table in mapper.tables)


def _row_id(state: InstanceState[Any]) -> str:
    ident = state.key[1] if state.key is not None else state.mapper.primary_key_from_instance(state.obj())
    return ",".join(str(v) for v in ident)


def _committed(state: InstanceState[Any]) -> tuple[dict[str, Any], bool]:
    """Column values as last flushed, from memory; ``complete`` is False if any is unknown."""
    values, complete = {}, True
    for key, col in _columns(state.mapper):
        value = state.committed_state.get(key, state.dict.get(key, NO_VALUE))
        if value is NO_VALUE:
            complete = False
        else:
            values[col.name] = value
    return values, complete


def _fetch(conn: sa.Connection, mapper: Mapper[Any], idents: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Rows as the database holds them now, keyed by primary key tuple."""
    cols = [col for _, col in _columns(mapper)]
    pk = list(mapper.primary_key)
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for start in range(0, len(idents), _CHUNK):
        chunk = idents[start:start + _CHUNK]
        cond = pk[0].in_([i[0] for i in chunk]) if len(pk) == 1 else sa.tuple_(*pk).in_(chunk)
        for row in conn.execute(sa.select(*cols).where(cond)).mappings():
            found[tuple(row[c.name] for c in pk)] = {c.name: row[c.name] for c in cols}
    return found


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Snapshot what modified and deleted rows hold before the flush overwrites them."""
    snapshots: dict[InstanceState[Any], dict[str, Any]] = {}
    unknown: dict[Mapper[Any], list[InstanceState[Any]]] = {}
    modified = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in [*modified, *session.deleted]:
        state = sa.inspect(obj)
        if state.key is None or not _audited(state.mapper):
            continue
        values, complete = _committed(state)
        if complete:
            snapshots[state] = values
        else:
            unknown.setdefault(state.mapper, []).append(state)
    if unknown:
        conn = _connection(session)
        for mapper, states in unknown.items():
            rows = _fetch(conn, mapper, [tuple(s.key[1]) for s in states])
            for state in states:
                if tuple(state.key[1]) in rows:
                    snapshots[state] = rows[tuple(state.key[1])]
    session.info[_BEFORE] = snapshots


def _after_values(conn: sa.Connection, state: InstanceState[Any]) -> dict[str, Any]:
    values = {col.name: state.dict[key] for key, col in _columns(state.mapper) if key in state.dict}
    if len(values) < len(_columns(state.mapper)):  # expired by the flush (server-side values)
        ident = tuple(state.mapper.primary_key_from_instance(state.obj()))
        values = _fetch(conn, state.mapper, [ident]).get(ident, values)
    return values


def _history(state: InstanceState[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Old and new values of the attributes changed since the last flush (old unknown: None)."""
    old, new = {}, {}
    for key, col in _columns(state.mapper):
        if key in state.committed_state and key in state.dict:
            value = state.committed_state[key]
            old[col.name] = None if value is NO_VALUE else value
            new[col.name] = state.dict[key]
    return json_safe(old), json_safe(new)


def _after_flush(session: Session, flush_context: Any) -> None:
    """Append one entry per row the flush inserted, changed or deleted."""
    snapshots = session.info.pop(_BEFORE, {})
    states = [(s, isdelete) for s, (isdelete, listonly) in flush_context.states.items()
              if not listonly and _audited(s.mapper)]
    if not states:
        return
    conn, who, entries = _connection(session), current_actor(), []
    rows: list[dict[str, Any] | None] = []  # each entry's row values, to tag it with its inspection
    for state, isdelete in states:
        table = state.mapper.local_table.name
        if isdelete:
            before = snapshots.get(state) or _committed(state)[0]
            entries.append(_entry("delete", table, _row_id(state), _masked(before), None, who))
            rows.append(before)
        elif state.key is None:
            values = _after_values(conn, state)
            entries.append(_entry("create", table, _row_id(state), None, _masked(values), who))
            rows.append(values)
        else:
            if state in snapshots:
                old, new = json_safe(snapshots[state]), json_safe(_after_values(conn, state))
            else:  # changed during the flush only (a foreign key synchronised from a parent)
                old, new = _history(state)
            changed = [k for k in new if k not in old or old[k] != new[k]]
            if changed:
                entries.append(_entry("update", table, _row_id(state),
                                      _masked({k: old.get(k) for k in changed}),
                                      _masked({k: new[k] for k in changed}), who))
                rows.append(_after_values(conn, state))
    if entries:
        tag_entries(conn, _TABLE.metadata, entries, rows)
        conn.execute(sa.insert(_TABLE), _chain(conn, entries))


def install_audit_listeners() -> None:
    """Attach the flush listeners to Flask-SQLAlchemy's session class (idempotent)."""
    target = db.session.session_factory.class_
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush)):
        if not sa.event.contains(target, name, fn):
            sa.event.listen(target, name, fn)


# --- Flask wiring -------------------------------------------------------------------

def _web_actor() -> None:
    username = None
    if not (request.endpoint or "").endswith("static") and current_user.is_authenticated:
        username = current_user.username
    g._audit_actor_token = set_actor(username, "web")


def _reset_web_actor(_exc: BaseException | None) -> None:
    token = g.pop("_audit_actor_token", None)
    if token is not None:
        _actor.reset(token)


def init_app(app: Flask) -> None:
    """Install the flush listeners and attribute web requests to the logged-in user."""
    install_audit_listeners()
    app.before_request(_web_actor)
    app.teardown_request(_reset_web_actor)

