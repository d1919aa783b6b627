"""The queue layer: bounded retries then the failed list, Redis down, embedded Redis."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker, get_current_job
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from portal.queue import UNAVAILABLE_MESSAGE, enqueue_safely, get_redis, queue_available, redis_url, shutdown_embedded
from portal.queue_status import failed_jobs
from tests.conftest import make_app

ATTEMPTS_KEY = "portal:test:attempts"


def always_fails(label: str) -> None:
    """A job that counts its attempts, then fails (imported by name by the worker)."""
    job = get_current_job()
    assert job is not None
    job.connection.incr(ATTEMPTS_KEY)
    raise RuntimeError(f"Lỗi thử nghiệm {label}")


def test_failing_job_is_retried_then_listed_as_failed(shared_app: Flask, redis: Redis) -> None:
    retries = shared_app.config["JOB_RETRIES"]
    assert retries >= 1
    shared_app.config["JOB_RETRY_INTERVALS"] = [0]  # re-enqueue at once: no scheduler needed in the test
    job = enqueue_safely(always_fails, "A")
    assert job is not None and job.retries_left == retries
    queue = Queue("default", connection=redis)
    SimpleWorker([queue], connection=redis).work(burst=True)

    assert int(redis.get(ATTEMPTS_KEY)) == 1 + retries
    job = Job.fetch(job.id, connection=redis)
    assert job.get_status() == "failed" and job.retries_left == 0
    assert job.id in FailedJobRegistry(queue=queue).get_job_ids()
    (row,) = failed_jobs(redis)
    assert row.id == job.id and row.func.endswith("always_fails")
    assert row.error == "RuntimeError: Lỗi thử nghiệm A"

    result = shared_app.test_cli_runner().invoke(args=["jobs", "failed"])
    assert result.exit_code == 0 and job.id in result.output and "Lỗi thử nghiệm A" in result.output


def test_retry_waits_its_interval_in_the_scheduled_registry(shared_app: Flask, redis: Redis) -> None:
    """With the production intervals a failed attempt is scheduled, not lost or failed."""
    assert list(shared_app.config.get("JOB_RETRY_INTERVALS") or [10, 30, 60]) == [10, 30, 60]
    job = enqueue_safely(always_fails, "B")
    queue = Queue("default", connection=redis)
    SimpleWorker([queue], connection=redis).work(burst=True)
    job = Job.fetch(job.id, connection=redis)
    assert job.get_status() == "scheduled"
    assert job.id in ScheduledJobRegistry(queue=queue).get_job_ids()
    assert job.retries_left == shared_app.config["JOB_RETRIES"] - 1
    assert failed_jobs(redis) == []


def test_redis_down_refuses_to_enqueue(tmp_path: Path, shared_db_url: str) -> None:
    app = make_app(shared_db_url, REDIS_URL=f"unix://{tmp_path}/no-such-redis.sock")
    with app.app_context():
        assert queue_available() is False
        assert enqueue_safely(always_fails, "C") is None
    assert "không khả dụng" in UNAVAILABLE_MESSAGE


@pytest.mark.skipif(bool(os.environ.get("TEST_REDIS_URL")), reason="embedded Redis only")
def test_embedded_redis_is_started_lazily_and_shared(tmp_path: Path, shared_db_url: str) -> None:
    rdb = tmp_path / "embedded" / "redis.rdb"
    first = make_app(shared_db_url, EMBEDDED_REDIS_PATH=str(rdb))
    second = make_app(shared_db_url, EMBEDDED_REDIS_PATH=str(rdb))
    assert first.config["REDIS_URL"] is None and not rdb.exists()
    try:
        url = redis_url(first)
        assert url.startswith("unix://") and redis_url(second) == url
        with first.app_context():
            assert queue_available()
            get_redis().set("portal:test:shared", "1")
        with second.app_context():
            assert get_redis().get("portal:test:shared") == b"1"
    finally:
        shutdown_embedded(first)
