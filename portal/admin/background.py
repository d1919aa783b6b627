"""Pages for background work: the deadline sweep, the queues, failed jobs and samples.

Every page renders with Redis down: it says background work is unavailable
(:data:`portal.queue.UNAVAILABLE_MESSAGE`) and offers nothing that would queue
into the void. Views are thin: the claims, draws and exports live in services
and jobs.

The lead registers them with :func:`register` from ``portal/admin/__init__.py``.
Permission cells used (resource → actions):
``sweep``  view (status page), create ("Quét ngay");
``queue``  view (monitoring, failed jobs), edit (re-queue a failed job);
``sample`` sample (request, start, extend), view (progress, result, verify).
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, url_for
from flask_admin import Admin, expose
from werkzeug.wrappers import Response

from ..extensions import db
from ..models.base import utcnow
from ..queue import UNAVAILABLE_ERRORS, UNAVAILABLE_MESSAGE, enqueue_safely, get_redis, queue_available
from ..queue_status import failed_jobs, next_scheduled_sweep, queues, requeue_failed, schedulers, workers
from ..services import ticks
from ..services.sweep import LABELS as SWEEP_LABELS
from .background_common import BackgroundView
from .registry import OVERSIGHT, SYSTEM
from .sample_views import SampleProgressView, SampleRequestView

SWEEP_QUEUED = "Đã xếp lịch quét thời hạn (tác vụ {id}). Kết quả hiện ở trang này khi quét xong."
#: Enqueued by name: the web layer does not import the jobs package.
SWEEP_JOB = "jobs.sweep.sweep_tick"


class SweepView(BackgroundView):
    """The last sweep (when, how long, what it changed), the next one, and "Quét ngay"."""

    resource = "sweep"

    @expose("/")
    def index(self) -> str:
        minutes = int(current_app.config["SWEEP_INTERVAL_MINUTES"])
        last = ticks.last_finished(db.session, "sweep")
        recent = ticks.recent(db.session, "sweep", limit=10)
        available = queue_available()
        next_at, scheduler_count = None, 0
        if available:
            try:
                next_at, scheduler_count = next_scheduled_sweep(get_redis())
            except UNAVAILABLE_ERRORS:
                available = False
        if next_at is None:
            next_at = ticks.next_tick_after(last.tick if last else None, minutes)
        return self.render(
            "admin/background/sweep.html", last=last, recent=recent, next_at=next_at, scheduler_count=scheduler_count,
            minutes=minutes, available=available, can_run=self.may("create"), labels=SWEEP_LABELS,
        )

    @expose("/run", methods=("POST",))
    def run(self) -> Response:
        if not self.may("create"):
            abort(403)
        job = enqueue_safely(SWEEP_JOB, utcnow().isoformat(), description="Quét thời hạn (theo yêu cầu)")
        if job is None:
            flash(UNAVAILABLE_MESSAGE + ": chưa quét được, vui lòng thử lại sau.", "error")
        else:
            flash(SWEEP_QUEUED.format(id=job.id), "success")
        return redirect(url_for(".index"))


class QueueView(BackgroundView):
    """Queues, workers, schedulers and failed jobs: administrators only."""

    resource = "queue"

    @expose("/")
    def index(self) -> str:
        data: dict[str, Any] = {"queues": [], "workers": [], "schedulers": []}
        available = queue_available()
        if available:
            try:
                redis = get_redis()
                data = {"queues": queues(redis), "workers": workers(redis), "schedulers": schedulers(redis)}
            except UNAVAILABLE_ERRORS:
                available = False
        return self.render("admin/background/monitor.html", available=available, **data)

    @expose("/failed")
    def failed(self) -> str:
        rows: list[Any] = []
        available = queue_available()
        if available:
            try:
                rows = failed_jobs(get_redis())
            except UNAVAILABLE_ERRORS:
                available = False
        return self.render("admin/background/failed.html", available=available, rows=rows,
                           can_requeue=self.may("edit"))

    @expose("/failed/<job_id>/requeue", methods=("POST",))
    def requeue(self, job_id: str) -> Response:
        if not self.may("edit"):
            abort(403)
        if not queue_available():
            flash(UNAVAILABLE_MESSAGE, "error")
            return redirect(url_for(".failed"))
        try:
            done = requeue_failed(get_redis(), job_id[:100])
        except UNAVAILABLE_ERRORS:
            flash(UNAVAILABLE_MESSAGE, "error")
            return redirect(url_for(".failed"))
        flash("Đã đưa tác vụ trở lại hàng đợi." if done else "Không tìm thấy tác vụ lỗi này.",
              "success" if done else "error")
        return redirect(url_for(".failed"))


def register(admin: Admin) -> None:
    """Add the background pages to the portal (called by the lead from admin.init_app).

    They join the menus of their subject (sampling under inspections, the sweep and
    the queues under the system) so that the menu bar holds on one line."""
    admin.add_view(SweepView(name="Quét thời hạn", category=SYSTEM, endpoint="background_sweep",
                             url="/admin/background/sweep"))
    admin.add_view(SampleRequestView(name="Yêu cầu chọn mẫu", category=OVERSIGHT, endpoint="background_sample_request",
                                     url="/admin/background/sample-request"))
    admin.add_view(SampleProgressView(name="Mẫu kiểm tra", category=OVERSIGHT, endpoint="background_samples",
                                      url="/admin/background/samples"))
    admin.add_view(QueueView(name="Giám sát hàng đợi", category=SYSTEM, endpoint="background_queue",
                             url="/admin/background/queue"))
