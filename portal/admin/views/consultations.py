"""Consultations (lấy ý kiến), the consulted units and their answers, and the
written deadline issues that suspend deemed agreement (directive item 4).

The forms record whom a consultation asks and why; what item 4 rules goes through
:mod:`portal.services.consultations` and :mod:`portal.services.consultation_changes`
(see :mod:`portal.admin.rule_forms`): an answer is given once, by the consulted
unit, at the moment it is saved (late answers are kept, marked late, and stay
deemed agreement); a deadline issue is filed and decided through its rules; a
disagreement is settled through its rule; submitting goes through the rule that
refuses while a disagreement is open. Outcome, answer time and lateness are shown,
never typed.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...i18n import label
from ...models import Account, Consultation, ConsultationRecipient, DeadlineIssue, Task, Unit, enums
from ...services import DomainError, consultations
from ...services.consultation_changes import (
    FINAL_STATUSES, change_consultation_status, change_recipient_deadline, change_relevance_reason,
    check_new_recipient,
)
from ..ajax import ref
from ..filters import UnitCodeFilter, UnitSubtreeFilter
from ..inline import PortalInlineAdmin
from ..rule_forms import Call, RuleFormView, is_new, require, take, take_ref

DEADLINE_AFTER_SENT = "Hạn trả lời phải sau hoặc bằng ngày gửi lấy ý kiến."
NEW_NOT_SUBMITTED = "Hồ sơ mới chưa thể ở trạng thái đã trình; trình hồ sơ sau khi các đơn vị đã có ý kiến."
UNIT_FIXED = "Không đổi được đơn vị đã được lấy ý kiến; thêm đơn vị mới nếu cần."
ISSUE_IS_RECORD = "Văn bản trao đổi về thời hạn là hồ sơ (số, ký hiệu, nội dung): không sửa, không xóa được."
NEW_ISSUE_UNDECIDED = "Văn bản trao đổi mới chưa có quyết định; cơ quan lấy ý kiến quyết định sau khi nhận."
NEW_RECIPIENT_NO_ISSUES = "Đơn vị mới được lấy ý kiến chưa có văn bản trao đổi về thời hạn."
ANSWER_HELP = ("Ý kiến của đơn vị được lấy ý kiến, ghi một lần; thời điểm trả lời là lúc lưu. Trả lời sau hạn vẫn "
               "được ghi nhận (quá hạn) và được xác định là đồng ý. Trang Nghiệp vụ › Trả lời lấy ý kiến làm "
               "cùng việc này.")
RESOLUTION_HELP = "Cơ quan chủ trì ghi cách giải quyết ý kiến không đồng ý (kèm kết quả hoặc nội dung báo cáo)."


def _decision_of(issue: DeadlineIssue, account: Account, at: datetime) -> Call | None:
    """A decision posted on a deadline issue goes through its rule; the filing itself is a record."""
    state = sa.inspect(issue)
    if any(state.attrs[name].history.has_changes() for name in ("document_ref", "description", "filed_at")):
        raise DomainError(ISSUE_IS_RECORD)
    decision, new_deadline, note = take(issue, "decision"), take(issue, "new_deadline"), take(issue, "decision_note")
    if decision is None and new_deadline is None and note is None:
        return None
    require(account, "deadline_issue", "edit", DeadlineIssue)
    return lambda: consultations.decide_deadline_issue(
        db.session, issue, decision=(decision.new if decision else issue.decision) or "",
        new_deadline=new_deadline.new if new_deadline else issue.new_deadline,
        note=note.new if note else issue.decision_note, by=account, at=at,
    )


def _filing_of(issue: DeadlineIssue, recipient: ConsultationRecipient | None, account: Account,
               at: datetime) -> Call:
    """A form-built deadline issue: filed now, through its rule (before the deadline, by the consulted unit)."""
    if recipient is None:
        raise DomainError("Phải chọn đơn vị được lấy ý kiến có văn bản trao đổi.")
    if issue.decision is not None or issue.new_deadline is not None or (issue.decision_note or "").strip():
        raise DomainError(NEW_ISSUE_UNDECIDED)
    issue.filed_at = at  # the filing time is the moment it reaches the portal, never typed
    return lambda: consultations.file_deadline_issue(
        db.session, recipient, document_ref=issue.document_ref, description=issue.description, by=account,
        at=at, issue=issue,
    )


class RecipientInline(PortalInlineAdmin):
    # The consulting unit names whom it consults and why; answers are the consulted unit's.
    form_columns = ("id", "unit", "relevance_reason", "deadline")
    ajax_refs = {"unit": ref(Unit, open=True)}


class DeadlineIssueInline(PortalInlineAdmin):
    form_columns = ("id", "document_ref", "description", "decision", "new_deadline", "decision_note")
    enum_columns = {"decision": enums.DEADLINE_ISSUE_DECISIONS}
    creator_field = None


class ConsultationView(RuleFormView):
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
    form_args = {"status": {"description": label("Trình: chỉ khi mọi đơn vị đã có ý kiến (hoặc được xác định là "
                                                 "đồng ý) và ý kiến không đồng ý đã được giải quyết.")}}
    ajax_refs = {
        "task": ref(Task, ("code", "title")),
        "consulting_unit": ref(Unit),
        "competent_unit": ref(Unit, open=True),
    }
    inline_models = (RecipientInline(ConsultationRecipient),)
    readonly_columns = ("code", "sent_on", "consulting_unit", "submitted_at")
    creator_field = "created_by_id"
    date_order = (("sent_on", "deadline", DEADLINE_AFTER_SENT),)

    def route(self, model: Consultation, is_created: bool, account: Account, at: datetime) -> list[Call]:
        session = db.session
        status = None
        if is_created:
            if model.status in FINAL_STATUSES:
                raise DomainError(NEW_NOT_SUBMITTED)
            model.status = model.status or "open"
        else:
            status = take(model, "status")
        calls: list[Call] = []
        for recipient in model.recipients:
            if recipient in session.deleted:
                continue  # the deletion rule (RuleFormView) and the guard's delete permission decide
            if is_new(recipient):
                check_new_recipient(model, recipient, by=account)
                continue
            if take_ref(recipient, "unit", "unit_id") is not None:
                raise DomainError(UNIT_FIXED)
            reason = take(recipient, "relevance_reason")
            if reason is not None:
                require(account, "consultation_recipient", "edit", ConsultationRecipient)
                calls.append(lambda r=recipient, t=reason.new: change_relevance_reason(session, r, t, by=account))
            deadline = take(recipient, "deadline")
            if deadline is not None:
                require(account, "consultation_recipient", "edit", ConsultationRecipient)
                calls.append(lambda r=recipient, d=deadline.new: change_recipient_deadline(
                    session, r, d, by=account, at=at))
        if status is not None:
            calls.append(lambda: change_consultation_status(session, model, status.new, by=account, at=at))
        return calls


class ConsultationRecipientView(RuleFormView):
    column_list = ("consultation", "unit", "deadline", "outcome", "answer", "answered_at", "answered_late")
    column_details_list = ("consultation", "unit", "relevance_reason", "deadline", "outcome", "answer",
                           "answer_text", "answered_at", "answered_late", "deemed_agreed_at", "resolution",
                           "resolution_note", "resolved_at")
    column_export_list = column_details_list
    column_default_sort = ("deadline", True)
    column_sortable_list = ("deadline", "outcome", "answer", "answered_at")
    column_filters = ("outcome", "answer", "deadline", UnitSubtreeFilter(ConsultationRecipient.unit_id, "Đơn vị"),
                      UnitCodeFilter(ConsultationRecipient.unit_id, "Đơn vị"))
    column_select_related_list = (ConsultationRecipient.consultation, ConsultationRecipient.unit)
    enum_columns = {"outcome": enums.RECIPIENT_OUTCOMES, "answer": enums.ANSWERS, "resolution": enums.RESOLUTIONS}
    form_columns = ("consultation", "unit", "relevance_reason", "deadline", "answer", "answer_text",
                    "resolution", "resolution_note")
    form_args = {"answer": {"description": label(ANSWER_HELP)}, "resolution": {"description": label(RESOLUTION_HELP)}}
    ajax_refs = {"consultation": ref(Consultation, ("code", "subject")), "unit": ref(Unit, open=True)}
    inline_models = (DeadlineIssueInline(DeadlineIssue),)
    readonly_columns = ("consultation", "unit", "outcome", "answered_at", "answered_late", "deemed_agreed_at",
                        "resolved_at")
    # A unit is added to a consultation first; it answers afterwards, through the rule.
    create_excluded = ("answer", "answer_text", "resolution", "resolution_note")

    def route(self, model: ConsultationRecipient, is_created: bool, account: Account,
              at: datetime) -> list[Call]:
        session = db.session
        if is_created:
            check_new_recipient(model.consultation, model, by=account)
            if model.deadline_issues:
                raise DomainError(NEW_RECIPIENT_NO_ISSUES)
            return []
        calls: list[Call] = []
        for issue in model.deadline_issues:
            if issue in session.deleted:
                raise DomainError(ISSUE_IS_RECORD)
            call = _filing_of(issue, model, account, at) if is_new(issue) else _decision_of(issue, account, at)
            if call is not None:
                calls.append(call)
        answer, text = take(model, "answer"), take(model, "answer_text")
        if answer is not None or text is not None:
            calls.append(lambda: consultations.answer(
                session, model, answer=answer.new if answer else model.answer,
                text=text.new if text else model.answer_text, by=account, at=at))
        deadline = take(model, "deadline")
        if deadline is not None:
            calls.append(lambda: change_recipient_deadline(session, model, deadline.new, by=account, at=at))
        reason = take(model, "relevance_reason")
        if reason is not None:  # the consulting unit's statement, not the consulted unit's
            calls.append(lambda: change_relevance_reason(session, model, reason.new, by=account))
        resolution, note = take(model, "resolution"), take(model, "resolution_note")
        if resolution is not None or note is not None:
            calls.append(lambda: consultations.resolve_disagreement(
                session, model, resolution=(resolution.new if resolution else model.resolution) or "",
                note=(note.new if note else model.resolution_note) or "", by=account, at=at))
        return calls


class DeadlineIssueView(RuleFormView):
    # A filing is a record of what the consulted unit wrote and when: filed and decided
    # through the rules, never deleted.
    can_delete = False
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
    form_columns = ("recipient", "document_ref", "description", "decision", "new_deadline", "decision_note")
    ajax_refs = {"recipient": ref(ConsultationRecipient, ("relevance_reason",), order_by="deadline")}
    readonly_columns = ("recipient", "document_ref", "description", "filed_at", "decided_at")
    # Filed first (by the consulted unit), decided afterwards (by the consulting unit).
    create_excluded = ("decision", "new_deadline", "decision_note")

    def route(self, model: DeadlineIssue, is_created: bool, account: Account, at: datetime) -> list[Call]:
        if is_created:
            return [_filing_of(model, model.recipient, account, at)]
        call = _decision_of(model, account, at)
        return [call] if call is not None else []
