"""The periodic report as RQ jobs: the monthly report (scheduled) and a large report
asked for in the portal (on demand, with progress).

Thin: the figures, files and claims live in ``portal.services.periodic_report*``.
Both are safe to run twice: the monthly run claims its month in the database (a
second run is skipped); an on-demand run rewrites the same files.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from rq import get_current_job

from portal.auth.policy import reset_cache
from portal.extensions import db
from portal.models import Account
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.audit import audit_actor
from portal.services.periodic_report import compute_report
from portal.services.periodic_report_files import cleanup_on_demand, may_report_on, reports_root, save_on_demand
from portal.services.periodic_report_monthly import issue_monthly_report, parse_month, previous_month
from portal.services.periodic_report_render import write_xlsx
from portal.services.reports import draft_report_docx, report_parties
from portal.services.workdays import local_today

from .context import job_app, pause_for_tests
from .sweep import ACTOR

#: Test-only (PORTAL_ENV=testing): seconds the monthly run waits after writing its
#: files, before its commit, so a test can kill the worker there. It reports its pid.
PAUSE_KEY = "portal:test:report:pause"
PAUSED_KEY = "portal:test:report:paused"


def _enqueued_at() -> datetime:
    """When the job was queued: the month a scheduler meant, even if a worker is late."""
    job = get_current_job()
    at = job.enqueued_at if job is not None and job.enqueued_at else utcnow()
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


def monthly_report(month: str | None = None) -> dict[str, Any]:
    """Issue the report of ``month`` (``yyyy-mm``; default: the month before the one the
    job was queued in). Returns ``{"status": "done" | "skipped" | "failed", "month": ...}``."""
    with job_app() as app:
        try:
            target = parse_month(month) if month else previous_month(local_today(_enqueued_at()))
        except DomainError as exc:
            return {"status": "failed", "month": month, "error": str(exc)}
        label = f"{target:%Y-%m}"
        root = reports_root(app.config, app.instance_path)
        session = db.session
        session.rollback()  # the claim must open the transaction (see issue_monthly_report)
        with audit_actor(ACTOR, "job"):
            try:
                stats = issue_monthly_report(session, target, root=root, now=utcnow())
            except DomainError as exc:
                session.rollback()
                return {"status": "failed", "month": label, "error": str(exc)}
            if stats is None:
                return {"status": "skipped", "month": label}
            pause_for_tests(app, PAUSE_KEY, PAUSED_KEY)
            session.commit()
        return {"status": "done", "month": label, **stats}


def _reporter() -> Any:
    """Progress (0–100) into the RQ job's meta, where the page's JSON endpoint reads it."""
    job = get_current_job()

    def report(pct: int) -> None:
        if job is not None:
            job.meta["progress"] = int(pct)
            job.save_meta()

    return report


def build_report(account_id: int, start: str, end: str, scope_unit_id: int | None = None) -> dict[str, Any]:
    """Compute a report for ``account_id`` and write its files under ``REPORTS_DIR/on-demand``.

    The account's right to this scope is checked again here: the job may run long
    after it was asked for, and roles or units may have changed since."""
    with job_app() as app:
        job = get_current_job()
        job_id = job.id if job is not None else uuid.uuid4().hex
        progress = _reporter()
        session = db.session
        reset_cache()  # permissions cached by an earlier job of this process may be stale
        account = session.get(Account, account_id)
        if account is None or not may_report_on(account, scope_unit_id):
            return {"status": "failed", "error": "Tài khoản không còn quyền xem báo cáo của phạm vi này."}
        try:
            report = compute_report(session, date.fromisoformat(start), date.fromisoformat(end),
                                    scope_unit_id=scope_unit_id, today=local_today(), progress=progress)
            issuer_name = report_parties(session, scope_unit_id, report.end)[0].name
            docx = draft_report_docx(session, report)
        except DomainError as exc:
            session.rollback()
            return {"status": "failed", "error": str(exc)}
        session.rollback()  # nothing to keep: the report is read-only
        root = reports_root(app.config, app.instance_path)
        cleanup_on_demand(root)
        save_on_demand(root, job_id, report, account_id=account_id, docx=docx,
                       xlsx=lambda fh: write_xlsx(report, fh, issuer_name=issuer_name))
        progress(100)
        return {"status": "done", "rows": len(report.rows), "units": report.units_in_scope}
