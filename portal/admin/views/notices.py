"""Written notices and reports the portal issues (thông báo, báo cáo, nhắc việc).

A notice entered here is numbered by its register (:func:`portal.services.notices.number_new_notice`:
the issuing unit's, for the year of issue, under the register lock), never by hand;
once issued, its number, issuing unit and year stay, and it is never deleted.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from wtforms.validators import Length, Optional

from ...extensions import db
from ...i18n import label
from ...models import Account, ConsultationRecipient, Notice, Staff, Task, TaskStep, Unit, enums
from ...services import notices
from ...services.workdays import local_today
from ..ajax import ref
from ..filters import UnitSubtreeFilter
from ..rule_forms import Call, RuleFormView

PERIOD_ORDER = "Ngày cuối kỳ phải sau hoặc bằng ngày đầu kỳ."
NUMBER_HELP = ("Số văn bản được cấp khi lưu: số tiếp theo trong sổ văn bản của cơ quan ban hành, năm ban hành. "
               "Sau khi ban hành, số, cơ quan ban hành và ngày ban hành không sửa được.")
SYMBOL_HELP = "Để trống: TB-<mã cơ quan ban hành> (thông báo) hoặc BC-<mã cơ quan ban hành> (báo cáo)."


class NoticeView(RuleFormView):
    simple_list_pager = True  # one notice per missed deadline: a large table
    # An issued document is a record of accountability: never deleted.
    can_delete = False
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
    form_args = {"issued_on": {"description": label(NUMBER_HELP)},
                 "symbol": {"description": label(SYMBOL_HELP)}}
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
    # The register numbers a new notice and names its entry: neither is typed.
    create_excluded = ("number", "dedupe_key")
    date_order = (("period_start", "period_end", PERIOD_ORDER),)

    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        # A blank symbol is filled from the issuing unit when the notice is numbered.
        symbol = getattr(form_class, "symbol", None)
        if symbol is not None:
            symbol.kwargs["validators"] = [Optional(), Length(max=Notice.symbol.type.length)]
        return form_class

    def route(self, model: Notice, is_created: bool, account: Account, at: datetime) -> list[Call]:
        if is_created:
            notices.number_new_notice(db.session, model, today=local_today(at))
        else:
            notices.check_register_kept(model)
        return []
