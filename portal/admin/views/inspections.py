"""Public-duty inspections with their targets, findings and recommendations (item 9).

Unannounced inspections that have not started are hidden by the row scope
(``portal.auth.policy``) from everyone but leadership and the inspection unit.
Starting an inspection — in this form or with the "Bắt đầu kiểm tra" action —
reveals the seeds of its samples in the same transaction
(``portal.services.sample_reveal``).
"""
from __future__ import annotations

from typing import Any

from flask import flash
from flask_admin.actions import action
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Finding, Inspection, InspectionTarget, Recommendation, Staff, Task, Unit, enums
from ...models.base import RuleViolation
from ...services import DomainError
from ...services.sample_reveal import start_inspection
from ..ajax import ref
from ..base import PortalModelView
from ..errors import integrity_message
from ..inline import PortalInlineAdmin
from ..filters import UnitSubtreeFilter


class TargetInline(PortalInlineAdmin):
    form_columns = ("id", "unit")
    ajax_refs = {"unit": ref(Unit, open=True)}


class FindingInline(PortalInlineAdmin):
    form_columns = ("id", "unit", "staff", "kind", "severity", "description")
    ajax_refs = {"unit": ref(Unit, open=True), "staff": ref(Staff, ("code", "full_name"))}
    enum_columns = {"kind": enums.FINDING_KINDS, "severity": enums.SEVERITIES}
    creator_field = "recorded_by_id"


class RecommendationInline(PortalInlineAdmin):
    form_columns = ("id", "kind", "text", "due_date", "status")
    enum_columns = {"kind": enums.RECOMMENDATION_KINDS, "status": enums.RECOMMENDATION_STATUSES}


class InspectionView(PortalModelView):
    column_list = ("code", "title", "mode", "status", "lead_unit", "planned_on", "started_at", "ended_at")
    column_details_list = ("code", "title", "mode", "status", "lead_unit", "planned_on", "started_at",
                           "ended_at", "scope", "targets", "created_at")
    column_export_list = ("code", "title", "mode", "status", "lead_unit", "planned_on", "started_at",
                          "ended_at", "scope")
    column_default_sort = ("planned_on", True)
    column_sortable_list = ("code", "title", "mode", "status", "planned_on", "started_at")
    column_searchable_list = ("code", "title")
    column_filters = ("mode", "status", "planned_on", UnitSubtreeFilter(Inspection.lead_unit_id, "Đơn vị chủ trì"))
    column_select_related_list = (Inspection.lead_unit,)
    enum_columns = {"mode": enums.INSPECTION_MODES, "status": enums.INSPECTION_STATUSES}
    form_columns = ("code", "title", "mode", "status", "lead_unit", "planned_on", "started_at", "ended_at", "scope")
    ajax_refs = {"lead_unit": ref(Unit)}
    inline_models = (TargetInline(InspectionTarget), FindingInline(Finding))
    readonly_columns = ("code",)
    creator_field = "created_by_id"
    action_permissions = {"delete": "delete", "start": "edit"}

    @action("start", "Bắt đầu kiểm tra",
            "Bắt đầu các đợt kiểm tra đã chọn? Hạt giống của các mẫu đã rút sẽ được công bố.")
    def action_start(self, ids: Any) -> None:
        started, revealed = [], 0
        for ident in ids:
            inspection = self.find_in_scope(ident, "change")
            if inspection is None:
                flash(f"Đợt kiểm tra #{ident} không tồn tại hoặc nằm ngoài phạm vi của bạn.", "error")
                continue
            try:
                revealed += start_inspection(db.session, inspection)
                db.session.commit()
            except (DomainError, RuleViolation) as exc:
                db.session.rollback()
                flash(str(exc), "error")
                continue
            except IntegrityError as exc:
                db.session.rollback()
                flash(integrity_message(exc), "error")
                continue
            started.append(inspection.code)
        if started:
            flash(f"Đã bắt đầu {len(started)} đợt kiểm tra ({', '.join(started)}); "
                  f"đã công bố hạt giống của {revealed} mẫu.", "success")


class FindingView(PortalModelView):
    column_list = ("inspection", "unit", "staff", "kind", "severity", "recorded_at")
    column_details_list = ("inspection", "unit", "staff", "task", "kind", "severity", "description",
                           "recommendations", "recorded_at")
    column_export_list = ("inspection", "unit", "staff", "task", "kind", "severity", "description", "recorded_at")
    column_labels = {"unit": "Đơn vị được kiểm tra"}
    column_default_sort = ("recorded_at", True)
    column_sortable_list = ("kind", "severity", "recorded_at")
    column_searchable_list = ("description",)
    column_filters = ("kind", "severity", "recorded_at", UnitSubtreeFilter(Finding.unit_id, "Đơn vị"))
    column_select_related_list = (Finding.inspection, Finding.unit, Finding.staff)
    enum_columns = {"kind": enums.FINDING_KINDS, "severity": enums.SEVERITIES}
    form_columns = ("inspection", "unit", "staff", "task", "kind", "severity", "description")
    ajax_refs = {
        "inspection": ref(Inspection, ("code", "title")),
        "unit": ref(Unit, open=True),
        "staff": ref(Staff, ("code", "full_name")),
        "task": ref(Task, ("code", "title")),
    }
    inline_models = (RecommendationInline(Recommendation),)
    readonly_columns = ("inspection",)
    creator_field = "recorded_by_id"


class RecommendationView(PortalModelView):
    column_list = ("finding", "kind", "text", "due_date", "status")
    column_default_sort = ("created_at", True)
    column_sortable_list = ("kind", "due_date", "status", "created_at")
    column_searchable_list = ("text",)
    column_filters = ("kind", "status", "due_date")
    column_select_related_list = (Recommendation.finding,)
    column_editable_list = ("status",)
    enum_columns = {"kind": enums.RECOMMENDATION_KINDS, "status": enums.RECOMMENDATION_STATUSES}
    form_columns = ("finding", "kind", "text", "due_date", "status")
    ajax_refs = {"finding": ref(Finding, ("description",), order_by="recorded_at")}
    readonly_columns = ("finding",)
