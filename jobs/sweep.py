"""The periodic deadline sweep as an RQ job.

Scheduled by ``flask --app wsgi scheduler`` every ``SWEEP_INTERVAL_MINUTES`` and
enqueued on demand from the portal. Safe to run any number of times: the interval
is claimed in the same transaction as the sweep's effects (see
``portal.services.ticks``), and the sweep itself is idempotent.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any, Mapping

from flask import Flask
from rq import get_current_job

from portal.extensions import db
from portal.models.base import utcnow
from portal.services import ticks
from portal.services.audit import audit_actor
from portal.services.sweep import run_sweep

from .context import job_app, pause_for_tests

JOB_NAME = "sweep"
#: Audit actor of scheduled work (no person asked for it).
ACTOR = "he-thong"
#: Test-only (PORTAL_ENV=testing): seconds to pause after the effects, before the
#: commit, so a test can kill the worker mid-run. The job reports its pid.
PAUSE_KEY = "portal:test:sweep:pause"
PAUSED_KEY = "portal:test:sweep:paused"


def stats_dict(stats: Any) -> dict[str, Any]:
    """The sweep's statistics as a JSON-able mapping, whatever shape it returns."""
    if dataclasses.is_dataclass(stats) and not isinstance(stats, type):
        raw: Mapping[str, Any] = dataclasses.asdict(stats)
    elif isinstance(stats, Mapping):
        raw = stats
    elif hasattr(stats, "_asdict"):
        raw = stats._asdict()
    elif stats is None:
        raw = {}
    else:
        raw = {k: v for k, v in vars(stats).items() if not k.startswith("_")}
    return {str(k): (v if isinstance(v, (int, float, str, bool, type(None), list, dict)) else str(v)) for k, v in raw.items()}


def _instants(tick_iso: str | None, minutes: int) -> tuple[datetime, datetime]:
    """(as-of instant of the sweep, claimed interval start).

    Without an explicit time the interval is the one the job was *enqueued* in, so
    two schedulers firing the same interval collide even if workers pick the jobs
    up later; the sweep itself then runs as of the actual time.
    """
    if tick_iso:
        now = ticks.parse_instant(tick_iso)
        return now, ticks.floor_tick(now, minutes)
    now = utcnow()
    job = get_current_job()
    enqueued = job.enqueued_at if job is not None and job.enqueued_at else now
    if enqueued.tzinfo is None:
        enqueued = enqueued.replace(tzinfo=timezone.utc)
    return now, ticks.floor_tick(enqueued, minutes)


def _test_pause(app: Flask) -> None:
    pause_for_tests(app, PAUSE_KEY, PAUSED_KEY)


def sweep_tick(tick_iso: str | None = None) -> dict[str, Any]:
    """Run the sweep for one interval unless another run already has it.

    Returns ``{"status": "done" | "skipped", "tick": ..., ...}``.
    """
    with job_app() as app:
        minutes = int(app.config["SWEEP_INTERVAL_MINUTES"])
        now, tick = _instants(tick_iso, minutes)
        session = db.session
        with audit_actor(ACTOR, "job"):
            claim = ticks.claim(session, JOB_NAME, tick)
            if claim is None:
                return {"status": "skipped", "tick": tick.isoformat()}
            # Read only after the claim: on SQLite the claim's INSERT must open the
            # write transaction (a reader cannot wait its way into becoming a writer).
            previous = ticks.last_finished(session, JOB_NAME)
            stats = run_sweep(
                session,
                now,
                reminder_days=int(app.config["REMINDER_WORKING_DAYS"]),
                at_risk_days=int(app.config["AT_RISK_WORKING_DAYS"]),
                since=previous.started_at if previous is not None and previous.started_at <= now else None,
            )
            _test_pause(app)
            ticks.finish(claim, stats_dict(stats))
            result = {"status": "done", "tick": tick.isoformat(), "duration_ms": claim.duration_ms, "stats": claim.stats}
            session.commit()
        return result
