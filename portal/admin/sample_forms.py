"""Reading the sample request form as a user fills it in (two steps: preview the
population and its suggested sizes, then request the draw).

Plain parsing with Vietnamese messages; every rule of the request itself
(allowed filters, sizes, seed, reason) is enforced by ``services.samples``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from ..models import enums
from ..services import DomainError
from ..services.population import STRATA

MAX_STRATA = 500
FILTER_CHOICES = {
    "unit_kinds": enums.UNIT_KINDS,
    "staff_categories": enums.STAFF_CATEGORIES,
    "task_statuses": enums.TASK_STATUSES,
}
#: Which population kinds each filter field applies to (the page hides the others).
FILTER_KINDS = {"unit_kinds": "unit staff task", "subtree": "unit staff task",
                "staff_categories": "staff", "task_statuses": "task"}


def strata_options() -> list[tuple[str, str, str]]:
    """(kind, value, label) for the strata drop-down (the script filters by kind)."""
    return [(kind, code, f"{enums.POPULATION_KINDS[kind]} — {label}")
            for kind, options in STRATA.items() for code, label in options.items()]


@dataclass
class RequestInput:
    """The form's values, kept to re-render it, and the parsed request."""

    inspection_id: int | None = None
    population_kind: str = "unit"
    strata_by: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    weighting: str = "uniform"
    weight_cap: int | None = None
    tolerable_rate: float | None = None
    expected_rate: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)
    size_reason: str = ""
    seed: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _int(value: str | None, what: str, *, low: int, high: int) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise DomainError(f"{what} phải là số nguyên.")
    number = int(text)
    if not low <= number <= high:
        raise DomainError(f"{what} phải từ {low} đến {high}.")
    return number


def _percent(value: str | None, what: str) -> float | None:
    """"5", "5,5", "5.5" or "5%" → 0.05 / 0.055; the rule on ranges is the service's."""
    text = (value or "").strip().rstrip("%").strip().replace(",", ".")
    if not text:
        return None
    if len(text) > 10:
        raise DomainError(f"{what} không hợp lệ.")
    try:
        number = float(text)
    except ValueError as exc:
        raise DomainError(f"{what} phải là một số (phần trăm), ví dụ 5 hoặc 2,5.") from exc
    if not 0 <= number < 100:
        raise DomainError(f"{what} phải từ 0 đến dưới 100 (%).")
    return round(number / 100, 6)


def parse_request(form: MultiDict[str, str]) -> RequestInput:
    """Read the posted form; raises DomainError with a message for the user."""
    data = RequestInput(raw={k: form.getlist(k) if len(form.getlist(k)) > 1 else form.get(k) for k in form})
    data.inspection_id = _int(form.get("inspection_id"), "Đợt kiểm tra", low=1, high=2**31 - 1)
    if data.inspection_id is None:
        raise DomainError("Vui lòng chọn đợt kiểm tra.")
    data.population_kind = form.get("population_kind", "")
    if data.population_kind not in enums.POPULATION_KINDS:
        raise DomainError("Vui lòng chọn loại tổng thể (đơn vị, cán bộ hoặc nhiệm vụ).")
    data.strata_by = form.get("strata_by") or None
    kind = data.population_kind
    for name, choices in FILTER_CHOICES.items():
        values = [v for v in form.getlist(name) if v]
        if values and kind in FILTER_KINDS[name].split():
            unknown = [v for v in values if v not in choices]
            if unknown:
                raise DomainError("Giá trị lọc không hợp lệ.")
            data.filters[name] = values
    subtree = (form.get("subtree") or "").strip()
    if subtree:
        if len(subtree) > 40:
            raise DomainError("Mã đơn vị gốc quá dài (tối đa 40 ký tự).")
        data.filters["subtree"] = subtree
    data.weighting = form.get("weighting") or "uniform"
    if data.weighting not in enums.WEIGHTINGS:
        raise DomainError("Cách tính trọng số không hợp lệ.")
    data.weight_cap = _int(form.get("weight_cap"), "Mức trần trọng số", low=1, high=1000)
    data.tolerable_rate = _percent(form.get("tolerable_rate"), "Tỷ lệ sai lệch chấp nhận được")
    data.expected_rate = _percent(form.get("expected_rate"), "Tỷ lệ sai lệch dự kiến") or 0.0
    data.size_reason = (form.get("size_reason") or "").strip()
    if len(data.size_reason) > 4000:
        raise DomainError("Lý do chọn cỡ mẫu quá dài (tối đa 4000 ký tự).")
    data.seed = (form.get("seed") or "").strip().replace(" ", "")
    if len(data.seed) > 128:
        raise DomainError("Hạt giống quá dài (tối đa 128 chữ số).")
    for i in range(MAX_STRATA):
        if f"stratum_{i}" not in form:
            break
        size = _int(form.get(f"size_{i}"), f"Cỡ mẫu của tầng {form.get(f'stratum_{i}') or 'chung'!r}",
                    low=0, high=100_000)
        data.sizes[form[f"stratum_{i}"]] = size or 0
    return data


def parse_extra(form: MultiDict[str, str]) -> dict[str, int]:
    """Extra items per stratum for an extension (replacements)."""
    extra: dict[str, int] = {}
    for i in range(MAX_STRATA):
        if f"stratum_{i}" not in form:
            break
        more = _int(form.get(f"extra_{i}"), "Số phần tử dự phòng", low=0, high=10_000)
        if more:
            extra[form[f"stratum_{i}"]] = more
    if not extra:
        raise DomainError("Nhập số phần tử dự phòng cần lấy thêm cho ít nhất một tầng.")
    return extra
