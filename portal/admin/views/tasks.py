"""Tasks with their steps and extensions (directive items 2, 3 and 5)."""
from __future__ import annotations

from typing import Any

from wtforms.validators import Optional

from ...auth.policy import current_account, is_unit_head, sees_all
from ...models import Staff, Task, TaskExtension, TaskStep, Unit, enums
from ...services.calendar import compute_deadline
from .. import guard
from ..ajax import ref
from ..base import PortalModelView
from ..inline import PortalInlineAdmin
from ..filters import OutcomeFilter, UnitSubtreeFilter
from ..formatting import outcome_badge, outcome_text, request_calendar

STAFF = ("code", "full_name")
DUE_AFTER_RECEIVED = "Hạn theo quy định phải sau hoặc bằng ngày tiếp nhận."
DUE_NOT_BEFORE_LEGAL = "Hạn xử lý không được trước hạn theo quy định."
NEW_AFTER_OLD = "Hạn mới phải sau hạn cũ."


class StepInline(PortalInlineAdmin):
    form_columns = ("id", "seq", "title", "responsible", "due_date", "status", "completed_at", "note")
    ajax_refs = {"responsible": ref(Staff, STAFF)}
    enum_columns = {"status": enums.STEP_STATUSES}


class ExtensionInline(PortalInlineAdmin):
    form_columns = ("id", "previous_due_date", "new_due_date", "reason")
    creator_field = "granted_by_id"


class TaskView(PortalModelView):
    simple_list_pager = True  # a million tasks: no COUNT(*) on every page
    column_list = ("code", "title", "lead_unit", "owner", "received_on", "due_date", "status", "outcome_status")
    column_details_list = (
        "code", "title", "description", "lead_unit", "authority_unit", "owner", "received_on", "deadline_kind",
        "deadline_working_days", "legal_due_date", "due_date", "status", "outcome_status", "completed_at",
        "completed_late", "submitted_to_unit", "submitted_at", "improper_escalation", "return_reason",
        "created_at", "updated_at",
    )
    column_export_list = column_details_list
    column_default_sort = ("due_date", True)
    column_sortable_list = ("code", "title", "received_on", "due_date", "status")
    column_searchable_list = ("code", "title")
    column_filters = (
        "status", OutcomeFilter(Task.status), UnitSubtreeFilter(Task.lead_unit_id, "Đơn vị chủ trì"),
        "due_date", "received_on", "deadline_kind", "improper_escalation",
    )
    column_formatters = {"outcome_status": outcome_badge}
    column_formatters_export = {"outcome_status": outcome_text}
    column_select_related_list = (Task.lead_unit, Task.owner)
    column_editable_list = ("title",)
    enum_columns = {"status": enums.TASK_STATUSES, "deadline_kind": enums.DEADLINE_KINDS}
    form_columns = (
        "code", "title", "description", "lead_unit", "authority_unit", "owner", "received_on", "deadline_kind",
        "deadline_working_days", "legal_due_date", "due_date", "status", "completed_at",
        "submitted_to_unit", "improper_escalation", "return_reason",
    )
    form_args = {"legal_due_date": {"description": "Để trống nếu thời hạn tính theo số ngày làm việc."},
                 "due_date": {"description": "Để trống: bằng hạn theo quy định."}}
    ajax_refs = {
        "lead_unit": ref(Unit),
        "authority_unit": ref(Unit, open=True),
        "submitted_to_unit": ref(Unit, open=True),
        "owner": ref(Staff, STAFF),
    }
    inline_models = (StepInline(TaskStep), ExtensionInline(TaskExtension))
    readonly_columns = ("code", "received_on", "deadline_kind", "deadline_working_days", "legal_due_date")
    creator_field = "created_by_id"
    date_order = (("received_on", "legal_due_date", DUE_AFTER_RECEIVED),
                  ("legal_due_date", "due_date", DUE_NOT_BEFORE_LEGAL))

    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        # The deadline may be given as working days instead of a date (computed on save).
        for name in ("legal_due_date", "due_date"):
            field = getattr(form_class, name, None)
            if field is not None:
                field.kwargs["validators"] = [Optional()]
        return form_class

    def apply_rules(self, form: Any, model: Task, is_created: bool) -> None:
        if is_created:
            # The legal deadline is the deadline rules' to compute (working days, days off).
            model.deadline_kind = model.deadline_kind or "date"
            due = compute_deadline(request_calendar(), model.received_on, kind=model.deadline_kind,
                                   working_days=model.deadline_working_days, due_date=model.legal_due_date)
            model.legal_due_date = due
            model.due_date = model.due_date if model.due_date and model.due_date > due else due


class TaskStepView(PortalModelView):
    simple_list_pager = True
    column_list = ("task", "seq", "title", "responsible", "due_date", "status", "completed_at")
    column_details_list = ("task", "seq", "title", "responsible", "due_date", "status", "completed_at",
                           "completed_late", "note")
    column_export_list = column_details_list
    column_default_sort = ("due_date", True)
    column_sortable_list = ("seq", "title", "due_date", "status", "completed_at")
    column_searchable_list = ("title",)
    column_filters = ("status", "due_date")
    column_select_related_list = (TaskStep.task, TaskStep.responsible)
    column_editable_list = ("status", "note")
    enum_columns = {"status": enums.STEP_STATUSES}
    form_columns = ("task", "seq", "title", "responsible", "due_date", "status", "completed_at", "note")
    ajax_refs = {"task": ref(Task, ("code", "title")), "responsible": ref(Staff, STAFF)}
    readonly_columns = ("task", "seq")

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        # A staff member updates the progress of their own step; what the step is,
        # who answers for it and by when are the unit head's to decide.
        for name in self.person_readonly():
            if name in form:
                del form[name]
        return form

    def person_readonly(self) -> tuple[str, ...]:
        account = current_account()
        if account is None or sees_all(account) or is_unit_head(account):
            return ()
        return ("title", "responsible", "due_date")

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if not is_created:
            guard.check_readonly(model, self.person_readonly(), self.column_labels)
        super().on_model_change(form, model, is_created)


class TaskExtensionView(PortalModelView):
    column_list = ("task", "previous_due_date", "new_due_date", "reason", "granted_at")
    column_default_sort = ("granted_at", True)
    column_sortable_list = ("previous_due_date", "new_due_date", "granted_at")
    column_searchable_list = ("reason",)
    column_filters = ("new_due_date", "granted_at")
    column_select_related_list = (TaskExtension.task,)
    form_columns = ("task", "previous_due_date", "new_due_date", "reason")
    ajax_refs = {"task": ref(Task, ("code", "title"))}
    readonly_columns = ("task", "previous_due_date", "new_due_date")
    creator_field = "granted_by_id"
    date_order = (("previous_due_date", "new_due_date", NEW_AFTER_OLD),)
