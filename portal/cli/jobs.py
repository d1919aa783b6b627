"""Background work from the command line.

``flask --app wsgi worker``      an RQ worker on the app's Redis (jobs run in the app context)
``flask --app wsgi scheduler``   RQ's cron scheduler: the sweep every SWEEP_INTERVAL_MINUTES,
                                 the monthly report to the leadership on the 1st of each month
``flask --app wsgi sample …``    export / verify / draw a ``vsample-v1`` sample
``flask --app wsgi jobs failed`` failed jobs with their error

Production: any number of ``worker`` processes on any hosts, exactly one
``scheduler`` (a second one is harmless — each interval is claimed in the
database — but wasteful).
"""
from __future__ import annotations

import getpass
import logging
import sys
import time
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from rq import Queue, Worker
from rq.exceptions import StopRequested

from ..extensions import db
from ..queue import UNAVAILABLE_ERRORS, UNAVAILABLE_MESSAGE, enqueue_safely, get_redis, worker_redis
from ..queue_status import SWEEP_CRON_NAME, failed_jobs
from ..services import DomainError
from ..services.audit import audit_actor
from ..services.sample_files import samples_root

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 5
MATCH_MESSAGE = "Khớp: mẫu tái tạo đúng."
SWEEP_JOB = "jobs.sweep.sweep_tick"
MONTHLY_REPORT_JOB = "jobs.reports.monthly_report"
MONTHLY_REPORT_CRON_NAME = "portal.monthly_report"
#: 01:00 UTC on the 1st = 08:00 Asia/Ho_Chi_Minh (RQ 2.x reads cron in UTC): the
#: previous month is over in local time too. The job reports on the month before the
#: one it was queued in.
MONTHLY_REPORT_CRON = "0 1 1 * *"


def _dispose_engines(close: bool) -> None:
    for engine in db.engines.values():
        engine.dispose(close=close)


class PortalWorker(Worker):
    """RQ's forking worker, minus the one trap of forking with SQLAlchemy: the work
    horse must not use connections of the parent's pool (two processes on one
    socket corrupt the protocol), so it drops them without closing them."""

    def main_work_horse(self, job: Any, queue: Queue) -> None:
        _dispose_engines(close=False)
        super().main_work_horse(job, queue)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Làm hết việc trong hàng đợi rồi dừng.")
@click.option("--name", default=None, help="Tên worker (duy nhất).")
@click.option("--queue", "queue_names", multiple=True, default=("default",), show_default=True)
@with_appcontext
def worker_command(burst: bool, name: str | None, queue_names: tuple[str, ...]) -> None:
    """Run an RQ worker; jobs run inside this app's context."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    _dispose_engines(close=True)  # nothing pooled in the parent when it forks
    while True:
        try:
            redis = worker_redis()
            queues = [Queue(n, connection=redis) for n in queue_names]
            # with_scheduler: moves retries waiting their interval back onto the queue
            # (RQ elects one such scheduler per queue across all workers).
            PortalWorker(queues, connection=redis, name=name).work(burst=burst, with_scheduler=True)
            return
        except UNAVAILABLE_ERRORS as exc:
            if burst:
                raise click.ClickException(f"{UNAVAILABLE_MESSAGE}: {exc}") from exc
            click.echo(f"{UNAVAILABLE_MESSAGE} ({exc}); thử lại sau {RECONNECT_SECONDS} giây.", err=True)
            time.sleep(RECONNECT_SECONDS)


def sweep_schedule(minutes: int, *, interval: bool = False) -> dict[str, Any]:
    """Wall-clock aligned (cron) when the interval divides an hour, else a plain interval."""
    minutes = max(1, int(minutes))
    if not interval and 60 % minutes == 0:
        return {"cron": f"*/{minutes} * * * *"}
    return {"interval": minutes * 60}


def make_scheduler(redis: Any, minutes: int, *, interval: bool = False) -> Any:
    """RQ's CronScheduler (rq >= 2.4) with the sweep and the monthly report registered.
    RQ's cron jobs carry no Retry; a failed sweep is simply done by the next interval,
    a missed monthly report by the catch-up when the scheduler starts."""
    from rq.cron import CronScheduler

    from jobs.reports import monthly_report
    from jobs.sweep import sweep_tick

    cron = CronScheduler(connection=redis)
    cron.register(sweep_tick, "default", name=SWEEP_CRON_NAME, job_timeout=3600,
                  failure_ttl=30 * 24 * 3600, **sweep_schedule(minutes, interval=interval))
    cron.register(monthly_report, "default", name=MONTHLY_REPORT_CRON_NAME, job_timeout=3600,
                  failure_ttl=30 * 24 * 3600, cron=MONTHLY_REPORT_CRON)
    return cron


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """RQ's cron scheduler: enqueue the sweep every SWEEP_INTERVAL_MINUTES (run one)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    minutes = int(current_app.config["SWEEP_INTERVAL_MINUTES"])
    caught_up = False
    try:
        while True:
            try:
                if not caught_up:
                    # Catch up at once (start-up, or Redis back after an outage); the
                    # interval and month claims make this harmless if the work was done.
                    caught_up = (enqueue_safely(SWEEP_JOB) is not None
                                 and enqueue_safely(MONTHLY_REPORT_JOB) is not None)
                make_scheduler(worker_redis(), minutes).start()
                return
            except UNAVAILABLE_ERRORS as exc:
                caught_up = False
                click.echo(f"{UNAVAILABLE_MESSAGE} ({exc}); thử lại sau {RECONNECT_SECONDS} giây.", err=True)
                time.sleep(RECONNECT_SECONDS)
    except (StopRequested, KeyboardInterrupt):
        return


sample_group = AppGroup("sample", help="Mẫu kiểm tra ngẫu nhiên kiểm chứng được (vsample-v1).")


def _cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:60]
    except (KeyError, OSError):
        return "cli"


@sample_group.command("export")
@click.argument("sample_id", type=int)
@click.option("--dir", "directory", required=True, type=click.Path(file_okay=False), help="Thư mục ghi tệp.")
@with_appcontext
def sample_export(sample_id: int, directory: str) -> None:
    """Write DIR/record.json and DIR/population.jsonl (only after the inspection opened)."""
    from ..services.sample_export import export_sample

    root = samples_root(current_app.config, current_app.instance_path)
    try:
        with audit_actor(_cli_actor(), "cli"):
            out = export_sample(db.session, sample_id, directory, samples_root=root)
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã xuất mẫu #{sample_id} vào {out}: record.json, population.jsonl")


@sample_group.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def sample_verify(directory: str) -> None:
    """Recompute the sample from DIR/record.json and DIR/population.jsonl alone."""
    from ..services.sample_export import verify_export

    result = verify_export(directory)
    if result.ok:
        click.echo(MATCH_MESSAGE)
        return
    click.echo("Không khớp:")
    for problem in result.problems:
        click.echo(f"  - {problem}")
    sys.exit(1)


@sample_group.command("draw")
@click.argument("sample_id", type=int)
@with_appcontext
def sample_draw(sample_id: int) -> None:
    """Draw a pending sample in this process (without the queue)."""
    from jobs.sampling import draw_sample

    result = draw_sample(sample_id)
    click.echo(f"Mẫu #{sample_id}: {result['status']}")
    if result["status"] == "failed":
        sys.exit(1)


jobs_group = AppGroup("jobs", help="Tác vụ nền.")


@jobs_group.command("failed")
@click.option("--verbose", "-v", is_flag=True, help="In cả traceback.")
@with_appcontext
def jobs_failed(verbose: bool) -> None:
    """List failed jobs with their error."""
    try:
        rows = failed_jobs(get_redis())
    except UNAVAILABLE_ERRORS as exc:
        raise click.ClickException(f"{UNAVAILABLE_MESSAGE}: {exc}") from exc
    if not rows:
        click.echo("Không có tác vụ lỗi.")
        return
    for row in rows:
        when = row.ended_at.isoformat(timespec="seconds") if row.ended_at else "?"
        click.echo(f"{row.id}  {when}  {row.func}({row.args})  {row.error}")
        if verbose and row.detail:
            click.echo(row.detail)


def register(app: Any) -> None:
    """Add the commands to ``app.cli`` (called from ``portal.cli.init_app``)."""
    for command in (worker_command, scheduler_command, sample_group, jobs_group):
        app.cli.add_command(command)
