"""Error pages in Vietnamese (JSON for API-style requests)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền truy cập nội dung này.",
    404: "Không tìm thấy trang hoặc bản ghi.",
    405: "Phương thức không được hỗ trợ.",
    413: "Tệp gửi lên quá lớn.",
    500: "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.",
}
CSRF_MESSAGE = "Mã bảo vệ CSRF bị thiếu hoặc không hợp lệ. Vui lòng tải lại trang và thử lại; dữ liệu chưa được lưu."


def _render(status: int, message: str) -> tuple[Response | str, int]:
    if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    status = error.code or 500
    return _render(status, MESSAGES.get(status, error.description or MESSAGES[400]))


def _csrf_error(_error: CSRFError) -> tuple[Response | str, int]:
    return _render(400, CSRF_MESSAGE)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    for status in MESSAGES:
        app.register_error_handler(status, _http_error)
