"""Samples are append-only records of a ``vsample-v1`` draw: shown, never edited here.

Drawing a sample is its own flow (the sampling job); these screens only read.
"""
from __future__ import annotations

from typing import Any

from ...models import Sample, SampleItem, enums
from ..base import PortalModelView
from ..filters import UnitSubtreeFilter

SEED_HIDDEN = "(chưa công bố — xem cam kết SHA-256)"


def _seed(_view: Any, _context: Any, sample: Sample, _name: str) -> str:
    # Until it is revealed only the commitment may be known, or the draw could be predicted.
    return sample.seed if sample.seed_revealed_at is not None and sample.seed else SEED_HIDDEN


class SampleView(PortalModelView):
    can_create = can_edit = can_delete = False
    column_list = ("id", "inspection", "population_kind", "weighting", "status", "progress", "population_size",
                   "requested_at", "drawn_at")
    column_details_list = (
        "id", "inspection", "algorithm", "population_kind", "domain", "seed_source", "seed", "seed_commitment",
        "seed_revealed_at", "weighting", "weight_cap", "filters", "strata_by", "sizes", "suggested_size",
        "size_reason", "population_sha256", "population_size", "status", "progress", "error", "requested_at",
        "drawn_at",
    )
    column_export_list = column_details_list
    column_display_pk = True
    column_default_sort = ("requested_at", True)
    column_sortable_list = ("id", "status", "requested_at", "drawn_at")
    column_filters = ("population_kind", "status", "requested_at")
    column_select_related_list = (Sample.inspection,)
    column_formatters = {"seed": _seed}
    column_formatters_export = {"seed": _seed}
    enum_columns = {"population_kind": enums.POPULATION_KINDS, "weighting": enums.WEIGHTINGS,
                    "status": enums.SAMPLE_STATUSES}


class SampleItemView(PortalModelView):
    can_create = can_edit = can_delete = False
    simple_list_pager = True
    column_list = ("sample", "stratum", "rank", "item_id", "is_replacement", "unit", "staff", "task")
    column_details_list = ("sample", "stratum", "rank", "item_id", "key_hex", "is_replacement", "unit",
                           "staff", "task")
    column_export_list = column_details_list
    column_default_sort = [("sample_id", True), ("stratum", False), ("rank", False)]
    column_sortable_list = ("stratum", "rank", "item_id")
    column_searchable_list = ("item_id",)
    column_filters = ("stratum", "is_replacement", UnitSubtreeFilter(SampleItem.unit_id, "Đơn vị"))
    column_select_related_list = (SampleItem.sample, SampleItem.unit, SampleItem.staff, SampleItem.task)
