"""Command-line interface: ``flask --app wsgi <command>``."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from ..database import create_schema_from_sql, schema_exists
from ..extensions import db


@click.command("init-db")
@click.option("--from-sql", is_flag=True, help="Build from schema.sql instead of the ORM models.")
@with_appcontext
def init_db_command(from_sql: bool) -> None:
    """Create the tables if the database is new."""
    if schema_exists(db.engine):
        click.echo("Cơ sở dữ liệu đã có, không thay đổi.")
        return
    if from_sql:
        create_schema_from_sql(db.engine)
    else:
        db.create_all()
    click.echo("Đã tạo cơ sở dữ liệu.")


@click.command("ddl")
@click.option("--dialect", type=click.Choice(["postgresql", "sqlite"]), default="postgresql")
@with_appcontext
def ddl_command(dialect: str) -> None:
    """Print the DDL the ORM models would emit (to review against schema.sql)."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dia = postgresql.dialect() if dialect == "postgresql" else sqlite.dialect()
    for table in db.metadata.sorted_tables:
        click.echo(str(CreateTable(table).compile(dialect=dia)).strip() + ";\n")
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            click.echo(str(CreateIndex(index).compile(dialect=dia)).strip() + ";")
        click.echo("")


def init_app(app: Flask) -> None:
    from . import audit as audit_cli
    from . import inspections as inspection_cli
    from . import jobs as jobs_cli
    from . import run as run_cli
    from . import seed as seed_cli
    from . import sweep as sweep_cli

    app.cli.add_command(init_db_command)
    app.cli.add_command(ddl_command)
    app.cli.add_command(seed_cli.seed_group)
    app.cli.add_command(audit_cli.audit_group)
    app.cli.add_command(inspection_cli.inspection_group)
    app.cli.add_command(run_cli.run_all_command)
    jobs_cli.register(app)
    app.cli.add_command(sweep_cli.sweep_command)
    _attribute_to_cli(app.cli.commands.values())


def _attribute_to_cli(commands: object) -> None:
    """Changes made from the command line are audited with source 'cli' and the
    operating-system user who ran the command."""
    import functools
    import getpass

    from ..services.audit import audit_actor

    for command in list(commands):  # type: ignore[call-overload]
        if isinstance(command, click.Group):
            _attribute_to_cli(command.commands.values())
            continue
        callback = command.callback
        if callback is None or getattr(callback, "_cli_audited", False):
            continue

        @functools.wraps(callback)
        def audited(*args: object, __callback=callback, **kwargs: object) -> object:
            with audit_actor(f"os:{getpass.getuser()}"[:60], "cli"):
                return __callback(*args, **kwargs)

        audited._cli_audited = True  # type: ignore[attr-defined]
        command.callback = audited
