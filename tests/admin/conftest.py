"""Helpers for the admin tests: log in once per demo account per session (Argon2 is
slow on purpose), then reuse the signed session cookie in each test's own client."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Account, Permission, Role
from tests.conftest import DEMO_PASSWORD, csrf_from

DEMO_USERS = ("admin", "leader", "inspector", "head", "staff", "head2", "commune")

_SESSIONS: dict[str, tuple[str, str]] = {}


def _login(client: FlaskClient, username: str) -> tuple[str, str]:
    forget_request_state()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    forget_request_state()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"login as {username}: {response.status_code}"
    forget_request_state()
    page = client.get("/admin/").get_data(as_text=True)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value, csrf_from(page)


#: What Flask, Flask-Login, Flask-WTF and the portal keep in ``g`` for one request.
REQUEST_STATE = ("_login_user", "_flask_babel", "csrf_token", "csrf_valid", "_portal_policy", "portal_purpose",
                 "portal_calendar")


def forget_request_state() -> None:
    """The test's app context outlives each request (in production every request
    has its own): drop what the previous request cached in ``g``."""
    for key in REQUEST_STATE:
        g.pop(key, None)


class UserClient:
    """A test client logged in as a demo account, with its CSRF token."""

    def __init__(self, client: FlaskClient, username: str, token: str) -> None:
        self.client, self.username, self.token = client, username, token

    def get(self, url: str, **kw: Any) -> Any:
        forget_request_state()
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any) -> Any:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token)
        forget_request_state()
        return self.client.post(url, data=data, **kw)

    @property
    def account(self) -> Account:
        return db.session.scalar(sa.select(Account).where(Account.username == self.username))


@pytest.fixture
def as_user(app: Flask, client: FlaskClient) -> Callable[[str], UserClient]:
    """``as_user("head")``: the test's client, logged in as that demo account."""

    def switch(username: str) -> UserClient:
        if username not in _SESSIONS:
            _SESSIONS[username] = _login(app.test_client(), username)
        cookie, token = _SESSIONS[username]
        client.set_cookie("session", cookie)
        return UserClient(client, username, token)

    return switch


def granted(role_code: str) -> set[tuple[str, str]]:
    """The (resource, action) cells of a role, read straight from the permission table."""
    rows = db.session.execute(
        sa.select(Permission.resource, Permission.action).join(Role, Role.id == Permission.role_id)
        .where(Role.code == role_code)
    ).tuples()
    return set(rows)


def role_of(username: str) -> str:
    return db.session.scalar(sa.select(Role.code).join(Account, Account.role_id == Role.id)
                             .where(Account.username == username))


def csrf_of(html: str) -> str:
    return csrf_from(html)


def flashes(html: str) -> str:
    """The text of the alert boxes of a page."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>|&times;", " ", f).strip() for f in found)
