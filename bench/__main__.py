"""``python -m bench [options]`` (``make bench BENCH_ARGS="…"``): build, measure, report.

Each engine runs in three processes of its own: the build (generator), the web
part (list pages, dashboards) and the worker part (sweep, draws, export), so each
peak RSS is that part's alone. Results are kept per engine in
``<db-dir>/results-<engine>-<sizes>.json``; an engine not measured this run (e.g.
``--skip-pg``) is reported from its last results of the same sizes, with its date.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import DEFAULT_AUDIT_ROWS, DEFAULT_SIZES
from . import report
from .data import checkpoint, read_meta, schema_drift, sidecar, sqlite_file, sync_indexes
from .web import ROLES

ROOT = Path(__file__).resolve().parent.parent


EPILOG = """\
engines: SQLite always (unless --skip-sqlite); PostgreSQL too when BENCH_DATABASE_URL
  is set (e.g. postgresql://postgres@127.0.0.1:5432/bench). The PostgreSQL database
  is the benchmark's own: its public schema is dropped and rebuilt on every run.
data: the SQLite data set is built once per set of sizes under --db-dir and reused
  (indexes and search tables are brought in line with the models; it is rebuilt
  when the models' columns changed). Building at full size takes minutes.
output: the table of each engine on stdout and docs/benchmarks.md (--docs); the
  results are also kept as JSON beside the data sets, so --report-only (or an
  engine skipped this run) can report the last figures measured.
examples:
  make bench                                   # default sizes, both engines if configured
  make bench BENCH_ARGS="--tasks 100000 --units 500 --staff 10000 --consultations 20000"
  python -m bench --skip-pg --phases web --roles admin,head --repeat 5
"""


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0], epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in DEFAULT_SIZES.items():
        p.add_argument(f"--{name}", type=int, default=default, help=f"default {default:,}")
    p.add_argument("--audit-rows", type=int, default=DEFAULT_AUDIT_ROWS,
                   help=f"synthetic audit-log entries (default {DEFAULT_AUDIT_ROWS:,})")
    p.add_argument("--db-dir", type=Path, default=ROOT / "bench-data", help="where SQLite data sets are kept")
    p.add_argument("--repeat", type=int, default=20, help="requests per page (default 20)")
    p.add_argument("--deep-page", type=int, default=500, help="the deep page measured (default 500)")
    p.add_argument("--draw-items", type=int, default=1_000_000, help="synthetic items drawn (default 1,000,000)")
    p.add_argument("--roles", default=",".join(ROLES), help="accounts to measure as")
    p.add_argument("--skip-pg", action="store_true", help="do not measure PostgreSQL (BENCH_DATABASE_URL)")
    p.add_argument("--skip-sqlite", action="store_true", help="do not measure SQLite")
    p.add_argument("--phases", default="web,worker",
                   help="parts to run: web, worker (default both); a part not run keeps its last figures")
    p.add_argument("--no-explain", action="store_true", help="do not collect query plans")
    p.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md", help="report file")
    p.add_argument("--report-only", action="store_true",
                   help="measure nothing: rewrite the report from the stored results of these sizes")
    return p.parse_args(argv)


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def child(module: str, config: dict[str, Any]) -> dict[str, Any]:
    """Run ``python -m bench.<module>`` on ``config``; return its JSON (or the error)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        cfg, out = Path(tmp) / "config.json", Path(tmp) / "out.json"
        cfg.write_text(json.dumps({**config, "out": str(out)}, default=str), encoding="utf-8")
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", f"bench.{module}", str(cfg)], cwd=ROOT)
        if proc.returncode != 0 or not out.exists():
            return {"error": f"bench.{module} exited with {proc.returncode}"}
        result = json.loads(out.read_text(encoding="utf-8"))
        result["wall_seconds"] = time.perf_counter() - t
        return result


def pg_url() -> str | None:
    from portal.config import normalise_database_url

    url = os.environ.get("BENCH_DATABASE_URL")
    return normalise_database_url(url) if url else None


def pg_version(url: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar())
    finally:
        engine.dispose()


def results_file(db_dir: Path, engine: str, sizes: dict[str, int], audit_rows: int) -> Path:
    return db_dir / f"results-{engine}-{sqlite_file(db_dir, sizes, audit_rows).stem.removeprefix('province-')}.json"


def measure(engine: str, url: str, args: argparse.Namespace, sizes: dict[str, int], build: dict[str, Any],
            work_dir: Path) -> dict[str, Any]:
    phases = set(args.phases.split(","))
    res: dict[str, Any] = {"engine": engine, "sizes": sizes, "audit_rows": args.audit_rows, "build": build,
                           "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "notes": []}
    common = {"url": url, "sizes": sizes, "repeat": args.repeat}
    res["load"] = {"before": round(os.getloadavg()[0], 1)}
    # The worker part first: the sweep leaves the data as a live portal has it (swept every few
    # minutes: notices and proposals exist), which is what the pages should be measured on.
    if "worker" in phases:
        say(f"{engine}: sweep, draws, export")
        res["worker"] = child("worker", {**common, "draw_items": args.draw_items,
                                         "export_path": str(work_dir / f"population-{engine}.jsonl")})
        res["load"]["worker"] = round(os.getloadavg()[0], 1)
    if "web" in phases:
        say(f"{engine}: list pages and dashboards")
        res["web"] = child("web", {**common, "deep_page": args.deep_page, "roles": args.roles.split(","),
                                   "explain": not args.no_explain})
        res["load"]["web"] = round(os.getloadavg()[0], 1)
    for part in ("web", "worker"):
        if "error" in res.get(part, {}):
            res["notes"].append(f"the {part} part failed: {res[part]['error']}")
    return res


def run_sqlite(args: argparse.Namespace, sizes: dict[str, int]) -> dict[str, Any]:
    from .data import drop_copy, working_copy

    args.db_dir.mkdir(parents=True, exist_ok=True)
    path = sqlite_file(args.db_dir, sizes, args.audit_rows)
    small: dict[str, Any] | None = None
    drift = schema_drift(f"sqlite:///{path}") if path.exists() else []
    if drift:
        say(f"sqlite: the models changed since {path.name} was built ({' '.join(drift[:6])}…): rebuilding it")
        for stale in (path, sidecar(path)):
            stale.unlink(missing_ok=True)
    if path.exists():
        build = {**read_meta(path), "reused": True}
        say(f"sqlite: reused the existing data set {path} (built {build.get('built_at', '?')})")
        changes = sync_indexes(f"sqlite:///{path}")
        if changes:
            checkpoint(path)
            build["index_changes"] = changes
            say(f"sqlite: indexes brought in line with the models: {' '.join(changes)}")
        tiny = {k: max(1, v // 10) for k, v in sizes.items()}
        with tempfile.TemporaryDirectory(prefix="bench-gen-", dir=args.db_dir) as tmp:
            say(f"sqlite: timing the generator at 1/10 size {tiny}")
            got = child("data", {"sqlite_path": str(Path(tmp) / "small.sqlite"), "sizes": tiny, "audit_rows": 0})
            small = got.get("seconds")
    else:
        say(f"sqlite: building {path} (the generator may take minutes)")
        build = child("data", {"sqlite_path": str(path), "sizes": sizes, "audit_rows": args.audit_rows})
        if "error" in build:
            raise SystemExit(f"building the SQLite data set failed: {build['error']}")
        build["reused"] = False
    work = working_copy(path)
    try:
        res = measure("sqlite", f"sqlite:///{work}", args, sizes, build, args.db_dir)
    finally:
        drop_copy(work)
    if small:
        res["generator_small"] = small
    return res


def run_pg(args: argparse.Namespace, url: str, sizes: dict[str, int]) -> dict[str, Any]:
    say("postgresql: dropping and rebuilding the schema (the generator may take minutes)")
    build = child("data", {"url": url, "sizes": sizes, "audit_rows": args.audit_rows})
    if "error" in build:
        raise SystemExit(f"building the PostgreSQL data set failed: {build['error']}")
    build["reused"] = False
    res = measure("postgresql", url, args, sizes, build, args.db_dir)
    res["version"] = pg_version(url)
    return res


def keep_parts_not_run(res: dict[str, Any], old_file: Path, phases: str) -> None:
    """A run of some phases only (``--phases worker``) keeps the other parts' last
    figures for the same sizes, and says so."""
    if not old_file.exists():
        return
    old = json.loads(old_file.read_text(encoding="utf-8"))
    for part in ("web", "worker"):
        if part not in phases.split(",") and part in old:
            res[part] = old[part]
            res.setdefault("load", {})[part] = old.get("load", {}).get(part, "?")
            res["notes"].append(f"the {part} part is from the run of {old.get('measured_at', '?')}")


def plans(results: list[dict[str, Any]]) -> list[str]:
    """PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of each list, page 1
    (and the deep page of the task lists), as an administrator and as a unit head."""
    out: list[str] = []
    for res in results:
        if res["engine"] != "postgresql":
            continue
        for p in res.get("web", {}).get("pages", []):
            wanted = p["page"] == 1 or p["list"].startswith("task")
            if p.get("plan") and not p["search"] and p["role"] in ("admin", "head") and wanted:
                head = f"{p['list']} p{p['page']} ({p['role']}): {p['url']}"
                out += [f"**{head}**", "", "```", p["plan"], "```", ""]
    return out


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    sizes = {k: getattr(args, k) for k in DEFAULT_SIZES}
    results: list[dict[str, Any]] = []
    url = pg_url()
    if not args.skip_sqlite and not args.report_only:
        results.append(run_sqlite(args, sizes))
    if url and not args.skip_pg and not args.report_only:
        results.append(run_pg(args, url, sizes))
    elif not url and not args.skip_pg and not args.report_only:
        say("postgresql: BENCH_DATABASE_URL is not set, skipped")
    args.db_dir.mkdir(parents=True, exist_ok=True)
    for res in results:
        keep_parts_not_run(res, results_file(args.db_dir, res["engine"], sizes, args.audit_rows), args.phases)
        results_file(args.db_dir, res["engine"], sizes, args.audit_rows).write_text(
            json.dumps(res, indent=1, default=str), encoding="utf-8")
    engines = {r["engine"] for r in results}
    for engine in ("sqlite", "postgresql"):
        old = results_file(args.db_dir, engine, sizes, args.audit_rows)
        if engine not in engines and old.exists():
            res = json.loads(old.read_text(encoding="utf-8"))
            if not args.report_only:
                res.setdefault("notes", []).append(f"not measured in this run: results of {res['measured_at']}")
            results.append(res)
            say(f"{engine}: reporting the last results ({res['measured_at']})")
    if not results:
        raise SystemExit("nothing measured")
    results.sort(key=lambda r: r["engine"] != "sqlite")
    pg = next((r.get("version") for r in results if r["engine"] == "postgresql"), None)
    info = report.machine(pg)
    for res in results:
        print(f"\n## {res['engine']} ({res['measured_at']})\n")
        print(report.table(report.lines_for(res)))
    text = report.markdown(results, info, plans(results))
    args.docs.parent.mkdir(parents=True, exist_ok=True)
    args.docs.write_text(text, encoding="utf-8")
    say(f"written {args.docs}")


if __name__ == "__main__":
    main()
