"""Commendations, reassignments and disciplinary reviews: proposed by unit heads,
decided by leadership (directive items 6–8).

A decision goes through ``portal.services.decisions`` only (it refuses self-approval,
a rejection without reason, a second decision). Here: the ``approve`` permission
opens the decision page and the bulk approval; a decided proposal falls outside the
change scope (``portal.auth.scopes``), so it can no longer be edited or deleted.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request
from flask_babel import gettext
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.model.template import EndpointLinkRowAction
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...auth.policy import current_account
from ...extensions import db
from ...i18n import label
from ...models import (
    Commendation, CommendationTitle, ConsultationRecipient, DisciplinaryReview, DisciplineForm, Evidence,
    Finding, Reassignment, Staff, Task, TaskStep, Unit, enums,
)
from ...services import DomainError, decisions
from ..ajax import ref
from ..base import PortalModelView
from ..guard import check_id_refs
from ..inline import PortalInlineAdmin
from ..filters import UnitSubtreeFilter
from ..forms import PortalForm

STAFF = ("code", "full_name")
DECIDED = {"approve": "Đã phê duyệt đề xuất.", "reject": "Đã từ chối đề xuất."}
#: Catalogue context of the decision's choices ("Từ chối" is "Reject" here, "Rejected" as a status).
ACTION = "action"
#: Who decided and when, on every list and details page of a proposal.
DECISION_COLUMNS = ("status", "proposed_at", "decided_by", "decided_at")
#: Evidence names its facts by id (the model has no relationships for them); each id
#: typed must be a row the account may see.
EVIDENCE_IDS = {"task_id": Task, "task_step_id": TaskStep, "consultation_recipient_id": ConsultationRecipient,
                "finding_id": Finding}
EVIDENCE_LABELS = {"task_id": "Số hiệu nhiệm vụ", "task_step_id": "Số hiệu bước xử lý",
                   "consultation_recipient_id": "Số hiệu ý kiến cơ quan", "finding_id": "Số hiệu kết quả kiểm tra"}


class EvidenceInline(PortalInlineAdmin):
    form_columns = ("id", "task_id", "task_step_id", "consultation_recipient_id", "finding_id", "note")
    column_labels = EVIDENCE_LABELS

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        check_id_refs(model, EVIDENCE_IDS, EVIDENCE_LABELS)


class DecisionForm(PortalForm):
    decision = RadioField(label("Quyết định"),
                          choices=[("approve", label("Phê duyệt", ACTION)), ("reject", label("Từ chối", ACTION))],
                          validators=[DataRequired("Chọn phê duyệt hoặc từ chối.")])
    reason = TextAreaField(label("Lý do"), validators=[Optional(), Length(max=decisions.MAX_REASON_LENGTH)],
                           description=label("Bắt buộc khi từ chối."))
    discipline_form_id = SelectField(label("Hình thức kỷ luật"), coerce=int, validators=[Optional()], choices={})


class DecideRowAction(EndpointLinkRowAction):
    """The decision button, only on open proposals of others, for those who may decide."""

    def __init__(self) -> None:
        super().__init__("fa fa-gavel", ".decide_view", title=label("Quyết định"))

    def render(self, context: Any, row_id: str, row: Any) -> Any:
        account = current_account()
        view = context.resolve("admin_view")
        if row.status != "proposed" or account is None or row.proposed_by_id == account.id:
            return Markup("")
        return super().render(context, row_id, row) if view.may("approve") else Markup("")


class ProposalView(PortalModelView):
    """What the three kinds of proposal share."""

    action_permissions = {"delete": "delete", "approve": "approve"}
    column_extra_row_actions = [DecideRowAction()]
    column_default_sort = ("proposed_at", True)
    column_sortable_list = ("status", "proposed_at", "decided_at")
    column_filters = ("status", "proposed_at", "decided_at")
    column_searchable_list = ("reason",)
    enum_columns = {"status": enums.DECISION_STATUSES}
    form_excluded_columns = ("status", "proposed_at", "proposed_by_id", "decided_at", "decided_by_id",
                             "decision_reason", "source_key")
    inline_models = (EvidenceInline(Evidence),)
    creator_field = "proposed_by_id"
    decide_template = "admin/portal/decide.html"

    def endpoint_allowed(self, name: str) -> bool:
        if name == "decide_view":
            return self.may("approve")
        return super().endpoint_allowed(name)

    def apply_rules(self, form: Any, model: Any, is_created: bool) -> None:
        if not is_created:
            decisions.assert_editable(model)

    def decision_form(self, proposal: Any) -> DecisionForm:
        form = DecisionForm(request.form if request.method == "POST" else None)
        if isinstance(proposal, DisciplinaryReview):
            rows = db.session.scalars(sa.select(DisciplineForm).where(
                DisciplineForm.staff_category == proposal.staff.category, DisciplineForm.valid_to.is_(None),
            ).order_by(DisciplineForm.severity)).all()
            form.discipline_form_id.choices = {0: "—", **{f.id: f.name for f in rows}}
        else:
            del form.discipline_form_id
        return form

    def _decide(self, proposal: Any, decision: str, reason: str | None, form_id: int | None) -> None:
        account = current_account()
        if decision == "approve":
            extra = {"discipline_form_id": form_id or None} if isinstance(proposal, DisciplinaryReview) else {}
            decisions.approve(db.session, proposal, account, reason, **extra)
        else:
            decisions.reject(db.session, proposal, account, reason or "")

    @expose("/decide/", methods=("GET", "POST"))
    def decide_view(self) -> Any:
        proposal = self.find_in_scope(request.args.get("id"), "view")
        if proposal is None:
            abort(404)
        return_url = self.get_url(".index_view")
        form = self.decision_form(proposal)
        status = 200
        if request.method == "POST":
            if form.validate():
                field = getattr(form, "discipline_form_id", None)
                try:
                    self._decide(proposal, form.decision.data, form.reason.data, field.data if field else None)
                    db.session.commit()
                except DomainError as exc:
                    db.session.rollback()
                    flash(str(exc), "error")
                else:
                    flash(gettext(DECIDED[form.decision.data]), "success")
                    return redirect(return_url)
            status = 400
        return self.render(self.decide_template, model=proposal, form=form, return_url=return_url,
                           details_columns=self._details_columns, get_value=self.get_detail_value), status

    @action("approve", "Phê duyệt", "Phê duyệt các đề xuất đã chọn?")
    def action_approve(self, ids: Any) -> None:
        account, approved, refused = current_account(), 0, []
        for ident in ids:
            proposal = self.find_in_scope(ident, "view")
            try:
                if proposal is None:
                    raise DomainError("Không tìm thấy đề xuất hoặc đề xuất nằm ngoài phạm vi.")
                with db.session.begin_nested():
                    decisions.approve(db.session, proposal, account)
                approved += 1
            except DomainError as exc:
                refused.append(f"#{ident}: {exc}")
        db.session.commit()
        if approved:
            flash(f"Đã phê duyệt {approved} đề xuất.", "success")
        for message in refused:
            flash(message, "error")


class CommendationView(ProposalView):
    column_labels = {"title": "Hình thức khen thưởng"}
    column_list = ("title", "target_kind", "unit", "staff", *DECISION_COLUMNS)
    column_details_list = ("title", "target_kind", "unit", "staff", "reason", "proposed_by", *DECISION_COLUMNS,
                           "decision_reason")
    column_export_list = column_details_list
    column_filters = (*ProposalView.column_filters, "target_kind", UnitSubtreeFilter(Commendation.unit_id, "Đơn vị"))
    column_select_related_list = (Commendation.title, Commendation.unit, Commendation.staff, Commendation.decided_by)
    enum_columns = {**ProposalView.enum_columns, "target_kind": enums.TARGET_KINDS}
    form_columns = ("target_kind", "unit", "staff", "title", "reason")
    ajax_refs = {"unit": ref(Unit), "staff": ref(Staff, STAFF), "title": ref(CommendationTitle)}


class ReassignmentView(ProposalView):
    column_list = ("staff", "proposed_position", "proposed_unit", *DECISION_COLUMNS)
    column_details_list = ("staff", "proposed_position", "proposed_unit", "reason", "proposed_by", *DECISION_COLUMNS,
                           "decision_reason")
    column_export_list = column_details_list
    column_select_related_list = (Reassignment.staff, Reassignment.proposed_unit, Reassignment.decided_by)
    form_columns = ("staff", "proposed_position", "proposed_unit", "reason")
    ajax_refs = {"staff": ref(Staff, STAFF), "proposed_unit": ref(Unit, open=True)}


class DisciplinaryReviewView(ProposalView):
    column_list = ("staff", "discipline_form", *DECISION_COLUMNS)
    column_details_list = ("staff", "reason", "discipline_form", "proposed_by", *DECISION_COLUMNS, "decision_reason")
    column_export_list = column_details_list
    column_select_related_list = (DisciplinaryReview.staff, DisciplinaryReview.discipline_form,
                                  DisciplinaryReview.decided_by)
    form_columns = ("staff", "reason")
    ajax_refs = {"staff": ref(Staff, STAFF)}


class EvidenceView(PortalModelView):
    column_list = ("commendation", "reassignment", "disciplinary_review", "task_id", "finding_id", "note")
    column_labels = EVIDENCE_LABELS
    column_default_sort = ("id", True)
    column_searchable_list = ("note",)
    # Each proposal names its person, unit or title: load them with the page, not per row.
    query_options = (
        joinedload(Evidence.commendation).joinedload(Commendation.title),
        joinedload(Evidence.commendation).joinedload(Commendation.staff),
        joinedload(Evidence.commendation).joinedload(Commendation.unit),
        joinedload(Evidence.reassignment).joinedload(Reassignment.staff),
        joinedload(Evidence.disciplinary_review).joinedload(DisciplinaryReview.staff),
    )
    form_columns = ("commendation", "reassignment", "disciplinary_review", "task_id", "task_step_id",
                    "consultation_recipient_id", "finding_id", "note")
    id_refs = EVIDENCE_IDS
    ajax_refs = {
        "commendation": ref(Commendation, ("reason",), order_by="proposed_at"),
        "reassignment": ref(Reassignment, ("reason",), order_by="proposed_at"),
        "disciplinary_review": ref(DisciplinaryReview, ("reason",), order_by="proposed_at"),
    }
