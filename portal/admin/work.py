"""Work pages ("Nghiệp vụ"): the rules of issue 4 through the portal, thin.

* "Trả lời lấy ý kiến" and "Lấy ý kiến do đơn vị chủ trì" (:mod:`.work_consultations`);
* "Văn bản đã phát hành": the notices in scope, each downloadable as DOCX at
  ``/admin/work/notice/<id>.docx``;
* "Việc của tôi": the account's own open task steps, with "Hoàn thành".

Every rule is a service call (:mod:`portal.services`); a :class:`DomainError` is
flashed in Vietnamese and nothing is saved. Every id typed into a URL is loaded
and checked against the permission matrix and the unit scope (403/404 otherwise).
Every POST carries the CSRF token (``CSRFProtect``). No inline scripts.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import Admin, expose
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from ..auth.policy import can, current_account
from ..auth.scopes import row_scope
from ..extensions import db
from ..models import Notice, Task, TaskStep, enums
from ..models.base import utcnow
from ..services import DomainError, tasks
from ..services.notices import notice_docx
from ..services.workdays import TZ, local_today
from .base import PortalBaseView
from .formatting import request_calendar

CATEGORY = "Nghiệp vụ"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIST_LIMIT = 200


def when(value: datetime | None) -> str:
    """A local (Asia/Ho_Chi_Minh) dd/mm/yyyy HH:MM, or a dash."""
    return value.astimezone(TZ).strftime("%d/%m/%Y %H:%M") if value is not None else "—"


def day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value is not None else "—"


def parse_date(text: str | None) -> date | None:
    """A date typed in a form (ISO from ``<input type=date>``, or dd/mm/yyyy); empty → None."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise DomainError(f"Ngày không hợp lệ: {text!r} (nhập theo dạng dd/mm/yyyy).")


class WorkView(PortalBaseView):
    """Base of the work pages: permission and scope checks, service calls, helpers."""

    def may(self, resource: str, action: str) -> bool:
        account = current_account()
        return account is not None and can(account, resource, action)

    def require(self, resource: str, action: str) -> None:
        if not self.may(resource, action):
            abort(403)

    @staticmethod
    def load(model: type, ident: Any) -> Any:
        """The row typed in the URL, or 404 (a non-numeric id is not found either)."""
        try:
            key = int(ident)
        except (TypeError, ValueError):
            abort(404)
        row = db.session.get(model, key)
        if row is None:
            abort(404)
        return row

    @staticmethod
    def run(call: Callable[[], Any], success: str) -> bool:
        """Call a service and commit; a refused rule is flashed and nothing is saved."""
        try:
            call()
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return False
        flash(success, "success")
        return True

    def back(self) -> Response:
        return redirect(url_for(".index"))

    @staticmethod
    def days_left(due: date) -> int:
        return request_calendar().working_days_left(due, local_today())

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("when", when)
        kwargs.setdefault("day", day)
        kwargs.setdefault("enums", enums)
        kwargs.setdefault("account", current_account())
        return super().render(template, **kwargs)


def notice_in_scope(notice_id: int) -> bool:
    """May the current account see this notice (issuing or recipient unit in its
    subtree, addressed to its own staff record, or it sees all)?"""
    return db.session.scalar(
        sa.select(Notice.id).where(Notice.id == notice_id, row_scope(current_account(), Notice, "view"))
    ) is not None


class NoticeDocsView(WorkView):
    """"Văn bản đã phát hành": notices in scope, and the DOCX download."""

    resource = "notice"

    @expose("/")
    def index(self) -> str:
        notices = db.session.scalars(
            sa.select(Notice).where(row_scope(current_account(), Notice, "view"))
            .options(joinedload(Notice.issuing_unit), joinedload(Notice.recipient_unit))
            .order_by(Notice.issued_on.desc(), Notice.id.desc()).limit(LIST_LIMIT)
        ).all()
        return self.render("admin/work/notices.html", notices=notices, limit=LIST_LIMIT)

    # A string converter on purpose: a non-numeric id is a 404 from the view itself,
    # after the access checks (anonymous visitors are sent to the login page first).
    @expose("/notice/<notice_id>.docx")
    def download(self, notice_id: str) -> Response:
        notice = self.load(Notice, notice_id)
        if not notice_in_scope(notice.id):
            abort(403)
        try:
            filename, data = notice_docx(db.session, notice)
        except DomainError as exc:
            flash(str(exc), "error")
            return self.back()
        return send_file(BytesIO(data), mimetype=DOCX, as_attachment=True, download_name=filename)


class MyStepsView(WorkView):
    """"Việc của tôi": the account's own open steps, and "Hoàn thành"."""

    resource = "task_step"

    @expose("/")
    def index(self) -> str:
        staff_id = current_account().staff_id
        steps: list[TaskStep] = []
        if staff_id is not None:
            steps = list(db.session.scalars(
                sa.select(TaskStep).join(Task, Task.id == TaskStep.task_id)
                .where(TaskStep.responsible_staff_id == staff_id, TaskStep.status != "done",
                       Task.status.in_(tasks.ACTIVE_STATUSES))
                .options(joinedload(TaskStep.task))
                .order_by(TaskStep.due_date, TaskStep.id).limit(LIST_LIMIT)
            ))
        rows = [(step, self.days_left(step.due_date)) for step in steps]
        return self.render("admin/work/my_steps.html", rows=rows, has_staff=staff_id is not None,
                           can_complete=self.may("task_step", "edit"))

    @expose("/<int:step_id>/complete", methods=("POST",))
    def complete(self, step_id: int) -> Response:
        self.require("task_step", "edit")
        step = self.load(TaskStep, step_id)
        account = current_account()
        if account.staff_id is None or step.responsible_staff_id != account.staff_id:
            abort(403)
        self.run(lambda: tasks.complete_step(db.session, step, by=account, at=utcnow()),
                 f"Đã xác nhận hoàn thành bước {step.seq} của nhiệm vụ {step.task.code}.")
        return self.back()


def register(admin: Admin) -> None:
    """Add the work pages to the portal (called from ``portal.admin.init_app``)."""
    from .work_consultations import AnswerView, LeadView

    admin.add_view(AnswerView(name="Trả lời lấy ý kiến", category=CATEGORY, endpoint="work_answers",
                              url="/admin/work/answers"))
    admin.add_view(LeadView(name="Lấy ý kiến do đơn vị chủ trì", category=CATEGORY, endpoint="work_lead",
                            url="/admin/work/consultations"))
    admin.add_view(NoticeDocsView(name="Văn bản đã phát hành", category=CATEGORY, endpoint="work_notices",
                                  url="/admin/work"))
    admin.add_view(MyStepsView(name="Việc của tôi", category=CATEGORY, endpoint="work_my_steps",
                               url="/admin/work/my-steps"))
