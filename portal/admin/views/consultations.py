"""Consultations (lấy ý kiến), the consulted units and their answers, and the
written deadline issues that suspend deemed agreement (directive item 4)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from ...services.consultations import can_submit

from ...models import Consultation, ConsultationRecipient, DeadlineIssue, Task, Unit, enums
from ..ajax import ref
from ..base import PortalModelView
from ..inline import PortalInlineAdmin
from ..filters import UnitSubtreeFilter

DEADLINE_AFTER_SENT = "Hạn trả lời phải sau hoặc bằng ngày gửi lấy ý kiến."


class RecipientInline(PortalInlineAdmin):
    # The consulting unit names whom it consults and why; answers are the consulted unit's.
    form_columns = ("id", "unit", "relevance_reason", "deadline")
    ajax_refs = {"unit": ref(Unit, open=True)}


class DeadlineIssueInline(PortalInlineAdmin):
    form_columns = ("id", "document_ref", "description", "filed_at", "decision", "new_deadline",
                    "decision_note", "decided_at")
    enum_columns = {"decision": enums.DEADLINE_ISSUE_DECISIONS}
    creator_field = None


class ConsultationView(PortalModelView):
    simple_list_pager = True
    column_list = ("code", "subject", "consulting_unit", "sent_on", "deadline", "status")
    column_details_list = ("code", "subject", "proposal", "task", "consulting_unit", "competent_unit", "sent_on",
                           "deadline_kind", "deadline_working_days", "deadline", "status", "submitted_at",
                           "recipients", "created_at")
    column_export_list = ("code", "subject", "task", "consulting_unit", "competent_unit", "sent_on",
                          "deadline_kind", "deadline_working_days", "deadline", "status", "submitted_at")
    column_default_sort = ("deadline", True)
    column_sortable_list = ("code", "subject", "sent_on", "deadline", "status")
    column_searchable_list = ("code", "subject")
    column_filters = ("status", UnitSubtreeFilter(Consultation.consulting_unit_id, "Cơ quan chủ trì"),
                      "deadline", "sent_on", "deadline_kind")
    column_select_related_list = (Consultation.consulting_unit,)
    enum_columns = {"status": enums.CONSULTATION_STATUSES, "deadline_kind": enums.DEADLINE_KINDS}
    form_columns = ("code", "subject", "proposal", "task", "consulting_unit", "competent_unit", "sent_on",
                    "deadline_kind", "deadline_working_days", "deadline", "status")
    ajax_refs = {
        "task": ref(Task, ("code", "title")),
        "consulting_unit": ref(Unit),
        "competent_unit": ref(Unit, open=True),
    }
    inline_models = (RecipientInline(ConsultationRecipient),)
    readonly_columns = ("code", "sent_on", "consulting_unit")
    creator_field = "created_by_id"
    date_order = (("sent_on", "deadline", DEADLINE_AFTER_SENT),)

    def apply_rules(self, form: Any, model: Consultation, is_created: bool) -> None:
        # Item 4: submitting goes through the rule, whichever screen sets the status.
        if model.status == "submitted" and sa.inspect(model).attrs.status.history.has_changes():
            allowed, reasons = can_submit(model)
            if not allowed:
                raise ValidationError(" ".join(reasons) or "Chưa thể trình hồ sơ lấy ý kiến.")


class ConsultationRecipientView(PortalModelView):
    column_list = ("consultation", "unit", "deadline", "outcome", "answer", "answered_at", "answered_late")
    column_details_list = ("consultation", "unit", "relevance_reason", "deadline", "outcome", "answer",
                           "answer_text", "answered_at", "answered_late", "deemed_agreed_at", "resolution",
                           "resolution_note", "resolved_at")
    column_export_list = column_details_list
    column_default_sort = ("deadline", True)
    column_sortable_list = ("deadline", "outcome", "answer", "answered_at")
    column_filters = ("outcome", "answer", "deadline", UnitSubtreeFilter(ConsultationRecipient.unit_id, "Đơn vị"))
    column_select_related_list = (ConsultationRecipient.consultation, ConsultationRecipient.unit)
    enum_columns = {"outcome": enums.RECIPIENT_OUTCOMES, "answer": enums.ANSWERS, "resolution": enums.RESOLUTIONS}
    form_columns = ("consultation", "unit", "relevance_reason", "deadline", "answer", "answer_text",
                    "answered_at", "resolution", "resolution_note")
    ajax_refs = {"consultation": ref(Consultation, ("code", "subject")), "unit": ref(Unit, open=True)}
    inline_models = (DeadlineIssueInline(DeadlineIssue),)
    readonly_columns = ("consultation", "unit")


class DeadlineIssueView(PortalModelView):
    column_list = ("recipient", "document_ref", "filed_at", "decision", "new_deadline", "decided_at")
    column_default_sort = ("filed_at", True)
    column_sortable_list = ("document_ref", "filed_at", "decision", "new_deadline")
    column_searchable_list = ("document_ref", "description")
    column_filters = ("decision", "new_deadline")
    column_select_related_list = (DeadlineIssue.recipient,)
    query_options = (
        joinedload(DeadlineIssue.recipient).joinedload(ConsultationRecipient.consultation),
        joinedload(DeadlineIssue.recipient).joinedload(ConsultationRecipient.unit),
    )
    enum_columns = {"decision": enums.DEADLINE_ISSUE_DECISIONS}
    form_columns = ("recipient", "document_ref", "description", "filed_at", "decision", "new_deadline",
                    "decision_note", "decided_at")
    ajax_refs = {"recipient": ref(ConsultationRecipient, ("relevance_reason",), order_by="deadline")}
    readonly_columns = ("recipient", "document_ref", "filed_at")
