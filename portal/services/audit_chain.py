"""The audit log's canonical form and the verification of its hash chain.

Kept apart from :mod:`.audit` (which appends entries) so that anyone checking the
chain — ``flask --app wsgi audit verify``, a benchmark building synthetic history,
an outside auditor reading this file — needs only this module. The canonical form
is described in :mod:`.audit`'s docstring.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import AuditLog

GENESIS_HASH = "0" * 64
#: The hashed fields of an entry, besides ``prev_hash``.
FIELDS = ("at", "actor", "source", "action", "table_name", "row_id", "before", "after")
_TABLE = AuditLog.__table__


def json_safe(value: Any) -> Any:
    """A value JSON can hold and give back unchanged, so a stored entry re-hashes equal."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    return str(value)


def _format_at(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(prev_hash: str, at: datetime, actor: str | None, source: str, action: str,
                   table_name: str, row_id: str | None, before: Any, after: Any) -> bytes:
    """The bytes an entry's hash is taken over (see :mod:`portal.services.audit`)."""
    payload = {
        "prev_hash": prev_hash, "at": _format_at(at), "actor": actor, "source": source,
        "action": action, "table_name": table_name, "row_id": row_id, "before": before, "after": after,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def entry_hash(**fields: Any) -> str:
    """SHA-256 (hex) of :func:`canonical_json` over the keyword fields."""
    return hashlib.sha256(canonical_json(**fields)).hexdigest()


# --- verification -------------------------------------------------------------------

@dataclass(frozen=True)
class VerifyResult:
    """``checked`` counts the entries that verified before the first broken one."""

    ok: bool
    checked: int
    first_broken_id: int | None
    message: str
    last_hash: str | None = None


def verify_chain(session: Session, *, batch_size: int = 1000) -> VerifyResult:
    """Recompute every hash in id order, streaming; stop at the first broken link."""
    stmt = sa.select(*(_TABLE.c[k] for k in ("id", *FIELDS, "prev_hash", "hash"))).order_by(_TABLE.c.id)
    expected, prev_id, checked = GENESIS_HASH, None, 0
    result = session.execute(stmt, execution_options={"yield_per": batch_size})
    try:
        for row in result:
            if row.prev_hash != expected:
                if prev_id is None:
                    why = "prev_hash không phải giá trị khởi đầu (64 chữ số 0): các bản ghi đầu nhật ký đã bị xóa."
                else:
                    why = (f"prev_hash không khớp hash của bản ghi liền trước #{prev_id}: có bản ghi"
                           " ở giữa đã bị xóa, chèn hoặc tính lại hash.")
                return _broken(row.id, checked, why)
            computed = entry_hash(prev_hash=row.prev_hash, **{k: row._mapping[k] for k in FIELDS})
            if computed != row.hash:
                why = (f"nội dung không khớp hash đã lưu (tính lại {computed[:16]}…, đã lưu"
                       f" {str(row.hash)[:16]}…): bản ghi đã bị sửa sau khi ghi.")
                return _broken(row.id, checked, why)
            expected, prev_id, checked = row.hash, row.id, checked + 1
    finally:
        result.close()
    return VerifyResult(True, checked, None, f"Nhật ký kiểm toán toàn vẹn: {checked} bản ghi.",
                        expected if checked else None)


def _broken(entry_id: int, checked: int, why: str) -> VerifyResult:
    return VerifyResult(False, checked, entry_id, f"Nhật ký kiểm toán bị phá vỡ tại bản ghi #{entry_id}: {why}")


