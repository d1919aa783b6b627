"""Refusals people can read: database constraint names → Vietnamese messages.

The database is the last guard of integrity (CHECK, UNIQUE, foreign keys); when a
form gets that far, the constraint that refused it is named here in words, never
shown as a driver error.
"""
from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from ..extensions import db


def _enum(label: str) -> str:
    return f"{label}: giá trị không thuộc danh mục cho phép."


_VALIDITY = "Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu hiệu lực."
_DECIDED_TIME = "Đề xuất đã quyết định phải có thời điểm quyết định và ngược lại."
_DECIDER = "Đề xuất đã quyết định phải ghi người quyết định và ngược lại."
_REJECT_REASON = "Từ chối đề xuất phải nêu lý do."
_NOT_OWN = "Không ai được tự quyết định đề xuất của chính mình."
_SOURCE_KEY = "Đề xuất cho sự việc này đã được tạo."

#: Constraint name → message. A test checks that every constraint of the schema is here.
CONSTRAINT_MESSAGES: dict[str, str] = {
    # audit log and scheduled runs (written by the system only)
    "uq_audit_log_prev_hash": "Nhật ký kiểm toán đang được ghi đồng thời, vui lòng thử lại.",
    "uq_audit_log_hash": "Nhật ký kiểm toán đang được ghi đồng thời, vui lòng thử lại.",
    "ck_audit_log_source": _enum("Nguồn thao tác"),
    "ck_audit_log_action": _enum("Loại thao tác"),
    "ck_job_tick_job": _enum("Tác vụ định kỳ"),
    "uq_job_tick_job_tick": "Kỳ chạy này của tác vụ định kỳ đã được nhận.",
    # reference data
    "uq_calendar_exception_day": "Ngày này đã có trong danh sách ngày nghỉ bổ sung / làm bù.",
    "ck_calendar_exception_kind": _enum("Loại ngày"),
    "ck_commendation_title_validity_order": _VALIDITY,
    "ck_commendation_title_target": _enum("Đối tượng khen thưởng"),
    "uq_commendation_title_code_valid_from": "Đã có hình thức khen thưởng cùng mã và cùng ngày hiệu lực.",
    "ck_discipline_form_staff_category": _enum("Loại cán bộ"),
    "ck_discipline_form_validity_order": _VALIDITY,
    "uq_discipline_form_code_staff_category_for_managers_valid_from":
        "Đã có hình thức kỷ luật cùng mã, cùng đối tượng và cùng ngày hiệu lực.",
    "uq_rating_level_code_valid_from": "Đã có mức xếp loại cùng mã và cùng ngày hiệu lực.",
    "ck_rating_level_rank_positive": "Thứ bậc xếp loại phải từ 1 trở lên.",
    "ck_rating_level_validity_order": _VALIDITY,
    # accounts and permissions
    "uq_role_code": "Mã vai trò đã tồn tại.",
    "ck_role_code": _enum("Mã vai trò"),
    "uq_permission_role_id_resource_action": "Vai trò này đã có quyền đó.",
    "ck_permission_action": _enum("Thao tác"),
    "uq_account_staff_id": "Cán bộ này đã có tài khoản.",
    "uq_account_username": "Tên đăng nhập đã được dùng.",
    "ck_account_failed_logins": "Số lần đăng nhập sai không được âm.",
    # organisation
    "uq_unit_code": "Mã đơn vị đã tồn tại.",
    "ck_unit_validity_order": _VALIDITY,
    "ck_unit_kind": _enum("Loại đơn vị"),
    "ck_unit_not_own_parent": "Một đơn vị không thể là cấp trên của chính nó.",
    "ck_unit_depth": "Cấp của đơn vị không hợp lệ.",
    "uq_unit_function_code": "Mã chức năng đã tồn tại.",
    "uq_unit_function_assignment_unit_id_function_id_valid_from":
        "Đơn vị đã được giao chức năng này từ ngày đó.",
    "ck_unit_function_assignment_validity_order": _VALIDITY,
    "ck_staff_category": _enum("Loại cán bộ"),
    "uq_staff_code": "Mã cán bộ đã tồn tại.",
    "ck_staff_status": _enum("Tình trạng công tác"),
    # directives
    "uq_directive_code": "Số, ký hiệu văn bản chỉ đạo đã tồn tại.",
    "ck_directive_ack_after_issue": "Hạn quán triệt phải sau hoặc bằng ngày ban hành.",
    "uq_acknowledgement_directive_id_staff_id": "Cán bộ này đã xác nhận quán triệt văn bản này.",
    # tasks
    "ck_task_deadline_kind": _enum("Cách tính thời hạn"),
    "ck_task_due_after_received": "Hạn theo quy định phải sau hoặc bằng ngày tiếp nhận.",
    "ck_task_done_has_time": "Nhiệm vụ hoàn thành phải có thời điểm hoàn thành, và chỉ nhiệm vụ hoàn thành mới có.",
    "ck_task_deadline_kind_days":
        "Thời hạn theo ngày làm việc phải có số ngày lớn hơn 0; thời hạn theo ngày thì không nhập số ngày.",
    "ck_task_status": _enum("Trạng thái nhiệm vụ"),
    "ck_task_extension_not_earlier": "Hạn đang áp dụng không được trước hạn theo quy định.",
    "uq_task_code": "Mã nhiệm vụ đã tồn tại.",
    "ck_task_extension_reason_given": "Gia hạn phải nêu lý do.",
    "ck_task_extension_later_date": "Hạn mới phải sau hạn cũ.",
    "ck_task_step_seq_positive": "Thứ tự bước phải từ 1 trở lên.",
    "uq_task_step_task_id_seq": "Nhiệm vụ đã có bước với thứ tự này.",
    "ck_task_step_done_has_time": "Bước hoàn thành phải có thời điểm hoàn thành, và chỉ bước hoàn thành mới có.",
    "ck_task_done_has_lateness": "Nhiệm vụ hoàn thành phải được xác định đúng hạn hay quá hạn, và chỉ nhiệm vụ hoàn thành mới có.",
    "ck_task_step_done_has_lateness": "Bước hoàn thành phải được xác định đúng hạn hay quá hạn, và chỉ bước hoàn thành mới có.",
    "ck_task_step_status": _enum("Trạng thái bước"),
    # consultations
    "ck_consultation_deadline_kind_days":
        "Thời hạn theo ngày làm việc phải có số ngày lớn hơn 0; thời hạn theo ngày thì không nhập số ngày.",
    "ck_consultation_deadline_kind": _enum("Cách tính thời hạn"),
    "ck_consultation_deadline_after_sent": "Hạn trả lời phải sau hoặc bằng ngày gửi lấy ý kiến.",
    "uq_consultation_code": "Mã hồ sơ lấy ý kiến đã tồn tại.",
    "ck_consultation_status": _enum("Trạng thái lấy ý kiến"),
    "ck_consultation_recipient_resolution_for_disagreement": "Chỉ ý kiến không đồng ý mới cần cách giải quyết.",
    "ck_consultation_recipient_answer": _enum("Ý kiến trả lời"),
    "ck_consultation_recipient_resolution": _enum("Cách giải quyết"),
    "ck_consultation_recipient_relevance_given": "Phải nêu lý do lấy ý kiến của cơ quan này.",
    "uq_consultation_recipient_consultation_id_unit_id": "Cơ quan này đã có trong danh sách được lấy ý kiến.",
    "ck_consultation_recipient_disagree_has_reasons": "Ý kiến không đồng ý phải nêu lý do.",
    "ck_consultation_recipient_answer_has_time": "Ý kiến trả lời phải có thời điểm trả lời và ngược lại.",
    "ck_consultation_recipient_deemed_has_time": "Kết quả 'được xác định là đồng ý' phải có thời điểm xác định.",
    "ck_consultation_recipient_outcome": _enum("Kết quả"),
    "ck_deadline_issue_extend_has_date": "Quyết định gia hạn phải có hạn mới.",
    "ck_deadline_issue_decision": _enum("Quyết định"),
    "ck_deadline_issue_description_given": "Phải nêu nội dung vướng mắc.",
    "ck_deadline_issue_decision_has_time": "Quyết định phải có thời điểm quyết định và ngược lại.",
    "uq_notice_dedupe_key": "Văn bản cho sự việc này đã được phát hành.",
    "ck_notice_kind": _enum("Loại văn bản"),
    "ck_notice_period_order": "Ngày cuối kỳ phải sau hoặc bằng ngày đầu kỳ.",
    "ck_notice_number_digits": "Số văn bản phải là số tự nhiên (từ 1 đến 9 chữ số, không bắt đầu bằng chữ số 0).",
    "uq_notice_issued_year_issuing_unit_id_number":
        "Số văn bản này đã được cơ quan ban hành sử dụng trong năm; mỗi số chỉ cấp cho một văn bản.",
    # inspections
    "ck_inspection_ended_after_started": "Chỉ kết thúc được cuộc kiểm tra đã bắt đầu.",
    "uq_inspection_code": "Mã cuộc kiểm tra đã tồn tại.",
    "ck_inspection_time_order": "Thời điểm kết thúc phải sau thời điểm bắt đầu.",
    "ck_inspection_started_has_time": "Cuộc kiểm tra đang tiến hành hoặc đã kết thúc phải có thời điểm bắt đầu.",
    "ck_inspection_started_has_time": "Cuộc kiểm tra đang diễn ra hoặc đã kết thúc phải có thời điểm bắt đầu.",
    "ck_inspection_status": _enum("Trạng thái kiểm tra"),
    "ck_inspection_mode": _enum("Hình thức kiểm tra"),
    "uq_inspection_target_inspection_id_unit_id": "Đơn vị này đã có trong danh sách được kiểm tra.",
    "ck_finding_description_given": "Phải mô tả nội dung phát hiện.",
    "ck_finding_kind": _enum("Nội dung kiểm tra"),
    "ck_finding_severity": _enum("Mức độ"),
    "ck_recommendation_kind": _enum("Loại kiến nghị"),
    "ck_recommendation_status": _enum("Tình trạng thực hiện"),
    "ck_recommendation_text_given": "Phải nêu nội dung kiến nghị.",
    "ck_sample_seed_source": _enum("Nguồn hạt giống"),
    "ck_sample_algorithm": "Thuật toán chọn mẫu phải là vsample-v1.",
    "ck_sample_population_size": "Cỡ tổng thể không được âm.",
    "ck_sample_status": _enum("Trạng thái chọn mẫu"),
    "ck_sample_weight_cap": "Trọng số tối đa phải từ 1 trở lên.",
    "ck_sample_progress": "Tiến độ phải từ 0 đến 100.",
    "ck_sample_weighting": _enum("Cách tính trọng số"),
    "ck_sample_population_kind": _enum("Loại tổng thể"),
    "ck_sample_commitment_hex": "Cam kết hạt giống phải là 64 ký tự hexa.",
    "uq_sample_item_sample_id_stratum_rank": "Thứ hạng trong tầng đã có.",
    "uq_sample_item_sample_id_item_id": "Phần tử đã có trong mẫu.",
    "ck_sample_item_rank_positive": "Thứ hạng phải từ 1 trở lên.",
    "ck_sample_item_key_hex": "Khóa phải là 64 ký tự hexa.",
    # proposals
    **{f"ck_{t}_{name}": msg for t in ("commendation", "reassignment", "disciplinary_review") for name, msg in (
        ("decided_has_time", _DECIDED_TIME), ("decided_has_decider", _DECIDER),
        ("rejection_reason", _REJECT_REASON), ("not_own_proposal", _NOT_OWN), ("status", _enum("Trạng thái")),
    )},
    **{f"uq_{t}_source_key": _SOURCE_KEY for t in ("commendation", "reassignment", "disciplinary_review")},
    "ck_commendation_target_kind": _enum("Đối tượng"),
    "ck_commendation_target_matches_kind":
        "Khen thưởng tập thể phải chọn đơn vị (không chọn cá nhân); khen thưởng cá nhân phải chọn cán bộ.",
    "ck_evidence_one_owner": "Căn cứ phải thuộc đúng một đề xuất.",
    "ck_evidence_has_fact": "Căn cứ phải dẫn một sự việc hoặc có ghi chú.",
}

FOREIGN_KEY = "Bản ghi liên quan không tồn tại, hoặc bản ghi đang được bản ghi khác sử dụng nên không xóa được."
NOT_NULL = "Thiếu thông tin bắt buộc: {column}."
UNKNOWN = "Dữ liệu không hợp lệ, không lưu được."


def _unique_by_columns(table: str, columns: str) -> str | None:
    """SQLite names the columns of a failed UNIQUE, not the constraint: find it."""
    wanted = [c.strip().split(".")[-1] for c in columns.split(",")]
    found = db.metadata.tables.get(table)
    if found is None:
        return None
    for constraint in found.constraints:
        names = [c.name for c in getattr(constraint, "columns", [])]
        if constraint.name and constraint.name.startswith("uq_") and names == wanted:
            return constraint.name
    return None


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint that refused the statement, on PostgreSQL or SQLite."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    text = str(exc.orig)
    match = re.search(r"CHECK constraint failed: (\w+)", text)
    if match:
        return match.group(1)
    match = re.search(r"UNIQUE constraint failed: ([\w.,\s]+)", text)
    if match:
        columns = match.group(1)
        return _unique_by_columns(columns.split(".")[0].strip(), columns)
    return None


def integrity_message(exc: IntegrityError) -> str:
    """A Vietnamese sentence for a refused write."""
    name = constraint_name(exc)
    if name in CONSTRAINT_MESSAGES:
        return CONSTRAINT_MESSAGES[name]
    text = str(exc.orig)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate == "23503" or "FOREIGN KEY constraint failed" in text:
        return FOREIGN_KEY
    if sqlstate == "23502" or "NOT NULL constraint failed" in text:
        column = getattr(getattr(exc.orig, "diag", None), "column_name", None)
        if column is None:
            match = re.search(r"NOT NULL constraint failed: [\w]+\.(\w+)", text)
            column = match.group(1) if match else "?"
        return NOT_NULL.format(column=column)
    return UNKNOWN
