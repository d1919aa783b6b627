"""Surprise-inspection samples: the request, the draw, extensions and the seed.

Why this shape: a draw must be re-derivable by outsiders (``vsample-v1``), the
seed must be fixed before anyone sees the population yet stay secret until the
inspection opens, and the record is append-only. So:

* the request stores the seed and publishes only its commitment;
* the draw (an RQ job) streams the population, hashes exactly the lines it
  writes to the population file, and stores the ordered sample with its keys in
  one transaction with status ``done`` — a killed draw leaves nothing half-done;
* replacements never alter a record: an extension is a new Sample with the same
  domain, seed and population whose first k items must equal the parent's;
* the seed is revealed (``seed_revealed_at``) when the inspection opens.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from json.encoder import encode_basestring as _json_string
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Account, Inspection, InspectionTarget, Sample, SampleItem
from ..models.base import utcnow
from . import DomainError, population, sample_files
from .sample_size import suggest_sample_size
from .sampling import PopulationItem, commitment, draw, new_seed, parse_population_lines, validate_seed
from .workdays import local_today

MAX_SAMPLE_SIZE = 100_000
_PLURAL = {"unit": "units", "staff": "staff", "task": "tasks"}
Progress = Callable[[int], None]


def inspection_started(inspection: Inspection) -> bool:
    """An inspection is open once it has started (or already ended)."""
    return inspection.started_at is not None or inspection.status in ("in_progress", "closed")


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


def reveal_seed(session: Session, inspection: Inspection, now: datetime | None = None) -> int:
    """Reveal the seeds of the inspection's samples once it has started (call it
    when the inspection starts); the units drawn become its targets only now, since
    targets are visible to the units concerned. Returns how many were revealed."""
    if not inspection_started(inspection):
        raise DomainError("Chỉ công bố hạt giống khi đợt kiểm tra đã bắt đầu.")
    now = now or utcnow()
    # ORM updates, not one UPDATE statement, so that each reveal is in the audit log.
    hidden = session.scalars(sa.select(Sample).where(
        Sample.inspection_id == inspection.id, Sample.seed_revealed_at.is_(None)))
    count = 0
    for sample in hidden:
        sample.seed_revealed_at = now
        add_targets(session, sample)
        count += 1
    session.flush()
    return count


class ProgressWriter:
    """Turns item counts into a percentage and reports it: to the caller (RQ job
    meta) and to ``Sample.progress`` in its own short transaction, about every 5 %."""

    def __init__(self, bind: Any, sample_id: int, total: int, report: Progress | None = None) -> None:
        self.bind, self.sample_id, self.total, self.report = bind, sample_id, max(total, 1), report
        self.last = -100

    def items(self, n: int) -> None:
        self.set(5 + int(85 * min(n, self.total) / self.total))

    def set(self, pct: int) -> None:
        pct = max(0, min(100, pct))
        if pct < 100 and pct - self.last < 5:
            return
        self.last = pct
        if self.report is not None:
            self.report(pct)
        stmt = sa.update(Sample.__table__).where(Sample.__table__.c.id == self.sample_id).values(progress=pct)
        if isinstance(self.bind, sa.Engine):
            with self.bind.begin() as conn:
                conn.execute(stmt)
        else:  # already a connection (tests joining an outer transaction)
            self.bind.execute(stmt)


def population_line(item: PopulationItem) -> bytes:
    """``sampling.canonical_line`` without ``json.dumps``' per-call encoder set-up:
    ten times faster over a million rows. It is the very string encoder json.dumps
    uses with ``ensure_ascii=False``; a test checks the bytes are identical."""
    return f'[{_json_string(item.id)},"{item.weight}",{_json_string(item.stratum)}]\n'.encode("utf-8")


@dataclass
class DrawResult:
    """What a draw computed, before it is stored."""

    sample: dict[str, list[tuple[str, str]]]
    population_sha256: str
    population_size: int
    planned: dict[str, int]
    odd_codes: dict[str, int]  # NFC id -> pk where the stored code is not in NFC


def _draw_root(session: Session, sample: Sample, root: Path, writer: ProgressWriter, today: date) -> DrawResult:
    spec = population.spec_of(sample)
    writer.total = max(1, population.count(session, spec, today))
    lines: list[tuple[bytes, bytes]] = []
    odd: dict[str, int] = {}

    def items() -> Iterator[PopulationItem]:
        for row in population.stream(session, spec, today):
            if row.code != row.item.id:
                odd[row.item.id] = row.pk
            lines.append((row.item.id.encode("utf-8"), population_line(row.item)))
            yield row.item

    result = draw(items(), domain=sample.domain, seed=sample.seed or "", sizes=sample.sizes, progress=writer.items)
    # Same order as sampling.population_lines: by the UTF-8 bytes of the id.
    lines.sort(key=lambda pair: pair[0])
    sha, size, _ = sample_files.write_population(root, sample.id, (line for _, line in lines))
    return DrawResult(result, sha, size, dict(sample.sizes), odd)


def _draw_extension(session: Session, sample: Sample, root: Path, writer: ProgressWriter) -> DrawResult:
    parent = session.get(Sample, sample.extends_sample_id)
    assert parent is not None
    path = sample_files.stored_population(root, parent.id, parent.population_sha256)
    with open(path, "rb") as fh:
        items = parse_population_lines(fh)
    writer.total = max(1, len(items))
    result = draw(items, domain=sample.domain, seed=sample.seed or "", sizes=sample.sizes, progress=writer.items)
    before: dict[str, list[tuple[str, str]]] = {s: [] for s in parent.sizes}
    for item in sorted(parent.items, key=lambda i: (i.stratum, i.rank)):
        before.setdefault(item.stratum, []).append((item.key_hex, item.item_id))
    for stratum, rows in before.items():
        if result.get(stratum, [])[: len(rows)] != rows:
            raise DomainError(f"Mẫu mở rộng không khớp với mẫu #{parent.id} ở tầng {stratum!r}: hồ sơ gốc đã bị thay đổi.")
    sha = parent.population_sha256 or ""
    sample_files.share_population(root, path, sample.id, sha)
    return DrawResult(result, sha, int(parent.population_size or 0), dict(root_of(session, sample).sizes), {})


def compute_draw(session: Session, sample: Sample, *, samples_root: Path, writer: ProgressWriter,
                 now: datetime) -> DrawResult:
    """Build the population (or reuse the parent's file), draw, write the file.

    Reads only; raises DomainError/SamplingError for a draw that cannot succeed.
    """
    if not sample.seed:
        raise DomainError("Hồ sơ mẫu không có hạt giống.")
    if sample.extends_sample_id is None:
        return _draw_root(session, sample, samples_root, writer, local_today(now))
    return _draw_extension(session, sample, samples_root, writer)


def _links(session: Session, kind: str, ids: list[str], odd: dict[str, int]) -> dict[str, int]:
    wanted = [i for i in ids if i not in odd]
    forms = sorted({f for i in wanted for f in (i, unicodedata.normalize("NFD", i))})
    found = population.pks_by_code(session, kind, forms)
    links = {unicodedata.normalize("NFC", code): pk for code, pk in found.items()}
    links.update(odd)
    return links


def store_draw(session: Session, sample: Sample, drawn: DrawResult, *, now: datetime) -> None:
    """Append the ordered sample to the record and close it (flush only).

    Items beyond the planned k of the original request are replacements; drawn
    units (not replacements) become targets of the inspection.
    """
    if sample.status == "done":
        raise DomainError(f"Mẫu #{sample.id} đã được rút; hồ sơ không được ghi lại.")
    ids = [item_id for rows in drawn.sample.values() for _, item_id in rows]
    links = _links(session, sample.population_kind, ids, drawn.odd_codes)
    column = population.link_column(sample.population_kind)
    for stratum, rows in drawn.sample.items():
        for rank, (key_hex, item_id) in enumerate(rows, start=1):
            replacement = rank > int(drawn.planned.get(stratum, 0))
            session.add(SampleItem(sample_id=sample.id, stratum=stratum, rank=rank, item_id=item_id, key_hex=key_hex,
                                   is_replacement=replacement, **{column: links.get(item_id)}))
    sample.population_sha256, sample.population_size = drawn.population_sha256, drawn.population_size
    sample.status, sample.progress, sample.drawn_at, sample.error = "done", 100, now, None
    session.flush()
    if inspection_started(sample.inspection):
        if sample.seed_revealed_at is None:
            sample.seed_revealed_at = now
        add_targets(session, sample)
    session.flush()


def add_targets(session: Session, sample: Sample) -> int:
    """The drawn units (not replacements) of a unit sample become targets of its
    inspection, once each. Only after the inspection opened: a target is visible to
    the unit concerned, so adding it earlier would announce the sample."""
    if sample.population_kind != "unit" or sample.status != "done":
        return 0
    have = set(session.scalars(sa.select(InspectionTarget.unit_id)
                               .where(InspectionTarget.inspection_id == sample.inspection_id)))
    drawn = session.scalars(sa.select(SampleItem.unit_id).where(
        SampleItem.sample_id == sample.id, SampleItem.is_replacement.is_(False), SampleItem.unit_id.is_not(None)))
    added = 0
    for unit_id in drawn:
        if unit_id not in have:
            session.add(InspectionTarget(inspection_id=sample.inspection_id, unit_id=unit_id))
            have.add(unit_id)
            added += 1
    session.flush()
    return added


def mark_failed(session: Session, sample_id: int, error: str) -> None:
    """Record why a draw failed (flush only; never on a sample already done)."""
    session.execute(sa.update(Sample).where(Sample.id == sample_id, Sample.status != "done")
                    .values(status="failed", error=error[:2000]).execution_options(synchronize_session=False))
    session.flush()
