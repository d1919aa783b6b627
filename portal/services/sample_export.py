"""Export of a draw for outside verification, and the verification itself.

``record.json`` carries the draw record (``vsample-v1`` fields plus who, when and
why) and ``population.jsonl`` the exact lines whose SHA-256 is the record's
``population_sha256``. Anyone can re-derive the sample from those two files with
an independent program (docs/vsample-v1-test-vectors.md).

Secrecy: nothing is exported before the seed is revealed. The seed is revealed
in the transaction that opens the inspection (:mod:`.sample_reveal`); a record
whose inspection opened before that rule existed is revealed at its first export.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Account, Sample, SampleItem
from . import DomainError, sample_files
from .sampling import ALGORITHM, VerifyResult, verify
from .sample_reveal import inspection_started, reveal_seed
from .samples import root_of

RECORD_FILE = "record.json"
POPULATION_FILE = "population.jsonl"
NOT_REVEALED = "Chưa thể xuất hoặc kiểm tra mẫu: hạt giống chỉ được công bố khi đợt kiểm tra bắt đầu."


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def ensure_revealed(session: Session, sample: Sample) -> None:
    """Refuse before the inspection opens; reveal what an older start left hidden."""
    if sample.seed_revealed_at is not None:
        return
    if not inspection_started(sample.inspection):
        raise DomainError(NOT_REVEALED)
    reveal_seed(session, sample.inspection)


def build_record(session: Session, sample: Sample) -> dict[str, Any]:
    """The record of a drawn sample as published (the seed included: call
    :func:`ensure_revealed` first)."""
    if sample.status != "done":
        raise DomainError(f"Mẫu #{sample.id} chưa rút xong (trạng thái: {sample.status}).")
    items = session.scalars(
        sa.select(SampleItem).where(SampleItem.sample_id == sample.id).order_by(SampleItem.stratum, SampleItem.rank)
    )
    drawn: dict[str, list[list[str]]] = {s: [] for s in sample.sizes}
    replacements_from: dict[str, int] = {}
    for item in items:
        drawn.setdefault(item.stratum, []).append([item.key_hex, item.item_id])
        if item.is_replacement and item.stratum not in replacements_from:
            replacements_from[item.stratum] = item.rank
    requester = session.get(Account, sample.requested_by_id) if sample.requested_by_id else None
    root = root_of(session, sample)
    return {
        "algorithm": ALGORITHM,
        "domain": sample.domain,
        "seed": sample.seed,
        "seed_commitment": sample.seed_commitment,
        "seed_source": sample.seed_source,
        "population_sha256": sample.population_sha256,
        "population_size": sample.population_size,
        "sizes": {s: int(k) for s, k in sample.sizes.items()},
        "sample": drawn,
        "planned_sizes": {s: int(k) for s, k in root.sizes.items()},
        "replacements_from_rank": replacements_from,
        "size_reason": sample.size_reason,
        "suggested_size": sample.suggested_size,
        "population_kind": sample.population_kind,
        "filters": sample.filters or {},
        "strata_by": sample.strata_by,
        "weighting": sample.weighting,
        "weight_cap": sample.weight_cap,
        "sample_id": sample.id,
        "extends_sample_id": sample.extends_sample_id,
        "inspection": sample.inspection.code,
        "requested_by": requester.username if requester else None,
        "requested_at": _iso(sample.requested_at),
        "drawn_at": _iso(sample.drawn_at),
        "seed_revealed_at": _iso(sample.seed_revealed_at),
    }


def _load(session: Session, sample_id: int) -> Sample:
    sample = session.get(Sample, sample_id)
    if sample is None:
        raise DomainError(f"Không tìm thấy mẫu #{sample_id}.")
    return sample


def export_sample(session: Session, sample_id: int, directory: str | Path, *, samples_root: Path) -> Path:
    """Write ``record.json`` and ``population.jsonl`` into ``directory`` (flushes a
    seed reveal if this is the first use after the inspection opened; the caller
    commits)."""
    sample = _load(session, sample_id)
    ensure_revealed(session, sample)
    record = build_record(session, sample)
    source = sample_files.stored_population(samples_root, sample.id, sample.population_sha256)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (POPULATION_FILE + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            for chunk in sample_files.read_checked(source, sample.population_sha256 or ""):
                fh.write(chunk)
        os.replace(tmp, out / POPULATION_FILE)
    finally:
        if tmp.exists():
            tmp.unlink()
    text = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    (out / RECORD_FILE).write_text(text, encoding="utf-8")
    return out


def _record_from(data: bytes | str) -> dict[str, Any]:
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise DomainError(f"Tệp {RECORD_FILE} không phải JSON hợp lệ: {exc}") from exc
    if not isinstance(record, dict):
        raise DomainError(f"Tệp {RECORD_FILE} phải là một đối tượng JSON.")
    return record


def verify_export(directory: str | Path) -> VerifyResult:
    """Re-derive the sample from the two exported files alone."""
    folder = Path(directory)
    try:
        record = _record_from((folder / RECORD_FILE).read_bytes())
    except OSError as exc:
        return VerifyResult(False, [f"Không đọc được {RECORD_FILE}: {exc}"])
    except DomainError as exc:
        return VerifyResult(False, [str(exc)])
    return verify(record, folder / POPULATION_FILE)


def verify_upload(record_bytes: bytes, population_bytes: bytes) -> VerifyResult:
    """The verify page: the same check on uploaded files."""
    try:
        record = _record_from(record_bytes)
    except DomainError as exc:
        return VerifyResult(False, [str(exc)])
    return verify(record, population_bytes)


def verify_stored(session: Session, sample_id: int, *, samples_root: Path) -> VerifyResult:
    """Check a stored draw against its stored population file (after the inspection
    opened, like an export)."""
    sample = _load(session, sample_id)
    ensure_revealed(session, sample)
    record = build_record(session, sample)
    path = sample_files.stored_population(samples_root, sample.id, sample.population_sha256)
    return verify(record, path)
