"""Form plumbing for the generated screens: CSRF, Vietnamese messages, local dates.

* Every Flask-Admin form derives from :class:`PortalForm`, whose CSRF token is
  Flask-WTF's, so the app-wide ``CSRFProtect`` and the form agree on one token
  (Flask-Admin's own ``SecureForm`` uses a different token that ``CSRFProtect``
  would refuse).
* WTForms ships no Vietnamese catalogue; its validation messages are translated
  here so that "This field is required." reaches users as "Trường này là bắt buộc."
* Dates are typed and shown as dd/mm/yyyy; instants are typed in Asia/Ho_Chi_Minh
  and stored as aware UTC.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import BaseForm, DatePickerWidget, DateTimePickerWidget
from flask_admin.model.form import converts
from flask_admin.model.widgets import XEditableWidget
from flask_babel import get_locale
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import fields

from ..i18n import translate
from ..services.workdays import TZ

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"

WTFORMS_VI = {
    "This field is required.": "Trường này là bắt buộc.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Not a valid choice": "Lựa chọn không hợp lệ hoặc bản ghi nằm ngoài phạm vi của bạn.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Có lựa chọn không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ (định dạng dd/mm/yyyy).",
    "Not a valid datetime value.": "Thời điểm không hợp lệ (định dạng dd/mm/yyyy hh:mm).",
    "Not a valid time value.": "Giờ không hợp lệ.",
    "Not a valid integer value.": "Phải là số nguyên.",
    "Not a valid decimal value.": "Phải là số.",
    "Not a valid float value.": "Phải là số.",
    "Invalid email address.": "Địa chỉ thư điện tử không hợp lệ.",
    "Invalid URL.": "Địa chỉ URL không hợp lệ.",
    "Number must be at least %(min)s.": "Số phải lớn hơn hoặc bằng %(min)s.",
    "Number must be at most %(max)s.": "Số phải nhỏ hơn hoặc bằng %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải từ %(min)s đến %(max)s.",
    "Field must be between %(min)d and %(max)d characters long.": "Độ dài phải từ %(min)d đến %(max)d ký tự.",
    "Field must be equal to %(other_name)s.": "Phải trùng với trường %(other_name)s.",
    "Invalid CSRF Token.": "Mã chống giả mạo (CSRF) không hợp lệ. Vui lòng tải lại trang.",
    "CSRF token missing.": "Thiếu mã chống giả mạo (CSRF). Vui lòng tải lại trang.",
    "CSRF failed.": "Kiểm tra chống giả mạo (CSRF) thất bại. Vui lòng tải lại trang.",
    "CSRF token expired.": "Mã chống giả mạo (CSRF) đã hết hạn. Vui lòng tải lại trang.",
    "This field cannot be edited.": "Trường này không được sửa.",
    "This field is disabled and cannot have a value.": "Trường này bị khóa, không được nhập giá trị.",
}
WTFORMS_VI_PLURAL = {
    "Field cannot be longer than %(max)d character.": "Không được dài quá %(max)d ký tự.",
    "Field must be at least %(min)d character long.": "Phải có ít nhất %(min)d ký tự.",
    "Field must be exactly %(max)d character long.": "Phải có đúng %(max)d ký tự.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' không phải lựa chọn hợp lệ.",
}


def _vietnamese() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "vi"


class VietnameseTranslations:
    """WTForms translations object: Vietnamese when the page is in Vietnamese."""

    def gettext(self, string: str) -> str:
        return WTFORMS_VI.get(string, string) if _vietnamese() else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if _vietnamese() and singular in WTFORMS_VI_PLURAL:
            return WTFORMS_VI_PLURAL[singular]
        return singular if n == 1 else plural


_TRANSLATIONS = VietnameseTranslations()


class PortalInlineForm(BaseForm):
    """Inline (child) forms: translated; the parent form carries the CSRF token."""

    class Meta:
        def get_translations(self, form: Any) -> VietnameseTranslations:
            return _TRANSLATIONS


class PortalForm(PortalInlineForm):
    """Base of every Flask-Admin form of the portal, CSRF-protected."""

    class Meta(PortalInlineForm.Meta):
        csrf = True
        csrf_class = _FlaskFormCSRF
        csrf_field_name = "csrf_token"
        csrf_time_limit = None

        @property
        def csrf_secret(self) -> Any:
            from flask import current_app

            return current_app.config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)

        @property
        def csrf_context(self) -> Any:
            from flask import session

            return session


class VnDateField(fields.DateField):
    """A date typed as dd/mm/yyyy (ISO yyyy-mm-dd is accepted too)."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", [DATE_FORMAT, "%Y-%m-%d"])
        kwargs.setdefault("widget", DatePickerWidget())
        kwargs.setdefault("render_kw", {"data-date-format": "DD/MM/YYYY", "placeholder": "dd/mm/yyyy"})
        super().__init__(label, validators, **kwargs)


class LocalDateTimeField(fields.DateTimeField):
    """An instant typed in local time (Asia/Ho_Chi_Minh), stored as aware UTC."""

    widget = DateTimePickerWidget()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", [DATETIME_FORMAT, "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"])
        kwargs.setdefault("render_kw", {"data-date-format": "DD/MM/YYYY HH:mm", "placeholder": "dd/mm/yyyy hh:mm"})
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if not self.data:
            return ""
        value = self.data.astimezone(TZ) if self.data.tzinfo else self.data
        return value.strftime(self.format[0])

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, datetime) and self.data.tzinfo is None:
            self.data = self.data.replace(tzinfo=TZ).astimezone(timezone.utc)


class PortalModelConverter(AdminModelConverter):
    """Flask-Admin's converter with local date formats and the portal's UTC column type."""

    @converts("Date")
    def convert_date(self, field_args: Any, **extra: Any) -> fields.DateField:
        return VnDateField(**field_args)

    @converts("DateTime", "UTCDateTime")
    def convert_datetime(self, field_args: Any, **extra: Any) -> fields.DateTimeField:
        return LocalDateTimeField(**field_args)


class PortalXEditableWidget(XEditableWidget):
    """x-editable's markup (inline list edit), with the options of a drop-down in the
    page's language: they travel as JSON, which cannot carry a lazy label."""

    def get_kwargs(self, field: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        if field.type not in ("Select2Field", "SelectField") or not field.choices:
            return super().get_kwargs(field, kwargs)
        field.choices = [(value, translate(text)) for value, text in field.choices]
        kwargs = super().get_kwargs(field, kwargs)
        # The stored code, not the label shown in the cell: x-editable preselects the option by it.
        kwargs["data-value"] = "" if field.data is None else str(field.data)
        return kwargs
