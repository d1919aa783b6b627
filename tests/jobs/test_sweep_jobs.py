"""The scheduled sweep on real workers: one effective run per interval, and a run
killed half-way is completed by the next one (nothing twice, nothing lost)."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job

from jobs.sweep import PAUSE_KEY, PAUSED_KEY, sweep_tick
from portal.cli.jobs import make_scheduler
from portal.extensions import db
from portal.models import JobTick, Notice
from portal.models.base import utcnow
from portal.services import ticks
from portal.services.sweep import run_sweep

from .conftest import kill_when_paused, start_worker

NOTICE_STATS = ("notices", "reports", "reminders", "overdue_reminders")
pytestmark = pytest.mark.slow


def counts() -> tuple[int, int]:
    db.session.rollback()  # a fresh snapshot (and no open transaction while workers write)
    n = db.session.scalar(sa.select(sa.func.count()).select_from(Notice))
    t = db.session.scalar(sa.select(sa.func.count()).select_from(JobTick))
    db.session.rollback()
    return int(n or 0), int(t or 0)


def assert_fixpoint(app: Flask, now: datetime) -> None:
    """Nothing lost: a full sweep (no ``since``) right after finds nothing to do."""
    stats = run_sweep(db.session, now, reminder_days=app.config["REMINDER_WORKING_DAYS"],
                      at_risk_days=app.config["AT_RISK_WORKING_DAYS"])
    db.session.rollback()
    assert stats.changed == 0, stats


def wait_exit(procs: list, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    for proc in procs:
        proc.wait(timeout=max(1, deadline - time.monotonic()))


def test_enqueued_twice_two_workers_one_effective_run(jobs_app: Flask, redis: Redis, db_url: str, redis_url: str,
                                                      tmp_path: Path) -> None:
    before_notices, before_ticks = counts()
    now = utcnow()
    queue = Queue("default", connection=redis)
    # Hold the winner's transaction open for a while so the two runs truly overlap.
    redis.set(PAUSE_KEY, 3)
    first = queue.enqueue(sweep_tick, now.isoformat())
    second = queue.enqueue(sweep_tick, now.isoformat())
    workers = [start_worker(db_url, redis_url, f"w{i}-{os.getpid()}", log=tmp_path / f"w{i}.log") for i in (1, 2)]
    wait_exit(workers)
    logs = "\n".join((tmp_path / f"w{i}.log").read_text(errors="replace") for i in (1, 2))
    results = [Job.fetch(j.id, connection=redis) for j in (first, second)]
    assert all(r.get_status() == "finished" for r in results), logs
    assert {r.worker_name for r in results} == {f"w1-{os.getpid()}", f"w2-{os.getpid()}"}, logs
    statuses = sorted(r.return_value()["status"] for r in results)
    assert statuses == ["done", "skipped"]

    after_notices, after_ticks = counts()
    assert after_ticks == before_ticks + 1
    tick = db.session.scalar(sa.select(JobTick).where(JobTick.tick == ticks.floor_tick(now, 5)))
    assert tick is not None and tick.finished_at is not None and tick.duration_ms >= 3000
    created = sum(tick.stats[k] for k in NOTICE_STATS)
    assert created > 0, tick.stats
    assert after_notices - before_notices == created  # once each
    db.session.rollback()
    assert_fixpoint(jobs_app, now)


def test_worker_killed_mid_sweep_then_next_run_completes(jobs_app: Flask, redis: Redis, db_url: str,
                                                         redis_url: str, tmp_path: Path) -> None:
    before_notices, before_ticks = counts()
    now = utcnow()
    queue = Queue("default", connection=redis)
    redis.set(PAUSE_KEY, 120)  # the sweep's effects are flushed, then it waits before COMMIT
    queue.enqueue(sweep_tick, now.isoformat())
    worker = start_worker(db_url, redis_url, f"victim-{os.getpid()}", burst=False, log=tmp_path / "victim.log")
    kill_when_paused(redis, worker, PAUSED_KEY, tmp_path / "victim.log")

    # The claim died with the effects: nothing of the killed run is visible.
    assert counts() == (before_notices, before_ticks)

    redis.delete(PAUSE_KEY, PAUSED_KEY)
    job = queue.enqueue(sweep_tick, now.isoformat())
    rerun = start_worker(db_url, redis_url, f"rescuer-{os.getpid()}", log=tmp_path / "rescuer.log")
    wait_exit([rerun])
    job = Job.fetch(job.id, connection=redis)
    assert job.return_value() is not None, (tmp_path / "rescuer.log").read_text(errors="replace")
    assert job.return_value()["status"] == "done"

    after_notices, after_ticks = counts()
    assert after_ticks == before_ticks + 1
    stats = job.return_value()["stats"]
    created = sum(stats[k] for k in NOTICE_STATS)
    assert created > 0
    assert after_notices - before_notices == created
    assert_fixpoint(jobs_app, now)


def test_two_schedulers_fire_the_same_interval_once(jobs_app: Flask, redis: Redis) -> None:
    """Two ``rq cron`` schedulers do not lock each other; the tick claim makes the
    second firing of an interval a no-op."""
    jobs_app.config["SWEEP_INTERVAL_MINUTES"] = 24 * 60  # one interval: the test cannot straddle two
    _, before_ticks = counts()
    one, two = make_scheduler(redis, 24 * 60, interval=True), make_scheduler(redis, 24 * 60, interval=True)
    assert len(one.enqueue_jobs()) == 1 and len(two.enqueue_jobs()) == 1
    queue = Queue("default", connection=redis)
    assert queue.count == 2
    SimpleWorker([queue], connection=redis).work(burst=True)
    results = sorted(Job.fetch(i, connection=redis).return_value()["status"]
                     for i in queue.finished_job_registry.get_job_ids())
    assert results == ["done", "skipped"]
    assert counts()[1] == before_ticks + 1


def test_tick_interval_floor_and_claim(jobs_app: Flask) -> None:
    at = datetime(2025, 6, 20, 9, 7, 31, tzinfo=timezone.utc)
    assert ticks.floor_tick(at, 5) == datetime(2025, 6, 20, 9, 5, tzinfo=timezone.utc)
    assert ticks.floor_tick(at + timedelta(minutes=3), 5) == datetime(2025, 6, 20, 9, 10, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        ticks.floor_tick(at.replace(tzinfo=None), 5)
    first = sweep_tick(at.isoformat())
    again = sweep_tick((at + timedelta(seconds=60)).isoformat())
    assert first["status"] == "done" and again == {"status": "skipped", "tick": first["tick"]}
