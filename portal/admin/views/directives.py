"""Directives and each person's acknowledgement of them (quán triệt, item 1)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request
from flask_admin import expose
from wtforms.validators import Optional

from ...auth.policy import can, current_account
from ...extensions import db
from ...models import Acknowledgement, Directive, Staff, Unit
from ...models.base import utcnow
from ...services import DomainError
from ...services.dissemination import acknowledge
from ..ajax import ref
from ..base import PortalModelView
from ..filters import UnitSubtreeFilter

ACK_AFTER_ISSUE = "Hạn quán triệt phải sau hoặc bằng ngày ban hành."


class DirectiveView(PortalModelView):
    column_list = ("code", "title", "issued_on", "issuing_unit", "acknowledge_by")
    column_details_list = ("code", "title", "summary", "issued_on", "issuing_unit", "acknowledge_by", "created_at")
    column_export_list = column_details_list
    column_default_sort = ("issued_on", True)
    column_sortable_list = ("code", "title", "issued_on", "acknowledge_by")
    column_searchable_list = ("code", "title")
    column_filters = ("issued_on", "acknowledge_by", UnitSubtreeFilter(Directive.issuing_unit_id, "Cơ quan ban hành"))
    column_select_related_list = (Directive.issuing_unit,)
    form_columns = ("code", "title", "summary", "issued_on", "issuing_unit", "acknowledge_by")
    ajax_refs = {"issuing_unit": ref(Unit)}
    readonly_columns = ("code", "issued_on", "issuing_unit")
    date_order = (("issued_on", "acknowledge_by", ACK_AFTER_ISSUE),)
    details_template = "admin/portal/directive_details.html"

    def may_acknowledge(self) -> bool:
        account = current_account()
        return account is not None and account.staff_id is not None and can(account, "acknowledgement", "create")

    def endpoint_allowed(self, name: str) -> bool:
        if name == "acknowledge_view":
            return self.may_acknowledge()
        return super().endpoint_allowed(name)

    @expose("/acknowledge/", methods=("POST",))
    def acknowledge_view(self) -> Any:
        """"I have been briefed": the account's own acknowledgement, once (CSRF checked app-wide)."""
        directive = self.find_in_scope(request.args.get("id"), "view")
        if directive is None:
            abort(404)
        account = current_account()
        try:
            acknowledge(db.session, directive, db.session.get(Staff, account.staff_id), at=utcnow())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash("Đã ghi nhận bạn đã quán triệt văn bản.", "success")
        return redirect(self.get_url(".details_view", id=directive.id))


class AcknowledgementView(PortalModelView):
    column_list = ("directive", "staff", "acknowledged_at", "note")
    column_default_sort = ("acknowledged_at", True)
    column_sortable_list = ("acknowledged_at",)
    column_searchable_list = ("note",)
    column_filters = ("acknowledged_at",)
    column_select_related_list = (Acknowledgement.directive, Acknowledgement.staff)
    form_columns = ("directive", "staff", "acknowledged_at", "note")
    form_args = {"acknowledged_at": {"validators": [Optional()], "description": "Để trống: bây giờ."}}
    ajax_refs = {"directive": ref(Directive, ("code", "title")), "staff": ref(Staff, ("code", "full_name"))}
    readonly_columns = ("directive", "staff")

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        account = current_account()
        # Most acknowledgements are one's own: start from the account's staff record.
        if request.method == "GET" and account is not None and account.staff_id is not None:
            form.staff.data = db.session.get(Staff, account.staff_id)
        return form

    def apply_rules(self, form: Any, model: Acknowledgement, is_created: bool) -> None:
        if is_created and model.acknowledged_at is None:
            model.acknowledged_at = utcnow()
