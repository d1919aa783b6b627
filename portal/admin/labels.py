"""Vietnamese column labels shared by every screen (one name for one thing).

A screen may override a label where the same column means something more precise
there (``unit`` is "Đơn vị được kiểm tra" on a finding).
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext

#: Words that make a Vietnamese noun plural ("Các bước xử lý"): one row drops them.
PLURAL_MARKERS = ("Các ", "Những ")

COMMON_LABELS: dict[str, str] = {
    "id": "Số hiệu", "code": "Mã", "name": "Tên", "short_name": "Tên viết tắt", "title": "Tiêu đề",
    "kind": "Loại", "status": "Trạng thái", "description": "Nội dung", "note": "Ghi chú",
    "reason": "Lý do, căn cứ đề xuất", "text": "Nội dung", "summary": "Trích yếu", "subject": "Trích yếu",
    "body": "Nội dung văn bản", "scope": "Phạm vi, nội dung", "position": "Chức vụ", "place": "Địa bàn",
    "created_at": "Ngày tạo", "updated_at": "Cập nhật lần cuối", "valid_from": "Hiệu lực từ", "valid_to": "Hiệu lực đến",
    "legal_basis": "Căn cứ pháp lý",
    # organisation
    "unit": "Đơn vị", "unit_id": "Đơn vị", "parent": "Đơn vị cấp trên", "children": "Đơn vị trực thuộc",
    "path": "Đường dẫn cây", "depth": "Cấp", "function": "Chức năng", "staff": "Cán bộ",
    "full_name": "Họ và tên", "category": "Loại cán bộ", "is_manager": "Lãnh đạo, quản lý",
    "email": "Thư điện tử", "phone": "Điện thoại",
    # accounts
    "username": "Tên đăng nhập", "display_name": "Tên hiển thị", "role": "Vai trò", "active": "Đang hoạt động",
    "failed_logins": "Số lần đăng nhập sai", "locked_until": "Khóa đến", "last_login_at": "Đăng nhập lần cuối",
    "language": "Ngôn ngữ", "resource": "Chức năng (tài nguyên)", "action": "Thao tác",
    # tasks
    "lead_unit": "Đơn vị chủ trì", "authority_unit": "Đơn vị có thẩm quyền quyết định", "owner": "Người phụ trách",
    "received_on": "Ngày tiếp nhận", "deadline_kind": "Cách tính thời hạn",
    "deadline_working_days": "Số ngày làm việc", "legal_due_date": "Hạn theo quy định", "due_date": "Hạn xử lý",
    "completed_at": "Thời điểm hoàn thành", "completed_late": "Hoàn thành quá hạn",
    "submitted_to_unit": "Đã trình lên đơn vị", "submitted_at": "Thời điểm trình",
    "improper_escalation": "Đẩy lên cấp trên không đúng thẩm quyền", "return_reason": "Lý do trả lại",
    "steps": "Các bước xử lý", "extensions": "Các lần gia hạn", "seq": "Thứ tự", "responsible": "Người chịu trách nhiệm",
    "task": "Nhiệm vụ", "task_step": "Bước xử lý", "previous_due_date": "Hạn cũ", "new_due_date": "Hạn mới",
    "granted_at": "Thời điểm gia hạn", "outcome_status": "Tình trạng thực hiện",
    # consultations
    "proposal": "Nội dung xin ý kiến", "consulting_unit": "Cơ quan chủ trì lấy ý kiến",
    "competent_unit": "Cấp có thẩm quyền", "sent_on": "Ngày gửi", "deadline": "Hạn trả lời",
    "recipients": "Cơ quan được lấy ý kiến", "consultation": "Hồ sơ lấy ý kiến",
    "relevance_reason": "Lý do lấy ý kiến cơ quan này", "outcome": "Kết quả", "answer": "Ý kiến",
    "answer_text": "Nội dung ý kiến, lý do", "answered_at": "Thời điểm trả lời", "answered_late": "Trả lời muộn",
    "deemed_agreed_at": "Xác định đồng ý lúc", "resolution": "Cách giải quyết bất đồng",
    "resolution_note": "Ghi chú giải quyết", "resolved_at": "Thời điểm giải quyết",
    "deadline_issues": "Văn bản trao đổi về thời hạn", "recipient": "Cơ quan được lấy ý kiến",
    "document_ref": "Số văn bản", "filed_at": "Thời điểm gửi", "decision": "Quyết định",
    "new_deadline": "Hạn trả lời mới", "decision_note": "Ghi chú quyết định",
    # notices
    "dedupe_key": "Khóa sự việc", "number": "Số", "symbol": "Ký hiệu", "issuing_unit": "Cơ quan ban hành",
    "recipient_unit": "Nơi nhận (đơn vị)", "recipient_staff": "Nơi nhận (cá nhân)", "issued_on": "Ngày ban hành",
    "consultation_recipient": "Cơ quan được lấy ý kiến", "period_start": "Từ ngày", "period_end": "Đến ngày",
    # inspections
    "mode": "Hình thức", "planned_on": "Ngày dự kiến", "started_at": "Thời điểm bắt đầu",
    "ended_at": "Thời điểm kết thúc", "targets": "Đơn vị được kiểm tra", "findings": "Kết quả kiểm tra",
    "samples": "Mẫu đã chọn", "inspection": "Cuộc kiểm tra", "severity": "Mức độ",
    "recorded_at": "Thời điểm ghi nhận", "recommendations": "Kiến nghị", "finding": "Phát hiện",
    "population_kind": "Tổng thể", "domain": "Miền rút mẫu", "seed_source": "Nguồn hạt giống", "seed": "Hạt giống",
    "seed_commitment": "Cam kết hạt giống (SHA-256)", "seed_revealed_at": "Công bố hạt giống lúc",
    "weighting": "Trọng số", "weight_cap": "Trọng số tối đa", "filters": "Điều kiện lọc", "strata_by": "Phân tầng theo",
    "sizes": "Cỡ mẫu", "suggested_size": "Cỡ mẫu đề xuất", "size_reason": "Lý do cỡ mẫu",
    "population_sha256": "Mã băm tổng thể", "population_size": "Cỡ tổng thể", "progress": "Tiến độ (%)",
    "error": "Lỗi", "requested_at": "Yêu cầu lúc", "drawn_at": "Rút mẫu lúc", "algorithm": "Thuật toán",
    "sample": "Mẫu", "stratum": "Tầng", "rank": "Thứ hạng", "item_id": "Mã phần tử", "key_hex": "Khóa",
    "is_replacement": "Phần tử dự phòng", "items": "Phần tử", "job_id": "Mã tác vụ",
    # proposals
    "target_kind": "Đối tượng", "title_id": "Hình thức", "proposed_at": "Ngày đề xuất", "proposed_by": "Người đề xuất",
    "decided_at": "Thời điểm quyết định", "decided_by": "Người quyết định",
    "decision_reason": "Lý do quyết định", "proposed_position": "Vị trí đề xuất",
    "proposed_unit": "Đơn vị đề xuất chuyển đến", "discipline_form": "Hình thức kỷ luật", "evidence": "Căn cứ",
    "commendation": "Khen thưởng", "reassignment": "Điều chuyển", "disciplinary_review": "Kiểm điểm",
    "source_key": "Khóa sự việc",
    # directives, reference, audit
    "directive": "Văn bản chỉ đạo", "acknowledge_by": "Hạn quán triệt", "acknowledged_at": "Thời điểm quán triệt",
    "staff_category": "Loại cán bộ", "for_managers": "Áp dụng cho lãnh đạo, quản lý", "target": "Đối tượng",
    "awarding_authority": "Thẩm quyền khen thưởng", "day": "Ngày", "at": "Thời điểm", "actor": "Người thực hiện",
    "source": "Nguồn", "table_name": "Bảng", "row_id": "Số hiệu bản ghi", "before": "Trước", "after": "Sau",
    "prev_hash": "Hash bản ghi trước", "hash": "Hash", "job": "Tác vụ", "tick": "Kỳ chạy",
    "finished_at": "Kết thúc lúc", "duration_ms": "Thời gian (ms)", "stats": "Thống kê",
}

#: Resources of the permission matrix that are pages rather than tables (their name
#: where the matrix is shown; tables are named by their screen in the registry).
PAGE_RESOURCES: dict[str, str] = {
    "sweep": "Quét thời hạn",
    "queue": "Giám sát hàng đợi",
    "periodic_report": "Báo cáo định kỳ",
}


def item_label(text: Any) -> str:
    """One row of a list labelled ``text``, in the page's language: "Các bước xử lý" → "Bước xử lý"."""
    shown = str(text)
    for marker in PLURAL_MARKERS:
        if shown.startswith(marker) and len(shown) > len(marker):
            rest = shown[len(marker):]
            return rest[0].upper() + rest[1:]
    return shown


def add_label(text: Any) -> str:
    """The button adding a row to the list labelled ``text``: "Thêm bước xử lý".

    Vietnamese capitalises only the first word, so the noun is lowered unless it
    starts with an abbreviation (UBND, HĐND)."""
    item = item_label(text)
    first = item.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower():
        item = item[0].lower() + item[1:]
    return gettext("Thêm %(item)s", item=item)
