"""The worker part: the deadline sweep, ``vsample-v1`` draws and a sample's export.

Run as ``python -m bench.worker CONFIG.json`` in its own process, so its peak RSS
is the worker's; the RSS after each phase is recorded too (it only grows), which
shows which phase set the peak.
"""
from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

DRAW_SEED = "31415926535897932384626433832795"  # 32 decimal digits (a dice ceremony)
DRAW_SIZE = 100


def log(msg: str) -> None:
    print(f"[worker] {msg}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(result: dict[str, Any], name: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn``; record its seconds, the peak RSS after it, or why it could not run."""
    log(f"{name} …")
    t = time.perf_counter()
    try:
        value = fn()
    except Exception as exc:  # a phase that cannot run is reported, not fatal
        result[name] = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=4)}
        log(f"{name} failed: {exc}")
        return None
    entry = {"seconds": time.perf_counter() - t, "maxrss_mb": rss_mb()}
    if isinstance(value, dict):
        entry.update(value)
    result[name] = entry
    log(f"{name}: {entry['seconds']:.2f} s")
    return value


def synthetic(n: int) -> Iterator[Any]:
    from portal.services.sampling import make_item

    for i in range(n):
        yield make_item(f"T{i:07d}")


def sweep_phases(result: dict[str, Any], capture: Any) -> None:
    from flask import current_app

    from portal.extensions import db
    from portal.models.base import utcnow
    from portal.services.audit import audit_actor
    from portal.services.sweep import run_sweep

    cfg = current_app.config
    state: dict[str, Any] = {}

    def once(since: Any) -> dict[str, Any]:
        capture.start()
        start = utcnow()
        with audit_actor("he-thong", "job"):
            stats = run_sweep(db.session, utcnow(), reminder_days=int(cfg["REMINDER_WORKING_DAYS"]),
                              at_risk_days=int(cfg["AT_RISK_WORKING_DAYS"]), since=since)
            db.session.commit()
        statements = capture.stop()
        state.setdefault("first_start", start)
        changed = stats.as_dict() if hasattr(stats, "as_dict") else dict(vars(stats))
        return {"changed": changed, "total_changed": sum(changed.values()), "queries": len(statements),
                "slowest": capture.slowest()}

    timed(result, "sweep_first", lambda: once(None))
    timed(result, "sweep_rerun_since", lambda: once(state.get("first_start")))
    timed(result, "sweep_rerun_full", lambda: once(None))
    db.session.remove()


def draw_phases(result: dict[str, Any], n_items: int) -> None:
    from portal.extensions import db
    from portal.services import sampling

    def synthetic_draw() -> dict[str, Any]:
        drawn = sampling.draw(synthetic(n_items), domain="bench:synthetic", seed=DRAW_SEED, sizes={"": DRAW_SIZE})
        return {"items": n_items, "selected": len(drawn[""])}

    timed(result, "draw_synthetic", synthetic_draw)

    from portal.services import population

    today = date.today()

    def db_items() -> Iterator[Any]:
        spec = population.make_spec("task")
        for row in population.stream(db.session, spec, today):
            yield row.item

    def db_draw() -> dict[str, Any]:
        counted = [0]

        def items() -> Iterator[Any]:
            for item in db_items():
                counted[0] += 1
                yield item

        drawn = sampling.draw(items(), domain="bench:tasks", seed=DRAW_SEED, sizes={"": DRAW_SIZE})
        return {"items": counted[0], "selected": len(drawn[""])}

    timed(result, "draw_db", db_draw)
    db.session.remove()



def analyze() -> dict[str, Any]:
    """Fresh PostgreSQL statistics after the sweep wrote its rows, as autovacuum would
    (with statistics from before the sweep, 495,000 notices look like 16 and a search
    of them takes a plan that reads them all)."""
    from portal.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        autovacuum = str(conn.exec_driver_sql("SHOW autovacuum").scalar())
        conn.exec_driver_sql("ANALYZE")
    return {"autovacuum": autovacuum}


def job_draw_phase(result: dict[str, Any], url: str, work_dir: Path) -> None:
    """A draw as the portal runs it: a sample request of a new inspection, drawn by the
    RQ job's function (``jobs.sampling.draw_sample``) in this process."""
    import tempfile

    try:
        from .draw_job import measure
    except Exception as exc:  # the job-path timer is optional
        result["draw_job"] = {"error": f"bench.draw_job cannot be imported: {exc}"}
        return

    exported: dict[str, Any] = {}

    def run() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="bench-samples-", dir=work_dir) as samples_dir:
            got = measure(url, "task", "uniform", samples_dir, export_to=str(Path(samples_dir) / "export"))
        if got.get("status") != "done":
            raise RuntimeError(f"the draw ended as {got.get('status')!r}")
        exported.update(got)
        return {"items": got["population_size"], "selected": got["items"]}

    timed(result, "draw_job", run)
    if "export_seconds" in exported:  # the inspector's download of that sample, after the inspection starts
        result["export"] = {"seconds": exported["export_seconds"], "maxrss_mb": exported["export_peak_rss_mb"],
                            "items": exported["population_size"], "file_mb": exported["export_mb"]}


def run(config: dict[str, Any]) -> dict[str, Any]:
    from portal.extensions import db

    from .capture import Capture
    from .data import make_app

    app = make_app(config["url"])
    result: dict[str, Any] = {"rss_start_mb": rss_mb()}
    with app.app_context():
        capture = Capture(db.engine)
        if not config.get("skip_sweep"):
            sweep_phases(result, capture)
            if db.engine.dialect.name == "postgresql":
                timed(result, "analyze", analyze)
        draw_phases(result, config["draw_items"])
        job_draw_phase(result, config["url"], Path(config["export_path"]).parent)
        capture.close()
    result["maxrss_mb"] = rss_mb()
    return result


def main() -> None:
    config = json.loads(open(sys.argv[1], encoding="utf-8").read())
    result = run(config)
    with open(config["out"], "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
