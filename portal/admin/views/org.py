"""Organisation: units as a tree, unit functions and their assignments, staff."""
from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from ...models import Staff, Unit, UnitFunction, UnitFunctionAssignment, enums
from ..ajax import ref
from ..base import PortalModelView
from ..filters import UnitCodeFilter, UnitSubtreeFilter

VALIDITY = "Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu hiệu lực."


def _tree_name(_view: Any, _context: Any, unit: Unit, _name: str) -> Markup:
    # Sorted by materialised path, an indent by depth reads as the tree.
    indent = Markup("&nbsp;&nbsp;&nbsp;&nbsp;") * unit.depth
    closed = Markup(' <span class="badge badge-secondary">đã giải thể</span>') if unit.valid_to else ""
    return indent + escape(unit.name) + closed


class UnitView(PortalModelView):
    column_list = ("code", "name", "kind", "parent", "place", "valid_from", "valid_to")
    column_details_list = ("code", "name", "short_name", "kind", "parent", "place", "path", "depth",
                           "valid_from", "valid_to", "created_at")
    column_export_list = ("code", "name", "short_name", "kind", "parent", "place", "valid_from", "valid_to")
    column_default_sort = "path"
    column_sortable_list = ("code", "name", "kind", "path", "valid_from", "valid_to")
    column_searchable_list = ("code", "name")
    column_formatters = {"name": _tree_name}
    column_formatters_export = {}
    column_filters = ("kind", UnitSubtreeFilter(Unit.id, "Đơn vị"), "valid_from", "valid_to")
    column_select_related_list = (Unit.parent,)
    enum_columns = {"kind": enums.UNIT_KINDS}
    form_columns = ("code", "name", "short_name", "kind", "parent", "place", "valid_from", "valid_to")
    ajax_refs = {"parent": ref(Unit)}
    readonly_columns = ("code",)
    date_order = (("valid_from", "valid_to", VALIDITY),)


class UnitFunctionView(PortalModelView):
    column_list = ("code", "name")
    column_default_sort = "code"
    column_searchable_list = ("code", "name")
    form_columns = ("code", "name")
    readonly_columns = ("code",)


class UnitFunctionAssignmentView(PortalModelView):
    column_list = ("unit", "function", "valid_from", "valid_to")
    column_default_sort = ("valid_from", True)
    column_filters = (UnitSubtreeFilter(UnitFunctionAssignment.unit_id, "Đơn vị"), "valid_from", "valid_to")
    column_select_related_list = (UnitFunctionAssignment.unit, UnitFunctionAssignment.function)
    form_columns = ("unit", "function", "valid_from", "valid_to")
    ajax_refs = {"unit": ref(Unit), "function": ref(UnitFunction)}
    date_order = (("valid_from", "valid_to", VALIDITY),)


class StaffView(PortalModelView):
    simple_list_pager = True  # no COUNT(*) over tens of thousands of staff on every page
    column_list = ("code", "full_name", "unit", "position", "category", "is_manager", "status")
    column_details_list = ("code", "full_name", "unit", "position", "category", "is_manager", "status",
                           "email", "phone", "created_at")
    column_export_list = column_details_list
    column_default_sort = "full_name"
    column_sortable_list = ("code", "full_name", "position", "category", "status")
    column_searchable_list = ("code", "full_name")
    column_filters = (UnitSubtreeFilter(Staff.unit_id, "Đơn vị"), "category", "status", "is_manager",
                      UnitCodeFilter(Staff.unit_id, "Đơn vị"))
    column_select_related_list = (Staff.unit,)
    column_editable_list = ("position",)
    enum_columns = {"category": enums.STAFF_CATEGORIES, "status": enums.STAFF_STATUSES}
    form_columns = ("code", "full_name", "unit", "position", "category", "is_manager", "status", "email", "phone")
    ajax_refs = {"unit": ref(Unit)}
    readonly_columns = ("code",)
