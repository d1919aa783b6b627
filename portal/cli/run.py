"""``flask --app wsgi run-all``: the portal, a worker and the scheduler in one command.

The embedded Redis server is started here and its socket handed to every child, so
all of them share one queue; Ctrl-C stops the children, then the server.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..database import schema_exists
from ..extensions import db

DEMO_ACCOUNTS = (
    ("admin", "Quản trị hệ thống"),
    ("leader", "Lãnh đạo — Chủ tịch UBND huyện"),
    ("inspector", "Kiểm tra công vụ — Phòng Nội vụ"),
    ("head", "Thủ trưởng — Trưởng phòng Tài nguyên và Môi trường"),
    ("staff", "Công chức — Phòng Tài nguyên và Môi trường"),
)


def _prepare_database() -> None:
    if not schema_exists(db.engine):
        db.create_all()
        click.echo("Đã tạo cơ sở dữ liệu.")
    from seed.demo import seed_demo

    created = seed_demo(db.session)
    db.session.commit()
    if created:
        click.echo(f"Đã nạp dữ liệu mẫu ({created} bản ghi).")


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


@click.command("run-all")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), show_default="5000 or $PORT")
@click.option("--workers", default=1, show_default=True, help="Number of RQ worker processes.")
@with_appcontext
def run_all_command(host: str, port: int, workers: int) -> None:
    """Start the web portal, RQ workers and the scheduler (development/demo)."""
    from ..queue import redis_url

    _prepare_database()
    url = redis_url(current_app)
    env = dict(os.environ, REDIS_URL=url)
    env.setdefault("SECRET_KEY", current_app.config["SECRET_KEY"])
    if "DATABASE_URL" not in env:
        env["DATABASE_URL"] = current_app.config["SQLALCHEMY_DATABASE_URI"]
    cwd = Path(current_app.root_path).parent
    web = [sys.executable, "-m", "gunicorn", "--config", "python:portal.gunicorn_hooks", "--bind", f"{host}:{port}",
           "--workers", "2", "--access-logfile", "-", "wsgi:create_app()"]
    # Names unique to this run: a run that was killed leaves its workers registered in
    # Redis until their heartbeat expires, and RQ refuses a second worker of that name.
    commands = [web] + [_flask("worker", "--name", f"portal-worker-{i + 1}-{os.getpid()}") for i in range(workers)]
    commands.append(_flask("scheduler"))
    children = [subprocess.Popen(cmd, env=env, cwd=cwd, start_new_session=True) for cmd in commands]

    click.echo("")
    click.echo(f"Cổng trách nhiệm công vụ: http://{host}:{port}")
    click.echo("Tài khoản mẫu (mật khẩu: congvu-demo):")
    for username, role in DEMO_ACCOUNTS:
        click.echo(f"  {username:<10} {role}")
    click.echo("Nhấn Ctrl-C để dừng.\n")

    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    click.echo(f"Tiến trình {' '.join(child.args[-3:])} đã dừng (mã {child.returncode}).", err=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        from ..queue import shutdown_embedded

        shutdown_embedded(current_app)
        click.echo("Đã dừng.")
