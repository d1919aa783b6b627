"""The one place that decides who may do what, and on which rows.

Two questions, asked separately:

* **May this role do this action on this resource?** — :func:`can`, read from the
  ``permission`` table (the matrix administrators see and edit). Deny by default:
  a missing cell is a refusal.
* **Which rows?** — row scope. Administrators, leadership and inspectors see all
  rows (:func:`sees_all`); unit heads and staff see the rows of their own unit and
  the units under it (:func:`scope_units_clause`, :func:`in_scope`), using the
  materialised ``Unit.path`` so a subtree is one prefix comparison. The per-table
  rules live in :mod:`portal.auth.scopes` (``row_scope(account, model, purpose)``).

Inspection secrecy overrides both: an *unannounced* inspection that has not
started (``started_at IS NULL``), with its samples, targets and findings, is
visible only to leadership and to accounts whose own unit holds the
``inspection_lead`` function today. That includes administrators and inspectors
of other units: keeping the records of the portal does not entitle anyone to
know about a surprise visit in advance, and an account that could see it could
also warn the inspected unit.

Results are cached in ``flask.g`` and dropped at the start of every request
(:func:`reset_cache`, registered by ``portal.admin``); outside an app context each
call asks the database.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context

from ..extensions import db
from ..models import Account, Inspection, Permission, Unit, UnitFunction, UnitFunctionAssignment
from ..services.sqlkit import unindexed
from ..services.workdays import local_today

__all__ = [
    "INSPECTION_FUNCTION", "SEES_ALL_ROLES", "authenticated", "can", "current_account", "in_scope", "is_unit_head",
    "permissions_of", "reset_cache", "role_code", "scope_units_clause", "sees_all", "sees_secret_inspections",
    "subtree_id_list", "subtree_ids", "unit_ids_under", "unit_path", "visible_inspection_clause",
]

#: Roles whose row scope is the whole organisation.
SEES_ALL_ROLES = frozenset({"admin", "leadership", "inspector"})
#: The unit function that may know about unannounced inspections before they start.
INSPECTION_FUNCTION = "inspection_lead"


def _cache(name: str) -> dict[Any, Any] | None:
    if not has_app_context():
        return None
    store = g.get("_portal_policy")
    if store is None:
        store = {}
        g._portal_policy = store
    return store.setdefault(name, {})


def reset_cache() -> None:
    """Forget cached permissions and paths (a new request, or the matrix just changed)."""
    if has_app_context():
        g.pop("_portal_policy", None)


def authenticated(account: Any) -> bool:
    return bool(account is not None and getattr(account, "is_authenticated", False) and account.is_active)


def current_account() -> Account | None:
    """The logged-in account of this request, or ``None``."""
    from flask_login import current_user

    return current_user if authenticated(current_user) else None  # type: ignore[return-value]


def permissions_of(role_id: int) -> frozenset[tuple[str, str]]:
    """Every (resource, action) the role holds, read once per request."""
    cache = _cache("permissions")
    if cache is not None and role_id in cache:
        return cache[role_id]
    rows = db.session.execute(
        sa.select(Permission.resource, Permission.action).where(Permission.role_id == role_id)
    ).tuples()
    cells = frozenset(rows)
    if cache is not None:
        cache[role_id] = cells
    return cells


def can(account: Any, resource: str, action: str) -> bool:
    """May ``account`` do ``action`` on ``resource``? Anonymous and inactive accounts may do nothing."""
    if not authenticated(account):
        return False
    return (resource, action) in permissions_of(account.role_id)


def role_code(account: Any) -> str | None:
    return account.role.code if authenticated(account) else None


def sees_all(account: Any) -> bool:
    """Administrators, leadership and inspectors see every unit's rows (secrecy aside)."""
    return role_code(account) in SEES_ALL_ROLES


def is_unit_head(account: Any) -> bool:
    return role_code(account) == "unit_head"


def unit_path(account: Any) -> str:
    """Materialised path of the account's unit, e.g. ``"/1/2/5/"``."""
    cache = _cache("unit_path")
    if cache is not None and account.unit_id in cache:
        return cache[account.unit_id]
    path = db.session.scalar(sa.select(Unit.path).where(Unit.id == account.unit_id)) or "/nonexistent/"
    if cache is not None:
        cache[account.unit_id] = path
    return path


def subtree_ids(account: Any) -> sa.Select[tuple[int]]:
    """``SELECT id FROM unit`` for the account's unit and every unit under it."""
    return sa.select(Unit.id).where(Unit.path.startswith(unit_path(account), autoescape=True))


#: A subtree of at most this many units is written into row scope as a list of ids.
SCOPE_ID_LIST_MAX = 300


def subtree_id_list(account: Any) -> list[int] | None:
    """The ids of the account's subtree, or ``None`` if it has more than
    :data:`SCOPE_ID_LIST_MAX` units; read once per request (and again after a flush
    that changed units, see :func:`_units_changed`)."""
    cache = _cache("subtree")
    path = unit_path(account)
    if cache is not None and path in cache:
        return cache[path]
    found = unit_ids_under(path)
    if cache is not None:
        cache[path] = found
    return found


def unit_ids_under(path: str) -> list[int] | None:
    """Ids of the units whose path begins with ``path``, or ``None`` if there are more
    than :data:`SCOPE_ID_LIST_MAX` (read no further than that)."""
    stmt = sa.select(Unit.id).where(Unit.path.startswith(path, autoescape=True)).order_by(Unit.id)
    ids = list(db.session.scalars(stmt.limit(SCOPE_ID_LIST_MAX + 1)))
    return ids if len(ids) <= SCOPE_ID_LIST_MAX else None


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _units_changed(session: sa.orm.Session, _context: Any) -> None:
    # A unit created, moved or removed in this request changes the subtrees.
    if any(isinstance(obj, Unit) for obj in (*session.new, *session.dirty, *session.deleted)):
        if has_app_context():
            store = g.get("_portal_policy")
            if store:
                store.pop("subtree", None)
                store.pop("unit_path", None)


def scope_units_clause(account: Any, unit_id_column: Any) -> sa.ColumnElement[bool]:
    """Restrict ``unit_id_column`` to the account's unit subtree (no restriction for
    roles that see all; nothing at all for anonymous).

    A small subtree (a unit head's office) is given as its list of ids: the planner
    then knows how few rows match and starts from the column's index (as a sub-query
    PostgreSQL assumes it matches most rows and walks the whole list's order: 1.1 s
    instead of 0.2 ms for a head's tasks). A wide one keeps the sub-query, which is
    right for it: most rows match, and walking the list's order finds them soonest.
    SQLite, without statistics, would rather fetch the rows of each of those units
    through the column's index and sort them all (4 s for the tasks of a province),
    so there the column is kept off its index.
    """
    if not authenticated(account):
        return sa.false()
    if sees_all(account):
        return sa.true()
    ids = subtree_id_list(account)
    if ids is not None:
        return unit_id_column.in_(ids)
    return unindexed(unit_id_column).in_(subtree_ids(account).scalar_subquery())


def in_scope(account: Any, unit_id: int | None) -> bool:
    """Is the unit ``unit_id`` within the account's row scope?"""
    if not authenticated(account) or unit_id is None:
        return False
    if sees_all(account):
        return True
    cache = _cache("in_scope")
    key = (account.unit_id, unit_id)
    if cache is not None and key in cache:
        return cache[key]
    path = db.session.scalar(sa.select(Unit.path).where(Unit.id == unit_id))
    result = bool(path and path.startswith(unit_path(account)))
    if cache is not None:
        cache[key] = result
    return result


def sees_secret_inspections(account: Any, today: date | None = None) -> bool:
    """Leadership, and accounts whose own unit holds the inspection-lead function today."""
    if not authenticated(account):
        return False
    if role_code(account) == "leadership":
        return True
    cache = _cache("secret")
    if cache is not None and account.unit_id in cache:
        return cache[account.unit_id]
    today = today or local_today()
    holds = db.session.scalar(
        sa.select(sa.literal(True))
        .select_from(UnitFunctionAssignment)
        .join(UnitFunction, UnitFunction.id == UnitFunctionAssignment.function_id)
        .where(
            UnitFunction.code == INSPECTION_FUNCTION,
            UnitFunctionAssignment.unit_id == account.unit_id,
            UnitFunctionAssignment.valid_from <= today,
            sa.or_(UnitFunctionAssignment.valid_to.is_(None), UnitFunctionAssignment.valid_to >= today),
        )
        .limit(1)
    )
    result = bool(holds)
    if cache is not None:
        cache[account.unit_id] = result
    return result


def visible_inspection_clause(account: Any) -> sa.ColumnElement[bool]:
    """Hide unannounced inspections that have not started from those not entitled to know."""
    if sees_secret_inspections(account):
        return sa.true()
    return sa.or_(Inspection.mode != "unannounced", Inspection.started_at.is_not(None))

