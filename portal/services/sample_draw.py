"""The draw of a sample request: read the population, draw, write its file, store.

Why this shape (the job in ``jobs/sampling.py`` only sets the transaction
boundaries): a draw over a million tasks must take seconds and little memory, and
a killed draw must leave nothing half-done. So the population is read from SQL as
plain tuples in byte order of the code and goes through
:func:`~portal.services.sampling_stream.draw_stream` once — keys, selection and
the population file's lines in one loop, written as they come — and the ordered
sample is then appended in one bulk INSERT, in the same transaction that marks
the sample ``done``. An extension (replacements) re-reads its parent's stored
file instead of the database, so it draws from exactly the same population.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Sample, SampleItem
from . import DomainError, population, sample_files
from .audit import record_event
from .sample_reveal import add_targets, inspection_started
from .samples import root_of
from .sampling import SamplingError
from .sampling_stream import draw_stream, merge_lines
from .workdays import local_today

Progress = Callable[[int], None]


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
    # closing(): a failed draw closes its cursor now, not whenever the generator is collected.
    with sample_files.PopulationFile(root, sample.id) as out, closing(population.batches(session, spec, today)) as rows:
        streamed = draw_stream(rows, domain=sample.domain, seed=sample.seed or "", sizes=sample.sizes,
                               write=out.write, progress=writer.items)
        if streamed.stragglers:
            # Codes stored decomposed (or a collation that is not byte order): put
            # those lines in place; duplicates that were not adjacent surface here.
            sha, _ = out.finish_merged(lambda written: merge_lines(written, streamed.stragglers))
        else:
            sha, _ = out.finish()
    odd = {nfc: int(row[3]) for nfc, row in streamed.renamed}
    return DrawResult(streamed.sample, sha, streamed.count, dict(sample.sizes), odd)


def _file_batches(path: Path, sha256: str) -> Iterator[list[tuple[str, int, str]]]:
    """Rows of a stored population file, a chunk at a time; its hash must still be
    the record's. A JSON line never holds a raw newline, so a chunk of whole lines
    parses as one JSON array."""
    digest = hashlib.sha256()
    rest = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            chunk, rest = chunk[:cut], chunk[cut:]
            if chunk:
                rows = json.loads(b"[" + chunk[:-1].replace(b"\n", b",") + b"]")
                yield [(r[0], int(r[1]), r[2]) for r in rows]
    if rest or digest.hexdigest() != sha256:
        raise DomainError(f"Tệp tổng thể {path} đã bị thay đổi: mã băm không khớp với hồ sơ mẫu.")


def _draw_extension(session: Session, sample: Sample, root: Path, writer: ProgressWriter) -> DrawResult:
    parent = session.get(Sample, sample.extends_sample_id)
    assert parent is not None
    sha = parent.population_sha256 or ""
    path = sample_files.stored_population(root, parent.id, sha)
    writer.total = max(1, int(parent.population_size or 0))
    try:
        streamed = draw_stream(_file_batches(path, sha), domain=sample.domain, seed=sample.seed or "",
                               sizes=sample.sizes, write=lambda chunk: None, progress=writer.items)
    except (ValueError, TypeError, IndexError) as exc:
        if isinstance(exc, (DomainError, SamplingError)):
            raise
        raise DomainError(f"Tệp tổng thể của mẫu #{parent.id} không đọc được: {exc}") from exc
    if streamed.stragglers or streamed.renamed:
        raise DomainError(f"Tệp tổng thể của mẫu #{parent.id} không ở dạng chuẩn của vsample-v1.")
    before: dict[str, list[tuple[str, str]]] = {s: [] for s in parent.sizes}
    for item in session.scalars(sa.select(SampleItem).where(SampleItem.sample_id == parent.id)
                                .order_by(SampleItem.stratum, SampleItem.rank)):
        before.setdefault(item.stratum, []).append((item.key_hex, item.item_id))
    for stratum, rows in before.items():
        if streamed.sample.get(stratum, [])[: len(rows)] != rows:
            raise DomainError(f"Mẫu mở rộng không khớp với mẫu #{parent.id} ở tầng {stratum!r}: hồ sơ gốc đã bị thay đổi.")
    sample_files.share_population(root, path, sample.id, sha)
    return DrawResult(streamed.sample, sha, streamed.count, dict(root_of(session, sample).sizes), {})


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


def sample_digest(sample: dict[str, list[tuple[str, str]]]) -> str:
    """SHA-256 of the ordered sample (strata sorted, ``[[key, id], …]`` as compact
    JSON): what the audit log keeps instead of the drawn ids, which are secret
    until the inspection opens. Nobody can recompute it without the seed."""
    text = json.dumps({s: [list(e) for e in rows] for s, rows in sample.items()}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store_draw(session: Session, sample: Sample, drawn: DrawResult, *, now: datetime) -> None:
    """Append the ordered sample to the record and close it (flush only).

    Items beyond the planned k of the original request are replacements. The items
    go in with one bulk INSERT (no object per item), which the audit log's flush
    listeners do not see: one audit entry records the count and
    :func:`sample_digest` instead. Drawn units become targets once the inspection
    is open.
    """
    if sample.status == "done":
        raise DomainError(f"Mẫu #{sample.id} đã được rút; hồ sơ không được ghi lại.")
    ids = [item_id for rows in drawn.sample.values() for _, item_id in rows]
    links = _links(session, sample.population_kind, ids, drawn.odd_codes)
    column = population.link_column(sample.population_kind)
    rows = [
        {"sample_id": sample.id, "stratum": stratum, "rank": rank, "item_id": item_id, "key_hex": key_hex,
         "is_replacement": rank > int(drawn.planned.get(stratum, 0)), "unit_id": None, "staff_id": None,
         "task_id": None, column: links.get(item_id)}
        for stratum, ranked in drawn.sample.items() for rank, (key_hex, item_id) in enumerate(ranked, start=1)
    ]
    if rows:
        session.execute(sa.insert(SampleItem.__table__), rows)
    record_event(session, "create", SampleItem.__tablename__, None, None,
                 {"sample_id": sample.id, "items": len(rows), "sample_sha256": sample_digest(drawn.sample)},
                 inspection_id=sample.inspection_id)
    sample.population_sha256, sample.population_size = drawn.population_sha256, drawn.population_size
    sample.status, sample.progress, sample.drawn_at, sample.error = "done", 100, now, None
    session.flush()
    if inspection_started(sample.inspection):
        if sample.seed_revealed_at is None:
            sample.seed_revealed_at = now
        add_targets(session, sample)
    session.flush()


def mark_failed(session: Session, sample_id: int, error: str) -> None:
    """Record why a draw failed (flush only; never on a sample already done)."""
    session.execute(sa.update(Sample).where(Sample.id == sample_id, Sample.status != "done")
                    .values(status="failed", error=error[:2000]).execution_options(synchronize_session=False))
    session.flush()
