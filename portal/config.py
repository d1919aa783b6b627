"""Configuration, read in one place when the app is created (never at import).

Development runs on embedded defaults (a SQLite file and an embedded Redis under
``instance/``); production must say where PostgreSQL and Redis are and must set
``SECRET_KEY``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping


class ConfigError(RuntimeError):
    """A required setting is missing or wrong; the app refuses to start."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _seconds_list(env: Mapping[str, str], name: str, default: list[int]) -> list[int]:
    """Comma-separated whole seconds, e.g. ``10,30,60``."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return list(default)
    try:
        values = [int(part) for part in raw.split(",")]
    except ValueError as exc:
        raise ConfigError(f"{name} must be comma-separated whole seconds (e.g. 10,30,60), got {raw!r}") from exc
    if any(v < 0 for v in values):
        raise ConfigError(f"{name} may not hold negative seconds, got {raw!r}")
    return values


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs however they are spelled."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(env: Mapping[str, str], instance: Path, production: bool) -> str:
    key = env.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY is required when PORTAL_ENV=production")
    # Generated once per development checkout so sessions survive restarts.
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def build_config(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings for an app whose instance folder is ``instance_path``."""
    env = os.environ if env is None else env
    instance = Path(instance_path)
    mode = env.get("PORTAL_ENV", "development")
    if mode not in ("development", "production", "testing"):
        raise ConfigError(f"PORTAL_ENV must be development, production or testing, got {mode!r}")
    production = mode == "production"
    database_url = env.get("DATABASE_URL")
    if production and not database_url:
        raise ConfigError("DATABASE_URL is required when PORTAL_ENV=production")
    if production and not env.get("REDIS_URL"):
        raise ConfigError("REDIS_URL is required when PORTAL_ENV=production")
    if not database_url:
        instance.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance / 'portal.db'}"
    return {
        "PORTAL_ENV": mode,
        "SECRET_KEY": _secret_key(env, instance, production),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "EMBEDDED_REDIS_PATH": str(instance / "redis.rdb"),
        "SWEEP_INTERVAL_MINUTES": _int(env, "SWEEP_INTERVAL_MINUTES", 5),
        "REMINDER_WORKING_DAYS": _int(env, "REMINDER_WORKING_DAYS", 2),
        "AT_RISK_WORKING_DAYS": _int(env, "AT_RISK_WORKING_DAYS", 3),
        "JOB_RETRIES": _int(env, "JOB_RETRIES", 3),
        # Seconds between retries of a failed job (the last value repeats).
        "JOB_RETRY_INTERVALS": _seconds_list(env, "JOB_RETRY_INTERVALS", [10, 30, 60]),
        # The population file of every draw: storage every worker and web host shares.
        "SAMPLES_DIR": env.get("SAMPLES_DIR") or str(instance / "samples"),
        # Periodic reports: files (shared storage when workers run on other hosts), and
        # the number of units above which a report is built in the background.
        "REPORTS_DIR": env.get("REPORTS_DIR") or str(instance / "reports"),
        "REPORT_SYNC_MAX_UNITS": _int(env, "REPORT_SYNC_MAX_UNITS", 300),
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int(env, "LOGIN_LOCK_MINUTES", 15),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }
