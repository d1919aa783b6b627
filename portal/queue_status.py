"""What the queues, workers, schedulers and failed jobs look like right now.

Shared by the administrators' monitoring pages and ``flask --app wsgi jobs failed``.
Every function takes a Redis client and may raise the errors of
``portal.queue.UNAVAILABLE_ERRORS``; callers turn those into the unavailable message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from rq import Queue, Worker
from rq.cron import CronJob, CronScheduler
from rq.job import Job
from rq.registry import FailedJobRegistry

#: Name under which the scheduler registers the sweep (see ``portal.cli.jobs``).
SWEEP_CRON_NAME = "portal.sweep"
#: Jobs whose error text could describe a secret sample: show only the error type.
_SECRET_FUNCS = ("jobs.sampling.",)


@dataclass
class FailedJob:
    id: str
    func: str
    args: str
    error: str
    detail: str
    ended_at: datetime | None
    retries_left: int | None


def _last_line(exc_info: str | None) -> str:
    lines = [line for line in (exc_info or "").strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def failed_jobs(redis: Redis, *, limit: int = 200) -> list[FailedJob]:
    """Failed jobs of every queue, newest first, with their error."""
    out: list[FailedJob] = []
    for queue in Queue.all(connection=redis):
        registry = FailedJobRegistry(queue=queue)
        ids = registry.get_job_ids(0, limit - 1, desc=True)
        for job in Job.fetch_many(ids, connection=redis):
            if job is None:
                continue
            func = job.func_name or "?"
            latest = job.latest_result()
            exc_string = latest.exc_string if latest is not None else None
            error = _last_line(exc_string)
            secret = func.startswith(_SECRET_FUNCS)
            out.append(FailedJob(
                id=job.id, func=func,
                args=", ".join(repr(a) for a in job.args)[:200] if not secret else ", ".join(map(str, job.args))[:50],
                error=error.split(":", 1)[0] if secret else error,
                detail="" if secret else (exc_string or "")[-4000:],
                ended_at=job.ended_at, retries_left=job.retries_left,
            ))
    out.sort(key=lambda j: j.ended_at.timestamp() if j.ended_at else 0.0, reverse=True)
    return out[:limit]


def requeue_failed(redis: Redis, job_id: str) -> bool:
    """Put a failed job back on its queue (administrators, after fixing the cause)."""
    for queue in Queue.all(connection=redis):
        registry = FailedJobRegistry(queue=queue)
        if job_id in registry.get_job_ids():
            registry.requeue(job_id)
            return True
    return False


def queues(redis: Redis) -> list[dict[str, Any]]:
    rows = []
    for queue in Queue.all(connection=redis):
        rows.append({
            "name": queue.name, "queued": queue.count,
            "started": queue.started_job_registry.count, "scheduled": queue.scheduled_job_registry.count,
            "failed": queue.failed_job_registry.count, "finished": queue.finished_job_registry.count,
        })
    return rows


def workers(redis: Redis) -> list[dict[str, Any]]:
    rows = []
    for worker in Worker.all(connection=redis):
        rows.append({
            "name": worker.name, "state": worker.get_state(), "queues": ", ".join(worker.queue_names()),
            "current_job": worker.get_current_job_id(), "last_heartbeat": worker.last_heartbeat,
            "birth": worker.birth_date, "pid": worker.pid, "hostname": worker.hostname,
            "successful": worker.successful_job_count, "failed": worker.failed_job_count,
        })
    return rows


def schedulers(redis: Redis) -> list[dict[str, Any]]:
    rows = []
    for scheduler in CronScheduler.all(redis):
        jobs: list[CronJob] = scheduler.get_jobs()
        rows.append({
            "name": scheduler.name, "hostname": scheduler.hostname, "pid": scheduler.pid,
            "last_heartbeat": scheduler.last_heartbeat,
            "jobs": [{"name": j.name, "interval": j.interval, "cron": j.cron,
                      "latest": j.latest_enqueue_time, "next": j.next_enqueue_time} for j in jobs],
        })
    return rows


def next_scheduled_sweep(redis: Redis) -> tuple[datetime | None, int]:
    """(earliest next sweep any running scheduler announces, number of schedulers)."""
    times, count = [], 0
    for row in schedulers(redis):
        for job in row["jobs"]:
            if job["name"] == SWEEP_CRON_NAME:
                count += 1
                if job["next"] is not None:
                    times.append(job["next"])
    return (min(times) if times else None), count
