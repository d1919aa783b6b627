""""Báo cáo định kỳ": the periodic report to the leadership (directive item 3).

Permission cells (resource ``periodic_report``): ``view`` — see a report on a scope
inside the account's row scope (every unit only for those who see all); ``export`` —
download it as XLSX or DOCX; ``create`` — issue a missed monthly report now. The
monthly reports cover every unit, so only accounts that see all units list them.

A report over at most ``REPORT_SYNC_MAX_UNITS`` units is computed in the request;
a larger one is built by an RQ job (``jobs.reports.build_report``) whose page shows
its progress, then the same table and downloads. A background report belongs to the
account that asked for it: anyone else gets 404. Viewing is a GET (nothing changes);
starting a job is a POST with the CSRF token.

The page reads in the account's language: texts here are Vietnamese and go through
``gettext`` when shown; a rule's message is looked up in the catalogue as it is (one
that carries a value, like a typed date, stays Vietnamese). Files stay Vietnamese.
"""
from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_admin import Admin, expose
from flask_babel import format_decimal, format_percent, gettext
from werkzeug.wrappers import Response

from ..auth.policy import current_account, sees_all
from ..extensions import db
from ..i18n import translate
from ..models import JobTick
from ..queue import UNAVAILABLE_ERRORS, UNAVAILABLE_MESSAGE, enqueue_safely, get_queue, queue_available
from ..services import DomainError
from ..services.periodic_report import TOTAL_NAME, PeriodicReport, compute_report, count_units
from ..services.periodic_report_files import RESOURCE, load_on_demand, on_demand_dir, reports_root
from ..services.periodic_report_monthly import (
    JOB_NAME, monthly_file, monthly_reports, parse_month, previous_month, require_past_month,
)
from ..services.periodic_report_render import COLUMNS, XLSX_MIMETYPE, xlsx_bytes
from ..services.reports import draft_report_docx, report_parties
from ..services.workdays import local_today
from .background_common import BackgroundView
from .registry import OVERSIGHT
from .report_forms import ReportInput, default_input, parse_input, unit_choices
from .work import DOCX, day

BUILD_JOB = "jobs.reports.build_report"
MONTHLY_JOB = "jobs.reports.monthly_report"
KINDS = {"xlsx": XLSX_MIMETYPE, "docx": DOCX}
STATUS_LABELS = {"queued": "Đang chờ xử lý", "started": "Đang lập báo cáo", "deferred": "Đang chờ xử lý",
                 "scheduled": "Đang chờ thử lại", "finished": "Đã xong", "failed": "Không thành công",
                 "stopped": "Đã dừng", "canceled": "Đã hủy"}
JOB_FAILED = "Lập báo cáo không thành công; vui lòng thử lại hoặc báo quản trị hệ thống."
FILE_MISSING = "Không tìm thấy tệp báo cáo trên máy chủ (REPORTS_DIR)."
TOO_LARGE = "Báo cáo có nhiều đơn vị: hãy lập báo cáo trong nền rồi tải tệp ở trang kết quả."


def cell(column: Any, row: Any) -> str:
    """A figure as the page shows it: a dash for none, a rate in percent, one decimal."""
    value = column.value(row)
    if value is None:
        return "—"
    # Decimals as the page's language writes them ("33,3 %" in Vietnamese, as on the dashboards).
    if column.number_format == "0.0%":
        return format_percent(value, format="#,##0.0 %")
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.0")
    return str(value)


def total_cell(column: Any, totals: Any) -> str:
    """A figure of the totals row; its name ("Tổng cộng") in the page's language."""
    text = cell(column, totals)
    return gettext(TOTAL_NAME) if text == TOTAL_NAME else text


def _status_label(status: str) -> str:
    return gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def _flash_error(exc: DomainError) -> None:
    flash(translate(str(exc)), "error")


def _filename(report: PeriodicReport, kind: str) -> str:
    return f"bao-cao-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{kind}"


class PeriodicReportView(BackgroundView):
    """The period form, the report (at once or from a job), its downloads, the monthly list."""

    resource = RESOURCE

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("columns", COLUMNS)
        kwargs.setdefault("cell", cell)
        kwargs.setdefault("total_cell", total_cell)
        kwargs.setdefault("day", day)
        kwargs.setdefault("can_export", self.may("export"))
        return super().render(template, **kwargs)

    def _root(self) -> Any:
        return reports_root(current_app.config, current_app.instance_path)

    def _page(self, data: ReportInput, *, status: int = 200, **kwargs: Any) -> Any:
        account = current_account()
        today = local_today()
        shows_monthly = sees_all(account)
        return self.render(
            "admin/report/index.html", data=data, units=unit_choices(account, today),
            monthly=monthly_reports(db.session) if shows_monthly else [], shows_monthly=shows_monthly,
            can_issue=shows_monthly and self.may("create"), available=queue_available(),
            last_month=f"{previous_month(today):%m/%Y}", **kwargs,
        ), status

    def _is_large(self, data: ReportInput) -> tuple[bool, int]:
        units = count_units(db.session, data.scope_unit_id)
        return units > int(current_app.config.get("REPORT_SYNC_MAX_UNITS", 300)), units

    # ------------------------------------------------------------ on request
    @expose("/")
    def index(self) -> Any:
        account = current_account()
        if "start" not in request.args:
            return self._page(default_input(account, local_today()))
        data = ReportInput(start_text=request.args.get("start", "")[:100], end_text=request.args.get("end", "")[:100],
                           unit_text=request.args.get("unit", "")[:100])
        try:
            data = parse_input(request.args, account)
            large, units = self._is_large(data)
            if large:
                return self._page(data, large=units)
            report = compute_report(db.session, data.start, data.end, scope_unit_id=data.scope_unit_id)
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
            return self._page(data, status=400)
        return self._page(data, report=report, downloads={
            kind: url_for(".download", kind=kind, **data.query()) for kind in KINDS})

    @expose("/download.<kind>")
    def download(self, kind: str) -> Response:
        if not self.may("export"):
            abort(403)
        if kind not in KINDS:
            abort(404)
        try:
            data = parse_input(request.args, current_account())
            if self._is_large(data)[0]:
                raise DomainError(TOO_LARGE)
            report = compute_report(db.session, data.start, data.end, scope_unit_id=data.scope_unit_id)
            if kind == "docx":
                name, payload = draft_report_docx(db.session, report)
            else:
                issuer = report_parties(db.session, report.scope_unit_id, report.end)[0]
                name, payload = _filename(report, kind), xlsx_bytes(report, issuer_name=issuer.name)
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
            return redirect(url_for(".index"))
        return send_file(BytesIO(payload), mimetype=KINDS[kind], as_attachment=True, download_name=name)

    # ------------------------------------------------------------ in the background
    @expose("/build", methods=("POST",))
    def build(self) -> Response:
        account = current_account()
        try:
            data = parse_input(request.form, account)
        except DomainError as exc:
            _flash_error(exc)
            return redirect(url_for(".index"))
        job = enqueue_safely(BUILD_JOB, account.id, data.start.isoformat(), data.end.isoformat(),
                             data.scope_unit_id, meta={"account_id": account.id, "progress": 0},
                             job_timeout=3600, description=f"Báo cáo định kỳ ({account.username})")
        if job is None:
            flash(gettext("%(unavailable)s: chưa lập được báo cáo, vui lòng thử lại sau.",
                          unavailable=gettext(UNAVAILABLE_MESSAGE)), "error")
            return redirect(url_for(".index", **data.query()))
        return redirect(url_for(".job", job_id=job.id))

    def _job_state(self, job_id: str) -> tuple[PeriodicReport | None, str, dict[str, Any]]:
        """(figures when done, RQ status, job result) of the account's own job, else 404."""
        account = current_account()
        try:
            stored = load_on_demand(self._root(), job_id)
        except DomainError:
            abort(404)
        if stored is not None:
            if stored[0] != account.id:
                abort(404)
            return stored[1], "finished", {}
        try:
            job = get_queue().fetch_job(job_id) if queue_available() else None
        except UNAVAILABLE_ERRORS:
            job = None
        if job is None or (job.meta or {}).get("account_id") != account.id:
            abort(404)
        raw = job.get_status(refresh=True)
        status = str(getattr(raw, "value", raw) or "queued")  # rq's JobStatus enum
        result = job.return_value() if status == "finished" else None
        return None, status, {"progress": int((job.get_meta(refresh=True) or {}).get("progress", 0)),
                              "result": result or {}}

    @expose("/job/<job_id>")
    def job(self, job_id: str) -> Any:
        report, status, info = self._job_state(job_id)
        error = None
        if report is None and status in ("failed", "stopped", "canceled"):
            error = gettext(JOB_FAILED)
        elif report is None and status == "finished":
            error = translate(info["result"].get("error") or JOB_FAILED)
        downloads = {kind: url_for(".job_file", job_id=job_id, kind=kind) for kind in KINDS} if report else {}
        return self.render("admin/report/job.html", job_id=job_id, report=report, error=error,
                           status_label=_status_label(status), progress=info.get("progress", 0),
                           downloads=downloads)

    @expose("/job/<job_id>/status.json")
    def job_status(self, job_id: str) -> Response:
        """Polled every second by static/jobs.js."""
        report, status, info = self._job_state(job_id)
        finished = report is not None or status in ("finished", "failed", "stopped", "canceled")
        response = jsonify(status=status, status_label=_status_label(status), finished=finished,
                           progress=100 if report is not None else min(99, info.get("progress", 0)))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/job/<job_id>/bao-cao.<kind>")
    def job_file(self, job_id: str, kind: str) -> Response:
        if not self.may("export"):
            abort(403)
        if kind not in KINDS:
            abort(404)
        try:
            stored = load_on_demand(self._root(), job_id)
        except DomainError:
            abort(404)
        if stored is None or stored[0] != current_account().id:
            abort(404)
        _, report, docx_name = stored
        path = on_demand_dir(self._root(), job_id) / f"bao-cao.{kind}"
        if not path.is_file():
            abort(404)
        name = docx_name if kind == "docx" and docx_name else _filename(report, kind)
        return send_file(path, mimetype=KINDS[kind], as_attachment=True, download_name=name)

    # ------------------------------------------------------------ monthly
    @expose("/monthly/<tick_id>.<kind>")
    def monthly_download(self, tick_id: str, kind: str) -> Response:
        if not self.may("export") or not sees_all(current_account()):
            abort(403)
        if kind not in KINDS or not tick_id.isdigit():
            abort(404)
        tick = db.session.get(JobTick, int(tick_id))
        if tick is None or tick.job != JOB_NAME or tick.finished_at is None:
            abort(404)
        month = parse_month(str(tick.stats.get("period_start", ""))[:7])
        path = monthly_file(self._root(), month, kind)
        if not path.is_file():
            flash(gettext(FILE_MISSING), "error")
            return redirect(url_for(".index"))
        name = tick.stats.get("docx_name") if kind == "docx" else None
        return send_file(path, mimetype=KINDS[kind], as_attachment=True, download_name=name or path.name)

    @expose("/monthly", methods=("POST",))
    def issue_monthly(self) -> Response:
        if not self.may("create") or not sees_all(current_account()):
            abort(403)
        try:
            month = parse_month(request.form.get("month", "")[:20])
            require_past_month(month, local_today())
        except DomainError as exc:
            _flash_error(exc)
            return redirect(url_for(".index"))
        job = enqueue_safely(MONTHLY_JOB, f"{month:%Y-%m}", job_timeout=3600,
                             description=f"Báo cáo tháng {month:%m/%Y} (theo yêu cầu)")
        if job is None:
            flash(gettext("%(unavailable)s: chưa lập được báo cáo tháng, vui lòng thử lại sau.",
                          unavailable=gettext(UNAVAILABLE_MESSAGE)), "error")
        else:
            flash(gettext("Đã xếp lịch lập báo cáo tháng %(month)s; báo cáo hiện trong danh sách khi lập xong "
                          "(mỗi tháng chỉ lập một lần).", month=month.strftime("%m/%Y")), "success")
        return redirect(url_for(".index"))


def register(admin: Admin) -> None:
    """Add the report page to the portal (called from ``portal.admin.init_app``), in the
    oversight menu: no new category, so the menu bar keeps to one line."""
    admin.add_view(PeriodicReportView(name="Báo cáo định kỳ", category=OVERSIGHT, endpoint="report",
                                      url="/admin/report"))
