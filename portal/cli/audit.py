"""``flask --app wsgi audit verify``: prove the audit log has not been edited."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..services.audit import verify_chain

audit_group = AppGroup("audit", help="Nhật ký kiểm toán.")


@audit_group.command("verify")
@click.option("--batch-size", default=1000, show_default=True, help="Rows read per round trip.")
def verify_command(batch_size: int) -> None:
    """Recompute every hash of the chain; exit 1 at the first broken link.

    On success the newest hash is printed too: keeping it outside the database is
    what detects a deletion of the newest entries, which a chain cannot see.
    """
    result = verify_chain(db.session, batch_size=batch_size)
    if not result.ok:
        click.echo(result.message, err=True)
        raise SystemExit(1)
    click.echo(result.message)
    if result.last_hash:
        click.echo(f"Mã băm mới nhất: {result.last_hash}")
