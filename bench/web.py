"""The web part: list pages and dashboards through the real WSGI app, as each role.

Run as ``python -m bench.web CONFIG.json`` by :mod:`bench.__main__`, in its own
process so its peak RSS is the web process's. Writes its results as JSON to the
path named in the config.
"""
from __future__ import annotations

import gc
import json
import re
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

from flask import Flask, url_for

from . import DEMO_PASSWORD
from .capture import Capture, explain, floor, percentile
from .data import make_app

ROLES = ("admin", "leader", "inspector", "head", "staff", "p-head", "p-staff")
#: Roles whose scope is the whole organisation filter tasks by the province root.
PROVINCE_ROOT = "P-U000001"
#: Start and work pages each role lands on (the portal's "dashboards"): GET endpoints without arguments.
DASHBOARD_WORDS = re.compile(r"dashboard|scorecard|overview|statistic|^work_.*\.index$", re.I)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_ROW = re.compile(r'<td class="list-buttons-column"')


def log(msg: str) -> None:
    print(f"[web] {msg}", file=sys.stderr, flush=True)


@dataclass
class ListSpec:
    key: str
    model: str
    label: str
    search: str | None  # a code's beginning (~100 rows match)
    words: str | None = None  # words of a title or name (tens of thousands of rows match)
    subtree: bool = False
    status: str | None = None
    sort: str | None = None

    def searches(self) -> list[tuple[str, str | None]]:
        """(kind, text) of each search measured: none, by code, by words."""
        found = [("code", self.search), ("words", self.words)]
        return [("", None)] + [(kind, text) for kind, text in found if text]


def list_specs(sizes: dict[str, int]) -> list[ListSpec]:
    def code(prefix: str, n: int) -> str:
        return f"{prefix}{max(n // 2, 1):07d}"[:-2]  # ~100 matching codes

    return [
        ListSpec("task", "Task", "tasks: unit subtree + status open, by due date", code("P-T", sizes["tasks"]),
                 "kiến nghị", subtree=True, status="open", sort="due_date"),
        ListSpec("task-all", "Task", "tasks: default list (row scope only, by due date)",
                 code("P-T", sizes["tasks"]), "kiến nghị"),
        ListSpec("staff", "Staff", "staff (default sort)", code("P-S", sizes["staff"]), "Nguyễn Văn"),
        ListSpec("consultation", "Consultation", "consultations (default sort)", code("P-C", sizes["consultations"]),
                 "dự thảo"),
        ListSpec("notice", "Notice", "notices (default sort; filled by the sweep)", None, "nhắc việc quá hạn"),
        ListSpec("audit", "AuditLog", "audit log (default sort)", "p-user-01"),
    ]


def model_views(app: Flask) -> dict[str, Any]:
    """Model class name → its registered Flask-Admin view (first one wins)."""
    found: dict[str, Any] = {}
    admins = app.extensions.get("admin", [])
    for admin in admins if isinstance(admins, list) else [admins]:
        for view in getattr(admin, "_views", []):
            model = getattr(view, "model", None)
            if model is not None:
                found.setdefault(model.__name__, view)
    return found


def index_is_dashboard() -> bool:
    """Whether the start page renders the role dashboards (``portal/services/dashboards*.py``)."""
    import inspect

    from portal import admin

    index = getattr(admin, "PortalIndexView", None)
    return index is not None and "dashboard" in inspect.getsource(index).lower()


def dashboard_endpoints(app: Flask) -> list[str]:
    out = ["admin.index"]
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and not rule.arguments and DASHBOARD_WORDS.search(rule.endpoint):
            out.append(rule.endpoint)
    return sorted(set(out), key=out.index)


def filter_key(view: Any, test: Callable[[Any], bool]) -> str | None:
    for key, (_idx, flt) in (getattr(view, "_filter_args", None) or {}).items():
        if test(flt):
            return key
    return None


def _column_name(flt: Any) -> str:
    column = getattr(flt, "column", None)
    return str(getattr(column, "key", getattr(column, "name", "")))


def list_args(view: Any, spec: ListSpec, subtree_code: str) -> tuple[dict[str, Any], list[str]]:
    """URL arguments for the spec's filters and sort, and what could not be applied."""
    args: dict[str, Any] = {}
    missing: list[str] = []
    n = 0
    if spec.subtree:
        key = filter_key(view, lambda f: type(f).__name__ == "UnitSubtreeFilter" and "lead_unit" in _column_name(f))
        key = key or filter_key(view, lambda f: type(f).__name__ == "UnitSubtreeFilter")
        if key:
            args[f"flt{n}_{key}"] = subtree_code
            n += 1
        else:
            missing.append("subtree filter")
    if spec.status:
        key = filter_key(view, lambda f: _column_name(f) == "status" and type(f).__name__ == "FilterEqual")
        if key:
            args[f"flt{n}_{key}"] = spec.status
        else:
            missing.append("status filter")
    if spec.sort:
        columns = [c for c, _ in getattr(view, "_list_columns", [])]
        if spec.sort in columns:
            args["sort"], args["desc"] = columns.index(spec.sort), 1
        else:
            missing.append(f"sort by {spec.sort}")
    return args, missing


def login(client: Any, username: str) -> bool:
    page = client.get("/login").get_data(as_text=True)
    match = _CSRF.search(page)
    token = (match.group(1) or match.group(2)) if match else ""
    resp = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    return resp.status_code == 302


def measure(capture: Capture, client: Any, url: str, repeat: int, slow: float) -> dict[str, Any]:
    """Warm up once, then time ``repeat`` requests and the floor of the last one's SQL.

    What lives on from earlier pages (this process's results, the app's own objects) is
    frozen out of the garbage collector first: a web worker does not hold the
    benchmark's results, and a full collection walking them showed as 100–300 ms
    spikes in the p95 of pages whose median was 40 ms."""
    gc.collect()
    gc.freeze()
    t = time.perf_counter()
    resp = client.get(url)
    warm = time.perf_counter() - t
    out: dict[str, Any] = {"url": url, "status": resp.status_code}
    if resp.status_code != 200:
        return out
    n = repeat if warm < slow else max(3, repeat // 4)
    times, queries = [], []
    statements: list[Any] = []
    html = ""
    for _ in range(n):
        capture.start()
        t = time.perf_counter()
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        times.append(time.perf_counter() - t)
        statements = capture.stop()
        queries.append(len(statements))
    engine = capture.engine
    out.update(
        repeat=n, median=statistics.median(times), p95=percentile(times, 95), queries=max(queries),
        queries_min=min(queries), rows=len(_ROW.findall(html)),
        count_sql=[s.sql for s in statements if s.counts],
        floor=floor(engine, statements, n),
    )
    out["statements"] = [s.sql for s in statements]
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak so far
    out["_last"] = statements
    return out


def lists(app: Flask, capture: Capture, client: Any, role: str, view: Any, spec: ListSpec, subtree: str,
          config: dict[str, Any], result: dict[str, Any]) -> None:
    """One list as one role: page 1 and the deep page, with and without search."""
    args, missing = list_args(view, spec, subtree)
    for page in (0, config["deep_page"] - 1):
        for kind, search in spec.searches():
            query = dict(args, **({"page": page} if page else {}), **({"search": search} if search else {}))
            with app.test_request_context():
                url = url_for(f"{view.endpoint}.index_view", **query)
            log(f"{role:9} {url}")
            m = measure(capture, client, url, config["repeat"], config.get("slow_seconds", 2.0))
            last = m.pop("_last", [])
            m.update(role=role, list=spec.key, label=spec.label, page=page + 1, search=search, search_kind=kind,
                     missing=missing, subtree=subtree if spec.subtree else None)
            if config.get("explain") and role in ("admin", "head") and not search and last:
                worst = next((s for s in last if s.read and s.sql == m["floor"]["slowest_sql"]), None)
                if worst is not None:
                    m["plan"] = explain(capture.engine, worst)
            result["pages"].append(m)
    if role == "admin":  # the N+1 check: statements at page size 25 and 100
        counts = {}
        for size in (25, 100):
            with app.test_request_context():
                url = url_for(f"{view.endpoint}.index_view", page_size=size, **args)
            capture.start()
            resp = client.get(url)
            html = resp.get_data(as_text=True)
            counts[size] = {"queries": len(capture.stop()), "rows": len(_ROW.findall(html)), "status": resp.status_code}
        result["page_size"].append({"list": spec.key, "counts": counts})


def run(config: dict[str, Any]) -> dict[str, Any]:
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Account, Unit

    app = make_app(config["url"])
    repeat, slow = config["repeat"], config.get("slow_seconds", 2.0)
    result: dict[str, Any] = {"pages": [], "dashboards": [], "page_size": [], "notes": [], "plans": []}
    # Set-up only: requests must not run inside a long-lived app context, or flask.g
    # (the logged-in user, the policy cache) and the session would be shared by all.
    with app.app_context():
        engine = db.engine
        views = model_views(app)
        units = dict(db.session.execute(
            sa.select(Account.username, Unit.code).join(Unit, Unit.id == Account.unit_id)
            .where(Account.username.in_(config["roles"]))
        ).tuples().all())
        db.session.remove()
    specs = list_specs(config["sizes"])
    for spec in specs:
        if spec.model not in views:
            result["notes"].append(f"no admin view registered for {spec.model}: its list page is not measured")
    dashboards = dashboard_endpoints(app)
    others = ", ".join(d for d in dashboards if d != "admin.index")
    if index_is_dashboard():
        result["notes"].append("the start page (admin.index, /admin/) is each role's dashboard"
                               + (f"; the work pages ({others}) are measured too" if others else ""))
    else:
        result["notes"].append("no dashboard as such: the start page" + (f" and the work pages ({others})" if others else "")
                               + " are measured as each role's landing pages")
    with app.test_request_context():
        dash_urls = {ep: url_for(ep) for ep in dashboards}
    capture = Capture(engine)
    for role in config["roles"]:
        if role not in units:
            result["notes"].append(f"account {role!r} does not exist: skipped")
            continue
        client = app.test_client()
        if not login(client, role):
            result["notes"].append(f"login as {role!r} failed: skipped")
            continue
        subtree = PROVINCE_ROOT if role in ("admin", "leader", "inspector") else units[role]
        for spec in specs:
            if spec.model in views:
                lists(app, capture, client, role, views[spec.model], spec, subtree, config, result)
        for endpoint, url in dash_urls.items():
            log(f"{role:9} {url}")
            m = measure(capture, client, url, repeat, slow)
            m.pop("_last", None)
            m.update(role=role, endpoint=endpoint)
            result["dashboards"].append(m)
    capture.close()
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    config = json.loads(open(sys.argv[1], encoding="utf-8").read())
    result = run(config)
    with open(config["out"], "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
