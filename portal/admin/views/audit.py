"""The audit log and the scheduled runs: read-only records of what happened."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import defer

from ...models import AuditLog, enums
from ..base import PortalModelView


class AuditLogView(PortalModelView):
    can_create = can_edit = can_delete = False
    simple_list_pager = True  # the log only grows
    column_list = ("at", "actor", "source", "action", "table_name", "row_id")
    column_details_list = ("id", "at", "actor", "source", "action", "table_name", "row_id", "before", "after",
                           "prev_hash", "hash")
    column_export_list = column_details_list
    column_display_pk = True
    column_default_sort = ("id", True)
    column_sortable_list = ("id", "at", "actor", "action", "table_name")
    column_searchable_list = ("actor", "table_name", "row_id")
    column_filters = ("actor", "action", "source", "table_name", "at")
    enum_columns = {"action": enums.AUDIT_ACTIONS, "source": enums.AUDIT_SOURCES}

    def get_query(self) -> Any:
        query = super().get_query()
        if has_request_context() and request.endpoint == f"{self.endpoint}.export":
            return query  # the export writes before/after: load them with the rows
        # The list shows six short columns; a sweep's bulk entry holds every id it changed
        # (megabytes of JSON), which the list would otherwise read and parse for nothing.
        return query.options(defer(AuditLog.before), defer(AuditLog.after))


class JobTickView(PortalModelView):
    can_create = can_edit = can_delete = False
    column_list = ("job", "tick", "started_at", "finished_at", "duration_ms")
    column_details_list = ("job", "tick", "started_at", "finished_at", "duration_ms", "stats")
    column_export_list = column_details_list
    column_default_sort = ("tick", True)
    column_filters = ("job",)
    enum_columns = {"job": enums.SWEEP_JOBS}
