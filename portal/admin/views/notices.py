"""Written notices and reports the portal issues (thông báo, báo cáo, nhắc việc)."""
from __future__ import annotations

from ...models import ConsultationRecipient, Notice, Staff, Task, TaskStep, Unit, enums
from ..ajax import ref
from ..base import PortalModelView
from ..filters import UnitSubtreeFilter

PERIOD_ORDER = "Ngày cuối kỳ phải sau hoặc bằng ngày đầu kỳ."


class NoticeView(PortalModelView):
    simple_list_pager = True  # one notice per missed deadline: a large table
    column_list = ("number", "symbol", "kind", "subject", "issuing_unit", "recipient_unit", "issued_on")
    column_details_list = ("number", "symbol", "kind", "subject", "issuing_unit", "recipient_unit",
                           "recipient_staff", "issued_on", "body", "task", "task_step", "consultation_recipient",
                           "period_start", "period_end", "dedupe_key", "created_at")
    column_export_list = ("number", "symbol", "kind", "subject", "issuing_unit", "recipient_unit",
                          "recipient_staff", "issued_on", "period_start", "period_end")
    column_default_sort = ("issued_on", True)
    column_sortable_list = ("number", "kind", "issued_on")
    column_searchable_list = ("number", "subject")
    column_filters = ("kind", "issued_on", UnitSubtreeFilter(Notice.recipient_unit_id, "Nơi nhận"),
                      UnitSubtreeFilter(Notice.issuing_unit_id, "Cơ quan ban hành"))
    column_select_related_list = (Notice.issuing_unit, Notice.recipient_unit)
    enum_columns = {"kind": enums.NOTICE_KINDS}
    form_columns = ("kind", "dedupe_key", "number", "symbol", "issuing_unit", "recipient_unit", "recipient_staff",
                    "subject", "body", "issued_on", "task", "task_step", "consultation_recipient",
                    "period_start", "period_end")
    ajax_refs = {
        "issuing_unit": ref(Unit),
        "recipient_unit": ref(Unit, open=True),
        "recipient_staff": ref(Staff, ("code", "full_name")),
        "task": ref(Task, ("code", "title")),
        "task_step": ref(TaskStep, ("title",)),
        "consultation_recipient": ref(ConsultationRecipient, ("relevance_reason",), order_by="deadline"),
    }
    # An issued document is a record: what, by whom, to whom and when stay as issued.
    readonly_columns = ("kind", "dedupe_key", "number", "symbol", "issuing_unit", "recipient_unit",
                        "recipient_staff", "issued_on")
    date_order = (("period_start", "period_end", PERIOD_ORDER),)
