"""``vsample-v1`` draws as RQ jobs (the portal shows their progress).

Thin: the population, the draw and the record live in ``portal.services.sample_draw``;
here are the transaction boundaries and the progress reports. Safe to run twice:
a sample already drawn is left alone, and items are only ever appended.
"""
from __future__ import annotations

from typing import Any, Mapping

from rq import get_current_job
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Account, Sample
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.audit import audit_actor
from portal.services.sample_files import samples_root
from portal.services.sample_draw import ProgressWriter, compute_draw, mark_failed, store_draw
from portal.services.samples import extend_sample as request_extension
from portal.services.sampling import SamplingError

from .context import job_app


def _reporter(sample_id: int) -> Any:
    """Progress (0–100) into the RQ job's meta, where the page's JSON endpoint reads it."""
    job = get_current_job()
    if job is None:
        return None

    def report(pct: int) -> None:
        job.meta["progress"] = int(pct)
        job.meta["sample_id"] = sample_id
        job.save_meta()

    return report


def _requester(sample: Sample) -> str | None:
    account = db.session.get(Account, sample.requested_by_id) if sample.requested_by_id else None
    return account.username if account else None


def draw_sample(sample_id: int) -> dict[str, Any]:
    """Draw a pending sample; returns ``{"status": done|already_done|failed, ...}``.

    Wrong data (a rule of the draw fails) marks the sample failed without a retry;
    any other error is recorded on the sample and re-raised, so RQ retries it.
    """
    with job_app() as app:
        session = db.session
        sample = session.get(Sample, sample_id)
        if sample is None:
            return {"status": "failed", "sample_id": sample_id, "error": "Không tìm thấy mẫu."}
        if sample.status == "done":
            return {"status": "already_done", "sample_id": sample_id}
        root = samples_root(app.config, app.instance_path)
        report = _reporter(sample_id)
        with audit_actor(_requester(sample), "job"):
            sample.status, sample.error, sample.progress = "running", None, 0
            session.commit()
            writer = ProgressWriter(session.get_bind(), sample_id, 1, report)
            writer.set(1)
            now = utcnow()
            try:
                drawn = compute_draw(session, session.get(Sample, sample_id), samples_root=root, writer=writer, now=now)
            except (DomainError, SamplingError) as exc:
                session.rollback()
                mark_failed(session, sample_id, str(exc))
                session.commit()
                return {"status": "failed", "sample_id": sample_id}
            except Exception as exc:
                session.rollback()
                mark_failed(session, sample_id, f"Lỗi tạm thời ({type(exc).__name__}); hệ thống sẽ thử lại.")
                session.commit()
                raise
            # End the read transaction before writing (SQLite: a reader whose snapshot
            # predates the progress commits cannot become a writer).
            session.rollback()
            writer.set(95)
            sample = session.get(Sample, sample_id)
            if sample is None or sample.status == "done":
                return {"status": "already_done", "sample_id": sample_id}
            try:
                store_draw(session, sample, drawn, now=now)
                session.commit()
            except IntegrityError:
                # Another worker stored the same draw first; its record stands.
                session.rollback()
                if session.get(Sample, sample_id).status == "done":  # type: ignore[union-attr]
                    return {"status": "already_done", "sample_id": sample_id}
                raise
        if report is not None:
            report(100)
        return {"status": "done", "sample_id": sample_id, "population_size": drawn.population_size}


def extend_sample(sample_id: int, extra: Mapping[str, int], account_id: int) -> dict[str, Any]:
    """Record an extension of ``sample_id`` by ``extra`` items per stratum and draw
    it (the portal creates the row itself and enqueues :func:`draw_sample`)."""
    with job_app():
        session = db.session
        account = session.get(Account, account_id)
        if account is None:
            return {"status": "failed", "error": "Không tìm thấy tài khoản."}
        with audit_actor(account.username, "job"):
            child = request_extension(session, sample_id, extra, by=account)
            session.commit()
            child_id = child.id
    result = draw_sample(child_id)
    return {**result, "sample_id": child_id, "extends_sample_id": sample_id}
