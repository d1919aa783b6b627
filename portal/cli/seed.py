"""``flask --app wsgi seed demo|province``."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from ..extensions import db

seed_group = AppGroup("seed", help="Nạp dữ liệu mẫu.")


@seed_group.command("demo")
def seed_demo() -> None:
    """The directive's own world (Phong Thổ district) with demo accounts; idempotent."""
    from seed.demo import seed_demo as run

    if not _has_schema():
        db.create_all()
    created = run(db.session)
    db.session.commit()
    click.echo(f"Dữ liệu mẫu: {created} bản ghi mới." if created else "Dữ liệu mẫu đã có, không thay đổi.")


@seed_group.command("province")
@click.option("--units", default=3000, show_default=True)
@click.option("--staff", default=60000, show_default=True)
@click.option("--tasks", default=1000000, show_default=True)
@click.option("--consultations", default=200000, show_default=True)
@click.option("--seed", "rng_seed", default=280, show_default=True, help="Random seed, for repeatable data.")
def seed_province(units: int, staff: int, tasks: int, consultations: int, rng_seed: int) -> None:
    """Province-scale data for benchmarks (bulk inserts)."""
    from seed.province import generate

    if not _has_schema():
        db.create_all()
    started = time.perf_counter()
    counts = generate(db.engine, units=units, staff=staff, tasks=tasks, consultations=consultations, seed=rng_seed)
    elapsed = time.perf_counter() - started
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()) + f" — {elapsed:.1f} s")


def _has_schema() -> bool:
    from ..database import schema_exists

    return schema_exists(db.engine)
