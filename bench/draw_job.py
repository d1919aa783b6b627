"""Time one ``vsample-v1`` draw through the job path over a province-size population.

``python -m bench.draw_job [--tasks N] [--url URL] [--kind task|staff|unit] [--weighting uniform|risk]``

Builds (once) a database with the demo world and a province of ``--tasks`` tasks
(``seed.province.generate``, no consultations), then, in a fresh process per run,
records a sample request for a new inspection and calls
:func:`jobs.sampling.draw_sample` in-process — the function an RQ worker runs —
timing it and reading the process's peak RSS. The drawn rows stay in the database
(each run uses a new inspection), so reruns on the same file are comparable.

SQLite files are kept under ``bench-data/`` (``draw-t<N>.sqlite``); with ``--url``
a PostgreSQL database (or schema, via ``options=-csearch_path=…``) is filled once.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from . import APP_ENV

ROOT = Path(__file__).resolve().parent.parent


def _app(url: str) -> Any:
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url}, env={**APP_ENV, "DATABASE_URL": url})


def build(url: str, tasks: int) -> dict[str, Any]:
    """Tables, the demo world and the province, unless the province is there already."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Unit
    from seed.demo import seed_demo
    from seed.province import ROOT_CODE, generate

    app = _app(url)
    with app.app_context():
        db.create_all()
        if db.session.scalar(sa.select(Unit.id).where(Unit.code == ROOT_CODE)) is not None:
            return {"built": False}
        seed_demo(db.session)
        db.session.commit()
        t = time.perf_counter()
        counts = generate(db.engine, units=3000, staff=60000, tasks=tasks, consultations=0)
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        return {"built": True, "seconds": time.perf_counter() - t, **counts}


def peak_rss_mb() -> float:
    """The process's peak RSS (VmHWM: unlike ``ru_maxrss`` it is not inherited
    from the parent across fork and exec)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def measure(url: str, kind: str, weighting: str, samples_dir: str, export_to: str | None = None) -> dict[str, Any]:
    """One draw through ``jobs.sampling.draw_sample``; runs in its own process. With
    ``export_to``, the inspection then starts and the sample is exported there as an
    inspector downloads it (``sample_export.export_sample``: the record and the stored
    population file, checked against its hash)."""
    from datetime import date

    import sqlalchemy as sa

    from jobs.sampling import draw_sample
    from portal.extensions import db
    from portal.models import Account, Inspection, Sample
    from portal.services.samples import create_sample_request

    app = _app(url)
    app.config["SAMPLES_DIR"] = samples_dir
    with app.app_context():
        inspector = db.session.scalar(sa.select(Account).where(Account.username == "inspector"))
        inspection = Inspection(code=f"BENCH-{uuid.uuid4().hex[:10]}", title="Đo thời gian rút mẫu", mode="unannounced",
                                status="planned", lead_unit_id=inspector.unit_id, planned_on=date(2026, 12, 1))
        db.session.add(inspection)
        db.session.flush()
        sample = create_sample_request(
            db.session, inspection, population_kind=kind, sizes={"": 100}, weighting=weighting,
            seed="31415926535897932384626433832795", size_reason="Đo hiệu năng", by=inspector)
        db.session.commit()
        sample_id = sample.id
        db.session.remove()
        rss_before = peak_rss_mb()
        t, cpu = time.perf_counter(), time.process_time()
        result = draw_sample(sample_id)
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        rss = peak_rss_mb()
        done = db.session.get(Sample, sample_id)
        exported: dict[str, Any] = {}
        if export_to is not None and result["status"] == "done":
            from pathlib import Path as _Path

            from portal.services.sample_export import export_sample
            from portal.services.sample_reveal import start_inspection

            start_inspection(db.session, done.inspection)
            db.session.commit()
            t = time.perf_counter()
            folder = export_sample(db.session, sample_id, export_to, samples_root=_Path(samples_dir))
            db.session.commit()
            exported = {"export_seconds": round(time.perf_counter() - t, 2), "export_peak_rss_mb": peak_rss_mb(),
                        "export_mb": round(sum(f.stat().st_size for f in folder.iterdir()) / 2**20, 1)}
        return {**exported, "kind": kind, "weighting": weighting, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "status": result["status"],
                "population_size": done.population_size, "items": len(done.items),
                "population_sha256": done.population_sha256, "first": done.items[0].item_id if done.items else None,
                "rss_before_mb": rss_before, "peak_rss_mb": rss, "engine": db.engine.dialect.name}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.draw_job", description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=1_000_000)
    p.add_argument("--url", help="database URL (default: a SQLite file under bench-data/)")
    p.add_argument("--kind", default="task", choices=("task", "staff", "unit"))
    p.add_argument("--weighting", default="uniform", choices=("uniform", "risk"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        config = json.loads(args.child)
        print(json.dumps(measure(config["url"], config["kind"], config["weighting"], config["samples_dir"])))
        return
    from portal.config import normalise_database_url

    if args.url:
        url = normalise_database_url(args.url)
    else:
        (ROOT / "bench-data").mkdir(exist_ok=True)
        url = f"sqlite:///{ROOT / 'bench-data' / f'draw-t{args.tasks}.sqlite'}"
    print(json.dumps({"build": build(url, args.tasks)}), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-samples-") as samples_dir:
        for _ in range(args.runs):
            child = json.dumps({"url": url, "kind": args.kind, "weighting": args.weighting,
                                "samples_dir": samples_dir})
            out = subprocess.run([sys.executable, "-m", "bench.draw_job", "--child", child], cwd=ROOT,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(out.stderr[-3000:], file=sys.stderr)
                sys.exit(out.returncode)
            print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
