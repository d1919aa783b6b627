"""The portal's own login: Vietnamese pages, Argon2 hashes, lock-out, safe redirects,
CSRF and security headers."""
from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.models import Account

from ..conftest import DEMO_PASSWORD, csrf_from


def _post_login(client: FlaskClient, username: str, password: str, next_url: str | None = None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def test_login_page_is_vietnamese_and_has_headers(client: FlaskClient) -> None:
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Đăng nhập" in html and "Mật khẩu" in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_admin_requires_login(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_each_demo_account_logs_in(client: FlaskClient) -> None:
    for username in ("admin", "leader", "inspector", "head", "staff"):
        response = _post_login(client, username, DEMO_PASSWORD)
        assert response.status_code == 302, username
        index = client.get("/admin/")
        assert index.status_code == 200
        assert "Xin chào" in index.get_data(as_text=True)
        token = csrf_from(index.get_data(as_text=True))
        assert client.post("/logout", data={"csrf_token": token}).status_code == 302
        assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused_in_vietnamese(client: FlaskClient) -> None:
    response = _post_login(client, "head", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_unknown_user_gets_the_same_message(client: FlaskClient) -> None:
    response = _post_login(client, "khong-ton-tai", "x")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_empty_fields_are_refused(client: FlaskClient) -> None:
    response = _post_login(client, "", "")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Vui lòng nhập tên đăng nhập." in html and "Vui lòng nhập mật khẩu." in html


def test_account_locks_after_repeated_failures(client: FlaskClient, session) -> None:
    for _ in range(5):
        _post_login(client, "staff", "sai")
    response = _post_login(client, "staff", DEMO_PASSWORD)
    assert "tạm khóa" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    account = session.scalar(sa.select(Account).where(Account.username == "staff"))
    assert account.locked_until is not None


def test_passwords_are_argon2_hashes(session) -> None:
    account = session.scalar(sa.select(Account).where(Account.username == "admin"))
    assert account.password_hash.startswith("$argon2id$")
    assert DEMO_PASSWORD not in account.password_hash


def test_next_redirect_is_kept_on_site(client: FlaskClient) -> None:
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = _post_login(client, "head", DEMO_PASSWORD, next_url=evil)
        assert response.headers["Location"] in ("/admin/", "http://localhost/admin/"), evil
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").get_data(as_text=True))})
    response = _post_login(client, "head", DEMO_PASSWORD, next_url="/admin/?x=1")
    assert response.headers["Location"].endswith("/admin/?x=1")


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_logout_needs_post_and_token(login_as) -> None:
    client = login_as("head")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/admin/").status_code == 200


def test_session_cookie_is_httponly(client: FlaskClient) -> None:
    response = _post_login(client, "head", DEMO_PASSWORD)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
