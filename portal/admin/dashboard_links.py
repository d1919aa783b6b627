"""Links from a dashboard figure to the Flask-Admin list behind it.

A list is filtered through the filters its view declares (``column_filters``): the
URL argument of a filter is ``flt<position>_<index>``, the index being the filter's
place in the view's list. It is looked up here by column and filter class, so a
view that reorders or adds filters keeps its links right. A link is offered only to
an account that may open the list; otherwise the figure is shown without one.
"""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import url_for
from flask_admin import Admin
from flask_admin.contrib.sqla import filters as sqla

from .filters import OutcomeFilter, UnitSubtreeFilter

__all__ = ["BETWEEN", "EQUAL", "GREATER", "IN_LIST", "NOT_EQUAL", "OUTCOME", "SMALLER", "SUBTREE", "ListLinks",
           "between"]

EQUAL, NOT_EQUAL, IN_LIST = sqla.FilterEqual, sqla.FilterNotEqual, sqla.FilterInList
BETWEEN, SMALLER, GREATER = sqla.DateBetweenFilter, sqla.DateSmallerFilter, sqla.DateGreaterFilter
OUTCOME, SUBTREE = OutcomeFilter, UnitSubtreeFilter

#: (column, filter class, value) — one condition of a filtered list.
Condition = tuple[str, type, str]


def between(start: date, end: date) -> str:
    """A date range as the between filters read it."""
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"


def _is(flt: Any, kind: type) -> bool:
    # The portal wraps the date filters in subclasses that also read dd/mm/yyyy; a
    # "not between" filter is itself a subclass of "between", so match the class or
    # the class it wraps, never any subclass.
    return type(flt) is kind or kind in type(flt).__bases__


class ListLinks:
    """URLs of the portal's lists, details pages and work pages for one request."""

    def __init__(self, admin: Admin) -> None:
        self._views = {view.endpoint: view for view in admin._views}
        # A dashboard links hundreds of figures: each view's filter names and list URL
        # are looked up once per page.
        self._args: dict[tuple[str, str, type], str] = {}
        self._lists: dict[str, str | None] = {}

    def view(self, endpoint: str) -> Any:
        return self._views.get(endpoint)

    def may_open(self, endpoint: str) -> bool:
        view = self.view(endpoint)
        return view is not None and view.is_accessible()

    def filter_arg(self, endpoint: str, column: str, kind: type) -> str:
        """The URL name of the view's filter on ``column`` of class ``kind``."""
        key = (endpoint, column, kind)
        if key not in self._args:
            view = self.view(endpoint)
            found = [view.get_filter_arg(index, flt) for index, flt in enumerate(view._filters or ())
                     if getattr(flt.column, "key", None) == column and _is(flt, kind)]
            if not found:
                raise LookupError(f"{endpoint}: no {kind.__name__} filter on {column}")
            self._args[key] = found[0]
        return self._args[key]

    def filtered(self, endpoint: str, *conditions: Condition) -> str | None:
        """The list of ``endpoint`` filtered by ``conditions`` (all of them), or ``None``."""
        if endpoint not in self._lists:
            self._lists[endpoint] = url_for(f"{endpoint}.index_view") if self.may_open(endpoint) else None
        base = self._lists[endpoint]
        if base is None or not conditions:
            return base
        args = {f"flt{position}_{self.filter_arg(endpoint, column, kind)}": value
                for position, (column, kind, value) in enumerate(conditions)}
        return base + "?" + urlencode(args)

    def details(self, endpoint: str, ident: int) -> str | None:
        view = self.view(endpoint)
        if view is None or not view.is_accessible() or not view.can_view_details:
            return None
        return url_for(f"{endpoint}.details_view", id=ident)

    def page(self, endpoint: str, name: str = "index", **args: Any) -> str | None:
        """A page of a custom view (work pages, decisions), if the account may open the view."""
        return url_for(f"{endpoint}.{name}", **args) if self.may_open(endpoint) else None
