"""Keeps ``Unit.path`` and ``Unit.depth`` right and the tree acyclic.

These are mapper events (part of the model's definition, like a validator): they
run on every insert or re-parenting, whatever code made it, and fix descendants'
paths with one set-based UPDATE.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper

from .base import RuleViolation
from .org import Unit


class UnitTreeError(RuleViolation):
    """A change would break the unit tree."""


def _parent_row(connection: sa.Connection, parent_id: int) -> tuple[str, int]:
    row = connection.execute(
        sa.select(Unit.__table__.c.path, Unit.__table__.c.depth).where(Unit.__table__.c.id == parent_id)
    ).first()
    if row is None:
        raise UnitTreeError(f"Đơn vị cấp trên (mã số {parent_id}) không tồn tại.")
    return row[0], row[1]


@event.listens_for(Unit, "before_insert")
def _before_insert(_mapper: Mapper[Any], connection: sa.Connection, target: Unit) -> None:
    parent_id = target.parent_id if target.parent_id is not None else (target.parent.id if target.parent else None)
    if parent_id is None:
        target.path, target.depth = "/", 0
        return
    parent_path, parent_depth = _parent_row(connection, parent_id)
    # The id is not known yet; after_insert completes the path.
    target.path, target.depth = parent_path, parent_depth + 1


@event.listens_for(Unit, "after_insert")
def _after_insert(_mapper: Mapper[Any], connection: sa.Connection, target: Unit) -> None:
    path = f"{target.path}{target.id}/"
    table = Unit.__table__
    connection.execute(sa.update(table).where(table.c.id == target.id).values(path=path))
    sa.orm.attributes.set_committed_value(target, "path", path)


@event.listens_for(Unit, "before_update")
def _before_update(_mapper: Mapper[Any], connection: sa.Connection, target: Unit) -> None:
    history = sa.inspect(target).attrs.parent_id.history
    if not history.has_changes():
        return
    table = Unit.__table__
    old_path, old_depth = connection.execute(
        sa.select(table.c.path, table.c.depth).where(table.c.id == target.id)
    ).one()
    if target.parent_id is None:
        new_path, new_depth = f"/{target.id}/", 0
    else:
        if target.parent_id == target.id:
            raise UnitTreeError("Một đơn vị không thể là cấp trên của chính nó.")
        parent_path, parent_depth = _parent_row(connection, target.parent_id)
        if parent_path.startswith(old_path):
            raise UnitTreeError("Không thể chuyển đơn vị vào dưới một đơn vị cấp dưới của chính nó.")
        new_path, new_depth = f"{parent_path}{target.id}/", parent_depth + 1
    target.path, target.depth = new_path, new_depth
    # Descendants move with it: one statement, whatever the size of the subtree.
    connection.execute(
        sa.update(table)
        .where(table.c.path.like(f"{old_path}%"), table.c.id != target.id)
        .values(
            path=sa.literal(new_path) + sa.func.substr(table.c.path, len(old_path) + 1),
            depth=table.c.depth + (new_depth - old_depth),
        )
    )
