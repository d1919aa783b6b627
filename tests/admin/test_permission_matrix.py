"""The permission matrix, cell by cell, over HTTP: every screen of the registry ×
every demo account × every way in (list, details, create and edit forms, delete,
export, inline edit, related-record lookup), plus anonymous access.

Generated from ``portal.admin.registry.ENTRIES``: adding a screen adds its cells.
Allowed answers 200/302, denied 403; ids of rows outside the account's scope are
refused even when the action itself is allowed.
"""
from __future__ import annotations

import pytest

from portal.admin.registry import ENTRIES
from tests.admin.conftest import DEMO_USERS, forget_request_state, granted, role_of
from tests.admin.doors import DOORS, Cell, MISSING_ID
from tests.conftest import csrf_from

CELLS = [(entry, user, door) for entry in ENTRIES for user in DEMO_USERS for door in DOORS]


@pytest.mark.parametrize(
    ("entry", "username", "door"), CELLS,
    ids=[f"{e.endpoint_name}-{u}-{d}" for e, u, d in CELLS],
)
def test_cell(app, as_user, entry, username, door):
    client = as_user(username)
    cell = Cell(app, entry, username, granted(role_of(username)))
    DOORS[door](cell, client)


ANONYMOUS_GETS = ("/", "/details/?id=1", "/new/", "/edit/?id=1", "/export/csv/", "/ajax/lookup/?name=x&query=")
ANONYMOUS_POSTS = ("/delete/", "/ajax/update/", "/action/")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.endpoint_name for e in ENTRIES])
def test_anonymous_is_sent_to_login(app, client, entry):
    base = f"/admin/{entry.endpoint_name}"
    for path in ANONYMOUS_GETS:
        forget_request_state()
        response = client.get(base + path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    forget_request_state()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for path in ANONYMOUS_POSTS:
        forget_request_state()
        response = client.post(base + path, data={"csrf_token": token, "id": MISSING_ID})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


@pytest.mark.parametrize("username", DEMO_USERS)
def test_permission_matrix_page(as_user, username):
    allowed = ("permission", "view") in granted(role_of(username))
    response = as_user(username).get("/admin/permission_matrix/")
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert "Ma trận phân quyền" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", DEMO_USERS)
def test_menu_shows_only_screens_the_role_may_open(app, as_user, username):
    html = as_user(username).get("/admin/").get_data(as_text=True)
    cells = granted(role_of(username))
    for entry in ENTRIES:
        link = f'href="/admin/{entry.endpoint_name}/"'
        assert (link in html) == ((entry.resource_name, "view") in cells), entry.endpoint_name
