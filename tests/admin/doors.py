"""Every way into an admin screen, exercised over HTTP for one (screen, account).

Used by the generated permission test. The expected answer of each cell comes from
the ``permission`` table itself (read with plain SQL, not through the policy);
rows "inside" and "outside" an account's scope come from the declared row scopes,
and the HTTP answers must agree with both.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import sqlalchemy as sa
from flask import Flask

from portal.admin.ajax import ScopedAjaxLoader
from portal.admin.base import PortalModelView
from portal.admin.registry import Entry
from portal.auth.scopes import row_scope
from portal.extensions import db
from portal.models import Account, Unit

MISSING_ID = 987_654_321


def view_of(app: Flask, entry: Entry) -> PortalModelView:
    admin = app.extensions["admin"][0]
    return next(v for v in admin._views if getattr(v, "endpoint", None) == entry.endpoint_name)


def account_of(username: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.username == username))


def _pk(model: type) -> Any:
    return sa.inspect(model).primary_key[0]


def first_id(model: type, where: Any = sa.true()) -> int | None:
    return db.session.scalar(sa.select(_pk(model)).where(where).order_by(_pk(model)).limit(1))


def exists(model: type, ident: int) -> bool:
    return db.session.scalar(sa.select(_pk(model)).where(_pk(model) == ident)) is not None


class Cell:
    """One (screen, account): what the matrix grants and which rows to knock on."""

    def __init__(self, app: Flask, entry: Entry, username: str, cells: set[tuple[str, str]]) -> None:
        self.entry, self.view, self.model = entry, view_of(app, entry), entry.model
        self.account = account_of(username)
        self.url = f"/admin/{entry.endpoint_name}"
        resource = entry.resource_name
        self.may = {action: (resource, action) in cells for action in ("view", "create", "edit", "delete", "export")}
        view_ok = self.may["view"]
        self.can_list = view_ok
        self.can_create = view_ok and self.may["create"] and self.view.allow_create
        self.can_edit = view_ok and self.may["edit"] and self.view.allow_edit
        self.can_delete = view_ok and self.may["delete"] and self.view.allow_delete
        self.can_export = view_ok and self.may["export"] and self.view.allow_export
        self.can_lookup = self.can_create or self.can_edit

    def scope(self, purpose: str) -> Any:
        return row_scope(self.account, self.model, purpose)

    def inside(self, purpose: str = "view") -> int | None:
        return first_id(self.model, self.scope(purpose))

    def outside(self, purpose: str = "view") -> int | None:
        return first_id(self.model, sa.not_(self.scope(purpose)))

    def any_row(self) -> int:
        return first_id(self.model) or MISSING_ID


def check_list(c: Cell, client: Any) -> None:
    response = client.get(c.url + "/")
    assert response.status_code == (200 if c.can_list else 403)


def check_details(c: Cell, client: Any) -> None:
    if not c.can_list:
        assert client.get(f"{c.url}/details/?id={c.any_row()}").status_code == 403
        return
    inside, outside = c.inside(), c.outside()
    if inside is not None:
        assert client.get(f"{c.url}/details/?id={inside}").status_code == 200
    if outside is not None:
        assert client.get(f"{c.url}/details/?id={outside}").status_code == 403, "another unit's row by URL"
    if inside is None and outside is None:
        assert client.get(f"{c.url}/details/?id={MISSING_ID}").status_code == 404


def check_create(c: Cell, client: Any) -> None:
    assert client.get(c.url + "/new/").status_code == (200 if c.can_create else 403)


def check_edit(c: Cell, client: Any) -> None:
    if not c.can_edit:
        assert client.get(f"{c.url}/edit/?id={c.any_row()}").status_code == 403
        return
    inside, outside = c.inside("change"), c.outside("change")
    if inside is not None:
        assert client.get(f"{c.url}/edit/?id={inside}").status_code == 200
    if outside is not None:
        assert client.get(f"{c.url}/edit/?id={outside}").status_code == 403, "editing a row outside the scope"
    if inside is None and outside is None:
        assert client.get(f"{c.url}/edit/?id={MISSING_ID}").status_code == 404


def check_delete(c: Cell, client: Any) -> None:
    if not c.can_delete:
        target = c.any_row()
        assert client.post(f"{c.url}/delete/", {"id": target}).status_code == 403
        assert target == MISSING_ID or exists(c.model, target)
        return
    outside = c.outside("change")
    if outside is not None:
        assert client.post(f"{c.url}/delete/", {"id": outside}).status_code == 403
        assert exists(c.model, outside), "a row outside the scope was deleted"
    inside = c.inside("change")
    if inside is not None:
        assert client.post(f"{c.url}/delete/", {"id": inside}).status_code == 302
    if inside is None and outside is None:
        assert client.post(f"{c.url}/delete/", {"id": MISSING_ID}).status_code == 404


def check_export(c: Cell, client: Any) -> None:
    csv_response = client.get(c.url + "/export/csv/")
    xlsx_response = client.get(c.url + "/export/xlsx/")
    if not c.can_export:
        assert (csv_response.status_code, xlsx_response.status_code) == (403, 403)
        return
    assert (csv_response.status_code, xlsx_response.status_code) == (200, 200)
    assert xlsx_response.data[:2] == b"PK"  # an XLSX file is a zip archive
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True))))
    in_scope = db.session.scalar(sa.select(sa.func.count()).select_from(c.model).where(c.scope("view")))
    assert len(rows) - 1 == min(in_scope, c.view.export_max_rows), "export must hold exactly the rows in scope"


def check_ajax_update(c: Cell, client: Any) -> None:
    columns = list(c.view.column_editable_list or [])
    if not c.can_edit:
        target = c.any_row()
        data = {"list_form_pk": target, **({columns[0]: "x"} if columns else {})}
        assert client.post(c.url + "/ajax/update/", data).status_code == 403
        return
    if not columns:
        assert client.post(c.url + "/ajax/update/", {"list_form_pk": c.any_row()}).status_code == 404
        return
    column = columns[0]
    outside = c.outside("change")
    if outside is not None:
        # A valid value, so that only the row's scope can refuse it.
        data = {"list_form_pk": outside, column: current_value(c.model, outside, column)}
        assert client.post(c.url + "/ajax/update/", data).status_code == 403
    inside = c.inside("change")
    if inside is not None:
        data = {"list_form_pk": inside, column: current_value(c.model, inside, column)}
        response = client.post(c.url + "/ajax/update/", data)
        assert response.status_code == 200, response.get_data(as_text=True)


def current_value(model: type, ident: int, column: str) -> str:
    value = getattr(db.session.get(model, ident), column)
    return "" if value is None else str(value)


def expected_lookup_ids(c: Cell, loader: ScopedAjaxLoader) -> set[int]:
    model = loader.model
    if loader.declaration.open:
        where = Unit.valid_to.is_(None) if model is Unit else sa.true()
    else:
        where = row_scope(c.account, model, "view")
    return set(db.session.scalars(sa.select(_pk(model)).where(where)))


def check_ajax_lookup(c: Cell, client: Any) -> None:
    loaders = {name: loader for name, loader in c.view._form_ajax_refs.items()
               if isinstance(loader, ScopedAjaxLoader)}
    if not c.can_lookup:
        name = next(iter(loaders), "unknown")
        assert client.get(f"{c.url}/ajax/lookup/?name={name}&query=").status_code == 403
        return
    if not loaders:
        assert client.get(f"{c.url}/ajax/lookup/?name=unknown&query=").status_code == 404
        return
    for name, loader in loaders.items():
        response = client.get(f"{c.url}/ajax/lookup/?name={name}&query=&limit=50")
        assert response.status_code == 200, name
        found = {int(item[0]) for item in json.loads(response.get_data(as_text=True))}
        expected = expected_lookup_ids(c, loader)
        assert found <= expected, f"lookup {name} offered rows outside the scope"
        assert found or not expected, f"lookup {name} offered nothing although rows are in scope"


DOORS = {
    "list": check_list, "details": check_details, "create": check_create, "edit": check_edit,
    "delete": check_delete, "export": check_export, "ajax_update": check_ajax_update,
    "ajax_lookup": check_ajax_lookup,
}
