"""``flask --app wsgi inspection start CODE [--at ISO]``: open an inspection.

Starting is one transaction with its consequences: the seeds of the
inspection's drawn samples are revealed and the drawn units become its targets
(``portal.services.sample_reveal``), exactly as when it is started in the portal.
"""
from __future__ import annotations


import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from ..extensions import db
from ..models import Inspection
from ..services import DomainError
from ..services.sample_reveal import start_inspection
from .sweep import parse_instant

inspection_group = AppGroup("inspection", help="Đợt kiểm tra công vụ.")


@inspection_group.command("start")
@click.argument("code")
@click.option("--at", "at_text", default=None,
              help="Thời điểm bắt đầu (ISO 8601 có múi giờ; mặc định: bây giờ).")
@with_appcontext
def inspection_start(code: str, at_text: str | None) -> None:
    """Bắt đầu đợt kiểm tra CODE và công bố hạt giống các mẫu của đợt (một giao dịch)."""
    at = parse_instant(at_text)
    inspection = db.session.scalar(sa.select(Inspection).where(Inspection.code == code.strip()))
    if inspection is None:
        raise click.ClickException(f"Không tìm thấy đợt kiểm tra có mã {code!r}.")
    try:
        revealed = start_inspection(db.session, inspection, at=at)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã bắt đầu đợt kiểm tra {inspection.code} lúc {at.isoformat(timespec='seconds')}; "
               f"đã công bố hạt giống của {revealed} mẫu.")
