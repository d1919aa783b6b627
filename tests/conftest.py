"""Fixtures: a real database (SQLite, or PostgreSQL at TEST_DATABASE_URL), the demo
world seeded once per session, and a transaction per test rolled back afterwards."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.config import normalise_database_url
from portal.extensions import db

TEST_ENV = {"PORTAL_ENV": "testing", "SECRET_KEY": "test-secret-key"}
DEMO_PASSWORD = "congvu-demo"


def pg_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


def reset_pg_schema(url: str, schema: str = "public") -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()


def make_app(database_url: str, **config: object) -> Flask:
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url}
    settings.update(config)
    return create_app(settings, env=TEST_ENV)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = pg_url()
    if url:
        reset_pg_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"


@pytest.fixture(scope="session")
def base_app(database_url: str) -> Flask:
    app = make_app(database_url)
    with app.app_context():
        db.create_all()
        from seed.demo import seed_demo

        seed_demo(db.session)
        db.session.commit()
    return app


@pytest.fixture
def app(base_app: Flask) -> Iterator[Flask]:
    """The session's app, with every change of the test rolled back afterwards.

    The session is bound to one connection inside an outer transaction; commits in
    views and services release savepoints only (SQLAlchemy's "join an external
    transaction" recipe).
    """
    with base_app.app_context():
        engines = db._app_engines[base_app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        db.session.remove()
        engines[None] = connection  # type: ignore[assignment]
        try:
            yield base_app
        finally:
            db.session.remove()
            engines[None] = engine
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> sa.orm.Session:
    return db.session


class Login:
    """``login_as("head")`` logs the test client in as a demo account."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __call__(self, username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        response = self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return self.client


@pytest.fixture
def login_as(client: FlaskClient) -> Login:
    return Login(client)


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
