"""Enumerations of the domain: code → Vietnamese label.

Codes are what the database stores (and its CHECK constraints allow); labels are
what people read. One name for one thing across schema, code and screens.
"""
from __future__ import annotations

UNIT_KINDS = {
    "province": "Tỉnh",
    "district": "Huyện",
    "department": "Sở, ngành",
    "office": "Phòng, ban",
    "commune": "Xã, thị trấn",
    "school": "Trường học",
    "agency": "Đơn vị sự nghiệp",
}

STAFF_CATEGORIES = {
    "can_bo": "Cán bộ",
    "cong_chuc": "Công chức",
    "vien_chuc": "Viên chức",
    "nguoi_lao_dong": "Người lao động",
}

STAFF_STATUSES = {
    "active": "Đang công tác",
    "on_leave": "Nghỉ phép dài hạn",
    "transferred": "Đã điều chuyển",
    "retired": "Đã nghỉ hưu, thôi việc",
}

ROLES = {
    "admin": "Quản trị hệ thống",
    "leadership": "Lãnh đạo",
    "inspector": "Kiểm tra công vụ",
    "unit_head": "Thủ trưởng đơn vị",
    "staff": "Cán bộ, công chức",
}

ACTIONS = {
    "view": "Xem",
    "create": "Thêm",
    "edit": "Sửa",
    "delete": "Xóa",
    "export": "Xuất dữ liệu",
    "approve": "Phê duyệt",
    "sample": "Chọn mẫu",
}

DEADLINE_KINDS = {"date": "Theo ngày", "working_days": "Theo số ngày làm việc"}

TASK_STATUSES = {
    "open": "Chưa thực hiện",
    "in_progress": "Đang thực hiện",
    "submitted": "Đã trình cấp trên",
    "done": "Đã hoàn thành",
    "returned": "Trả lại đơn vị có thẩm quyền",
    "cancelled": "Đã hủy",
}

# How officials report a task (đúng hạn / quá hạn, trong hạn / quá hạn); computed, not stored.
TASK_OUTCOMES = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "in_time": "Đang thực hiện trong hạn",
    "at_risk": "Sắp đến hạn",
    "overdue": "Quá hạn chưa hoàn thành",
}

STEP_STATUSES = {"open": "Chưa hoàn thành", "done": "Đã hoàn thành"}

CONSULTATION_STATUSES = {
    "draft": "Dự thảo",
    "open": "Đang lấy ý kiến",
    "closed": "Hết hạn lấy ý kiến",
    "submitted": "Đã trình",
    "escalated": "Báo cáo cấp có thẩm quyền quyết định",
    "withdrawn": "Đã rút",
}

ANSWERS = {
    "agree": "Đồng ý",
    "agree_with_comments": "Đồng ý, có ý kiến",
    "disagree": "Không đồng ý (nêu lý do)",
}

RECIPIENT_OUTCOMES = {
    "pending": "Chờ trả lời",
    "answered": "Đã trả lời đúng hạn",
    "deemed_agreed": "Được xác định là đồng ý",
    "suspended": "Tạm dừng (có văn bản trao đổi)",
}

RESOLUTIONS = {
    "meeting": "Đã làm việc trực tiếp, thống nhất",
    "escalated": "Báo cáo cấp có thẩm quyền quyết định",
}

DEADLINE_ISSUE_DECISIONS = {
    "extend": "Gia hạn thời hạn trả lời",
    "keep": "Giữ nguyên thời hạn",
}

NOTICE_KINDS = {
    "deemed_agreement": "Thông báo xác định đồng ý",
    "authority_report": "Báo cáo cấp có thẩm quyền",
    "overdue_reminder": "Nhắc việc quá hạn",
    "due_reminder": "Nhắc việc sắp đến hạn",
    "periodic_report": "Báo cáo định kỳ",
}

INSPECTION_MODES = {
    "planned": "Theo kế hoạch",
    "surprise_notice": "Đột xuất có báo trước",
    "unannounced": "Đột xuất không báo trước",
}

INSPECTION_STATUSES = {
    "planned": "Đã lập kế hoạch",
    "in_progress": "Đang kiểm tra",
    "closed": "Đã kết thúc",
    "cancelled": "Đã hủy",
}

POPULATION_KINDS = {"unit": "Đơn vị", "staff": "Cán bộ, công chức", "task": "Nhiệm vụ"}
WEIGHTINGS = {"uniform": "Đồng đều", "risk": "Theo rủi ro"}
SAMPLE_STATUSES = {
    "pending": "Chờ rút mẫu",
    "running": "Đang rút mẫu",
    "done": "Đã rút mẫu",
    "failed": "Lỗi",
}

FINDING_KINDS = {
    "punctuality": "Giờ giấc, vắng mặt không lý do",
    "badge": "Đeo thẻ, biển chức danh",
    "conduct": "Văn hóa công sở, quy tắc ứng xử",
    "reception": "Lịch tiếp công dân",
    "one_stop": "Bộ phận một cửa, niêm yết thủ tục",
    "late_handling": "Giải quyết thủ tục, nhiệm vụ trễ hạn",
    "vehicle": "Sử dụng xe công",
    "other": "Khác",
}
SEVERITIES = {"minor": "Nhẹ", "moderate": "Trung bình", "serious": "Nghiêm trọng"}

RECOMMENDATION_KINDS = {
    "correct": "Chấn chỉnh",
    "criticise_head": "Phê bình, kiểm điểm người đứng đầu",
    "discipline": "Xem xét xử lý kỷ luật cá nhân",
    "other": "Khác",
}
RECOMMENDATION_STATUSES = {"open": "Chưa thực hiện", "done": "Đã thực hiện"}

DECISION_STATUSES = {"proposed": "Đề xuất", "approved": "Đã phê duyệt", "rejected": "Từ chối"}
TARGET_KINDS = {"unit": "Tập thể", "person": "Cá nhân"}
TITLE_TARGETS = {"unit": "Tập thể", "person": "Cá nhân", "both": "Tập thể và cá nhân"}

CALENDAR_KINDS = {"day_off": "Ngày nghỉ bổ sung", "working_day": "Ngày làm việc bù"}

AUDIT_ACTIONS = {
    "create": "Thêm",
    "update": "Sửa",
    "delete": "Xóa",
    "approve": "Phê duyệt",
    "reject": "Từ chối",
    "login": "Đăng nhập",
}
AUDIT_SOURCES = {"web": "Cổng thông tin", "job": "Tác vụ nền", "cli": "Dòng lệnh", "system": "Hệ thống"}

SWEEP_JOBS = {"sweep": "Quét thời hạn", "monthly_report": "Báo cáo tháng"}
