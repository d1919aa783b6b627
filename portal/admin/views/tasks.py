"""Tasks with their steps and extensions (directive items 2, 3 and 5).

The forms record a task, its steps and its extensions; what the rules own goes
through :mod:`portal.services.tasks` and :mod:`portal.services.task_changes`
(see :mod:`portal.admin.rule_forms`): a status of "done", "submitted", "returned"
or "cancelled" is a completion, a submission, a return or a cancellation; a step
is completed through its rule; an extension moves the deadline in force and keeps
the replaced one and the reason. Completion time, lateness, the escalation flag
and the deadline in force are shown, never typed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g
from markupsafe import Markup, escape
from wtforms.validators import Optional

from ...auth.policy import current_account, is_unit_head, sees_all
from ...extensions import db
from ...i18n import label
from ...models import Account, Staff, Task, TaskExtension, TaskStep, Unit, enums
from ...services import DomainError, task_changes, tasks
from ...services.calendar import compute_deadline
from .. import guard
from ..ajax import ref
from ..filters import OutcomeFilter, TaskUnitSubtreeFilter, UnitCodeFilter, UnitSubtreeFilter
from ..formatting import outcome_badge, outcome_text, request_calendar
from ..inline import PortalInlineAdmin
from ..rule_forms import Call, RuleFormView, is_new, require, take, take_ref

STAFF = ("code", "full_name")
DUE_AFTER_RECEIVED = "Hạn theo quy định phải sau hoặc bằng ngày tiếp nhận."
DUE_NOT_BEFORE_LEGAL = "Hạn xử lý không được trước hạn theo quy định."
NEW_AFTER_OLD = "Hạn mới phải sau hạn cũ."
SUBMIT_WITH_STATUS = "Đơn vị nhận tờ trình chỉ được chọn khi chuyển trạng thái sang “Đã trình cấp trên”."
RETURN_WITH_STATUS = "Lý do trả lại chỉ được ghi khi chuyển trạng thái sang “Trả lại đơn vị có thẩm quyền”."
EXTENSION_IS_RECORD = "Gia hạn đã ghi nhận là hồ sơ (hạn cũ, hạn mới, lý do): không sửa, không xóa được."
EXTEND_AFTER_CREATE = "Nhiệm vụ mới chưa có hạn để gia hạn: ghi gia hạn sau khi đã lưu nhiệm vụ."
STATUS_HELP = ("Hoàn thành, trình cấp trên, trả lại hoặc hủy được thực hiện theo quy định khi lưu: thời điểm "
               "hoàn thành là lúc lưu; còn bước chưa hoàn thành thì chưa hoàn thành được nhiệm vụ.")
STEP_STATUS_HELP = "Hoàn thành: thời điểm hoàn thành là lúc lưu; bước đã hoàn thành không mở lại được."


def route_step(step: TaskStep, account: Account, at: datetime) -> list[Call]:
    """A step from a form (its own screen or a task's inline rows), through the step rules."""
    session = db.session
    if is_new(step):
        task_changes.check_new_step(session, step)
        return []
    status = take(step, "status")
    state = sa.inspect(step)
    changed = {name for name in ("title", "due_date") if state.attrs[name].history.has_changes()}
    if step.responsible is not None and step.responsible.id != step.responsible_staff_id:
        changed.add("responsible")
    old_due = state.attrs.due_date.history.deleted
    task_changes.check_step_edit(session, step, changed, old_due=old_due[0] if old_due else step.due_date, at=at)
    if status is None:
        return []
    require(account, "task_step", "edit", TaskStep)
    return [lambda: task_changes.change_step_status(session, step, status.new, by=account, at=at)]


def route_new_extension(ext: TaskExtension, task: Task, account: Account, at: datetime) -> Call:
    """Check a form-built extension now; the rule fills it and moves the deadline after the save is authorised."""
    session = db.session
    reason = tasks.check_extension(session, task, new_due_date=ext.new_due_date, reason=ext.reason, by=account)
    # The row must be storable before the rule runs: the replaced deadline is the one in force.
    ext.previous_due_date, ext.reason, ext.granted_by_id = task.due_date, reason, account.id
    return lambda: tasks.extend_task(session, task, new_due_date=ext.new_due_date, reason=reason, by=account,
                                     at=at, extension=ext)


class StepInline(PortalInlineAdmin):
    form_columns = ("id", "seq", "title", "responsible", "due_date", "status", "note")
    form_args = {"status": {"description": label(STEP_STATUS_HELP)}}
    ajax_refs = {"responsible": ref(Staff, STAFF)}
    enum_columns = {"status": enums.STEP_STATUSES}


class ExtensionInline(PortalInlineAdmin):
    # The replaced deadline is the one in force when the extension is saved.
    form_columns = ("id", "new_due_date", "reason")
    creator_field = "granted_by_id"


class TaskView(RuleFormView):
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
        UnitCodeFilter(Task.lead_unit_id, "Đơn vị chủ trì"),
    )
    column_formatters = {"outcome_status": outcome_badge}
    column_formatters_export = {"outcome_status": outcome_text}
    column_select_related_list = (Task.lead_unit, Task.owner)
    column_editable_list = ("title",)
    enum_columns = {"status": enums.TASK_STATUSES, "deadline_kind": enums.DEADLINE_KINDS}
    form_columns = (
        "code", "title", "description", "lead_unit", "authority_unit", "owner", "received_on", "deadline_kind",
        "deadline_working_days", "legal_due_date", "due_date", "status",
        "submitted_to_unit", "return_reason",
    )
    form_args = {"legal_due_date": {"description": label("Để trống nếu thời hạn tính theo số ngày làm việc.")},
                 "due_date": {"description": label("Để trống: bằng hạn theo quy định. Sau khi tạo, hạn chỉ thay "
                                                   "đổi bằng gia hạn (hạn mới và lý do).")},
                 "status": {"description": label(STATUS_HELP)}}
    ajax_refs = {
        "lead_unit": ref(Unit),
        "authority_unit": ref(Unit, open=True),
        "submitted_to_unit": ref(Unit, open=True),
        "owner": ref(Staff, STAFF),
    }
    inline_models = (StepInline(TaskStep), ExtensionInline(TaskExtension))
    readonly_columns = ("code", "received_on", "deadline_kind", "deadline_working_days", "legal_due_date",
                        "due_date", "completed_at", "completed_late", "submitted_at", "improper_escalation")
    # A new task is open or in progress: submission and return come later, through their rules.
    create_excluded = ("submitted_to_unit", "return_reason")
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

    def route(self, model: Task, is_created: bool, account: Account, at: datetime) -> list[Call]:
        session = db.session
        status = to_unit = reason = None
        if is_created:
            task_changes.check_new_task(model.status)
            model.status = model.status or "open"
            # The legal deadline is the deadline rules' to compute (working days, days off).
            model.deadline_kind = model.deadline_kind or "date"
            due = compute_deadline(request_calendar(), model.received_on, kind=model.deadline_kind,
                                   working_days=model.deadline_working_days, due_date=model.legal_due_date)
            model.legal_due_date = due
            model.due_date = model.due_date if model.due_date and model.due_date > due else due
        else:
            status = take(model, "status")
            to_unit = take_ref(model, "submitted_to_unit", "submitted_to_unit_id")
            reason = take(model, "return_reason")
            if to_unit is not None and (status is None or status.new != "submitted"):
                raise DomainError(SUBMIT_WITH_STATUS)
            if reason is not None and (status is None or status.new != "returned"):
                raise DomainError(RETURN_WITH_STATUS)
        self._check_owner(model, is_created)
        calls: list[Call] = []
        new_steps = False
        for step in model.steps:
            if step not in session.deleted:
                new_steps = new_steps or is_new(step)
                calls += route_step(step, account, at)
        for ext in model.extensions:
            if ext in session.deleted or not (is_new(ext) or _untouched(ext)):
                raise DomainError(EXTENSION_IS_RECORD)
            if is_new(ext):
                if is_created:
                    raise DomainError(EXTEND_AFTER_CREATE)
                calls.append(route_new_extension(ext, model, account, at))
        if status is not None:
            to_unit_id = to_unit.new if to_unit is not None else None
            return_reason = reason.new if reason is not None else None
            calls.append(lambda: task_changes.change_task_status(
                session, model, status.new, by=account, at=at, to_unit_id=to_unit_id, reason=return_reason))
        elif new_steps and model.status == "open":
            model.status = "in_progress"  # as tasks.add_step does: the work has been planned
        return calls

    @staticmethod
    def _check_owner(task: Task, is_created: bool) -> None:
        owner, lead = task.owner, task.lead_unit
        if owner is None or lead is None:
            return
        if is_created or owner.id != task.owner_staff_id or lead.id != task.lead_unit_id:
            tasks.require_staff_in_unit(db.session, owner.id, lead.id)


def _untouched(ext: TaskExtension) -> bool:
    state = sa.inspect(ext)
    return not any(state.attrs[name].history.has_changes() for name in ("previous_due_date", "new_due_date", "reason"))


class TaskStepView(RuleFormView):
    simple_list_pager = True
    column_list = ("task", "seq", "title", "responsible", "due_date", "status", "completed_at")
    column_details_list = ("task", "seq", "title", "responsible", "due_date", "status", "completed_at",
                           "completed_late", "note")
    column_export_list = column_details_list
    column_default_sort = ("due_date", True)
    column_sortable_list = ("seq", "title", "due_date", "status", "completed_at")
    column_searchable_list = ("title",)
    column_filters = ("status", "due_date", TaskUnitSubtreeFilter(TaskStep.task_id, "Nhiệm vụ"))
    column_select_related_list = (TaskStep.task, TaskStep.responsible)
    # Offered per row (see inline_refused): only where the save would be accepted.
    column_editable_list = ("status", "note")
    enum_columns = {"status": enums.STEP_STATUSES}
    form_columns = ("task", "seq", "title", "responsible", "due_date", "status", "note")
    form_args = {"status": {"description": label(STEP_STATUS_HELP)}}
    ajax_refs = {"task": ref(Task, ("code", "title")), "responsible": ref(Staff, STAFF)}
    readonly_columns = ("task", "seq", "completed_at", "completed_late")
    # A new step is open; it is completed afterwards, through the rule.
    create_excluded = ("status",)

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

    def get_list(self, *args: Any, **kwargs: Any) -> Any:
        count, rows = super().get_list(*args, **kwargs)
        if isinstance(rows, list):
            # Staff see their unit's steps but change only their own: which rows of the
            # page the account may change is read once, with the server's change scope.
            ids = [row.id for row in rows]
            g.changeable_steps = set(db.session.scalars(
                sa.select(TaskStep.id).where(TaskStep.id.in_(ids), self.scope("change")))) if ids else set()
        return count, rows

    def list_form(self, obj: Any = None) -> Any:
        form = super().list_form(obj)
        if obj is not None:
            for name in self.inline_refused(obj):
                if name in form:
                    form[name].widget = _plain_cell
        return form

    @staticmethod
    def inline_refused(step: TaskStep) -> tuple[str, ...]:
        """Cells of ``step`` shown as text, not as an inline editor: every cell of a step
        outside the account's change scope (a colleague's, for staff), and the status of
        a step already done (never reopened) or of a task no longer under way. The
        server still checks each save; this only stops offering what it would refuse."""
        if step.id not in g.get("changeable_steps", ()):
            return ("status", "note")
        if step.status == "done" or step.task is None or step.task.status not in tasks.ACTIVE_STATUSES:
            return ("status",)
        return ()

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if not is_created:
            guard.check_readonly(model, self.person_readonly(), self.column_labels)
        super().on_model_change(form, model, is_created)

    def route(self, model: TaskStep, is_created: bool, account: Account, at: datetime) -> list[Call]:
        return route_step(model, account, at)


def _plain_cell(_field: Any, **kwargs: Any) -> Markup:
    """A list cell as text (what x-editable's link would show, without the editor)."""
    return escape(kwargs.get("display_value", ""))


class TaskExtensionView(RuleFormView):
    # An extension is a record of the deadline it replaced and why: added through
    # the rule, never edited or deleted afterwards.
    can_edit = False
    can_delete = False
    column_list = ("task", "previous_due_date", "new_due_date", "reason", "granted_at")
    column_default_sort = ("granted_at", True)
    column_sortable_list = ("previous_due_date", "new_due_date", "granted_at")
    column_searchable_list = ("reason",)
    column_filters = ("new_due_date", "granted_at")
    column_select_related_list = (TaskExtension.task,)
    form_columns = ("task", "new_due_date", "reason")
    form_args = {"new_due_date": {"description": label("Hạn đang áp dụng được ghi lại là hạn cũ khi lưu.")}}
    ajax_refs = {"task": ref(Task, ("code", "title"))}
    readonly_columns = ("task", "previous_due_date", "new_due_date")
    creator_field = "granted_by_id"

    def route(self, model: TaskExtension, is_created: bool, account: Account, at: datetime) -> list[Call]:
        if not is_created:
            raise DomainError(EXTENSION_IS_RECORD)
        if model.task is None:
            raise DomainError("Phải chọn nhiệm vụ được gia hạn.")
        return [route_new_extension(model, model.task, account, at)]
