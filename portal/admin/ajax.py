"""Related-record lookups (autocomplete) that respect row scope.

Flask-Admin's ``QueryAjaxModelLoader`` searches the whole remote table and its
``get_one`` accepts any id, so a typed id of another unit's row would be accepted
by a form. :class:`ScopedAjaxLoader` applies the same row scope as the lists to
both the search and the id lookup.

Declare lookups on a view with :func:`ref`::

    ajax_refs = {"lead_unit": ref(Unit, ("code", "name")), "authority_unit": ref(Unit, open=True)}

``open=True`` is for references that may point outside the account's own units
by nature (the competent authority, the units consulted): the organisation chart
is not confidential, so any current unit may be chosen; staff and records stay
scoped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE

from ..auth.policy import current_account
from ..auth.scopes import row_scope
from ..extensions import db
from ..models import Unit

#: Autocomplete never returns more than this, whatever ``limit`` the request asks for.
MAX_LOOKUP = 50
PLACEHOLDER = "Gõ mã hoặc tên để tìm…"


@dataclass(frozen=True)
class Ref:
    """Declaration of one autocomplete field: remote model, searched columns, scope."""

    model: type
    fields: tuple[str, ...]
    open: bool = False
    order_by: str | None = None


def ref(model: type, fields: tuple[str, ...] = ("code", "name"), *, open: bool = False,
        order_by: str | None = None) -> Ref:
    return Ref(model, fields, open, order_by or fields[-1])


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """A lookup limited to the rows the current account may see."""

    def __init__(self, name: str, declaration: Ref) -> None:
        self.declaration = declaration
        super().__init__(
            name, db, declaration.model, fields=list(declaration.fields),
            order_by=getattr(declaration.model, declaration.order_by) if declaration.order_by else None,
            placeholder=PLACEHOLDER,
        )

    def _scope(self, searching: bool) -> sa.ColumnElement[bool]:
        account = current_account()
        if account is None:
            return sa.false()
        if self.declaration.open:
            # Search offers current units only (a closed office gets no new work);
            # a record that already names a closed unit can still be saved.
            return Unit.valid_to.is_(None) if searching and self.model is Unit else sa.true()
        return row_scope(account, self.model, "view")

    def get_query(self) -> Any:
        return db.session.query(self.model).filter(self._scope(searching=True))

    def get_one(self, pk: Any) -> Any:
        try:
            ident = int(pk)
        except (TypeError, ValueError):
            return None
        with db.session.no_autoflush:
            query = db.session.query(self.model).filter(self._scope(searching=False))
            return query.filter(getattr(self.model, self.pk) == ident).one_or_none()

    def get_list(self, term: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> Any:
        limit = max(1, min(int(limit or DEFAULT_PAGE_SIZE), MAX_LOOKUP))
        return super().get_list(term or "", max(0, int(offset or 0)), limit)
