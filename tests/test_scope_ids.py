"""Row scope written for the planner (portal/auth/policy.py ``scope_units_clause``):
a small subtree as a list of ids, a wide one as a sub-query — the same rows either way."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.auth import policy
from portal.auth.scopes import row_scope
from portal.models import Account, Consultation, Notice, Task, Unit

from . import factories


def account(session: sa.orm.Session, username: str) -> Account:
    return session.scalars(sa.select(Account).where(Account.username == username)).one()


def visible(session: sa.orm.Session, who: Account, model: type) -> set[int]:
    policy.reset_cache()
    return set(session.scalars(sa.select(model.id).where(row_scope(who, model, "view"))))


@pytest.mark.parametrize("username", ["head", "staff", "commune"])
@pytest.mark.parametrize("model", [Task, Consultation, Notice])
def test_id_list_and_sub_query_give_the_same_rows(app: Flask, session: sa.orm.Session, monkeypatch: Any,
                                                  username: str, model: type) -> None:
    who = account(session, username)
    unit = session.get(Unit, who.unit_id)
    other = factories.unit(session, name="Đơn vị ngoài phạm vi")
    factories.consultation(session, other, other)  # neither theirs nor consulting them
    shared = factories.consultation(session, other, other)
    factories.recipient(session, shared, unit)  # consulting their unit: visible to them
    policy.reset_cache()
    assert policy.subtree_id_list(who) is not None, "a demo unit's subtree is small"
    as_list = visible(session, who, model)
    monkeypatch.setattr(policy, "SCOPE_ID_LIST_MAX", 0)  # every subtree is "wide" now
    policy.reset_cache()
    assert policy.subtree_id_list(who) is None
    assert visible(session, who, model) == as_list
    if session.get_bind().dialect.name == "sqlite":  # kept off the per-unit index (see scope_units_clause)
        wide = str(policy.scope_units_clause(who, Task.lead_unit_id).compile(session.get_bind()))
        assert wide.startswith("+task.lead_unit_id IN"), wide
    if model is Consultation:
        assert shared.id in as_list
    assert as_list != set(session.scalars(sa.select(model.id))), "the scope must leave rows out"


def test_a_unit_created_in_the_request_is_in_scope_at_once(app: Flask, session: sa.orm.Session) -> None:
    who = account(session, "head")
    parent = session.get(Unit, who.unit_id)
    before = policy.subtree_id_list(who)  # cached for the request
    child = factories.unit(session, parent=parent, name="Tổ công tác mới")  # flushed: the cache is dropped
    assert child.id not in (before or [])
    assert child.id in (policy.subtree_id_list(who) or [])
    task = factories.task(session, child, received=date(2025, 3, 3), due=date(2025, 3, 31))
    assert session.scalar(sa.select(Task.id).where(Task.id == task.id, row_scope(who, Task, "change"))) == task.id
