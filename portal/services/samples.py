"""Surprise-inspection samples: the request and its extensions.

Why this shape: a draw must be re-derivable by outsiders (``vsample-v1``), the
seed must be fixed before anyone sees the population yet stay secret until the
inspection opens, and the record is append-only. So:

* the request stores the seed and publishes only its commitment (here);
* the draw (an RQ job, :mod:`portal.services.sample_draw`) streams the
  population, hashes exactly the lines it writes to the population file, and
  stores the ordered sample with its keys in one transaction with status
  ``done`` — a killed draw leaves nothing half-done;
* replacements never alter a record: an extension is a new Sample with the same
  domain, seed and population whose first k items must equal the parent's (here);
* the seed is revealed (``seed_revealed_at``) in the transaction that opens the
  inspection (:mod:`portal.services.sample_reveal`).
"""
from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Account, Inspection, Sample
from ..models.base import utcnow
from . import DomainError, population
from .sample_reveal import add_targets, inspection_started, reveal_seed, start_inspection
from .sample_size import suggest_sample_size
from .sampling import commitment, new_seed, validate_seed
from .workdays import local_today

__all__ = ["MAX_SAMPLE_SIZE", "add_targets", "clean_sizes", "create_sample_request", "extend_sample",
           "inspection_started", "reveal_seed", "root_of", "start_inspection", "suggested_sizes"]

MAX_SAMPLE_SIZE = 100_000
_PLURAL = {"unit": "units", "staff": "staff", "task": "tasks"}


def clean_sizes(sizes: Mapping[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, k in (sizes or {}).items():
        if not isinstance(name, str) or len(name) > 200:
            raise DomainError("Tên tầng không hợp lệ.")
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= MAX_SAMPLE_SIZE:
            raise DomainError(f"Cỡ mẫu của tầng {name or '(chung)'!r} phải là số nguyên từ 0 đến {MAX_SAMPLE_SIZE}.")
        out[unicodedata.normalize("NFC", name)] = k
    if not any(out.values()):
        raise DomainError("Cần ít nhất một tầng có cỡ mẫu lớn hơn 0.")
    return out


def suggested_sizes(counts: Mapping[str, int], strata: list[str], tolerable: float, expected: float) -> dict[str, int]:
    """Attribute-sampling suggestion per stratum (95 % confidence)."""
    try:
        return {s: suggest_sample_size(counts[s], tolerable, expected) if counts.get(s) else 0 for s in strata}
    except ValueError as exc:
        raise DomainError(str(exc)) from exc


def _domain(session: Session, inspection: Inspection, kind: str) -> str:
    """``inspection:<code>:<kind>`` for the first draw of a kind, then ``…:2`` etc."""
    earlier = session.scalar(
        sa.select(sa.func.count()).select_from(Sample).where(
            Sample.inspection_id == inspection.id, Sample.population_kind == kind, Sample.extends_sample_id.is_(None)
        )
    ) or 0
    base = f"inspection:{inspection.code}:{_PLURAL[kind]}"
    return base if earlier == 0 else f"{base}:{earlier + 1}"


def _seed(seed: str | None) -> tuple[str, str]:
    if seed is None or not seed.strip():
        return new_seed(), "random"
    seed = seed.strip()
    if not seed.isdigit() or len(seed) < 20:
        raise DomainError("Hạt giống từ gieo xúc xắc phải gồm ít nhất 20 chữ số (0–9).")
    return validate_seed(seed), "dice"


def create_sample_request(
    session: Session,
    inspection: Inspection,
    *,
    population_kind: str,
    filters: Mapping[str, Any] | None = None,
    strata_by: str | None = None,
    sizes: Mapping[str, Any],
    weighting: str = "uniform",
    weight_cap: int | None = None,
    seed: str | None = None,
    tolerable_rate: float | None = None,
    expected_rate: float = 0.0,
    size_reason: str | None = None,
    by: Account,
    now: datetime | None = None,
) -> Sample:
    """Record a pending draw; only the seed's commitment is public from now on.

    When the chosen sizes differ from the attribute-sampling suggestion (or there
    is no suggestion) a reason is required and kept in the record.
    """
    now = now or utcnow()
    if inspection.status in ("closed", "cancelled"):
        raise DomainError("Không thể chọn mẫu cho đợt kiểm tra đã kết thúc hoặc đã hủy.")
    spec = population.make_spec(population_kind, filters, strata_by, weighting, weight_cap)
    wanted = clean_sizes(sizes)
    reason = (size_reason or "").strip()
    suggested_total: int | None = None
    if tolerable_rate is not None:
        counts = population.summary(session, spec, local_today(now))
        suggestion = suggested_sizes(counts, list(wanted), tolerable_rate, expected_rate)
        suggested_total = sum(suggestion.values())
        if wanted != suggestion and not reason:
            shown = ", ".join(f"{s or 'chung'}: {k}" for s, k in suggestion.items())
            raise DomainError(f"Cỡ mẫu khác cỡ mẫu đề xuất ({shown}); vui lòng ghi lý do.")
        if not reason:
            reason = (f"Theo cỡ mẫu đề xuất: độ tin cậy 95%, tỷ lệ sai lệch chấp nhận được {tolerable_rate:.1%}, "
                      f"tỷ lệ sai lệch dự kiến {expected_rate:.1%}.")
    elif not reason:
        raise DomainError("Chưa có cỡ mẫu đề xuất (thiếu tỷ lệ sai lệch chấp nhận được): vui lòng ghi lý do chọn cỡ mẫu.")
    secret, source = _seed(seed)
    sample = Sample(
        inspection_id=inspection.id, population_kind=spec.kind, domain=_domain(session, inspection, spec.kind),
        seed_source=source, seed=secret, seed_commitment=commitment(secret), weighting=spec.weighting,
        weight_cap=spec.weight_cap, filters=spec.filters, strata_by=spec.strata_by, sizes=wanted,
        suggested_size=suggested_total, size_reason=reason[:4000], status="pending", progress=0,
        requested_by_id=by.id, requested_at=now,
    )
    session.add(sample)
    session.flush()
    return sample


def root_of(session: Session, sample: Sample) -> Sample:
    """The original draw an extension (of an extension …) goes back to."""
    seen = {sample.id}
    while sample.extends_sample_id is not None:
        sample = session.get(Sample, sample.extends_sample_id)  # type: ignore[assignment]
        if sample is None or sample.id in seen:
            raise DomainError("Chuỗi mẫu mở rộng không hợp lệ.")
        seen.add(sample.id)
    return sample


def extend_sample(session: Session, sample_id: int, extra: Mapping[str, Any], *, by: Account,
                  now: datetime | None = None) -> Sample:
    """A new pending Sample continuing ``sample_id``'s draw with ``extra`` more items
    per stratum (replacements); the parent record is never touched."""
    parent = session.get(Sample, sample_id)
    if parent is None:
        raise DomainError(f"Không tìm thấy mẫu #{sample_id}.")
    if parent.status != "done":
        raise DomainError("Chỉ mở rộng được mẫu đã rút xong.")
    more = {s: k for s, k in clean_sizes(extra).items() if k}
    unknown = [s for s in more if s not in parent.sizes]
    if unknown:
        raise DomainError(f"Tầng không có trong mẫu gốc: {', '.join(unknown)}.")
    sizes = {s: int(k) + more.get(s, 0) for s, k in parent.sizes.items()}
    child = Sample(
        inspection_id=parent.inspection_id, extends_sample_id=parent.id, population_kind=parent.population_kind,
        domain=parent.domain, seed_source=parent.seed_source, seed=parent.seed,
        seed_commitment=parent.seed_commitment, seed_revealed_at=parent.seed_revealed_at,
        weighting=parent.weighting, weight_cap=parent.weight_cap, filters=dict(parent.filters or {}),
        strata_by=parent.strata_by, sizes=sizes, suggested_size=parent.suggested_size,
        size_reason=f"Lấy thêm mẫu thay thế cho mẫu #{parent.id}: "
                    + ", ".join(f"{s or 'chung'} +{k}" for s, k in more.items()),
        status="pending", progress=0, requested_by_id=by.id, requested_at=now or utcnow(),
    )
    session.add(child)
    session.flush()
    return child
