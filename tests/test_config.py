"""Configuration is read once, in the factory, and fails fast in production."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.config import ConfigError, build_config, normalise_database_url

from .conftest import project_root


def test_production_requires_secret_key(tmp_path: Path) -> None:
    env = {"PORTAL_ENV": "production", "DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://x"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build_config(str(tmp_path), env)


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_production_requires_services(tmp_path: Path, missing: str) -> None:
    env = {"PORTAL_ENV": "production", "SECRET_KEY": "s", "DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://x"}
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        build_config(str(tmp_path), env)


def test_development_generates_secret_key_once(tmp_path: Path) -> None:
    first = build_config(str(tmp_path), {})
    second = build_config(str(tmp_path), {})
    assert len(first["SECRET_KEY"]) == 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_embedded_defaults(tmp_path: Path) -> None:
    config = build_config(str(tmp_path), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert config["REDIS_URL"] is None
    assert config["EMBEDDED_REDIS_PATH"].startswith(str(tmp_path))


def test_urls_switch_engines(tmp_path: Path) -> None:
    config = build_config(str(tmp_path), {"DATABASE_URL": "postgres://u@h/db", "REDIS_URL": "redis://h:6379/1"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["REDIS_URL"] == "redis://h:6379/1"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_bad_integer_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SWEEP_INTERVAL_MINUTES"):
        build_config(str(tmp_path), {"SWEEP_INTERVAL_MINUTES": "five"})


def test_secure_cookies_in_production(tmp_path: Path) -> None:
    env = {"PORTAL_ENV": "production", "SECRET_KEY": "s", "DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://x"}
    config = build_config(str(tmp_path), env)
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_nothing_happens_at_import(tmp_path: Path) -> None:
    """Importing every module with a production environment lacking its required
    settings must succeed: were the environment, Redis or the database touched at
    import, the factory would raise ConfigError or a connection would be refused."""
    code = (
        "import pkgutil, importlib, portal, jobs, seed, wsgi\n"
        "for pkg in (portal, jobs, seed):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    env.update(PORTAL_ENV="production", PYTHONPATH=str(project_root()))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_create_app_in_production_refuses_without_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        create_app(env={"PORTAL_ENV": "production", "DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://x"})


def test_samples_dir_and_retry_intervals_have_defaults(tmp_path: Path) -> None:
    config = build_config(str(tmp_path), {})
    assert config["SAMPLES_DIR"] == str(tmp_path / "samples")
    assert config["JOB_RETRY_INTERVALS"] == [10, 30, 60]


def test_samples_dir_and_retry_intervals_come_from_the_environment(tmp_path: Path) -> None:
    shared = tmp_path / "shared" / "samples"
    config = build_config(str(tmp_path), {"SAMPLES_DIR": str(shared), "JOB_RETRY_INTERVALS": " 5, 20,120 "})
    assert config["SAMPLES_DIR"] == str(shared)
    assert config["JOB_RETRY_INTERVALS"] == [5, 20, 120]
    # The app uses them: the draw's files go there, and failed jobs wait that long.
    from portal.queue import retry_policy
    from portal.services.sample_files import samples_root

    app = create_app(env={"PORTAL_ENV": "testing", "SECRET_KEY": "s", "SAMPLES_DIR": str(shared),
                          "JOB_RETRY_INTERVALS": "5,20,120", "JOB_RETRIES": "3"})
    assert samples_root(app.config, app.instance_path) == shared
    assert retry_policy(app).intervals == [5, 20, 120]


@pytest.mark.parametrize("raw", ["10,,30", "ten", "10;30", "-5"])
def test_bad_retry_intervals_are_refused(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match="JOB_RETRY_INTERVALS"):
        build_config(str(tmp_path), {"JOB_RETRY_INTERVALS": raw})
