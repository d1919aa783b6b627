"""Reference data with effective dates, kept by administrators."""
from __future__ import annotations

from ...models import enums
from ..base import PortalModelView

VALIDITY = "Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu hiệu lực."
VALID_COLUMNS = ("valid_from", "valid_to")


class DisciplineFormView(PortalModelView):
    column_list = ("name", "staff_category", "for_managers", "severity", "legal_basis", *VALID_COLUMNS)
    column_default_sort = [("staff_category", False), ("for_managers", False), ("severity", False)]
    column_searchable_list = ("code", "name")
    column_filters = ("staff_category", "for_managers", *VALID_COLUMNS)
    column_labels = {"severity": "Mức độ (1 nhẹ nhất)"}
    enum_columns = {"staff_category": enums.STAFF_CATEGORIES}
    form_columns = ("code", "name", "staff_category", "for_managers", "severity", "legal_basis", *VALID_COLUMNS)
    date_order = (("valid_from", "valid_to", VALIDITY),)


class CommendationTitleView(PortalModelView):
    column_list = ("name", "target", "awarding_authority", "legal_basis", *VALID_COLUMNS)
    column_default_sort = "name"
    column_searchable_list = ("code", "name")
    column_filters = ("target", *VALID_COLUMNS)
    enum_columns = {"target": enums.TITLE_TARGETS}
    form_columns = ("code", "name", "target", "awarding_authority", "legal_basis", *VALID_COLUMNS)
    date_order = (("valid_from", "valid_to", VALIDITY),)


class RatingLevelView(PortalModelView):
    column_list = ("rank", "name", "legal_basis", *VALID_COLUMNS)
    column_default_sort = "rank"
    column_searchable_list = ("code", "name")
    column_labels = {"rank": "Thứ bậc"}
    form_columns = ("code", "name", "rank", "legal_basis", *VALID_COLUMNS)
    date_order = (("valid_from", "valid_to", VALIDITY),)


class CalendarExceptionView(PortalModelView):
    column_list = ("day", "kind", "reason")
    column_default_sort = ("day", True)
    column_searchable_list = ("reason",)
    column_filters = ("kind", "day")
    column_labels = {"reason": "Lý do"}
    enum_columns = {"kind": enums.CALENDAR_KINDS}
    form_columns = ("day", "kind", "reason")
