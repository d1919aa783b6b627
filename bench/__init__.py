"""Province-scale benchmark of the portal (issue 7): ``make bench`` or ``python -m bench``.

A command, not a test. It builds the province data with ``seed.province.generate``
(on SQLite, and on PostgreSQL when ``BENCH_DATABASE_URL`` is set), then measures,
through the real WSGI app and as each demo role, the main list pages, the
dashboards, the deadline sweep, ``vsample-v1`` draws, the population export and
the generator itself. Every page figure is printed beside the time of the same SQL
run directly on a raw connection (the *floor*), so the portal's own overhead shows
as a ratio. Results go to ``docs/benchmarks.md``.

Layout:

* :mod:`bench.__main__` — options and orchestration (one subprocess per phase);
* :mod:`bench.data` — building or reusing the data sets;
* :mod:`bench.capture` — counting and re-running the SQL of a request;
* :mod:`bench.web` — the list pages and dashboards (the "web process");
* :mod:`bench.worker` — sweep, draws and export (the "worker");
* :mod:`bench.draw_job` — a draw through the sampling job (also ``python -m bench.draw_job``);
* :mod:`bench.report` — the table, the targets and ``docs/benchmarks.md``;
* :mod:`bench.notes` — the reasons written for the targets that are missed.
"""
from __future__ import annotations

DEFAULT_SIZES = {"units": 3000, "staff": 60000, "tasks": 1_000_000, "consultations": 200_000}
#: Synthetic audit-log entries added to the province (the generator writes none).
DEFAULT_AUDIT_ROWS = 500_000
DEMO_PASSWORD = "congvu-demo"
#: Environment of every app the benchmark builds (no instance secrets, no Redis needed).
APP_ENV = {"PORTAL_ENV": "development", "SECRET_KEY": "bench-secret-key-not-for-production"}
