"""Where the periodic report's files live, and who may ask for a report on which units.

``REPORTS_DIR`` (default ``instance/reports``) holds:

* ``monthly/<yyyy-mm>/bao-cao-<yyyy-mm>.xlsx|.docx`` — the issued monthly reports;
  the names depend only on the month, so a run killed before its commit and run
  again overwrites its own leftovers instead of leaving a second copy;
* ``on-demand/<job id>/`` — a report built in the background for one account:
  ``report.json`` (figures and owner), ``bao-cao.xlsx``, ``bao-cao.docx``; removed
  after :data:`ON_DEMAND_KEEP_DAYS`.

Every file is written to a temporary name and renamed, so a reader never sees half
a file. With workers on other hosts ``REPORTS_DIR`` must be storage they share with
the web hosts (as for ``SAMPLES_DIR``).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..auth.policy import can, in_scope, sees_all
from . import DomainError
from .periodic_report import PeriodicReport

__all__ = [
    "ON_DEMAND_KEEP_DAYS", "RESOURCE", "cleanup_on_demand", "load_on_demand", "may_report_on", "on_demand_dir",
    "reports_root", "save_on_demand", "write_atomic",
]

#: The page and job resource of the permission matrix.
RESOURCE = "periodic_report"
ON_DEMAND_KEEP_DAYS = 7
FILE_STEM = "bao-cao"
_JOB_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def reports_root(config: Any, instance_path: str) -> Path:
    """``REPORTS_DIR`` from the config, else ``<instance>/reports``."""
    configured = config.get("REPORTS_DIR") if hasattr(config, "get") else None
    return Path(str(configured)) if configured else Path(instance_path) / "reports"


def may_report_on(account: Any, scope_unit_id: int | None) -> bool:
    """The report page's rule: the ``view`` permission, and a scope inside the account's
    row scope (every unit only for those who see all)."""
    if not can(account, RESOURCE, "view"):
        return False
    if scope_unit_id is None:
        return sees_all(account)
    return in_scope(account, scope_unit_id)


def write_atomic(path: Path, write: Callable[[IO[bytes]], None] | bytes) -> Path:
    """Write ``path`` through a temporary file in the same directory, then rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(write, bytes):
                fh.write(write)
            else:
                write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def on_demand_dir(root: Path, job_id: str) -> Path:
    """The directory of one background report; the id comes from a URL, so it is checked."""
    if not _JOB_ID.match(job_id or ""):
        raise DomainError("Mã tác vụ không hợp lệ.")
    return root / "on-demand" / job_id


def save_on_demand(root: Path, job_id: str, report: PeriodicReport, *, account_id: int,
                   xlsx: Callable[[IO[bytes]], None], docx: tuple[str, bytes]) -> Path:
    """The files of a background report; ``report.json`` last, so its presence means done."""
    directory = on_demand_dir(root, job_id)
    write_atomic(directory / f"{FILE_STEM}.xlsx", xlsx)
    write_atomic(directory / f"{FILE_STEM}.docx", docx[1])
    meta = {"account_id": account_id, "docx_name": docx[0], "report": report.to_dict()}
    write_atomic(directory / "report.json", json.dumps(meta, ensure_ascii=False).encode())
    return directory


def load_on_demand(root: Path, job_id: str) -> tuple[int, PeriodicReport, str] | None:
    """(owner account id, figures, DOCX file name) of a finished background report, or None."""
    path = on_demand_dir(root, job_id) / "report.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return int(meta["account_id"]), PeriodicReport.from_dict(meta["report"]), str(meta.get("docx_name") or "")


def cleanup_on_demand(root: Path, *, keep_days: int = ON_DEMAND_KEEP_DAYS, now: float | None = None) -> int:
    """Remove background reports older than ``keep_days``; returns how many."""
    base = root / "on-demand"
    if not base.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - keep_days * 86400
    removed = 0
    for entry in base.iterdir():
        try:
            if entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        except FileNotFoundError:  # removed by a concurrent clean-up
            continue
    return removed
