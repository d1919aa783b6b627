"""Claims of scheduled runs (``job_tick``): one effective run per job and interval.

Why a database claim: RQ's cron scheduler does not lock against a second
scheduler, and a job may be delivered to two workers (or re-run after a crash).
The claim row is inserted in the same transaction as the run's effects, so:
a second run of the interval hits the UNIQUE (job, tick) key and does nothing;
a run killed half-way rolls its claim back with its effects, and the next run
does the whole work.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import JobTick
from ..models.base import utcnow


def floor_tick(instant: datetime, minutes: int) -> datetime:
    """Start of the ``minutes``-long interval holding ``instant`` (UTC, epoch-aligned;
    Vietnam's offset is whole hours, so local boundaries are the same)."""
    if instant.tzinfo is None:
        raise ValueError("Thời điểm phải có múi giờ (naive datetime không được chấp nhận)")
    step = max(1, int(minutes)) * 60
    seconds = int(instant.timestamp())
    return datetime.fromtimestamp(seconds - seconds % step, tz=timezone.utc)


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant with its zone (jobs receive strings, never objects)."""
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"Thời điểm {value!r} thiếu múi giờ")
    return instant.astimezone(timezone.utc)


def claim(session: Session, job: str, tick: datetime, *, started_at: datetime | None = None) -> JobTick | None:
    """Insert the claim of (job, tick) in the session's open transaction.

    Returns ``None`` when another run holds the interval; the session has then been
    rolled back (PostgreSQL aborts the transaction on a unique violation) and the
    caller must do nothing more. On PostgreSQL the INSERT waits while a concurrent
    run holds the same key uncommitted, on SQLite the write lock does; either way
    the loser sees the winner's outcome (claim committed → skip; rolled back → run).
    """
    row = JobTick(job=job, tick=tick, started_at=started_at or utcnow(), stats={})
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return row


def finish(row: JobTick, stats: dict[str, object], *, finished_at: datetime | None = None) -> None:
    """Record how the run went, on the claim itself (committed with the effects)."""
    end = finished_at or utcnow()
    row.finished_at = end
    row.duration_ms = max(0, int((end - row.started_at).total_seconds() * 1000))
    row.stats = stats


def last_finished(session: Session, job: str) -> JobTick | None:
    return session.scalar(
        sa.select(JobTick).where(JobTick.job == job, JobTick.finished_at.is_not(None))
        .order_by(JobTick.tick.desc()).limit(1)
    )


def recent(session: Session, job: str, limit: int = 10) -> list[JobTick]:
    return list(session.scalars(sa.select(JobTick).where(JobTick.job == job).order_by(JobTick.tick.desc()).limit(limit)))


def next_tick_after(last: datetime | None, minutes: int, now: datetime | None = None) -> datetime:
    """When the next interval begins (an estimate for the page when no scheduler
    reports its own next run)."""
    now = now or utcnow()
    start = floor_tick(now, minutes) + timedelta(minutes=max(1, minutes))
    if last is not None and last > now:
        return floor_tick(last, minutes) + timedelta(minutes=max(1, minutes))
    return start
