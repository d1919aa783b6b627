"""The app context every job runs in.

``flask --app wsgi worker`` pushes the app context before it forks work horses, so
jobs normally find one already. A plain ``rq worker`` has none: then the app is
built once per process (never at import) and reused for later jobs.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, has_app_context

from portal.extensions import db

_app: Flask | None = None
_app_pid: int | None = None


def _process_app() -> Flask:
    global _app, _app_pid
    # A forked child must not reuse the parent's engine connections: rebuild.
    if _app is None or _app_pid != os.getpid():
        from portal import create_app

        _app, _app_pid = create_app(), os.getpid()
    return _app


@contextmanager
def job_app() -> Iterator[Flask]:
    """Yield the app for a job and leave a clean session behind it, so one job's
    objects or failed transaction never leak into the next job of the process."""
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        try:
            yield app
        finally:
            db.session.remove()
        return
    app = _process_app()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()


def pause_for_tests(app: Flask, pause_key: str, paused_key: str) -> None:
    """Test-only (PORTAL_ENV=testing): sleep for the seconds stored at ``pause_key`` in
    Redis, after announcing this process's pid at ``paused_key``, so a test can kill a
    job between its effects and its commit."""
    if app.config.get("PORTAL_ENV") != "testing":
        return
    from portal.queue import get_redis

    redis = get_redis(app)
    seconds = float(redis.get(pause_key) or 0)
    if seconds > 0:
        redis.set(paused_key, os.getpid())
        time.sleep(seconds)
