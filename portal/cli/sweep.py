"""``flask --app wsgi sweep [--now ISO] [--full]``: run the deadline sweep at once."""
from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models.base import utcnow
from ..services import DomainError
from ..services.sweep import AUTO, LABELS, run_sweep


def parse_instant(value: str | None) -> datetime:
    """A CLI option's ISO 8601 instant (with its offset), or now when not given."""
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"Không đọc được thời điểm {value!r} (ISO 8601, có múi giờ).") from exc
    if moment.tzinfo is None:
        raise click.BadParameter(f"Thời điểm {value!r} phải có múi giờ, ví dụ 2025-06-20T08:00:00+07:00.")
    return moment


@click.command("sweep")
@click.option("--now", "now_text", default=None, help="Quét như tại thời điểm này (ISO 8601 có múi giờ).")
@click.option("--full", is_flag=True, help="Rà soát toàn bộ tồn đọng (mặc định: phần đến hạn từ lần quét trước trong ngày).")
@click.option("--reminder-days", type=int, default=None, help="Số ngày làm việc nhắc trước hạn.")
@click.option("--at-risk-days", type=int, default=None, help="Ngưỡng “sắp đến hạn” (ngày làm việc).")
@with_appcontext
def sweep_command(now_text: str | None, full: bool, reminder_days: int | None, at_risk_days: int | None) -> None:
    """Quét thời hạn: xác định đồng ý, thông báo, nhắc việc, đề xuất kiểm điểm (một giao dịch)."""
    now = parse_instant(now_text)
    config = current_app.config
    session = db.session
    try:
        stats = run_sweep(
            session, now,
            reminder_days=config.get("REMINDER_WORKING_DAYS", 2) if reminder_days is None else reminder_days,
            at_risk_days=config.get("AT_RISK_WORKING_DAYS", 3) if at_risk_days is None else at_risk_days,
            since=None if full else AUTO,
        )
        session.commit()
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    except Exception:
        session.rollback()
        raise
    click.echo(f"Quét thời hạn lúc {now.isoformat(timespec='seconds')}:")
    for key, value in stats.as_dict().items():
        click.echo(f"  {LABELS[key]}: {value}")
    if not stats.changed:
        click.echo("Không có thay đổi.")
