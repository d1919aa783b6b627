"""Sample pages: the request (inspectors), progress and result, verification.

Secrecy: until its inspection starts, a sample — its existence, progress, result
and seed — is shown only to leadership and the inspection function
(``sees_secret_inspections``), whatever the inspection's mode, and always within
the row scope of the permission policy. Anyone else gets 404 from every page and
from the JSON progress endpoint, so not even the existence of a draw leaks.
"""
from __future__ import annotations

import json
from typing import Any, Iterator

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, jsonify, redirect, request, stream_with_context, url_for
from flask_admin import expose
from sqlalchemy.orm import selectinload

from ..auth.policy import current_account, sees_secret_inspections
from ..auth.scopes import row_scope
from ..extensions import db
from ..models import Inspection, Sample, SampleItem, enums
from ..queue import UNAVAILABLE_MESSAGE, enqueue_safely, get_queue, queue_available
from ..services import DomainError, population
from ..services.sample_export import build_record, ensure_revealed, verify_stored, verify_upload
from ..services.sample_files import read_checked, samples_root, stored_population
from ..services.samples import create_sample_request, extend_sample, inspection_started, suggested_sizes
from ..services.workdays import local_today
from .background_common import BackgroundView
from .sample_forms import FILTER_CHOICES, FILTER_KINDS, MAX_STRATA, RequestInput, parse_extra, parse_request, strata_options

DRAW_JOB = "jobs.sampling.draw_sample"
MAX_ITEMS_SHOWN = 2000


def visible_sample(sample_id: int, purpose: str = "view") -> Sample | None:
    """The sample if the current account may see it now, else ``None``."""
    account = current_account()
    if account is None:
        return None
    sample = db.session.scalar(sa.select(Sample).where(Sample.id == sample_id, row_scope(account, Sample, purpose)))
    if sample is None:
        return None
    if not inspection_started(sample.inspection) and not sees_secret_inspections(account):
        return None
    return sample


def _enqueue_draw(sample: Sample) -> bool:
    job = enqueue_safely(DRAW_JOB, sample.id, description=f"Rút mẫu #{sample.id}", job_timeout=3600)
    if job is None:
        flash(f"{UNAVAILABLE_MESSAGE}: yêu cầu đã được lưu, hãy bấm “Rút mẫu” khi hệ thống hoạt động lại.", "error")
        return False
    sample.job_id = job.id
    db.session.commit()
    return True


class SampleRequestView(BackgroundView):
    """Inspectors ask for a sample (needs the ``sample`` action on ``sample``)."""

    resource = "sample"

    def is_accessible(self) -> bool:
        return self.may("sample")

    def _inspections(self) -> list[Inspection]:
        account = current_account()
        return list(db.session.scalars(
            sa.select(Inspection).where(row_scope(account, Inspection, "change"),
                                        Inspection.status.in_(("planned", "in_progress")))
            .order_by(Inspection.planned_on.desc(), Inspection.code)
        ))

    def _page(self, data: RequestInput, *, strata: list[dict[str, Any]] | None = None, status: int = 200) -> Any:
        return self.render(
            "admin/background/sample_request.html", data=data, strata=strata, inspections=self._inspections(),
            kinds=enums.POPULATION_KINDS, weightings=enums.WEIGHTINGS, strata_options=strata_options(),
            filter_choices=FILTER_CHOICES, filter_kinds=FILTER_KINDS, available=queue_available(),
        ), status

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        if request.method == "GET":
            return self._page(RequestInput(tolerable_rate=0.05, expected_rate=0.01))
        data, strata = RequestInput(), None
        try:
            data = parse_request(request.form)
            inspection = next((i for i in self._inspections() if i.id == data.inspection_id), None)
            if inspection is None:
                raise DomainError("Đợt kiểm tra không tồn tại, đã kết thúc hoặc nằm ngoài phạm vi của bạn.")
            spec = population.make_spec(data.population_kind, data.filters, data.strata_by, data.weighting,
                                        data.weight_cap)
            counts = population.summary(db.session, spec, local_today())
            if len(counts) > MAX_STRATA:
                raise DomainError(f"Quá nhiều tầng ({len(counts)}); hãy chọn cách phân tầng khác.")
            suggestion = (suggested_sizes(counts, list(counts), data.tolerable_rate, data.expected_rate)
                          if data.tolerable_rate is not None else {})
            strata = [{"name": s, "count": n, "suggested": suggestion.get(s),
                       "size": data.sizes.get(s, suggestion.get(s, 0))} for s, n in counts.items()]
            if request.form.get("action") != "submit" or not data.sizes:
                if not counts:
                    flash("Tổng thể rỗng: không có phần tử nào thỏa bộ lọc.", "warning")
                return self._page(data, strata=strata)
            if not queue_available():
                flash(f"{UNAVAILABLE_MESSAGE}: chưa thể rút mẫu, yêu cầu chưa được lưu.", "error")
                return self._page(data, strata=strata, status=503)
            sample = create_sample_request(
                db.session, inspection, population_kind=data.population_kind, filters=data.filters,
                strata_by=data.strata_by, sizes=data.sizes, weighting=data.weighting, weight_cap=data.weight_cap,
                seed=data.seed or None, tolerable_rate=data.tolerable_rate, expected_rate=data.expected_rate,
                size_reason=data.size_reason, by=current_account(),
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return self._page(data, strata=strata, status=400)
        if _enqueue_draw(sample):
            flash(f"Đã ghi yêu cầu chọn mẫu #{sample.id}; cam kết hạt giống: {sample.seed_commitment}.", "success")
        return redirect(url_for("background_samples.detail", sample_id=sample.id))


class SampleProgressView(BackgroundView):
    """Samples: list, progress and result, downloads, verification."""

    resource = "sample"

    def _visible_or_404(self, sample_id: int, purpose: str = "view") -> Sample:
        sample = visible_sample(sample_id, purpose)
        if sample is None:
            abort(404)
        return sample

    @expose("/")
    def index(self) -> str:
        account = current_account()
        query = (sa.select(Sample).join(Sample.inspection).where(row_scope(account, Sample, "view"))
                 .order_by(Sample.id.desc()).limit(200))
        if not sees_secret_inspections(account):
            query = query.where(sa.or_(Inspection.started_at.is_not(None),
                                       Inspection.status.in_(("in_progress", "closed"))))
        samples = list(db.session.scalars(query))
        return self.render("admin/background/samples.html", samples=samples, statuses=enums.SAMPLE_STATUSES,
                           can_request=self.may("sample"))

    @expose("/<int:sample_id>")
    def detail(self, sample_id: int) -> str:
        sample = self._visible_or_404(sample_id)
        items = list(db.session.scalars(
            sa.select(SampleItem).where(SampleItem.sample_id == sample.id)
            .options(selectinload(SampleItem.unit), selectinload(SampleItem.staff), selectinload(SampleItem.task))
            .order_by(SampleItem.stratum, SampleItem.rank).limit(MAX_ITEMS_SHOWN)
        ))
        return self.render(
            "admin/background/sample.html", sample=sample, items=items, max_items=MAX_ITEMS_SHOWN,
            statuses=enums.SAMPLE_STATUSES, kinds=enums.POPULATION_KINDS, weightings=enums.WEIGHTINGS,
            started=inspection_started(sample.inspection), can_sample=self.may("sample"),
            available=queue_available(),
        )

    @expose("/<int:sample_id>/status.json")
    def status(self, sample_id: int) -> Response:
        """Polled every second by static/jobs.js: status and progress only."""
        sample = self._visible_or_404(sample_id)
        progress = int(sample.progress or 0)
        if sample.status == "running" and sample.job_id and queue_available():
            try:
                job = get_queue().fetch_job(sample.job_id)
                progress = max(progress, int((job.get_meta(refresh=True) if job else {}).get("progress", 0)))
            except Exception:  # the database value is good enough
                pass
        response = jsonify(id=sample.id, status=sample.status, status_label=enums.SAMPLE_STATUSES[sample.status],
                           progress=100 if sample.status == "done" else min(progress, 99),
                           finished=sample.status in ("done", "failed"), error=sample.error)
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:sample_id>/start", methods=("POST",))
    def start(self, sample_id: int) -> Any:
        if not self.may("sample"):
            abort(403)
        sample = self._visible_or_404(sample_id, "change")
        if sample.status in ("pending", "failed") and _enqueue_draw(sample):
            flash("Đã đưa yêu cầu rút mẫu vào hàng đợi.", "success")
        return redirect(url_for(".detail", sample_id=sample.id))

    @expose("/<int:sample_id>/extend", methods=("POST",))
    def extend(self, sample_id: int) -> Any:
        if not self.may("sample"):
            abort(403)
        parent = self._visible_or_404(sample_id, "change")
        if not queue_available():
            flash(f"{UNAVAILABLE_MESSAGE}: chưa thể lấy thêm mẫu.", "error")
            return redirect(url_for(".detail", sample_id=parent.id))
        try:
            child = extend_sample(db.session, parent.id, parse_extra(request.form), by=current_account())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".detail", sample_id=parent.id))
        _enqueue_draw(child)
        return redirect(url_for(".detail", sample_id=child.id))

    def _revealed(self, sample_id: int) -> Sample:
        sample = self._visible_or_404(sample_id)
        try:
            ensure_revealed(db.session, sample)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            abort(Response(json.dumps({"error": str(exc)}, ensure_ascii=False), 409, mimetype="application/json"))
        return sample

    @expose("/<int:sample_id>/record.json")
    def record(self, sample_id: int) -> Response:
        sample = self._revealed(sample_id)
        body = json.dumps(build_record(db.session, sample), ensure_ascii=False, indent=2) + "\n"
        return Response(body, mimetype="application/json", headers={
            "Content-Disposition": f"attachment; filename=record-{sample.id}.json"})

    @expose("/<int:sample_id>/population.jsonl")
    def population_file(self, sample_id: int) -> Response:
        sample = self._revealed(sample_id)
        root = samples_root(current_app.config, current_app.instance_path)
        try:
            path = stored_population(root, sample.id, sample.population_sha256)
        except DomainError:
            abort(404)
        sha = sample.population_sha256 or ""

        def chunks() -> Iterator[bytes]:
            yield from read_checked(path, sha)

        return Response(stream_with_context(chunks()), mimetype="application/x-ndjson", headers={
            "Content-Disposition": f"attachment; filename=population-{sample.id}.jsonl"})

    @expose("/verify", methods=("GET", "POST"))
    def verify(self) -> Any:
        """Verify an uploaded record.json + population.jsonl, or a stored sample."""
        result, status = None, 200
        if request.method == "POST":
            if request.form.get("sample_id"):
                try:
                    sample = self._visible_or_404(int(request.form["sample_id"]))
                except ValueError:
                    abort(404)
                root = samples_root(current_app.config, current_app.instance_path)
                try:
                    result = verify_stored(db.session, sample.id, samples_root=root)
                    db.session.commit()
                except DomainError as exc:
                    db.session.rollback()
                    flash(str(exc), "error")
                    status = 409
            else:
                record, pop = request.files.get("record"), request.files.get("population")
                if not record or not pop or not record.filename or not pop.filename:
                    flash("Vui lòng chọn cả hai tệp record.json và population.jsonl.", "error")
                    status = 400
                else:
                    result = verify_upload(record.read(), pop.read())
            if result is not None and not result.ok:
                status = 422
        return self.render("admin/background/verify.html", result=result), status
